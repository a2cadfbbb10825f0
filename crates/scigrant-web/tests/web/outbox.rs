//! 短信发件箱 shows what was sent and what failed (issue 13 #9): the
//! delivery worker runs against an SMTP port nobody listens on.

use axum::http::StatusCode;
use scigrant_app::config::SmtpTls;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::recovery::{FindLogin, ResetForm, find_login, send_reset_code};
use scigrant_app::notify::delivery::{MAX_ATTEMPTS, deliver_due, retry_delay_ms};
use scigrant_app::testing::{ApprovedMember, Backend, test_env_with, visitor};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use super::{send, staff_session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_shows_sent_and_failed_messages() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = test_env_with(Backend::Sqlite, |c| {
        c.smtp_host = "127.0.0.1".into();
        c.smtp_port = closed;
        c.smtp_tls = SmtpTls::None;
    })
    .await;
    let state = AppState::new(env.app.clone());
    // SMS of the registration (sent through the outbox) …
    ApprovedMember::builder(1).build(&env.app).await;
    // … and an e-mail code that never gets through.
    let t = find_login(
        &env.app,
        &visitor(),
        LoginTab::Person,
        &FindLogin {
            login: "13900050001".into(),
            captcha_id: scigrant_app::identity::captcha::new_captcha(&env.app)
                .await
                .unwrap()
                .id,
            captcha: "TEST".into(),
        },
    )
    .await
    .unwrap();
    let f = ResetForm {
        login: t.login,
        ticket: t.ticket,
        method: "email".into(),
        reserved: "p1@example.cn".into(),
        reserved_confirm: "p1@example.cn".into(),
        ..ResetForm::default()
    };
    send_reset_code(&env.app, &visitor(), LoginTab::Person, &f)
        .await
        .unwrap();
    for attempt in 1..=MAX_ATTEMPTS {
        deliver_due(&env.app).await.unwrap();
        if let Some(wait) = retry_delay_ms(attempt) {
            env.clock.advance_ms(wait);
        }
    }
    let who = staff_session(&env, StaffRole::SecurityAdmin).await;
    let (status, _, body) = send(&state, "GET", "/staff/outbox", Some(&who)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#"<span class="badge bad">发送失败</span>"#),
        "{body}"
    );
    assert!(body.contains("已尝试5次"), "{body}");
    assert!(body.contains("邮件服务器错误"), "{body}");
    assert!(
        body.contains(r#"<span class="badge ok">已发送</span>"#),
        "{body}"
    );
    assert!(body.contains("p*@example.cn"), "the recipient is masked");
    // The code itself never shows to staff, only that one was sent.
    let sent = scigrant_app::notify::recent(&env.app, 20).await.unwrap();
    let with_code = sent.iter().find(|m| m.body.contains("验证码：")).unwrap();
    let code: String = with_code
        .body
        .split("验证码：")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
    assert!(!body.contains(&code), "{body}");
    assert!(body.contains("验证码：******，5分钟内有效"), "{body}");
    assert!(!body.contains("p1@example.cn"), "the recipient is masked");
}
