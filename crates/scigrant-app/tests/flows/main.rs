//! Use-case and store tests of the registration slice, each run on SQLite
//! and on PostgreSQL (a fresh database per test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scigrant_app::admin::audit::{AuditFilter, LogKind, seal_and_verify_audit, search_audit};
use scigrant_app::admin::staff::{NewStaff, add_staff};
use scigrant_app::identity::auth::{LoginInput, LoginTab, authenticate, login};
use scigrant_app::identity::members::{
    ProfileForm, decide_member, list_members, lock_member, member_filter, save_profile,
    search_units,
};
use scigrant_app::identity::register::{
    limits, register_person, register_unit, resubmit_unit, submit_org_cert,
};
use scigrant_app::identity::review::{Verdict, review_unit};
use scigrant_app::testing::{
    PASSWORD, TestEnv, complete_registration, id_number, jpeg, pdf, person_actor, person_form,
    phone, staff_actor, unit_actor, unit_form, upload, uscc, visitor,
};
use scigrant_app::{Actor, AppError};
use scigrant_domain::identity::account::{AccountKind, Membership, UnitState};
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_domain::upload::FileKind;
use scigrant_store::Backend;

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(scigrant_app::testing::test_env(scigrant_store::Backend::Sqlite).await)
                    .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(
                    scigrant_app::testing::test_env(scigrant_store::Backend::Postgres).await,
                )
                .await
            }
        }
    };
}

/// As `both!` for a test that makes its own environment (a configuration
/// of its own): it takes the backend.
macro_rules! by_backend {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(scigrant_store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(scigrant_store::Backend::Postgres).await
            }
        }
    };
}

pub(crate) async fn new_unit(env: &TestEnv, n: u32) -> UnitId {
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "cert.jpg",
        &jpeg(2048),
    )
    .await;
    let mut f = unit_form(n);
    f.captcha_id = new_captcha(env).await;
    register_unit(&env.app, &visitor(), &f, Some(&cert))
        .await
        .unwrap()
}

pub(crate) async fn new_captcha(env: &TestEnv) -> String {
    scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id
}

pub(crate) async fn new_person(env: &TestEnv, n: u32) -> PersonId {
    let c = new_captcha(env).await;
    register_person(&env.app, &visitor(), &person_form(n, c))
        .await
        .unwrap()
}

pub(crate) async fn reviewer(env: &TestEnv) -> Actor {
    let id = add_staff(
        &env.app,
        &Actor::system(),
        &NewStaff {
            login: "reviewer1".into(),
            name: "审核员".into(),
            role: "reviewer".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    staff_actor(id.0)
}

async fn unit_state(env: &TestEnv, id: UnitId) -> UnitState {
    scigrant_app::identity::review::unit(&env.app, id)
        .await
        .unwrap()
        .state
}

async fn try_login(
    env: &TestEnv,
    tab: LoginTab,
    login_name: &str,
    password: &str,
) -> Result<scigrant_app::identity::auth::NewSession, AppError> {
    let captcha_id = new_captcha(env).await;
    let input = LoginInput {
        login: login_name.into(),
        password: password.into(),
        captcha_id,
        captcha: "TEST".into(),
        user_agent: "test".into(),
    };
    login(&env.app, &visitor(), tab, &input).await
}

fn errors_of(r: Result<impl std::fmt::Debug, AppError>) -> scigrant_app::FieldErrors {
    match r {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected validation errors, got {other:?}"),
    }
}

/// The message of a refusal; anything else fails the test.
pub(crate) fn refusal_of(r: Result<impl std::fmt::Debug, AppError>) -> String {
    match r {
        Err(AppError::Refused(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// --- unit registration and review -----------------------------------------

async fn unit_registration_and_review(env: TestEnv) {
    let r = reviewer(&env).await;
    let id = new_unit(&env, 1).await;
    assert_eq!(unit_state(&env, id).await, UnitState::PendingInitial);

    // Login works by USCC and by contact phone; the platform stays closed.
    let s = try_login(&env, LoginTab::Unit, &uscc(1), PASSWORD)
        .await
        .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert!(matches!(
        info.caller,
        scigrant_domain::permission::Caller::Unit {
            state: UnitState::PendingInitial,
            ..
        }
    ));
    try_login(&env, LoginTab::Unit, &phone(1), PASSWORD)
        .await
        .unwrap();

    // 初审 rejected with a reason; the unit corrects and resubmits.
    let no_reason = review_unit(&env.app, &r, id, &Verdict::Reject("  ".into())).await;
    assert_eq!(
        errors_of(no_reason).get("reason"),
        Some("请填写不通过的原因")
    );
    review_unit(&env.app, &r, id, &Verdict::Reject("证照图片不清晰".into()))
        .await
        .unwrap();
    let v = scigrant_app::identity::review::unit(&env.app, id)
        .await
        .unwrap();
    assert_eq!(v.state, UnitState::InitialRejected);
    assert_eq!(v.reject_reason.as_deref(), Some("证照图片不清晰"));
    let again = review_unit(&env.app, &r, id, &Verdict::Approve).await;
    assert_eq!(refusal_of(again), "该单位当前状态为“初审不通过”，无需审核");

    let mut corrected = unit_form(1);
    corrected.name = "西藏高原科学研究所（更正）".into();
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "new.jpg",
        &jpeg(4096),
    )
    .await;
    resubmit_unit(&env.app, &unit_actor(id.0), id, &corrected, Some(&cert))
        .await
        .unwrap();
    let v = scigrant_app::identity::review::unit(&env.app, id)
        .await
        .unwrap();
    assert_eq!(
        (v.state, v.name.as_str(), v.reject_reason),
        (
            UnitState::PendingInitial,
            "西藏高原科学研究所（更正）",
            None
        )
    );

    // 初审 passes → upload the 组织机构代码证 → 复审 rejected → again → complete.
    assert_eq!(
        review_unit(&env.app, &r, id, &Verdict::Approve)
            .await
            .unwrap(),
        UnitState::Opened
    );
    let wrong = submit_org_cert(&env.app, &unit_actor(id.0), id, None).await;
    assert_eq!(
        errors_of(wrong).get("org_cert"),
        Some("请选择要上传的PDF文件")
    );
    let doc = upload(
        &env.app,
        FileKind::Pdf,
        limits::ORG_CERT,
        "org.pdf",
        &pdf(100_000),
    )
    .await;
    submit_org_cert(&env.app, &unit_actor(id.0), id, Some(&doc))
        .await
        .unwrap();
    assert_eq!(unit_state(&env, id).await, UnitState::PendingSecond);
    review_unit(&env.app, &r, id, &Verdict::Reject("代码证已过期".into()))
        .await
        .unwrap();
    assert_eq!(unit_state(&env, id).await, UnitState::SecondRejected);
    let doc = upload(
        &env.app,
        FileKind::Pdf,
        limits::ORG_CERT,
        "org2.pdf",
        &pdf(1000),
    )
    .await;
    submit_org_cert(&env.app, &unit_actor(id.0), id, Some(&doc))
        .await
        .unwrap();
    assert_eq!(
        review_unit(&env.app, &r, id, &Verdict::Approve)
            .await
            .unwrap(),
        UnitState::Complete
    );

    // The unit sees who decided what, and the contact got an SMS each time.
    let history = scigrant_app::identity::home::history(&env.app, AccountKind::Unit, id.0)
        .await
        .unwrap();
    let outcomes: Vec<(&str, &str)> = history
        .iter()
        .rev()
        .map(|d| (d.stage.unwrap().label(), d.outcome.unwrap().label()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("单位注册", "已提交"),
            ("初审", "不通过"),
            ("初审", "修改后重新提交"),
            ("初审", "通过"),
            ("复审", "已提交"),
            ("复审", "不通过"),
            ("复审", "已提交"),
            ("复审", "通过"),
        ]
    );
    assert!(
        history
            .iter()
            .any(|d| d.reason.as_deref() == Some("代码证已过期") && d.by == "reviewer")
    );
    let sms = scigrant_app::notify::recent(&env.app, 10).await.unwrap();
    assert_eq!(sms.len(), 4);
    assert_eq!(sms[0].recipient_masked, "139****0001");
    assert!(sms[0].body.contains("复审已通过"));
}
both!(unit_registration_and_review);

async fn duplicates_are_refused_without_leaking(env: TestEnv) {
    new_unit(&env, 2).await;
    let before = count_files(&env).await;
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "c.jpg",
        &jpeg(100),
    )
    .await;
    let mut f = unit_form(2);
    f.contact_phone = phone(99);
    f.captcha_id = new_captcha(&env).await;
    let e = errors_of(register_unit(&env.app, &visitor(), &f, Some(&cert)).await);
    assert_eq!(
        e.get("uscc"),
        Some("该统一社会信用代码已注册。请直接登录；如忘记密码，请点击“忘记密码？”找回")
    );
    // A taken contact number says only that, not which account holds it.
    let mut f = unit_form(3);
    f.contact_phone = phone(2);
    f.captcha_id = new_captcha(&env).await;
    let e = errors_of(register_unit(&env.app, &visitor(), &f, None).await);
    assert_eq!(
        e.get("contact_phone"),
        None,
        "no look-up without a certificate"
    );
    let cert2 = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "c2.jpg",
        &jpeg(100),
    )
    .await;
    f.captcha_id = new_captcha(&env).await;
    let e = errors_of(register_unit(&env.app, &visitor(), &f, Some(&cert2)).await);
    assert_eq!(e.get("contact_phone"), Some("该手机号码已被注册"));
    assert_eq!(e.get("uscc"), None);
    // The refused registration left no file behind.
    assert_eq!(count_files(&env).await, before);
    assert_eq!(
        env.app
            .files
            .open(&cert.stored.key)
            .await
            .err()
            .map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound)
    );

    new_person(&env, 1).await;
    let c = new_captcha(&env).await;
    let mut p = person_form(1, c);
    p.phone = phone(77_777);
    let e = errors_of(register_person(&env.app, &visitor(), &p).await);
    assert_eq!(
        e.get("doc_no"),
        Some("该证件号码已注册。请直接登录；如忘记密码，请点击“忘记密码？”找回")
    );
    let c = new_captcha(&env).await;
    let mut p = person_form(2, c);
    p.phone = person_form(1, String::new()).phone;
    let e = errors_of(register_person(&env.app, &visitor(), &p).await);
    assert_eq!(e.get("phone"), Some("该手机号码已被注册"));
    assert_eq!(e.get("doc_no"), None);
}
both!(duplicates_are_refused_without_leaking);

async fn units_count(env: &TestEnv) -> i64 {
    use scigrant_store::sqlx::{self, Row};
    sqlx::query("SELECT COUNT(*) FROM units")
        .fetch_one(&env.app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// 单位注册 asks the image captcha: a wrong answer is refused with the
/// field error before anything is looked up or stored, and the captcha is
/// spent, so whether a 统一社会信用代码 is registered costs one solved
/// captcha per question.
async fn unit_registration_needs_the_captcha(env: TestEnv) {
    new_unit(&env, 5).await;
    let units = units_count(&env).await;
    let files = count_files(&env).await;
    for (n, answer) in [(6, "WRONG"), (5, ""), (5, "WRONG")] {
        let cert = upload(
            &env.app,
            FileKind::Jpeg,
            limits::USCC_CERT,
            "c.jpg",
            &jpeg(100),
        )
        .await;
        let mut f = unit_form(n);
        f.captcha_id = new_captcha(&env).await;
        f.captcha = answer.into();
        let e = errors_of(register_unit(&env.app, &visitor(), &f, Some(&cert)).await);
        assert_eq!(
            e.get("captcha"),
            Some("图形验证码不正确或已过期，请重新输入")
        );
        // The registered USCC (unit 5) is not confirmed without the captcha.
        assert_eq!(e.get("uscc"), None);
        assert_eq!(units_count(&env).await, units);
        assert_eq!(count_files(&env).await, files);
    }
    // One attempt per captcha: the right answer on a spent one is refused.
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "c.jpg",
        &jpeg(100),
    )
    .await;
    let mut f = unit_form(6);
    f.captcha_id = new_captcha(&env).await;
    f.captcha = "WRONG".into();
    let _ = register_unit(&env.app, &visitor(), &f, None).await;
    f.captcha = "TEST".into();
    let e = errors_of(register_unit(&env.app, &visitor(), &f, Some(&cert)).await);
    assert_eq!(
        e.get("captcha"),
        Some("图形验证码不正确或已过期，请重新输入")
    );
    assert_eq!(units_count(&env).await, units);
    f.captcha_id = new_captcha(&env).await;
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        limits::USCC_CERT,
        "c.jpg",
        &jpeg(100),
    )
    .await;
    register_unit(&env.app, &visitor(), &f, Some(&cert))
        .await
        .unwrap();
    assert_eq!(units_count(&env).await, units + 1);
}
both!(unit_registration_needs_the_captcha);

async fn count_files(env: &TestEnv) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(env.app.files.root())
}

async fn bad_input_comes_back_field_by_field(env: TestEnv) {
    let mut f = unit_form(3);
    f.uscc = "91540102000000039X".into();
    f.contact_phone = "12345".into();
    f.password = "password".into();
    f.password_confirm = "different".into();
    f.kind = String::new();
    let e = errors_of(register_unit(&env.app, &visitor(), &f, None).await);
    assert_eq!(
        e.get("captcha"),
        Some("图形验证码不正确或已过期，请重新输入")
    );
    assert_eq!(e.get("kind"), Some("请选择单位性质"));
    assert_eq!(e.get("uscc"), Some("统一社会信用代码校验位不正确，请核对"));
    assert_eq!(e.get("contact_phone"), Some("手机号码格式不正确"));
    assert_eq!(
        e.get("password"),
        Some("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    );
    assert_eq!(e.get("password_confirm"), Some("两次输入的密码不一致"));
    assert_eq!(e.get("cert"), Some("请选择JPG格式的统一社会信用代码证图片"));

    let c = new_captcha(&env).await;
    let mut p = person_form(4, c);
    p.doc_no = "542322199101060091".into(); // the seed's example fails its own check digit
    p.region_code = "540100".into(); // a city with districts is not a final choice
    p.captcha = "WRONG".into();
    p.agreed = false;
    p.password = format!("Aa#{}", p.phone);
    p.password_confirm = p.password.clone();
    let e = errors_of(register_person(&env.app, &visitor(), &p).await);
    assert_eq!(e.get("doc_no"), Some("身份证号码校验位不正确"));
    assert_eq!(e.get("region_code"), Some("请选择所在地区（省、市、区县）"));
    assert_eq!(
        e.get("captcha"),
        Some("图形验证码不正确或已过期，请重新输入")
    );
    assert_eq!(e.get("agreed"), Some("请阅读并同意用户注册协议"));
    assert_eq!(
        e.get("password"),
        Some("密码不能包含登录名、手机号、证件号码、姓名或单位名称")
    );
}
both!(bad_input_comes_back_field_by_field);

// --- login protection --------------------------------------------------------

async fn captcha_is_single_use_and_expires(env: TestEnv) {
    new_person(&env, 5).await;
    let id = new_captcha(&env).await;
    let input = LoginInput {
        login: id_number(5),
        password: PASSWORD.into(),
        captcha_id: id.clone(),
        captcha: "TEST".into(),
        user_agent: String::new(),
    };
    login(&env.app, &visitor(), LoginTab::Person, &input)
        .await
        .unwrap();
    // The same captcha again: consumed.
    let again = login(&env.app, &visitor(), LoginTab::Person, &input).await;
    assert_eq!(
        errors_of(again).get("captcha"),
        Some("图形验证码不正确或已过期，请重新输入")
    );
    // Expiry: valid at 5 min − 1 s, refused at 5 min + 1 s.
    let early = new_captcha(&env).await;
    let late = new_captcha(&env).await;
    env.clock.advance_ms(5 * 60_000 - 1000);
    let ok = LoginInput {
        captcha_id: early,
        ..input.clone()
    };
    login(&env.app, &visitor(), LoginTab::Person, &ok)
        .await
        .unwrap();
    env.clock.advance_ms(2000);
    let expired = LoginInput {
        captcha_id: late,
        ..input
    };
    assert!(matches!(
        login(&env.app, &visitor(), LoginTab::Person, &expired).await,
        Err(AppError::Validation(_))
    ));
}
both!(captcha_is_single_use_and_expires);

async fn five_failures_lock_for_thirty_minutes(env: TestEnv) {
    new_person(&env, 6).await;
    let login_name = phone(50_006);
    for _ in 0..4 {
        assert!(matches!(
            try_login(&env, LoginTab::Person, &login_name, "Wrong#pass1").await,
            Err(AppError::LoginFailed)
        ));
    }
    // Unknown login: the same answer.
    assert!(matches!(
        try_login(&env, LoginTab::Person, "13000000000", "Wrong#pass1").await,
        Err(AppError::LoginFailed)
    ));
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, "Wrong#pass1").await,
        Err(AppError::LoginFailed)
    ));
    // Locked: the right password fails too, with the same error.
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    env.clock.advance_ms(30 * 60_000 - 1000);
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    env.clock.advance_ms(2000);
    try_login(&env, LoginTab::Person, &login_name, PASSWORD)
        .await
        .unwrap();

    let logs = search_audit(
        &env.app,
        &AuditFilter {
            action_prefix: "account.lock".into(),
            ..Default::default()
        },
        1,
    )
    .await
    .unwrap();
    assert_eq!(logs.total, 1);
}
both!(five_failures_lock_for_thirty_minutes);

async fn parallel_failures_lock_exactly_at_threshold(env: TestEnv) {
    new_person(&env, 7).await;
    let login_name = id_number(7);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let captcha_id = new_captcha(&env).await;
        let app = env.app.clone();
        let input = LoginInput {
            login: login_name.clone(),
            password: "Wrong#pass1".into(),
            captcha_id,
            captcha: "TEST".into(),
            user_agent: String::new(),
        };
        tasks.push(tokio::spawn(async move {
            login(&app, &visitor(), LoginTab::Person, &input).await
        }));
    }
    for t in tasks {
        assert!(matches!(t.await.unwrap(), Err(AppError::LoginFailed)));
    }
    let f = AuditFilter {
        action_prefix: "account.lock".into(),
        ..Default::default()
    };
    assert_eq!(
        search_audit(&env.app, &f, 1).await.unwrap().total,
        1,
        "exactly one lock event"
    );
    let locked = scigrant_app::admin::sessions::locked_accounts(&env.app)
        .await
        .unwrap();
    assert_eq!(locked.len(), 1);
    assert!(locked[0].failures >= 5);
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login_name, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
}
both!(parallel_failures_lock_exactly_at_threshold);

async fn sessions_expire_idle_and_absolute(env: TestEnv) {
    new_person(&env, 8).await;
    let s = try_login(&env, LoginTab::Person, &id_number(8), PASSWORD)
        .await
        .unwrap();
    // Idle: alive at 30 min − 1 s, gone after 30 min + 1 s without activity.
    env.clock.advance_ms(30 * 60_000 - 1000);
    assert!(authenticate(&env.app, &s.token).await.unwrap().is_some());
    env.clock.advance_ms(30 * 60_000 + 1000);
    assert!(authenticate(&env.app, &s.token).await.unwrap().is_none());
    // Absolute: active every 20 minutes, still ended after 12 hours.
    let s = try_login(&env, LoginTab::Person, &id_number(8), PASSWORD)
        .await
        .unwrap();
    for _ in 0..35 {
        env.clock.advance_ms(20 * 60_000);
        assert!(authenticate(&env.app, &s.token).await.unwrap().is_some());
    }
    env.clock.advance_ms(20 * 60_000 + 1000);
    assert!(authenticate(&env.app, &s.token).await.unwrap().is_none());
    assert!(
        authenticate(&env.app, "not-a-token")
            .await
            .unwrap()
            .is_none()
    );
}
both!(sessions_expire_idle_and_absolute);

// --- membership -----------------------------------------------------------------

async fn person_joins_unit_and_unit_decides(env: TestEnv) {
    let r = reviewer(&env).await;
    let unit_a = new_unit(&env, 10).await;
    let unit_b = new_unit(&env, 11).await;
    let pending = new_unit(&env, 12).await;
    complete_registration(&env.app, &r, unit_a).await;
    complete_registration(&env.app, &r, unit_b).await;
    // Past 初审 only: not offered until 复审 completes the registration.
    review_unit(&env.app, &r, pending, &Verdict::Approve)
        .await
        .unwrap();

    // Only units whose registration is complete are offered; search by
    // name and by exact USCC.
    let all = search_units(&env.app, "", 1).await.unwrap();
    assert_eq!(all.total, 2);
    assert!(all.rows.iter().all(|u| u.id != pending));
    assert_eq!(all.summary(), "显示1到2,共2记录");
    let by_code = search_units(&env.app, &uscc(10), 1).await.unwrap();
    assert_eq!(by_code.rows.len(), 1);
    assert_eq!(by_code.rows[0].org_code_last4, &uscc(10)[13..17]);

    let p = new_person(&env, 20).await;
    let form = ProfileForm {
        unit_id: unit_a.to_string(),
        region_code: "540102".into(),
        department: "中心".into(),
        email: "t68@163.com".into(),
        education: "硕士".into(),
        degree: "博士".into(),
        title: "高级".into(),
    };
    // Wrong type and missing proofs are refused.
    let e = errors_of(save_profile(&env.app, &person_actor(p.0), p, &form, None, None).await);
    assert!(e.get("id_proof").is_some() && e.get("title_proof").is_some());
    let idp = upload(
        &env.app,
        FileKind::Pdf,
        limits::ID_PROOF,
        "id.pdf",
        &pdf(10_000),
    )
    .await;
    let tp = upload(
        &env.app,
        FileKind::Pdf,
        limits::TITLE_PROOF,
        "title.pdf",
        &pdf(10_000),
    )
    .await;
    save_profile(
        &env.app,
        &person_actor(p.0),
        p,
        &form,
        Some(&idp),
        Some(&tp),
    )
    .await
    .unwrap();

    let f = member_filter("", "", "");
    let a_members = list_members(&env.app, unit_a, &f, 1, 20).await.unwrap();
    assert_eq!(a_members.total, 1);
    let row = &a_members.rows[0];
    assert_eq!(
        row.doc_no_masked,
        format!("{}**********{}", &id_number(20)[..4], &id_number(20)[14..])
    );
    assert_eq!(row.phone_masked, format!("139****{}", &phone(50_020)[7..]));
    assert_eq!(
        (row.department.as_str(), row.membership),
        ("中心", Membership::Pending)
    );
    // Unit B sees nothing and cannot decide on A's member.
    assert_eq!(
        list_members(&env.app, unit_b, &f, 1, 20)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(matches!(
        decide_member(&env.app, &unit_actor(unit_b.0), unit_b, p, Some(true), "").await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        lock_member(&env.app, &unit_actor(unit_b.0), unit_b, p, true).await,
        Err(AppError::NotFound)
    ));

    // Reject with a reason, then approve; search by exact phone number.
    assert!(matches!(
        decide_member(&env.app, &unit_actor(unit_a.0), unit_a, p, Some(false), "").await,
        Err(AppError::Validation(_))
    ));
    decide_member(
        &env.app,
        &unit_actor(unit_a.0),
        unit_a,
        p,
        Some(false),
        "部门填写有误",
    )
    .await
    .unwrap();
    let me = scigrant_app::identity::members::person(&env.app, p)
        .await
        .unwrap();
    assert_eq!(
        (me.membership, me.membership_reason.as_deref()),
        (Membership::Rejected, Some("部门填写有误"))
    );
    decide_member(&env.app, &unit_actor(unit_a.0), unit_a, p, Some(true), "")
        .await
        .unwrap();
    let by_name = member_filter("张", "", "");
    assert_eq!(
        list_members(&env.app, unit_a, &by_name, 1, 20)
            .await
            .unwrap()
            .rows[0]
            .membership,
        Membership::Approved
    );
    let by_status = member_filter("", "pending", "");
    assert_eq!(
        list_members(&env.app, unit_a, &by_status, 1, 20)
            .await
            .unwrap()
            .total,
        0
    );

    // Lock ends the member's sessions.
    let s = try_login(&env, LoginTab::Person, &id_number(20), PASSWORD)
        .await
        .unwrap();
    lock_member(&env.app, &unit_actor(unit_a.0), unit_a, p, true)
        .await
        .unwrap();
    assert!(authenticate(&env.app, &s.token).await.unwrap().is_none());
    let locked = member_filter("", "", "1");
    assert_eq!(
        list_members(&env.app, unit_a, &locked, 1, 20)
            .await
            .unwrap()
            .total,
        1
    );

    // 修改单位: choosing unit B starts the review over, keeping the proofs.
    let form_b = ProfileForm {
        unit_id: unit_b.to_string(),
        ..form
    };
    save_profile(&env.app, &person_actor(p.0), p, &form_b, None, None)
        .await
        .unwrap();
    assert_eq!(
        list_members(&env.app, unit_a, &f, 1, 20)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        list_members(&env.app, unit_b, &f, 1, 20)
            .await
            .unwrap()
            .rows[0]
            .membership,
        Membership::Pending
    );

    // Excel export: a real xlsx (zip) file.
    let xlsx = scigrant_app::identity::members::export_members(
        &env.app,
        &unit_actor(unit_b.0),
        unit_b,
        &f,
    )
    .await
    .unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}
both!(person_joins_unit_and_unit_decides);

/// Issue 7, finding 4: the unit sees its members' ID and phone numbers
/// masked, so its search must not confirm a guessed full number. Every
/// guess that fits the mask, the right one included, gets the same answer
/// (no rows): no number of attempts confirms a number (there is no oracle,
/// where the blind-index match took 534 requests for an ID). The name
/// still finds the member, shown masked.
async fn masked_numbers_cannot_be_confirmed_by_search(env: TestEnv) {
    let m = scigrant_app::testing::ApprovedMember::builder(35)
        .build(&env.app)
        .await;
    let rows_for = |term: String| {
        let app = &env.app;
        async move {
            let page = list_members(app, m.unit, &member_filter(&term, "", ""), 1, 20)
                .await
                .unwrap();
            (page.total, page.rows.len())
        }
    };
    let by_name = list_members(&env.app, m.unit, &member_filter("张三", "", ""), 1, 20)
        .await
        .unwrap();
    assert_eq!(by_name.total, 1);
    let id = id_number(35);
    assert_eq!(
        by_name.rows[0].doc_no_masked,
        format!("{}**********{}", &id[..4], &id[14..])
    );
    assert_eq!(
        by_name.rows[0].phone_masked,
        format!("139****{}", &m.phone[7..])
    );
    // The full numbers themselves, as typed and lower-cased.
    for term in [id.clone(), id.to_lowercase(), m.phone.clone()] {
        assert_eq!(rows_for(term.clone()).await, (0, 0), "{term}");
    }
    // Guesses that fit each mask, the right number among them: one answer.
    let mut answers = std::collections::BTreeSet::new();
    let mut tried = 0;
    for d in 0..60 {
        let guess = format!("{}{d:02}{}", &id[..12], &id[14..]);
        answers.insert(rows_for(guess).await);
        tried += 1;
    }
    for d in 0..60 {
        let guess = format!("{}{:04}{}", &m.phone[..3], d, &m.phone[7..]);
        answers.insert(rows_for(guess).await);
        tried += 1;
    }
    answers.insert(rows_for(id.clone()).await);
    answers.insert(rows_for(m.phone.clone()).await);
    assert_eq!(tried, 120);
    assert_eq!(
        answers.into_iter().collect::<Vec<_>>(),
        vec![(0, 0)],
        "the right number must answer as every wrong guess does"
    );
    // A name that matches still lists the member whatever numbers follow.
    assert_eq!(rows_for("三".into()).await, (1, 1));
}
both!(masked_numbers_cannot_be_confirmed_by_search);

// --- privacy and audit ------------------------------------------------------------

async fn personal_data_is_not_stored_in_plaintext(env: TestEnv) {
    new_unit(&env, 30).await;
    new_person(&env, 30).await;
    let id = id_number(30);
    let tel = phone(50_030);
    match env.backend {
        Backend::Sqlite => {
            // Make sure everything reached the main file, then read it raw.
            scigrant_store::sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&env.app.db.pool)
                .await
                .unwrap();
            let raw = std::fs::read(env.app.config.data_dir.join("t.db")).unwrap();
            for needle in [id.as_bytes(), tel.as_bytes(), phone(30).as_bytes()] {
                assert!(
                    !raw.windows(needle.len()).any(|w| w == needle),
                    "plaintext found in the database file"
                );
            }
        }
        Backend::Postgres => {
            let dump: String = scigrant_store::sqlx::query_scalar(
                "SELECT string_agg(p::text, '|') FROM persons p",
            )
            .fetch_one(&env.app.db.pool)
            .await
            .unwrap();
            assert!(!dump.contains(&id) && !dump.contains(&tel));
            assert!(!dump.contains(&hex_of(&id)) && !dump.contains(&hex_of(&tel)));
        }
    }
}
both!(personal_data_is_not_stored_in_plaintext);

/// Every file under a fresh data directory is the service account's alone
/// after start and an upload: the database with its `-wal` and `-shm`, the
/// PII key and the stored document 0600, every folder 0700 (the database
/// file used to be created 0644). SQLite only: on PostgreSQL the data
/// directory holds the same key and files, made by the same code.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_readable_by_the_service_alone() {
    use std::os::unix::fs::PermissionsExt;

    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, u32, bool)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            out.push((name, meta.permissions().mode() & 0o777, meta.is_dir()));
            if meta.is_dir() {
                walk(&path, root, out);
            }
        }
    }

    let outer = std::env::temp_dir().join(format!(
        "scigrant-modes-{}-{}",
        std::process::id(),
        scigrant_app::testing::T0
    ));
    let _ = std::fs::remove_dir_all(&outer);
    std::fs::create_dir_all(&outer).unwrap();
    let data = outer.join("data");
    let url = format!("sqlite://{}?mode=rwc", data.join("scigrant.db").display());
    let app = scigrant_app::App::open(
        scigrant_app::testing::test_config(&data, url),
        std::sync::Arc::new(scigrant_app::TestClock::at(scigrant_app::testing::T0)),
    )
    .await
    .unwrap();
    let stored = upload(&app, FileKind::Pdf, 1024, "证明.pdf", &pdf(500)).await;

    let mut found = vec![(
        "data".to_string(),
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        true,
    )];
    walk(&data, &outer, &mut found);
    let key = &stored.stored.key;
    let names: Vec<&str> = found.iter().map(|(n, _, _)| n.as_str()).collect();
    for expected in [
        "data".to_string(),
        "data/scigrant.db".into(),
        "data/scigrant.db-wal".into(),
        "data/scigrant.db-shm".into(),
        "data/pii.key".into(),
        "data/files".into(),
        "data/files/tmp".into(),
        format!("data/files/{}", &key[..2]),
        format!("data/files/{}/{key}", &key[..2]),
    ] {
        assert!(
            names.contains(&expected.as_str()),
            "{expected} in {names:?}"
        );
    }
    for (name, mode, is_dir) in &found {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{name} is {mode:o}");
    }
    app.db.pool.close().await;
    std::fs::remove_dir_all(&outer).unwrap();
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn audit_log_is_append_only_and_chained(env: TestEnv) {
    new_unit(&env, 40).await;
    new_person(&env, 40).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert!(check.sealed >= 2);
    assert_eq!(check.problems, vec![]);
    let update = scigrant_store::sqlx::query("UPDATE audit_log SET outcome = 'x'")
        .execute(&env.app.db.pool)
        .await;
    assert!(update.is_err(), "audit records must not change");
    let delete = scigrant_store::sqlx::query("DELETE FROM audit_log")
        .execute(&env.app.db.pool)
        .await;
    assert!(delete.is_err(), "audit records must not be deleted");
    let regs = search_audit(
        &env.app,
        &AuditFilter {
            action_prefix: "unit.register".into(),
            kind: LogKind::Operations,
            ..Default::default()
        },
        1,
    )
    .await
    .unwrap();
    assert_eq!(regs.total, 1);
    assert_eq!(regs.rows[0].ip, "127.0.0.1");
}
both!(audit_log_is_append_only_and_chained);

async fn uploads_are_checked_by_content(env: TestEnv) {
    let app = &env.app;
    let mut u = app.files.begin(FileKind::Pdf, 1024).await.unwrap();
    let err = u.write(b"GIF89a not a pdf").await.unwrap_err();
    assert_eq!(err.to_string(), "文件格式不正确，请上传PDF格式的文件");
    let mut u = app.files.begin(FileKind::Pdf, 1024).await.unwrap();
    u.write(&pdf(1000)).await.unwrap();
    let err = u.write(&[b' '; 100]).await.unwrap_err();
    assert_eq!(err.to_string(), "文件超过大小限制（不超过1KB）");
    let mut u = app.files.begin(FileKind::Jpeg, 10).await.unwrap();
    u.write(&[0xFF, 0xD8]).await.unwrap();
    assert!(u.finish().await.is_err(), "a 2-byte file is not a JPEG");
    // Nothing of the refused uploads is left on disk.
    assert_eq!(count_files(&env).await, 0);
}
both!(uploads_are_checked_by_content);

async fn staff_first_admin_and_roles(env: TestEnv) {
    let (login_name, otp) = scigrant_app::admin::staff::bootstrap_admin(&env.app)
        .await
        .unwrap()
        .unwrap();
    // No `admin`: an unconfigured first start generates the login name.
    assert_eq!(login_name.len(), "sysadmin_".len() + 6);
    assert!(login_name.starts_with("sysadmin_"), "{login_name}");
    assert!(
        login_name["sysadmin_".len()..]
            .chars()
            .all(|c| c.is_ascii_lowercase()),
        "{login_name}"
    );
    assert!(
        scigrant_app::admin::staff::bootstrap_admin(&env.app)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        try_login(&env, LoginTab::Staff, "admin", &otp)
            .await
            .unwrap_err()
            .to_string(),
        try_login(&env, LoginTab::Staff, "nobody_here", &otp)
            .await
            .unwrap_err()
            .to_string()
    );
    let s = try_login(&env, LoginTab::Staff, &login_name, &otp)
        .await
        .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert!(matches!(
        info.caller,
        scigrant_domain::permission::Caller::Staff {
            must_change_password: true,
            ..
        }
    ));
    let change = scigrant_app::identity::auth::PasswordChange {
        old: otp.clone(),
        new: "Tibet#Kj2026".into(),
        confirm: "Tibet#Kj2026".into(),
    };
    scigrant_app::identity::auth::change_password(
        &env.app,
        &staff_actor(info.account_id),
        &info,
        &change,
    )
    .await
    .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert!(matches!(
        info.caller,
        scigrant_domain::permission::Caller::Staff {
            must_change_password: false,
            ..
        }
    ));
    let dup = add_staff(
        &env.app,
        &staff_actor(info.account_id),
        &NewStaff {
            login: login_name.clone(),
            name: "x".into(),
            role: "auditor".into(),
            password: PASSWORD.into(),
        },
    )
    .await;
    assert_eq!(errors_of(dup).get("login"), Some("该登录名已存在"));
    for reserved in ["admin", "Admin", "ADMIN"] {
        let refused = add_staff(
            &env.app,
            &staff_actor(info.account_id),
            &NewStaff {
                login: reserved.into(),
                name: "x".into(),
                role: "sysadmin".into(),
                password: PASSWORD.into(),
            },
        )
        .await;
        assert_eq!(
            errors_of(refused).get("login"),
            Some("不得使用 admin 作为登录名")
        );
    }
}
both!(staff_first_admin_and_roles);

/// The first administrator's login name comes from the configuration;
/// a configured `admin` is refused and creates nothing.
async fn staff_first_admin_login_is_configured(env: TestEnv) {
    use scigrant_app::admin::staff::{bootstrap_admin_as, list_staff};
    let refused = bootstrap_admin_as(&env.app, Some("admin")).await;
    assert_eq!(
        errors_of(refused.map(|_| ())).get("login"),
        Some("不得使用 admin 作为登录名")
    );
    assert!(list_staff(&env.app).await.unwrap().is_empty());
    let (login_name, otp) = bootstrap_admin_as(&env.app, Some("zhang.kjt"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(login_name, "zhang.kjt");
    let staff = list_staff(&env.app).await.unwrap();
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].login, "zhang.kjt");
    assert_eq!(
        staff[0].role,
        Some(scigrant_domain::identity::account::StaffRole::SystemAdmin)
    );
    assert!(staff[0].must_change_password);
    try_login(&env, LoginTab::Staff, "zhang.kjt", &otp)
        .await
        .unwrap();
}
both!(staff_first_admin_login_is_configured);

mod appeal;
mod audit_chain;
mod audit_retention;
mod call_texts;
mod calls;
mod consultation;
mod delegation;
mod dictionaries;
mod experts;
mod experts_import;
mod funding;
mod holding_limits;
mod legacy;
mod login_attacks;
mod nodes;
mod notifications;
mod operations;
mod phones_at_rest;
mod portal;
mod realname;
mod recovery;
mod review;
mod sealed_rows;
mod similarity;
mod staff_activation;
mod storage;
mod supplier;
mod tokens;
mod webhooks;

async fn audit_count_of(env: &TestEnv, prefix: &str) -> i64 {
    scigrant_app::testing::audit_count(&env.app, prefix).await
}
