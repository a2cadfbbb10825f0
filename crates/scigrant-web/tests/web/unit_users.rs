//! 单位用户管理 → 添加用户 over HTTP: a refusal comes back beside the field
//! with both fields as typed; an unbound account is added and listed.

use axum::http::StatusCode;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, phone, test_env};
use scigrant_web::AppState;

use super::funding::post_form;
use super::{send, session_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_adds_an_unbound_account_with_errors_beside_the_field() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let unit = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;
    let captcha = scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id;
    let form = scigrant_app::testing::person_form(9, captcha);
    scigrant_app::identity::register::register_person(
        &env.app,
        &scigrant_app::Actor::system(),
        &form,
    )
    .await
    .unwrap();

    let (status, _, page) = post_form(
        &state,
        "/unit/members/add",
        &unit,
        &[("add_login", &phone(50_009)), ("add_name", "李四")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            r#"<p class="error" id="e-add_login">未找到登录名（或手机号）与姓名相符的账号</p>"#
        ),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"value="{}""#, phone(50_009))) && page.contains(r#"value="李四""#)
    );

    let (status, location, _) = post_form(
        &state,
        "/unit/members/add",
        &unit,
        &[("add_login", &phone(50_009)), ("add_name", "张三")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/unit/members?ok=member_added")
    );
    let (_, _, page) = send(&state, "GET", "/unit/members?ok=member_added", Some(&unit)).await;
    assert!(page.contains("已添加为本单位用户，并已通知本人。"));
    assert_eq!(
        page.matches("<td class=\"membership\">通过").count(),
        2,
        "{page}"
    );
}
