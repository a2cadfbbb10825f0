//! 火炬中心业务办理平台用户转移 in Chromium: a person whose phone was taken
//! here was imported as HJ- + phone; from the login page they open
//! （个人/企业）账号检索, read 第三种 with the (masked) login name and the
//! login tab, go there and sign in with the predecessor's password.

use scigrant_app::Actor;
use scigrant_app::identity::legacy::import::import_accounts;
use scigrant_app::testing::{Backend, legacy_hash};

use super::start;

const LEGACY_PASSWORD: &str = "Huoju#2019old";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_lookup_of_an_imported_account_then_login() {
    let s = start(Backend::Sqlite).await;
    let mobile = super::registered_person(&s.env, 12).await;
    let csv = format!(
        "类型,登录名,单位名称,统一社会信用代码,姓名,证件号码,手机号,电子邮箱,密码哈希\nperson,{mobile},,,格桑,,{mobile},,{}\n",
        legacy_hash(LEGACY_PASSWORD)
    );
    import_accounts(
        &s.env.app,
        &Actor::system(),
        "accounts.csv",
        csv.as_bytes(),
        false,
    )
    .await
    .unwrap();

    s.go("/login").await;
    s.click_to("#account-lookup", "/account/lookup").await;
    s.click_to(
        ".tabs a[href='/account/lookup?tab=person']",
        "/account/lookup?tab=person",
    )
    .await;
    s.fill("key", &mobile).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_text("#lookup-case", "已注册账号 · 第三种").await;
    assert_eq!(s.text("#lookup-login").await, "HJ-139****0912");
    assert_eq!(s.text("#lookup-tab").await, "个人用户登录（自然人登录）");
    let text = s.text("#lookup-text").await;
    assert!(
        text.contains(
            "自然人账号登录名为“HJ-”加原火炬中心用户名（手机号，例：HJ-18711111111）同时密码不变"
        ),
        "{text}"
    );

    s.click_to("#lookup-go", "/login?tab=person").await;
    s.fill("login", &format!("HJ-{mobile}")).await;
    s.fill("password", LEGACY_PASSWORD).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_path("/person").await;
    s.done().await;
}
