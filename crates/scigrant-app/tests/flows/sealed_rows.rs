//! Issue 7, finding 14 (personal-data ciphertexts bound to their row):
//! attacked as someone who can write the database but has no key would.
//! A person's sealed 手机号码 copied into another person's row with raw
//! SQL is refused there (an error naming the row, never the first
//! person's number), while every other row keeps working; values sealed
//! by an earlier release without a row are bound to theirs when the
//! service opens, once, audited.

use std::sync::Arc;

use scigrant_app::identity::members::{list_members, member_filter};
use scigrant_app::testing::{ApprovedMember, TestEnv, audit_count};
use scigrant_app::{App, AppError};
use scigrant_store::pii::SealedColumn;
use scigrant_store::sqlx::{self, Row};

async fn sealed_phone(env: &TestEnv, person: i64) -> Vec<u8> {
    sqlx::query("SELECT phone_enc FROM persons WHERE id = $1")
        .bind(person)
        .fetch_one(&env.app.db.pool)
        .await
        .unwrap()
        .try_get("phone_enc")
        .unwrap()
}

async fn set_sealed_phone(env: &TestEnv, person: i64, sealed: &[u8]) {
    sqlx::query("UPDATE persons SET phone_enc = $1 WHERE id = $2")
        .bind(sealed)
        .bind(person)
        .execute(&env.app.db.pool)
        .await
        .unwrap();
}

/// The masked phones of unit `m`'s member list.
async fn listed_phones(app: &App, m: &ApprovedMember) -> Result<Vec<String>, AppError> {
    let page = list_members(app, m.unit, &member_filter("", "", ""), 1, 20).await?;
    Ok(page.rows.into_iter().map(|r| r.phone_masked).collect())
}

pub async fn a_phone_copied_into_another_persons_row_is_refused(env: TestEnv) {
    let app = &env.app;
    let a = ApprovedMember::builder(81).build(app).await;
    let b = ApprovedMember::builder(82).build(app).await;
    let masked = |p: &str| scigrant_domain::mask::mask_phone(p);
    assert_eq!(listed_phones(app, &b).await.unwrap(), [masked(&b.phone)]);

    // The attacker copies A's sealed phone over B's.
    let stolen = sealed_phone(&env, a.person.0).await;
    set_sealed_phone(&env, b.person.0, &stolen).await;

    let err = listed_phones(app, &b).await.unwrap_err().to_string();
    assert!(
        err.contains(&format!("persons.phone_enc#{}", b.person.0)),
        "{err}"
    );
    assert!(
        !err.contains(&a.phone) && !err.contains(&masked(&a.phone)),
        "{err}"
    );
    // A's own row still opens, and opens as A's.
    assert_eq!(listed_phones(app, &a).await.unwrap(), [masked(&a.phone)]);
    // The bytes open for A's row and for no other.
    let for_b = SealedColumn::PERSON_PHONE.row(b.person.0);
    assert!(app.pii.open_at(for_b, &stolen).is_err());
    let for_a = SealedColumn::PERSON_PHONE.row(a.person.0);
    assert_eq!(app.pii.open_at(for_a, &stolen).unwrap(), a.phone);
}

pub async fn values_of_an_earlier_release_are_bound_to_their_row_once(env: TestEnv) {
    let app = &env.app;
    let a = ApprovedMember::builder(83).build(app).await;
    let b = ApprovedMember::builder(84).build(app).await;
    // An earlier release sealed without the row.
    set_sealed_phone(&env, a.person.0, &app.pii.seal_unbound(&a.phone)).await;
    assert!(
        listed_phones(app, &a).await.is_err(),
        "an unbound value is not read"
    );
    // And an attacker copied B's bound phone into A's unit contact.
    let b_phone = sealed_phone(&env, b.person.0).await;
    sqlx::query("UPDATE units SET contact_phone_enc = $1 WHERE id = $2")
        .bind(&b_phone)
        .bind(a.unit.0)
        .execute(&env.app.db.pool)
        .await
        .unwrap();

    // As a database from that release: the pass has never run on it (the
    // test's own start ran it over nothing and marked it done).
    sqlx::query("DELETE FROM settings WHERE key = 'pii_rows_bound'")
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    // The service opens: the unbound value is bound to its row, audited.
    let config = (*app.config).clone();
    let reopened = App::open(config.clone(), Arc::new(env.clock.clone()))
        .await
        .unwrap();
    let masked = scigrant_domain::mask::mask_phone(&a.phone);
    assert_eq!(listed_phones(&reopened, &a).await.unwrap(), [masked]);
    assert_eq!(audit_count(app, "pii.bind").await, 1);
    let bound = sealed_phone(&env, a.person.0).await;
    assert_eq!(bound[0], scigrant_store::pii::BOUND_V1);
    // The copied contact is not laundered: it still opens for B's row
    // only, and a second opening binds nothing more.
    let mut c = app.db.read().await.unwrap();
    let second = scigrant_store::sealed::bind_legacy(&mut c, &app.pii)
        .await
        .unwrap();
    drop(c);
    assert_eq!((second.bound, second.refused), (0, 1));
    App::open(config, Arc::new(env.clock.clone()))
        .await
        .unwrap();
    assert_eq!(audit_count(app, "pii.bind").await, 1);
    let unit =
        scigrant_store::identity::accounts::unit(&mut app.db.read().await.unwrap(), a.unit.0)
            .await
            .unwrap()
            .unwrap();
    assert!(unit.contact_phone(&app.pii).is_err());
}

both!(a_phone_copied_into_another_persons_row_is_refused);
both!(values_of_an_earlier_release_are_bound_to_their_row_once);
