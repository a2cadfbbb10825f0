//! 登录名重置密码 (issue 13 #2) and its codes: 300 s validity, five
//! entries, a new code voiding the old, the send limits, and answers that
//! do not tell a registered account from an unknown one. Each test runs on
//! SQLite and on PostgreSQL.

use scigrant_app::admin::audit::{AuditFilter, search_audit};
use scigrant_app::identity::auth::{LoginTab, authenticate};
use scigrant_app::identity::codes::SEND_REFUSED;
use scigrant_app::identity::recovery::{
    FindLogin, RESET_REFUSED, ResetForm, find_login, reset_password, send_reset_code,
};
use scigrant_app::notify::centre::my_messages;
use scigrant_app::notify::{Channel, recent};
use scigrant_app::testing::{PASSWORD, TestEnv, id_number, phone, unit_form, uscc, visitor};
use scigrant_app::{Actor, AppError};

use super::{new_captcha, new_person, new_unit, refusal_of, try_login};

pub(crate) const NEW_PASSWORD: &str = "Reset#Kj2026x";

/// Person `n`'s login (mobile number) and reserved phone.
fn person_phone(n: u32) -> String {
    phone(50_000 + n)
}

/// Steps one and two's form for `login` with `reserved` typed twice.
pub(crate) async fn step_two(
    env: &TestEnv,
    tab: LoginTab,
    login: &str,
    reserved: &str,
) -> ResetForm {
    let t = find_login(
        &env.app,
        &visitor(),
        tab,
        &FindLogin {
            login: login.into(),
            captcha_id: new_captcha(env).await,
            captcha: "TEST".into(),
        },
    )
    .await
    .unwrap();
    ResetForm {
        login: t.login,
        ticket: t.ticket,
        method: "phone".into(),
        reserved: reserved.into(),
        reserved_confirm: reserved.into(),
        reason: "忘记密码".into(),
        password: NEW_PASSWORD.into(),
        confirm: NEW_PASSWORD.into(),
        ..ResetForm::default()
    }
}

/// The code in the newest message of the outbox.
pub(crate) async fn code_in_outbox(env: &TestEnv) -> String {
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    let at = m
        .body
        .find("验证码：")
        .expect("the message carries the code")
        + "验证码：".len();
    let code: String = m.body[at..].chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{}", m.body);
    code
}

pub(crate) async fn send(env: &TestEnv, f: &ResetForm) -> Result<String, AppError> {
    send_reset_code(&env.app, &visitor(), LoginTab::Person, f).await
}

pub(crate) async fn reset(env: &TestEnv, f: &ResetForm, code: &str) -> Result<(), AppError> {
    let f = ResetForm {
        code: code.into(),
        ..f.clone()
    };
    reset_password(&env.app, &visitor(), LoginTab::Person, &f).await
}

async fn audits(env: &TestEnv, prefix: &str) -> i64 {
    let f = AuditFilter {
        action_prefix: prefix.into(),
        ..Default::default()
    };
    search_audit(&env.app, &f, 1).await.unwrap().total
}

async fn a_reset_ends_sessions_clears_the_lock_and_notifies(env: TestEnv) {
    let person = new_person(&env, 1).await;
    let login = person_phone(1);
    let open = try_login(&env, LoginTab::Person, &login, PASSWORD)
        .await
        .unwrap();
    // Five wrong passwords lock the account.
    for _ in 0..5 {
        let _ = try_login(&env, LoginTab::Person, &login, "Wrong#pass1").await;
    }
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));

    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    assert_eq!(send(&env, &f).await.unwrap(), "139****0001");
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(sms.channel, Channel::Sms);
    assert_eq!(sms.recipient_masked, "139****0001");
    let code = code_in_outbox(&env).await;
    env.clock.advance_ms(299_000);
    reset(&env, &f, &code).await.unwrap();

    // The open session is gone, the lock too, and the new password works.
    assert!(authenticate(&env.app, &open.token).await.unwrap().is_none());
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    let s = try_login(&env, LoginTab::Person, &login, NEW_PASSWORD)
        .await
        .unwrap();
    let session = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert_eq!(session.account_id, person.0);
    // Told by SMS, by e-mail and in the 消息中心 (unread).
    let told = "您的账号密码已通过“登录名重置密码”重置，已登录的会话均已退出。如非本人操作，请立即联系我们。";
    let sent = recent(&env.app, 2).await.unwrap();
    assert_eq!(sent[0].channel, Channel::Email);
    assert_eq!(sent[0].recipient_masked, "p*@example.cn");
    assert_eq!(sent[0].body, told);
    assert_eq!(sent[1].channel, Channel::Sms);
    assert_eq!(sent[1].body, format!("【科技创新服务系统】{told}"));
    assert_eq!(session.unread_messages, 1);
    let centre = my_messages(&env.app, &session, 1).await.unwrap();
    assert_eq!(centre.total, 1);
    assert_eq!(centre.rows[0].body, told);
    assert!(!centre.rows[0].read);
    assert_eq!(audits(&env, "password.reset").await, 3, "find, code, reset");
    // The code was spent.
    assert_eq!(refusal_of(reset(&env, &f, &code).await), RESET_REFUSED);
}
both!(a_reset_ends_sessions_clears_the_lock_and_notifies);

async fn a_code_lives_300_seconds(env: TestEnv) {
    new_person(&env, 2).await;
    let login = person_phone(2);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    env.clock.advance_ms(301_000);
    assert_eq!(refusal_of(reset(&env, &f, &code).await), RESET_REFUSED);
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    env.clock.advance_ms(299_000);
    reset(&env, &f, &code).await.unwrap();
}
both!(a_code_lives_300_seconds);

async fn the_fifth_wrong_code_voids_it(env: TestEnv) {
    new_person(&env, 3).await;
    let login = person_phone(3);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(refusal_of(reset(&env, &f, wrong).await), RESET_REFUSED);
    }
    assert_eq!(refusal_of(reset(&env, &f, &code).await), RESET_REFUSED);
    // Four wrong entries leave the right one its chance.
    env.clock.advance_ms(61_000);
    send(&env, &f).await.unwrap();
    let code = code_in_outbox(&env).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(refusal_of(reset(&env, &f, wrong).await), RESET_REFUSED);
    }
    reset(&env, &f, &code).await.unwrap();
}
both!(the_fifth_wrong_code_voids_it);

async fn a_new_code_voids_the_old(env: TestEnv) {
    new_person(&env, 4).await;
    let login = person_phone(4);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    send(&env, &f).await.unwrap();
    let first = code_in_outbox(&env).await;
    env.clock.advance_ms(61_000);
    send(&env, &f).await.unwrap();
    let second = code_in_outbox(&env).await;
    if first != second {
        assert_eq!(refusal_of(reset(&env, &f, &first).await), RESET_REFUSED);
    }
    reset(&env, &f, &second).await.unwrap();
}
both!(a_new_code_voids_the_old);

async fn sends_are_limited_per_phone_and_per_address(env: TestEnv) {
    new_person(&env, 5).await;
    let login = person_phone(5);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    let sms_count = |env: &TestEnv| {
        let app = env.app.clone();
        async move { recent(&app, 500).await.unwrap().len() }
    };
    // One a minute.
    send(&env, &f).await.unwrap();
    env.clock.advance_ms(59_000);
    assert_eq!(refusal_of(send(&env, &f).await), SEND_REFUSED);
    env.clock.advance_ms(2_000);
    send(&env, &f).await.unwrap();
    // Five an hour.
    for _ in 0..3 {
        env.clock.advance_ms(61_000);
        send(&env, &f).await.unwrap();
    }
    env.clock.advance_ms(61_000);
    assert_eq!(refusal_of(send(&env, &f).await), SEND_REFUSED);
    assert_eq!(sms_count(&env).await, 5);
    // Ten a day: the next hour gives five more, then the day is full.
    env.clock.advance_ms(3_600_000);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    for _ in 0..5 {
        send(&env, &f).await.unwrap();
        env.clock.advance_ms(61_000);
    }
    env.clock.advance_ms(3_600_000);
    let f = step_two(&env, LoginTab::Person, &login, &login).await;
    assert_eq!(refusal_of(send(&env, &f).await), SEND_REFUSED);
    assert_eq!(sms_count(&env).await, 10);
    // A phone nobody registered counts the same.
    let other = phone(70_001);
    let g = step_two(&env, LoginTab::Person, &other, &other).await;
    send(&env, &g).await.unwrap();
    assert_eq!(refusal_of(send(&env, &g).await), SEND_REFUSED);
    // Twenty sends an hour from one address, to any phones.
    let from = Actor::anonymous("203.0.113.9", "test");
    for n in 0..20 {
        let p = phone(80_000 + n);
        let g = step_two(&env, LoginTab::Person, &p, &p).await;
        send_reset_code(&env.app, &from, LoginTab::Person, &g)
            .await
            .unwrap();
    }
    let p = phone(80_100);
    let g = step_two(&env, LoginTab::Person, &p, &p).await;
    assert_eq!(
        refusal_of(send_reset_code(&env.app, &from, LoginTab::Person, &g).await),
        SEND_REFUSED
    );
}
both!(sends_are_limited_per_phone_and_per_address);

async fn unknown_and_known_accounts_answer_alike(env: TestEnv) {
    new_person(&env, 6).await;
    let known = person_phone(6);
    let unknown = phone(60_006);
    // Step one: a ticket for both, and about the same time.
    let mut took = [std::time::Duration::ZERO; 2];
    for _ in 0..10 {
        for (i, login) in [&known, &unknown].into_iter().enumerate() {
            let captcha_id = new_captcha(&env).await;
            let start = std::time::Instant::now();
            let t = find_login(
                &env.app,
                &visitor(),
                LoginTab::Person,
                &FindLogin {
                    login: login.clone(),
                    captcha_id,
                    captcha: "TEST".into(),
                },
            )
            .await
            .unwrap();
            took[i] += start.elapsed();
            assert_eq!(&t.login, login);
        }
    }
    let (fast, slow) = (took[0].min(took[1]), took[0].max(took[1]));
    assert!(
        slow <= fast * 3 + std::time::Duration::from_millis(50),
        "known {:?} vs unknown {:?}",
        took[0],
        took[1]
    );
    // Step two: the same answer for a match, a mismatch and no account.
    let before = recent(&env.app, 100).await.unwrap().len();
    let same = step_two(&env, LoginTab::Person, &known, &known).await;
    let mismatch = step_two(&env, LoginTab::Person, &known, &phone(60_106)).await;
    let nobody = step_two(&env, LoginTab::Person, &unknown, &phone(60_206)).await;
    assert_eq!(send(&env, &same).await.unwrap(), "139****0006");
    assert_eq!(send(&env, &mismatch).await.unwrap(), "139****0106");
    assert_eq!(send(&env, &nobody).await.unwrap(), "139****0206");
    assert_eq!(recent(&env.app, 100).await.unwrap().len(), before + 1);
    // The reset refuses a mismatch and an unknown account as a wrong code.
    assert_eq!(
        refusal_of(reset(&env, &mismatch, "123456").await),
        RESET_REFUSED
    );
    assert_eq!(
        refusal_of(reset(&env, &nobody, "123456").await),
        RESET_REFUSED
    );
    // A forged or stale ticket is refused before anything is looked up.
    let forged = ResetForm {
        ticket: "99999999999999-00".into(),
        ..same.clone()
    };
    assert!(matches!(
        send(&env, &forged).await,
        Err(AppError::Refused(_))
    ));
    env.clock.advance_ms(30 * 60 * 1000 + 1);
    assert!(matches!(send(&env, &same).await, Err(AppError::Refused(_))));
}
both!(unknown_and_known_accounts_answer_alike);

async fn a_unit_resets_with_its_name_and_code(env: TestEnv) {
    new_unit(&env, 7).await;
    let login = uscc(7);
    let contact = phone(7);
    let mut f = step_two(&env, LoginTab::Unit, &login, &contact).await;
    f.unit_name = unit_form(7).name;
    f.uscc = login.clone();
    // A unit has no reserved e-mail.
    let by_mail = ResetForm {
        method: "email".into(),
        ..f.clone()
    };
    let e = match send_reset_code(&env.app, &visitor(), LoginTab::Unit, &by_mail).await {
        Err(AppError::Validation(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.get("method"), Some("单位用户请使用预留手机号验证"));
    send_reset_code(&env.app, &visitor(), LoginTab::Unit, &f)
        .await
        .unwrap();
    let code = code_in_outbox(&env).await;
    let wrong_name = ResetForm {
        unit_name: "别的单位".into(),
        code: code.clone(),
        ..f.clone()
    };
    assert_eq!(
        refusal_of(reset_password(&env.app, &visitor(), LoginTab::Unit, &wrong_name).await),
        RESET_REFUSED
    );
    let f = ResetForm { code, ..f };
    reset_password(&env.app, &visitor(), LoginTab::Unit, &f)
        .await
        .unwrap();
    try_login(&env, LoginTab::Unit, &login, NEW_PASSWORD)
        .await
        .unwrap();
}
both!(a_unit_resets_with_its_name_and_code);

async fn a_person_resets_by_e_mail(env: TestEnv) {
    new_person(&env, 8).await;
    let login = id_number(8);
    let mut f = step_two(&env, LoginTab::Person, &login, "p8@example.cn").await;
    f.method = "email".into();
    f.reserved_confirm = "p9@example.cn".into();
    match send(&env, &f).await {
        Err(AppError::Validation(e)) => {
            assert_eq!(e.get("reserved_confirm"), Some("两次输入的电子邮箱不一致"))
        }
        other => panic!("{other:?}"),
    }
    f.reserved_confirm = "p8@example.cn".into();
    assert_eq!(send(&env, &f).await.unwrap(), "p*@example.cn");
    let mail = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(mail.channel, Channel::Email);
    assert_eq!(mail.subject, "【科技创新服务系统】重置密码验证码");
    let code = code_in_outbox(&env).await;
    // Every field is checked at once and answered beside itself.
    let bad = ResetForm {
        reason: String::new(),
        password: "short".into(),
        ..f.clone()
    };
    match reset(&env, &bad, "12").await {
        Err(AppError::Validation(e)) => {
            assert_eq!(e.get("reason"), Some("请输入密码修改原因"));
            assert!(e.get("password").is_some());
            assert_eq!(e.get("code"), Some("请输入6位验证码"));
        }
        other => panic!("{other:?}"),
    }
    reset(&env, &f, &code).await.unwrap();
    try_login(&env, LoginTab::Person, &login, NEW_PASSWORD)
        .await
        .unwrap();
}
both!(a_person_resets_by_e_mail);
