//! Issue 7, finding 10 (rest): the applicant's mobile and every other
//! phone of the form are stored sealed, bound to their row. Attacked as a
//! reader of the raw database would: a scan of the application rows finds
//! no 11-digit number after the applicant saves and submits, while the
//! applicant still reads their phone and the receipt's digest verifies; a
//! row written plain by an earlier release is sealed by the upgrade step;
//! a sealed form copied into another row does not open there.

use scigrant_app::grants::applications::{Reader, Verification, load, save, start, submit, verify};
use scigrant_app::grants::solicitation::staff::{OpenForm, open_solicitation};
use scigrant_app::grants::solicitation::{Suggester, suggest};
use scigrant_app::ops::seal_forms::seal_stored_forms;
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{
    ApprovedMember, PASSWORD, TestEnv, audit_count, funding_call, person_actor, staff_actor,
    staff_with_password,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_domain::identity::account::StaffRole;
use scigrant_store::sqlx::{self, Row};

/// The runs of exactly 11 digits in `text`: what a mobile number looks like.
fn eleven_digit_runs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() {
            run.push(ch);
        } else {
            if run.len() == 11 {
                out.push(run.clone());
            }
            run.clear();
        }
    }
    out
}

/// Every stored form text of every application, drafts and submitted
/// versions, read with raw SQL.
async fn raw_forms(env: &TestEnv) -> String {
    let rows = sqlx::query("SELECT data_json, submitted_json FROM applications ORDER BY id")
        .fetch_all(&env.app.db.pool)
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let draft: String = r.try_get("data_json").unwrap();
            let frozen: Option<String> = r.try_get("submitted_json").unwrap();
            format!("{draft}\n{}\n", frozen.unwrap_or_default())
        })
        .collect()
}

fn text(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

/// Member 71 begins, saves and submits the sample 附件4 under their own
/// mobile; returns the member, the application and the receipt.
async fn submitted(
    env: &TestEnv,
) -> (
    ApprovedMember,
    scigrant_domain::ids::ApplicationId,
    scigrant_app::grants::applications::Receipt,
) {
    let app = &env.app;
    let call = funding_call(app, "KJFWT2023-01", "3", "60").await;
    let m = ApprovedMember::builder(71).build(app).await;
    let me = person_actor(m.person.0);
    let id = start(app, &me, m.person, call).await.unwrap();
    let begun = load(app, Reader::Person(m.person.0), id).await.unwrap();
    assert_eq!(
        begun.text("cover_mobile"),
        m.phone,
        "prefilled with the applicant's mobile"
    );
    let mut data = sample_fj4();
    data.insert("cover_mobile".into(), Value::Text(m.phone.clone()));
    save(
        app,
        &scigrant_app::testing::person_actor(m.person.0),
        m.person,
        id,
        &data,
    )
    .await
    .unwrap();
    let receipt = submit(app, &me, m.person, id, &data).await.unwrap();
    (m, id, receipt)
}

pub async fn no_phone_is_stored_plain_and_the_applicant_still_reads_theirs(env: TestEnv) {
    let app = &env.app;
    let (m, id, receipt) = submitted(&env).await;
    let raw = raw_forms(&env).await;
    assert_eq!(eleven_digit_runs(&raw), Vec::<String>::new(), "{raw}");
    for number in [m.phone.as_str(), "13912345678", "010-68510001", "68510002"] {
        assert!(!raw.contains(number), "{number} stored plain: {raw}");
    }
    assert!(raw.contains("sealed:sm4:"), "{raw}");

    let mine = load(app, Reader::Person(m.person.0), id).await.unwrap();
    assert_eq!(mine.text("cover_mobile"), m.phone);
    assert_eq!(mine.text("leader_mobile"), "13912345678");
    assert_eq!(mine.text("leader_office_phone"), "010-68510001");
    assert_eq!(mine.digest, receipt.digest);
    let checked = verify(app, &receipt.number, &receipt.digest).await.unwrap();
    assert!(
        matches!(checked, Verification::Matches { .. }),
        "{checked:?}"
    );
    // Nothing to upgrade: what this release writes is sealed already.
    assert_eq!(seal_stored_forms(app).await.unwrap(), 0);
}

pub async fn a_row_stored_plain_by_an_earlier_release_is_sealed_once(env: TestEnv) {
    let app = &env.app;
    let (m, id, receipt) = submitted(&env).await;
    // An earlier release stored the forms as typed.
    let plain = load(app, Reader::Person(m.person.0), id)
        .await
        .unwrap()
        .data;
    assert_eq!(text(&plain, "cover_mobile"), m.phone);
    let json = serde_json::to_string(&plain).unwrap();
    sqlx::query("UPDATE applications SET data_json = $1, submitted_json = $1 WHERE id = $2")
        .bind(&json)
        .bind(id.0)
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    assert!(raw_forms(&env).await.contains(&m.phone));

    assert_eq!(seal_stored_forms(app).await.unwrap(), 1);
    let raw = raw_forms(&env).await;
    assert_eq!(eleven_digit_runs(&raw), Vec::<String>::new(), "{raw}");
    assert_eq!(audit_count(app, "pii.seal").await, 1);
    // Idempotent: a second start finds nothing and records nothing.
    assert_eq!(seal_stored_forms(app).await.unwrap(), 0);
    assert_eq!(audit_count(app, "pii.seal").await, 1);

    let mine = load(app, Reader::Person(m.person.0), id).await.unwrap();
    assert_eq!(mine.data, plain);
    let checked = verify(app, &receipt.number, &receipt.digest).await.unwrap();
    assert!(
        matches!(checked, Verification::Matches { .. }),
        "{checked:?}"
    );
}

pub async fn a_sealed_form_copied_into_another_row_does_not_open(env: TestEnv) {
    let app = &env.app;
    let (m, id, _) = submitted(&env).await;
    let call = funding_call(app, "KJFWT2023-02", "3", "60").await;
    let other = ApprovedMember::builder(72).build(app).await;
    let theirs = start(app, &person_actor(other.person.0), other.person, call)
        .await
        .unwrap();
    // The attacker copies the first draft, sealed phones and all, into
    // the second application's row.
    sqlx::query(
        "UPDATE applications SET data_json = (SELECT data_json FROM applications WHERE id = $1) WHERE id = $2",
    )
    .bind(id.0)
    .bind(theirs.0)
    .execute(&env.app.db.pool)
    .await
    .unwrap();
    let shown = load(app, Reader::Person(other.person.0), theirs)
        .await
        .unwrap();
    assert_eq!(shown.text("cover_mobile"), "（无法解密）");
    assert_eq!(shown.text("leader_mobile"), "（无法解密）");
    assert!(!format!("{:?}", shown.data).contains(&m.phone));
    // What is not personal data copies as it was.
    assert_eq!(
        shown.text("leader_name"),
        text(&sample_fj4(), "leader_name")
    );
    // The original still opens in its own row.
    let mine = load(app, Reader::Person(m.person.0), id).await.unwrap();
    assert_eq!(mine.text("cover_mobile"), m.phone);
}

/// Every stored suggestion form, read with raw SQL.
async fn raw_suggestions(env: &TestEnv) -> String {
    let rows = sqlx::query("SELECT data_json FROM suggestions ORDER BY id")
        .fetch_all(&env.app.db.pool)
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String, _>("data_json").unwrap() + "\n")
        .collect()
}

/// A 指南建议 is prefilled with the suggester's 联系电话 like an
/// application with the applicant's mobile: sealed as well, and upgraded
/// the same way.
pub async fn a_suggestion_stores_the_contact_phone_sealed(env: TestEnv) {
    let app = &env.app;
    let staff = staff_actor;
    let editor = staff(
        staff_with_password(app, "editor1", "编辑", StaffRole::ContentEditor, PASSWORD).await,
    );
    let checker = staff(
        staff_with_password(
            app,
            "checker1",
            "审核",
            StaffRole::ContentReviewer,
            PASSWORD,
        )
        .await,
    );
    let pm =
        staff(staff_with_password(app, "pm1", "项目", StaffRole::ProgramManager, PASSWORD).await);
    let notice = ArticleForm {
        section: "tzgg".into(),
        title: "关于征集指南建议的通知".into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "请在线提交指南建议。".into(),
        ..ArticleForm::default()
    };
    let article = create_article(app, &editor, &notice, &[]).await.unwrap();
    submit_article(app, &editor, article).await.unwrap();
    review_article(app, &checker, article, true, "")
        .await
        .unwrap();
    let open = OpenForm {
        article: article.to_string(),
        opens: "2023-04-20 09:00".into(),
        closes: "2023-04-28 23:59".into(),
        form_json: String::new(),
    };
    let sol = open_solicitation(app, &pm, &open).await.unwrap();
    let m = ApprovedMember::builder(75).build(app).await;
    let who = Suggester::Person(m.person.0);
    let id = suggest::start(app, &person_actor(m.person.0), who, sol)
        .await
        .unwrap();

    let raw = raw_suggestions(&env).await;
    assert_eq!(eleven_digit_runs(&raw), Vec::<String>::new(), "{raw}");
    assert!(raw.contains("sealed:sm4:"), "{raw}");
    let mine = suggest::load(app, who, id).await.unwrap().suggestion.data;
    assert_eq!(text(&mine, "contact_phone"), m.phone);

    // Stored plain by an earlier release: sealed by the upgrade step.
    let plain = serde_json::to_string(&mine).unwrap();
    sqlx::query("UPDATE suggestions SET data_json = $1 WHERE id = $2")
        .bind(&plain)
        .bind(id)
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    assert_eq!(seal_stored_forms(app).await.unwrap(), 1);
    let raw = raw_suggestions(&env).await;
    assert!(!raw.contains(&m.phone), "{raw}");
    assert_eq!(
        suggest::load(app, who, id).await.unwrap().suggestion.data,
        mine
    );
}

both!(a_suggestion_stores_the_contact_phone_sealed);
both!(no_phone_is_stored_plain_and_the_applicant_still_reads_theirs);
both!(a_row_stored_plain_by_an_earlier_release_is_sealed_once);
both!(a_sealed_form_copied_into_another_row_does_not_open);
