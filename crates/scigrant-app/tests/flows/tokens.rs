//! 个人访问令牌 on both databases: created with chosen scopes and a
//! lifetime, stored hashed, used (last use marked), refused once expired
//! or revoked, each step audited; a staff member's tokens too; and the
//! integration API's submission of a saved draft gives the page's receipt.

use scigrant_app::AppError;
use scigrant_app::grants::applications::{digest_of, load, reader_for, save, start, submit_saved};
use scigrant_app::grants::calls::form_spec;
use scigrant_app::identity::auth::{LoginInput, LoginTab, SessionInfo, authenticate, login};
use scigrant_app::identity::tokens::{
    TokenForm, authenticate_token, create_token, revoke_token, tokens,
};
use scigrant_app::testing::{
    ApprovedMember, PASSWORD, TestEnv, audit_count, funding_call, person_actor,
    staff_with_password, visitor,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::identity::token::Scope;

async fn session(env: &TestEnv, tab: LoginTab, login_name: &str) -> SessionInfo {
    let captcha_id = scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id;
    let input = LoginInput {
        login: login_name.into(),
        password: PASSWORD.into(),
        captcha_id,
        captcha: "TEST".into(),
        user_agent: "test".into(),
    };
    let s = login(&env.app, &visitor(), tab, &input).await.unwrap();
    authenticate(&env.app, &s.token).await.unwrap().unwrap()
}

fn form(name: &str, scopes: &[&str], days: &str) -> TokenForm {
    TokenForm {
        name: name.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        days: days.into(),
    }
}

const DAY: i64 = 86_400_000;

pub(crate) async fn tokens_are_shown_once_used_expired_and_revoked(env: TestEnv) {
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let s = session(&env, LoginTab::Person, &m.phone).await;
    let me = person_actor(m.person.0);

    // A person cannot grant a unit's scope, nor an unoffered lifetime.
    let Err(AppError::Validation(e)) =
        create_token(&env.app, &me, &s, &form("", &["members:read"], "8")).await
    else {
        panic!("an invalid token form must be refused field by field");
    };
    assert_eq!(e.get("name"), Some("请输入令牌名称"));
    assert_eq!(e.get("scopes"), Some("所选权限范围无效"));
    assert_eq!(e.get("days"), Some("请选择有效期（7、30、90、365天）"));

    let created = create_token(
        &env.app,
        &me,
        &s,
        &form(
            "省财政厅对接",
            &["applications:submit", "applications:read"],
            "7",
        ),
    )
    .await
    .unwrap();
    assert!(created.token.starts_with("sgp_"));
    assert_eq!(created.token.len(), 68);
    assert_eq!(
        created.view.scopes,
        vec![Scope::ApplicationsRead, Scope::ApplicationsSubmit]
    );
    assert_eq!(created.view.expires_at, env.app.now() + 7 * DAY);
    assert_eq!(audit_count(&env.app, "token.create").await, 1);
    // Only its hash is stored: the list never holds the token.
    let listed = tokens(&env.app, &s).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].prefix, created.token[..10]);
    assert_eq!(listed[0].last_used_at, None);
    let mut c = env.app.db.read().await.unwrap();
    let (stored,): (String,) = scigrant_store::sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    assert_ne!(stored, created.token);
    assert_eq!(stored.len(), 64);

    // Used: it acts as the person with its scopes, and the use is marked.
    env.clock.advance_ms(5_000);
    let grant = authenticate_token(&env.app, &created.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.session.kind, AccountKind::Person);
    assert_eq!(grant.session.account_id, m.person.0);
    assert!(grant.allows(Scope::ApplicationsSubmit));
    assert!(!grant.allows(Scope::MembersRead));
    let used_at = env.app.now();
    assert_eq!(
        tokens(&env.app, &s).await.unwrap()[0].last_used_at,
        Some(used_at)
    );
    // A token one character off is nobody.
    let mut wrong = created.token.clone();
    wrong.pop();
    wrong.push(if created.token.ends_with('0') {
        '1'
    } else {
        '0'
    });
    assert!(
        authenticate_token(&env.app, &wrong)
            .await
            .unwrap()
            .is_none()
    );

    // Expired: a second before its expiry it works, at it no longer.
    env.clock.set(created.view.expires_at - 1);
    assert!(
        authenticate_token(&env.app, &created.token)
            .await
            .unwrap()
            .is_some()
    );
    env.clock.set(created.view.expires_at);
    assert!(
        authenticate_token(&env.app, &created.token)
            .await
            .unwrap()
            .is_none()
    );
    let listed = tokens(&env.app, &s).await.unwrap();
    assert!(!listed[0].usable);

    // Revoked: refused on the very next use; revoking again is NotFound.
    let s = session(&env, LoginTab::Person, &m.phone).await;
    let second = create_token(
        &env.app,
        &me,
        &s,
        &form("备用", &["applications:read"], "30"),
    )
    .await
    .unwrap();
    assert!(
        authenticate_token(&env.app, &second.token)
            .await
            .unwrap()
            .is_some()
    );
    revoke_token(&env.app, &me, &s, second.view.id)
        .await
        .unwrap();
    assert!(
        authenticate_token(&env.app, &second.token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        revoke_token(&env.app, &me, &s, second.view.id).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(audit_count(&env.app, "token.revoke").await, 1);

    // Another account cannot revoke it.
    let other = ApprovedMember::builder(2).build(&env.app).await;
    let os = session(&env, LoginTab::Person, &other.phone).await;
    assert!(matches!(
        revoke_token(
            &env.app,
            &person_actor(other.person.0),
            &os,
            created.view.id
        )
        .await,
        Err(AppError::NotFound)
    ));

    // Staff: read scope only; the unit's scope is refused.
    staff_with_password(
        &env.app,
        "pm1",
        "项目管理员",
        StaffRole::ProgramManager,
        PASSWORD,
    )
    .await;
    let ss = session(&env, LoginTab::Staff, "pm1").await;
    let staff = ss.actor("127.0.0.1", "t");
    assert!(matches!(
        create_token(
            &env.app,
            &staff,
            &ss,
            &form("汇总", &["members:read"], "90")
        )
        .await,
        Err(AppError::Validation(_))
    ));
    let st = create_token(
        &env.app,
        &staff,
        &ss,
        &form("汇总", &["applications:read"], "90"),
    )
    .await
    .unwrap();
    let g = authenticate_token(&env.app, &st.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.session.kind, AccountKind::Staff);
    assert_eq!(audit_count(&env.app, "token.create").await, 3);
}

pub(crate) async fn submitting_the_saved_draft_gives_the_pages_receipt(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "5", "60").await;
    let m = ApprovedMember::builder(3).build(&env.app).await;
    let me = person_actor(m.person.0);
    let id = start(&env.app, &me, m.person, call).await.unwrap();
    let data = sample_fj4();
    save(
        &env.app,
        &scigrant_app::testing::person_actor(m.person.0),
        m.person,
        id,
        &data,
    )
    .await
    .unwrap();
    let receipt = submit_saved(&env.app, &me, m.person, id).await.unwrap();
    let view = load(&env.app, reader_for(AccountKind::Person, m.person.0), id)
        .await
        .unwrap();
    assert_eq!(receipt.number, "KJFWT2023-01-0001");
    assert_eq!(receipt.number, view.number);
    assert_eq!(receipt.digest, view.digest);
    let spec = form_spec(&env.app, view.call.form_spec_id).await.unwrap();
    assert_eq!(receipt.digest, digest_of(&spec, &view.data));
    // A retry gets the same receipt; another person's id is NotFound.
    assert_eq!(
        submit_saved(&env.app, &me, m.person, id).await.unwrap(),
        receipt
    );
    let other = ApprovedMember::builder(4).build(&env.app).await;
    assert!(matches!(
        submit_saved(&env.app, &person_actor(other.person.0), other.person, id).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(audit_count(&env.app, "application.submit").await, 1);
}

both!(tokens_are_shown_once_used_expired_and_revoked);
both!(submitting_the_saved_draft_gives_the_pages_receipt);
