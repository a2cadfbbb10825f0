//! （个人/企业）账号检索 over HTTP: linked from the login page and the
//! portal, errors beside the field, the answer on the page, and the
//! per-address budget it shares with login.

use std::sync::Arc;

use axum::http::StatusCode;
use scigrant_app::identity::legacy::import::import_accounts;
use scigrant_app::testing::{Backend, legacy_hash, test_env, uscc};
use scigrant_app::{Actor, Config};
use scigrant_web::AppState;

use super::funding::post_form;
use super::send;

async fn captcha(state: &AppState) -> String {
    scigrant_app::identity::captcha::new_captcha(&state.app)
        .await
        .unwrap()
        .id
}

/// 账号检索 of `key` on `tab`, with a fresh captcha answered right.
async fn lookup(state: &AppState, tab: &str, key: &str) -> (StatusCode, String) {
    let id = captcha(state).await;
    let (status, _, page) = post_form(
        state,
        "/account/lookup",
        "",
        &[
            ("tab", tab),
            ("key", key),
            ("captcha_id", &id),
            ("captcha", "TEST"),
        ],
    )
    .await;
    (status, page)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_lookup_page_answers_and_is_rate_limited() {
    let env = test_env(Backend::Sqlite).await;
    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        login_rate_per_minute: 3,
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    let csv = format!(
        "类型,登录名,单位名称,统一社会信用代码,姓名,证件号码,手机号,电子邮箱,密码哈希\nunit,,拉萨火炬科技有限公司,{},,,,,{}\n",
        uscc(20),
        legacy_hash("Huoju#2019old")
    );
    import_accounts(&env.app, &Actor::system(), "a.csv", csv.as_bytes(), false)
        .await
        .unwrap();

    let (_, _, login) = send(&state, "GET", "/login", None).await;
    assert!(login.contains(
        r#"<a href="/account/lookup?tab=person" id="account-lookup">（个人/企业）账号检索</a>"#
    ));
    let (_, _, home) = send(&state, "GET", "/", None).await;
    assert!(home.contains(r#"href="/account/lookup" id="portal-account-lookup""#));
    let (status, _, page) = send(&state, "GET", "/account/lookup", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("（个人/企业）账号检索</h1>"));
    assert!(page.contains("统一社会信用代码:"));

    // A key of the wrong shape: the error beside the field, the key as typed.
    let (status, page) = lookup(&state, "unit", "9154X").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"value="9154X" aria-invalid="true" aria-describedby="e-key""#));
    assert!(page.contains(r#"<p class="error" id="e-key">请输入正确的统一社会信用代码</p>"#));

    let (status, page) = lookup(&state, "unit", &uscc(20)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"<h2 id="lookup-case">已注册账号 · 第一种</h2>"#),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"<strong id="lookup-login">{}</strong>"#,
        uscc(20)
    )));
    assert!(page.contains(r#"<strong id="lookup-tab">企业用户登录（法人登录）</strong>"#));
    assert!(page.contains(r#"href="/login?tab=unit""#));

    // The third lookup this minute is the last the login budget allows.
    let (status, page) = lookup(&state, "person", "13900070000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"<h2 id="lookup-case">未注册账号</h2>"#),
        "{page}"
    );
    let (status, page) = lookup(&state, "unit", &uscc(20)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请求过于频繁，请稍后再试"));
    assert!(!page.contains("lookup-answer"));
    env.clock.advance_ms(20_000);
    let (status, _) = lookup(&state, "unit", &uscc(20)).await;
    assert_eq!(status, StatusCode::OK);
}
