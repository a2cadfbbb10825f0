//! 忘记密码？ in Chromium: a person resets the password by login name with
//! the SMS code read from the outbox, signs in with the new password and
//! finds the notice in the 消息中心.

use fantoccini::Locator;
use scigrant_app::testing::{Backend, PASSWORD};

use super::start;

const NEW_PASSWORD: &str = "Browser#Reset26";

/// The code in the newest SMS of the outbox.
async fn newest_code(app: &scigrant_app::App) -> String {
    let m = scigrant_app::notify::recent(app, 1)
        .await
        .unwrap()
        .remove(0);
    let at = m.body.find("验证码：").expect("a code SMS") + "验证码：".len();
    m.body[at..].chars().take(6).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_person_resets_the_password_by_login_name() {
    let s = start(Backend::Sqlite).await;
    let mobile = super::registered_person(&s.env, 11).await;

    // 忘记密码？ → 选择找回密码方式 → 登录名重置密码.
    s.go("/login").await;
    s.click_to("#forgot", "/password/forgot").await;
    let ways = s.text(".recover-ways").await;
    for line in [
        "登录名重置密码",
        "您需要知道登录名和预留手机号才能进行重置密码",
        "单位法人用户申诉找回密码",
        "自然人申诉找回密码",
    ] {
        assert!(ways.contains(line), "{ways}");
    }
    s.click_to(".recover-ways a", "/password/reset").await;
    // 检索用户.
    s.fill("login", &mobile).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_text(".steps li.on", "重置密码").await;
    // 重置密码: the reserved phone twice, then 获取验证码.
    s.fill("reserved", &mobile).await;
    s.fill("reserved_confirm", &mobile).await;
    s.click("#send-code").await;
    s.wait_text(
        "#code-sent",
        "如填写的信息与预留信息一致，验证码已发送至手机 139****0911，5分钟内有效。",
    )
    .await;
    let code = newest_code(&s.env.app).await;
    s.fill("reason", "忘记密码").await;
    s.fill("password", NEW_PASSWORD).await;
    s.fill("confirm", NEW_PASSWORD).await;
    s.fill("code", &code).await;
    s.click("#reset-submit").await;
    s.wait_text("#reset-done", "重置密码已完成，可以登录科技创新服务系统。")
        .await;
    s.click_to("main a.btn", "/login").await;

    // The old password no longer works, the new one does.
    s.login("person", &mobile, PASSWORD).await;
    assert_eq!(
        s.text(".alert").await,
        "账号、密码或验证码不正确，连续失败多次账号将被锁定"
    );
    s.login("person", &mobile, NEW_PASSWORD).await;
    s.wait_path("/person").await;
    // The 消息中心 holds the notice, unread until marked.
    assert_eq!(s.text("#nav-messages .unread-count").await, "1");
    s.click_to("#nav-messages", "/messages").await;
    let row = s.text("#messages tbody tr").await;
    assert!(
        row.contains("您的账号密码已通过“登录名重置密码”重置"),
        "{row}"
    );
    assert!(row.contains("未读"), "{row}");
    s.click("#messages button").await;
    s.wait_text("#unread", "0").await;
    assert!(
        s.c.find(Locator::Css("#nav-messages .unread-count"))
            .await
            .is_err()
    );
    s.done().await;
}
