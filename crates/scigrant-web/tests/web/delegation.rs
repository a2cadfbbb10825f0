//! 用户授权管理 (代办) over HTTP: the grant form comes back as typed with
//! each error beside its field; the delegate reaches the unit's pages of
//! the services granted and no others (never 用户授权管理 itself); a
//! revocation answers the open session's next request with 403.

use axum::http::StatusCode;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::delegation::{GrantForm, grant, revoke};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, test_env, unit_actor, verified_by_review,
};
use scigrant_web::AppState;

use super::funding::post_form;
use super::{send, session_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegate_reaches_only_the_services_granted_until_revoked() {
    let env = test_env(Backend::Sqlite).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let m = ApprovedMember::builder(1).build(app).await;
    let other = ApprovedMember::builder(2).build(app).await;
    let unit = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;

    // Errors beside their fields, the form as typed.
    let (status, _, page) = post_form(
        &state,
        "/unit/delegations",
        &unit,
        &[("login", "13900000000"), ("ends_on", "2023-04-19")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="error" id="e-login">未找到该自然人用户，请核对后重新输入</p>"#),
        "{page}"
    );
    assert!(page.contains(r#"<p class="error" id="e-services">请至少选择一项授权事项</p>"#));
    assert!(page.contains(r#"<p class="error" id="e-ends_on">授权截止日期不能早于今天</p>"#));
    assert!(page.contains(r#"value="13900000000""#));

    // The other unit's member, verified, is authorised for 项目管理 only.
    let p = other.person;
    verified_by_review(app, p, "李四").await;
    let id = grant(
        app,
        &unit_actor(m.unit.0),
        m.unit,
        &GrantForm {
            login: other.phone.clone(),
            services: vec!["projects".into()],
            ends_on: "2023-05-31".into(),
            ..GrantForm::default()
        },
    )
    .await
    .unwrap();
    let (_, _, page) = send(&state, "GET", "/unit/delegations", Some(&unit)).await;
    assert!(page.contains("李四") && page.contains("项目管理") && page.contains("2023-05-31"));

    let person = session_for(&env, LoginTab::Person, &other.phone, PASSWORD).await;
    let (status, location, _) = post_form(
        &state,
        &format!("/person/delegations/{id}/act"),
        &person,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/person/info?ok=acting#auth")
    );
    let (_, _, page) = send(&state, "GET", "/person", Some(&person)).await;
    assert!(
        page.contains(r#"<span class="acting" id="acting">代办：西藏高原科学研究所1</span>"#),
        "{page}"
    );
    assert!(page.contains(r#"href="/unit/applications" id="acting-home""#));
    let (status, _, page) = send(&state, "GET", "/unit/applications", Some(&person)).await;
    assert_eq!(status, StatusCode::OK);
    // Only the tab of the service granted.
    assert!(page.contains(">项目管理</a>") && !page.contains(">单位从属用户管理</a>"));
    for path in ["/unit/members", "/unit/delegations", "/unit/info", "/unit"] {
        let (status, _, _) = send(&state, "GET", path, Some(&person)).await;
        assert_ne!(status, StatusCode::OK, "a 项目管理 delegate reached {path}");
    }
    let (status, _, page) = send(&state, "GET", "/unit/members", Some(&person)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("您没有该单位此项业务的代办授权，或授权已撤销、已到期。"));

    // Revoked: the same open session's next request is refused.
    revoke(app, &unit_actor(m.unit.0), m.unit, id)
        .await
        .unwrap();
    let (status, _, page) = send(&state, "GET", "/unit/applications", Some(&person)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("您没有该单位此项业务的代办授权，或授权已撤销、已到期。"));
    let (_, _, page) = send(&state, "GET", "/person", Some(&person)).await;
    assert!(!page.contains(r#"id="acting""#));
}
