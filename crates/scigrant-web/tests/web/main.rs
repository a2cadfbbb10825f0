//! Web tests: the route table's permissions (in process), CSRF, isolation
//! between accounts, and the seed's flows driven in a real headless
//! Chromium through chromedriver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod browser;
mod call_documents;
mod call_texts;
mod cluster;
mod consultation;
mod delegation;
mod dictionaries;
mod expert;
mod experts_import;
mod faults;
mod funding;
mod http;
mod legacy;
mod limits;
mod nodes;
mod operations;
mod outbox;
mod phones_at_rest;
mod portal;
mod realname;
mod schemathesis;
mod screens;
mod similarity;
mod solicitation;
mod storage;
mod unit_users;
mod withdraw;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::Actor;
use scigrant_app::identity::auth::{LoginInput, LoginTab, login};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, audit_count, staff_with_password, test_env,
};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::UnitId;
use scigrant_domain::permission::Permission;
use scigrant_web::AppState;
use scigrant_web::routes::{router, table};
use tower::ServiceExt;

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{a}", "1")
        .replace("{b}", "2")
        .replace("{aid}", "1")
        .replace("{section}", "tzgg")
        .replace("{file}", "site.css")
        .replace("{kind}", "person")
        .replace("{side}", "front")
}

async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, String) {
    let (cookies, token) = csrf(state, cookie).await;
    let token = (method == "POST").then_some(token.as_str());
    send_raw(state, method, path, &cookies, token).await
}

/// The `Cookie` header and the form token a browser of this session (or
/// before sign-in, a pre-login token this site signed) would send.
async fn csrf(state: &AppState, session: Option<&str>) -> (String, String) {
    match session {
        Some(s) => {
            // A session that has ended has no token: its requests go out
            // without one, as a browser's stale page would.
            let token = scigrant_app::identity::auth::authenticate(&state.app, s)
                .await
                .unwrap()
                .map(|info| info.csrf)
                .unwrap_or_default();
            (format!("sg_session={s}"), token)
        }
        None => {
            let token = scigrant_app::identity::auth::pre_login_token(&state.app);
            (format!("sg_csrf={token}"), token)
        }
    }
}

/// One in-process request with exactly this `Cookie` header and no form
/// token: status, `Location`, body.
async fn send_cookies(
    state: &AppState,
    method: &str,
    path: &str,
    cookies: &str,
) -> (StatusCode, String, String) {
    send_raw(state, method, path, cookies, None).await
}

async fn send_raw(
    state: &AppState,
    method: &str,
    path: &str,
    cookies: &str,
    token: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookies);
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    if let Some(t) = token {
        req = req.header("x-csrf-token", t);
    }
    let res = router(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// `GET path` with a session: status, content type, raw body.
async fn raw_get(state: &AppState, path: &str, session: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::get(path)
        .header("cookie", format!("sg_session={session}"))
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (status, kind, body.to_vec())
}

/// An anonymous `GET path`: status, headers, raw body.
async fn send_full(state: &AppState, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(path).body(Body::empty()).unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

async fn session_for(env: &TestEnv, tab: LoginTab, login_name: &str, password: &str) -> String {
    let captcha_id = scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id;
    let input = LoginInput {
        login: login_name.into(),
        password: password.into(),
        captcha_id,
        captcha: "TEST".into(),
        user_agent: "test".into(),
    };
    login(&env.app, &Actor::anonymous("127.0.0.1", "t"), tab, &input)
        .await
        .unwrap()
        .token
}

async fn staff_session(env: &TestEnv, role: StaffRole) -> String {
    // Tests of role separation start after the first-login password change.
    let login_name = format!("s_{}", role.code());
    staff_with_password(&env.app, &login_name, "测试", role, PASSWORD).await;
    session_for(env, LoginTab::Staff, &login_name, PASSWORD).await
}

/// Every route declares a permission and the guard enforces it: anonymous
/// callers are sent to a login page, staff of another role get 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_declares_and_enforces_its_permission() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let declared = table().declared;
    // The whole table, so adding a route or changing its permission shows
    // up here and in review.
    let mut routes: Vec<String> = declared
        .iter()
        .map(|d| format!("{} {} {:?}", d.method, d.path, d.permission))
        .collect();
    routes.sort();
    let mut expected = vec![
        "GET / Public",
        "GET /notices/{section} Public",
        "GET /static/{file} Public",
        "GET /agreement Public",
        "GET /healthz Public",
        "GET /readyz Public",
        "GET /metrics Public",
        "GET /api/regions Public",
        "GET /api/regions/path Public",
        "GET /calls/{id} Public",
        "GET /calls/{id}/documents/{file} Public",
        "GET /verify Public",
        "GET /login Public",
        "POST /login Public",
        "GET /staff/login Public",
        "POST /staff/login Public",
        "GET /password/forgot Public",
        "GET /password/reset Public",
        "POST /password/reset Public",
        "POST /password/reset/verify Public",
        "GET /password/appeal/person Public",
        "POST /password/appeal/person Public",
        "GET /password/appeal/unit Public",
        "POST /password/appeal/unit Public",
        "POST /password/appeal/unit/submit Public",
        "GET /password/appeal/status Public",
        "POST /password/appeal/status Public",
        "GET /account/lookup Public",
        "POST /account/lookup Public",
        "GET /messages SignedIn",
        "POST /messages/read SignedIn",
        "GET /staff/activate Public",
        "POST /staff/activate Public",
        "GET /captcha Public",
        "GET /register/unit Public",
        "POST /register/unit Public",
        "GET /register/person Public",
        "POST /register/person Public",
        "GET /register/supplier Public",
        "POST /register/supplier Public",
        "GET /register/supplier/normal Public",
        "POST /register/supplier/normal Public",
        "POST /logout SignedIn",
        "GET /account/password SignedIn",
        "POST /account/password SignedIn",
        "GET /files/{id} SignedIn",
        "GET /applications/{id} SignedIn",
        "GET /applications/{id}/pdf SignedIn",
        "GET /person Person",
        "GET /person/profile Person",
        "POST /person/profile Person",
        "GET /person/info Person",
        "GET /person/info/edit Person",
        "POST /person/info/edit Person",
        "GET /person/info/upload Person",
        "POST /person/info/upload Person",
        "POST /person/delegations/{id}/act Person",
        "POST /person/delegations/stop Person",
        "GET /person/expert Person",
        "POST /person/expert Person",
        "POST /calls/{id}/apply Person",
        "GET /applications/{id}/edit Person",
        "POST /applications/{id}/save Person",
        "POST /applications/{id}/autosave Person",
        "POST /applications/{id}/submit Person",
        "GET /unit Unit",
        "GET /unit/correct Unit",
        "POST /unit/correct Unit",
        "GET /unit/info Unit",
        "GET /unit/info/edit Unit",
        "POST /unit/info/edit Unit",
        "GET /unit/info/upload Unit",
        "POST /unit/info/upload Unit",
        "GET /unit/platform UnitPlatform",
        "GET /unit/org-cert UnitPlatform",
        "POST /unit/org-cert UnitPlatform",
        "GET /unit/members UnitService(Members)",
        "GET /unit/members/export UnitService(Members)",
        "GET /unit/members/{id} UnitService(Members)",
        "POST /unit/members/{id}/decide UnitService(Members)",
        "POST /unit/members/{id}/lock UnitService(Members)",
        "POST /unit/members/add UnitService(Members)",
        "POST /unit/members/{id}/remove UnitService(Members)",
        "GET /unit/applications UnitService(Projects)",
        "POST /unit/applications/{id}/decide UnitService(Projects)",
        "POST /unit/applications/{id}/handler UnitService(Projects)",
        "GET /unit/similarity/{a}/{b} UnitService(Projects)",
        "GET /unit/delegations Unit",
        "POST /unit/delegations Unit",
        "GET /unit/delegations/log Unit",
        "POST /unit/delegations/{id} Unit",
        "POST /unit/delegations/{id}/revoke Unit",
        "POST /csp-report Public",
        "GET /staff Staff",
        "GET /staff/outbox StaffRoles([SecurityAdmin, AccountReviewer])",
        "GET /staff/units StaffRole(AccountReviewer)",
        "GET /staff/units/export StaffRole(AccountReviewer)",
        "GET /staff/units/{id} StaffRole(AccountReviewer)",
        "POST /staff/units/{id}/review StaffRole(AccountReviewer)",
        "GET /staff/realname StaffRole(AccountReviewer)",
        "GET /staff/realname/{kind}/{id} StaffRole(AccountReviewer)",
        "POST /staff/realname/{kind}/{id}/decide StaffRole(AccountReviewer)",
        "GET /staff/realname/{kind}/{id}/image/{side} StaffRole(AccountReviewer)",
        "GET /staff/appeals StaffRole(AccountReviewer)",
        "GET /staff/appeals/{id} StaffRole(AccountReviewer)",
        "GET /staff/appeals/{id}/images/{file} StaffRole(AccountReviewer)",
        "POST /staff/appeals/{id}/decide StaffRole(AccountReviewer)",
        "GET /staff/accounts StaffRole(SystemAdmin)",
        "POST /staff/accounts StaffRole(SystemAdmin)",
        "GET /staff/accounts/export StaffRole(SystemAdmin)",
        "POST /staff/accounts/{id} StaffRole(SystemAdmin)",
        "GET /staff/dictionaries StaffRole(SystemAdmin)",
        "POST /staff/dictionaries StaffRole(SystemAdmin)",
        "POST /staff/dictionaries/edit StaffRole(SystemAdmin)",
        "POST /staff/dictionaries/state StaffRole(SystemAdmin)",
        "GET /staff/security StaffRole(SecurityAdmin)",
        "POST /staff/security StaffRole(SecurityAdmin)",
        "POST /staff/security/unlock StaffRole(SecurityAdmin)",
        "GET /staff/online StaffRole(SecurityAdmin)",
        "POST /staff/online/end StaffRole(SecurityAdmin)",
        "GET /staff/logs StaffRole(AuditAdmin)",
        "GET /staff/logs/verify StaffRole(AuditAdmin)",
        "GET /staff/logs/export StaffRole(AuditAdmin)",
        "GET /staff/programs StaffRole(ProgramManager)",
        "POST /staff/programs StaffRole(ProgramManager)",
        "POST /staff/programs/{id}/limits StaffRole(ProgramManager)",
        "GET /staff/programs/{id}/calls/new StaffRole(ProgramManager)",
        "POST /staff/programs/{id}/calls StaffRole(ProgramManager)",
        "GET /staff/calls/{id} StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/form.json StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/state StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/extension StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/export StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/documents StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/eligibility StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/realname StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/documents/{file} StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/documents/{file}/remove StaffRole(ProgramManager)",
        "POST /staff/applications/{id}/decide StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/funding StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/funding/budget StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/funding/notice StaffRole(ProgramManager)",
        "POST /staff/funding/{id}/decide StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/experts-notice StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/experts-notice StaffRole(ProgramManager)",
        "GET /staff/notices/{id}/objections StaffRole(ProgramManager)",
        "POST /staff/objections/{id}/handle StaffRole(ProgramManager)",
        "GET /staff/objections/{id}/statement StaffRole(ProgramManager)",
        "GET /gongshi Public",
        "GET /gongshi/{id} Public",
        "POST /gongshi/{id}/objection Public",
        "GET /consultations Public",
        "GET /consultations/{id} Public",
        "POST /consultations/{id}/comments Public",
        "GET /staff/calls/{id}/similarity StaffRole(ProgramManager)",
        "GET /staff/similarity/{a}/{b} StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/review StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/review/assign StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/assign StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/add StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/expire StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/remind StaffRole(ProgramManager)",
        "POST /applications/{id}/withdraw Person",
        "POST /staff/calls/{id}/review/assignments/{aid}/pin StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/assignments/{aid}/remove StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/assignments/{aid}/reopen StaffRole(ProgramManager)",
        "GET /staff/calls/{id}/review/results StaffRole(ProgramManager)",
        "POST /staff/calls/{id}/review/export StaffRole(ProgramManager)",
        "GET /expert Person",
        "POST /expert/assignments/{id}/accept Person",
        "POST /expert/assignments/{id}/decline Person",
        "GET /expert/assignments/{id} Person",
        "POST /expert/assignments/{id} Person",
        "POST /expert/assignments/{id}/autosave Person",
        "GET /expert/assignments/{id}/application Person",
        "GET /expert/assignments/{id}/pdf Person",
        "GET /staff/experts StaffRole(ProgramManager)",
        "GET /staff/experts/export StaffRole(ProgramManager)",
        "GET /staff/experts/import StaffRole(ProgramManager)",
        "POST /staff/experts/import StaffRole(ProgramManager)",
        "GET /staff/experts/{id} StaffRole(ProgramManager)",
        "POST /staff/experts/{id}/decide StaffRole(ProgramManager)",
        "GET /articles/{id} Public",
        "GET /articles/{id}/files/{file} Public",
        "GET /search Public",
        "GET /staff/content StaffRoles([ContentEditor, ContentReviewer])",
        "GET /staff/content/new StaffRole(ContentEditor)",
        "POST /staff/content/new StaffRole(ContentEditor)",
        "GET /staff/content/{id} StaffRoles([ContentEditor, ContentReviewer])",
        "POST /staff/content/{id} StaffRole(ContentEditor)",
        "POST /staff/content/{id}/submit StaffRole(ContentEditor)",
        "POST /staff/content/{id}/review StaffRole(ContentReviewer)",
        "POST /staff/content/{id}/withdraw StaffRole(ContentReviewer)",
        "GET /staff/consultations StaffRoles([ContentEditor, ContentReviewer])",
        "POST /staff/consultations StaffRole(ContentEditor)",
        "GET /staff/consultations/{id} StaffRoles([ContentEditor, ContentReviewer])",
        "GET /staff/consultations/{id}/export StaffRoles([ContentEditor, ContentReviewer])",
        "POST /staff/consultations/{id}/close StaffRole(ContentEditor)",
        "POST /staff/comments/{id}/handle StaffRole(ContentEditor)",
        "GET /solicitations Public",
        "GET /solicitations/{id} Public",
        "POST /solicitations/{id}/suggest SignedIn",
        "GET /suggestions SignedIn",
        "GET /suggestions/{id} SignedIn",
        "GET /suggestions/{id}/edit SignedIn",
        "POST /suggestions/{id}/save SignedIn",
        "POST /suggestions/{id}/autosave SignedIn",
        "POST /suggestions/{id}/submit SignedIn",
        "GET /staff/solicitations StaffRole(ProgramManager)",
        "POST /staff/solicitations StaffRole(ProgramManager)",
        "GET /staff/solicitations/{id} StaffRole(ProgramManager)",
        "GET /staff/solicitations/{id}/export StaffRole(ProgramManager)",
        "POST /staff/suggestions/{id}/handle StaffRole(ProgramManager)",
        "GET /account/tokens SignedIn",
        "POST /account/tokens SignedIn",
        "POST /account/tokens/{id}/revoke SignedIn",
        "GET /staff/tokens Staff",
        "POST /staff/tokens Staff",
        "POST /staff/tokens/{id}/revoke Staff",
        "GET /api/v1/openapi.json Public",
        "GET /api/v1/docs Public",
        "GET /api/v1/calls Public",
        "GET /api/v1/calls/{id}/form Public",
        "GET /api/v1/verify Public",
        "GET /api/v1/me/applications Person",
        "POST /api/v1/me/applications/{id}/submit Person",
        "GET /api/v1/unit/members UnitPlatform",
        "GET /api/v1/unit/applications UnitPlatform",
        "GET /api/v1/staff/calls/{id}/applications StaffRole(ProgramManager)",
        "GET /api/v1/staff/calls/{id}/reviews StaffRole(ProgramManager)",
        "GET /api/v1/staff/calls/{id}/funding StaffRole(ProgramManager)",
    ];
    expected.sort();
    assert_eq!(routes, expected);
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    let mut checked = 0;
    for d in &declared {
        let path = concrete(d.path);
        let uri = path.clone();
        let staff_roles = match d.permission {
            Permission::StaffRole(role) => Some(vec![role]),
            Permission::StaffRoles(roles) => Some(roles.to_vec()),
            _ => None,
        };
        // The API answers JSON: 401 to nobody, 403 to the wrong account
        // (its scopes: `api::every_api_route_refuses_callers_without_permission_or_scope`).
        if d.path.starts_with("/api/v1/") && d.permission != Permission::Public {
            let (status, _, body) = send(&state, d.method, &path, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {}", d.method, d.path);
            assert!(body.contains(r#""code":"unauthorized""#), "{body}");
            if staff_roles.is_some() {
                let (status, _, _) = send(&state, d.method, &path, Some(&auditor)).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{} {}", d.method, d.path);
            }
            checked += 1;
            continue;
        }
        match (d.permission, staff_roles) {
            (Permission::Public, _) => continue,
            (_, Some(roles)) => {
                let (status, location, _) = send(&state, d.method, &uri, None).await;
                assert_eq!(
                    (status, location.as_str()),
                    (StatusCode::SEE_OTHER, "/staff/login"),
                    "{} {}",
                    d.method,
                    d.path
                );
                if !roles.contains(&StaffRole::AuditAdmin) {
                    let (status, _, _) = send(&state, d.method, &uri, Some(&auditor)).await;
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "auditor must not reach {} {}",
                        d.method,
                        d.path
                    );
                }
            }
            _ => {
                let (status, location, _) = send(&state, d.method, &uri, None).await;
                assert_eq!(
                    status,
                    StatusCode::SEE_OTHER,
                    "{} {} must require sign-in",
                    d.method,
                    d.path
                );
                assert!(
                    location.contains("login"),
                    "{} {} redirects to {location}",
                    d.method,
                    d.path
                );
            }
        }
        checked += 1;
    }
    // Every route but the public ones was tried.
    assert_eq!(checked, 175);
}

/// The permission is looked up by the matched route and the method
/// (`routes::declared`), so a route must answer no method it does not
/// declare: one added beside a declared one (`get(a).post(b)`) would run
/// unguarded. Every other method is 405 from axum, before any handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_only_its_declared_methods() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let declared = table().declared;
    let mut tried = 0;
    for d in &declared {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if declared
                .iter()
                .any(|o| o.path == d.path && o.method == method)
            {
                continue;
            }
            let (status, _, _) = send(&state, method, &concrete(d.path), None).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {} (declared {})",
                d.path,
                d.method
            );
            tried += 1;
        }
    }
    assert!(tried > 4 * declared.len() / 2, "{tried} tried");
}

/// The SMS outbox holds review messages and one-time codes: the account
/// reviewer and the security administrator read it, no other staff role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_reviewer_and_the_security_admin_read_the_outbox() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    for (role, want) in [
        (StaffRole::AccountReviewer, StatusCode::OK),
        (StaffRole::SecurityAdmin, StatusCode::OK),
        (StaffRole::SystemAdmin, StatusCode::FORBIDDEN),
        (StaffRole::AuditAdmin, StatusCode::FORBIDDEN),
        (StaffRole::ProgramManager, StatusCode::FORBIDDEN),
    ] {
        let who = staff_session(&env, role).await;
        let (status, _, body) = send(&state, "GET", "/staff/outbox", Some(&who)).await;
        assert_eq!(status, want, "{role:?}");
        let (_, _, home) = send(&state, "GET", "/staff", Some(&who)).await;
        assert_eq!(
            home.contains(r#"class="entry" href="/staff/outbox""#),
            want == StatusCode::OK,
            "{role:?}: the home page offers the outbox only to its readers"
        );
        if want == StatusCode::OK {
            assert!(body.contains(r#"id="outbox""#), "{role:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_the_csrf_token_are_refused() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, _, body) = send_cookies(&state, "POST", "/login", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("页面已过期"));
    // With the token the form is processed (and fails on its content).
    let (status, _, body) = send(&state, "POST", "/login", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("图形验证码不正确或已过期"));
}

/// Issue 7 finding 8 and issue 12 item 12: the attacks on the form token.
/// A cookie the site did not sign, echoed back, is refused (it used to pass
/// when any 64 characters were echoed); a token in the URL is not read at
/// all; the pre-login token stops working at sign-in; the token rides in
/// the body of an url-encoded form and as the first part of a multipart
/// one, and the forms never put it in their action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_token_is_signed_bound_to_the_session_and_never_in_a_url() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let post = |path: &str, cookies: String, kind: &'static str, body: Vec<u8>| {
        let (state, path) = (state.clone(), path.to_string());
        async move {
            let req = Request::post(path)
                .header("cookie", cookies)
                .header("content-type", kind)
                .body(Body::from(body))
                .unwrap();
            let res = router(state).oneshot(req).await.unwrap();
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let form = "application/x-www-form-urlencoded";
    let chosen = "0123456789abcdef".repeat(4);
    let (status, _) = post(
        "/login",
        format!("sg_csrf={chosen}"),
        form,
        format!("csrf={chosen}&login=x").into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an attacker-chosen cookie");

    let (cookies, token) = csrf(&state, None).await;
    let (status, _) = post(
        &format!("/login?csrf={token}"),
        cookies.clone(),
        form,
        b"login=x".to_vec(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a token in the URL is not read"
    );
    let (status, body) = post(
        "/login",
        cookies.clone(),
        form,
        format!("login=x&csrf={token}").into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Signed in, the pre-login token no longer passes; the session's does.
    let staff = staff_session(&env, StaffRole::SystemAdmin).await;
    let (_, session_token) = csrf(&state, Some(&staff)).await;
    assert_ne!(session_token, token);
    let with_session = format!("{cookies}; sg_session={staff}");
    let (status, _) = post(
        "/account/password",
        with_session.clone(),
        form,
        format!("csrf={token}").into_bytes(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the pre-login token after sign-in"
    );
    let (status, body) = post(
        "/account/password",
        with_session.clone(),
        form,
        format!("csrf={session_token}").into_bytes(),
    )
    .await;
    assert_ne!(status, StatusCode::FORBIDDEN, "{body}");
    // The first signed-in answer drops the pre-login cookie.
    let req = Request::get("/staff")
        .header("cookie", with_session.clone())
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let set: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert!(
        set.iter()
            .any(|v| v.to_str().unwrap().starts_with("sg_csrf=;")
                && v.to_str().unwrap().contains("Max-Age=0")),
        "{set:?}"
    );

    // Multipart: the token is the first part; anywhere else it is refused.
    let b = "sgtestboundary";
    let part = |name: &str, value: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let kind: &'static str = "multipart/form-data; boundary=sgtestboundary";
    let first = format!("{}{}--{b}--\r\n", part("csrf", &token), part("login", "x"));
    let (status, _) = post("/login", cookies.clone(), kind, first.into_bytes()).await;
    assert_ne!(status, StatusCode::FORBIDDEN, "the token as the first part");
    let later = format!("{}{}--{b}--\r\n", part("login", "x"), part("csrf", &token));
    let (status, _) = post("/login", cookies.clone(), kind, later.into_bytes()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the token after another part"
    );

    // No page puts the token in a URL: every form carries it as a field.
    let (_, _, page) = send(&state, "GET", "/login", None).await;
    assert!(page.contains(r#"name="csrf" value=""#), "{page}");
    assert!(!page.contains("csrf="), "a token in an action: {page}");
}

/// A decision the domain does not define is refused with a message, never
/// taken for another decision (an empty or unknown one used to be recorded
/// as a paper-copy entry, and an unknown call state as 发布).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_posted_decisions_are_refused() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    for (path, message) in [
        (
            "/staff/applications/1/decide",
            "无法识别的审查操作：请在申报书页面选择受理、退回或纸质材料登记后重新提交",
        ),
        (
            "/staff/calls/1/state",
            "无法识别的操作：请在计划类别页面选择发布或截止受理后重新提交",
        ),
    ] {
        let (status, _, body) = send(&state, "POST", path, Some(&manager)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains(message), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_cannot_see_each_others_members_and_files() {
    let env = test_env(Backend::Postgres).await;
    let app = &env.app;
    let reviewer = staff_session(&env, StaffRole::AccountReviewer).await;
    // Unit A's member and its proof, and unit B with a member of its own.
    let a = ApprovedMember::builder(1).build(app).await;
    let b = ApprovedMember::builder(2).build(app).await;
    let person = a.person;
    let me = scigrant_app::identity::members::person(app, person)
        .await
        .unwrap();
    let proof = me.id_proof_file_id.unwrap();

    let state = AppState::new(app.clone());
    let unit_a = session_for(&env, LoginTab::Unit, &a.uscc, PASSWORD).await;
    let unit_b = session_for(&env, LoginTab::Unit, &b.uscc, PASSWORD).await;
    let person_s = session_for(&env, LoginTab::Person, &a.phone, PASSWORD).await;

    // The member's own unit sees the member and the proof; the other gets 404.
    let (status, _, body) = send(
        &state,
        "GET",
        &format!("/unit/members/{person}"),
        Some(&unit_a),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("5401**********"), "ID masked");
    let (status, _, _) = send(
        &state,
        "GET",
        &format!("/unit/members/{person}"),
        Some(&unit_b),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &state,
        "POST",
        &format!("/unit/members/{person}/decide"),
        Some(&unit_b),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another unit's member cannot be decided on"
    );
    let (status, _, _) = send(&state, "GET", &format!("/files/{proof}"), Some(&unit_b)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(&state, "GET", &format!("/files/{proof}"), Some(&reviewer)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "staff reviewers read unit documents only"
    );
    // The owner and the unit download it as an attachment, never sniffed.
    for who in [&person_s, &unit_a] {
        let req = Request::get(format!("/files/{proof}"))
            .header("cookie", format!("sg_session={who}"))
            .body(Body::empty())
            .unwrap();
        let res = router(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
    // Reading someone else's document is audited.
    assert_eq!(audit_count(app, "file.read").await, 1);
    // A person cannot open the unit's certificate.
    let unit_cert = scigrant_app::identity::review::unit(app, UnitId(a.unit.0))
        .await
        .unwrap()
        .cert_file_id
        .unwrap();
    let (status, _, _) = send(
        &state,
        "GET",
        &format!("/files/{unit_cert}"),
        Some(&person_s),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &state,
        "GET",
        &format!("/files/{unit_cert}"),
        Some(&reviewer),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_api_serves_the_picker() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, _, body) = send(&state, "GET", "/api/regions?parent=540100", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"{"code":540102,"name":"城关区","leaf":true}"#));
    let (_, _, body) = send(&state, "GET", "/api/regions/path?code=540102", None).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["西藏自治区", "拉萨市", "城关区"]);
}

/// `/verify` gives an unknown number and a known number with a wrong
/// digest the same status and the same answer, so it cannot be used to
/// find which application numbers exist; number and digest together verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_does_not_tell_which_numbers_exist() {
    use scigrant_app::grants::applications::{start, submit};
    use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
    use scigrant_domain::grants::application::CallState;
    use scigrant_domain::grants::form::samples::sample_fj4;

    let env = test_env(Backend::Sqlite).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let staff = Actor::system();
    let program = create_program(app, &staff, "2023年“科创中国”科技服务团", "")
        .await
        .unwrap();
    let form = CallForm {
        code: "KJFWT2023-01".into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "80".into(),
        cap: "55".into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["institute".into(), "enterprise".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        form_json: String::new(),
        city_group: String::new(),
        ..CallForm::default()
    };
    let call = create_call(app, &staff, program, &form).await.unwrap();
    set_state(app, &staff, call, CallState::Published)
        .await
        .unwrap();
    let person = ApprovedMember::builder(1).build(app).await.person;
    let id = start(app, &Actor::system(), person, call).await.unwrap();
    let receipt = submit(app, &Actor::system(), person, id, &sample_fj4())
        .await
        .unwrap();
    assert_eq!(receipt.number, "KJFWT2023-01-0001");

    let result_of = |body: &str| {
        let start = body.find(r#"id="verify-result""#).unwrap();
        let end = start + body[start..].find("</div>").unwrap();
        body[start..end].to_string()
    };
    let wrong = "0".repeat(64);
    let mut answers = Vec::new();
    for (n, d) in [
        (receipt.number.as_str(), wrong.as_str()),
        ("KJFWT2023-01-0002", wrong.as_str()),
        ("KJFWT2023-01-0002", receipt.digest.as_str()),
        ("NO-SUCH", ""),
    ] {
        let (status, _, body) = send(&state, "GET", &format!("/verify?n={n}&d={d}"), None).await;
        answers.push((status, result_of(&body)));
    }
    let refused = (
        StatusCode::OK,
        "id=\"verify-result\">核验未通过：没有与该申报编号和SM3摘要一致的已提交申报书。请核对编号和摘要；若核对无误，该文本可能已被修改。".to_string(),
    );
    assert_eq!(answers, vec![refused; 4]);

    let (status, _, body) = send(
        &state,
        "GET",
        &format!("/verify?n={}&d={}", receipt.number, receipt.digest),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        result_of(&body).contains("核验通过：该申报书与系统中提交的版本一致"),
        "{body}"
    );
}

/// Issue 7, finding 6: the activation page is public, and the auditor's
/// home page lists changes to 审计管理员 and 安全管理员 accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auditor_sees_privileged_staff_changes_and_activation_is_public() {
    use scigrant_app::admin::staff::{StaffInvite, invite_staff};
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, _, body) = send(&state, "GET", "/staff/activate", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("后台账号激活"));
    assert!(body.contains("name=\"code\""));
    let admin = staff_with_password(
        &env.app,
        "sa_web",
        "管理员",
        StaffRole::SystemAdmin,
        PASSWORD,
    )
    .await;
    invite_staff(
        &env.app,
        &scigrant_app::testing::staff_actor(admin),
        &StaffInvite {
            login: "shadow".into(),
            name: "影子".into(),
            role: "auditor".into(),
            mobile: scigrant_app::testing::phone(90),
        },
    )
    .await
    .unwrap();
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    let (status, _, body) = send(&state, "GET", "/staff", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("需关注的三员账号变更"));
    assert!(body.contains("新增审计管理员账号 shadow"), "{body}");
    // Other roles do not get the list.
    let secadmin = staff_session(&env, StaffRole::SecurityAdmin).await;
    let (_, _, body) = send(&state, "GET", "/staff", Some(&secadmin)).await;
    assert!(!body.contains("需关注的三员账号变更"));
}
