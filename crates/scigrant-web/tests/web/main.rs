//! Web tests: the route table's permissions (in process), CSRF, isolation
//! between accounts, and the seed's flows driven in a real headless
//! Chromium through chromedriver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::Actor;
use scigrant_app::admin::security::{NewStaff, add_staff};
use scigrant_app::identity::auth::{LoginInput, LoginTab, login};
use scigrant_app::identity::register::limits;
use scigrant_app::testing::{
    PASSWORD, TestEnv, id_number, jpeg, pdf, phone, test_env, upload, uscc,
};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::permission::Permission;
use scigrant_store::Backend;
use scigrant_store::files::FileKind;
use scigrant_web::AppState;
use scigrant_web::routes::{router, table};
use tower::ServiceExt;

const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{section}", "tzgg")
        .replace("{file}", "site.css")
}

async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = Request::builder().method(method).uri(path);
    let mut cookies = format!("sg_csrf={CSRF}");
    if let Some(c) = cookie {
        cookies.push_str(&format!("; sg_session={c}"));
    }
    req = req.header("cookie", cookies);
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
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
    let login_name = format!("s_{}", role.code());
    let id = add_staff(
        &env.app,
        &Actor::system(),
        &NewStaff {
            login: login_name.clone(),
            name: "测试".into(),
            role: role.code().into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    // Tests of role separation start after the first-login password change.
    let mut c = env.app.db.read().await.unwrap();
    let hash = scigrant_domain::identity::password_hash::hash_password(PASSWORD, &[1; 16], 1000);
    scigrant_store::identity::accounts::set_staff_password(&mut c, id, &hash, false)
        .await
        .unwrap();
    session_for(env, LoginTab::Staff, &login_name, PASSWORD).await
}

/// Every route declares a permission and the guard enforces it: anonymous
/// callers are sent to a login page, staff of another role get 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_declares_and_enforces_its_permission() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let declared = table().declared;
    assert!(
        declared.len() >= 40,
        "the route table lists the product's routes"
    );
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    let mut checked = 0;
    for d in &declared {
        let path = concrete(d.path);
        let uri = if d.method == "POST" {
            format!("{path}?csrf={CSRF}")
        } else {
            path.clone()
        };
        match d.permission {
            Permission::Public => continue,
            Permission::StaffRole(role) => {
                let (status, location, _) = send(&state, d.method, &uri, None).await;
                assert_eq!(
                    (status, location.as_str()),
                    (StatusCode::SEE_OTHER, "/staff/login"),
                    "{} {}",
                    d.method,
                    d.path
                );
                if role != StaffRole::AuditAdmin {
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
    assert!(checked >= 30);
    // Printed so the permission table is visible in the test log.
    for d in &declared {
        println!("{:4} {:32} {:?}", d.method, d.path, d.permission);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_the_csrf_token_are_refused() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, _, body) = send(&state, "POST", "/login", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("页面已过期"));
    let (status, _, _) = send(&state, "POST", "/login?csrf=wrong", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // With the token the form is processed (and fails on its content).
    let (status, _, body) = send(&state, "POST", &format!("/login?csrf={CSRF}"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("图形验证码不正确或已过期"));
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
        let uri = format!("{path}?csrf={CSRF}");
        let (status, _, body) = send(&state, "POST", &uri, Some(&manager)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains(message), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_cannot_see_each_others_members_and_files() {
    let env = test_env(Backend::Postgres).await;
    let app = &env.app;
    let reviewer = staff_session(&env, StaffRole::AccountReviewer).await;
    let reviewer_actor = Actor {
        kind: Some(scigrant_domain::identity::account::AccountKind::Staff),
        id: Some(1),
        label: "r".into(),
        ip: "-".into(),
        request_id: "-".into(),
    };
    let mut units = Vec::new();
    for n in [1, 2] {
        let cert = upload(app, FileKind::Jpeg, limits::USCC_CERT, "c.jpg", &jpeg(100)).await;
        let f = scigrant_app::identity::register::UnitForm {
            kind: "enterprise".into(),
            name: format!("单位{n}"),
            legal_rep: "甲".into(),
            reg_place: "拉萨".into(),
            uscc: uscc(n),
            password: PASSWORD.into(),
            password_confirm: PASSWORD.into(),
            contact_name: "乙".into(),
            contact_phone: phone(n),
        };
        let id =
            scigrant_app::identity::register::register_unit(app, &Actor::system(), &f, Some(&cert))
                .await
                .unwrap();
        scigrant_app::identity::review::review_unit(
            app,
            &reviewer_actor,
            id,
            &scigrant_app::identity::review::Verdict::Approve,
        )
        .await
        .unwrap();
        units.push(id);
    }
    let captcha_id = scigrant_app::identity::captcha::new_captcha(app)
        .await
        .unwrap()
        .id;
    let pf = scigrant_app::identity::register::PersonForm {
        doc_type: "mainland_id".into(),
        doc_no: id_number(1),
        name: "张三".into(),
        email: "a@b.cn".into(),
        region_code: "540102".into(),
        gender: "男".into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
        phone: phone(900),
        captcha_id,
        captcha: "TEST".into(),
        agreed: true,
    };
    let person = scigrant_app::identity::register::register_person(app, &Actor::system(), &pf)
        .await
        .unwrap();
    let idp = upload(app, FileKind::Pdf, limits::ID_PROOF, "id.pdf", &pdf(1000)).await;
    let tp = upload(app, FileKind::Pdf, limits::TITLE_PROOF, "t.pdf", &pdf(1000)).await;
    let profile = scigrant_app::identity::members::ProfileForm {
        unit_id: units[0].to_string(),
        region_code: "540102".into(),
        department: "中心".into(),
        email: "a@b.cn".into(),
        education: "硕士".into(),
        degree: "博士".into(),
        title: "高级".into(),
    };
    scigrant_app::identity::members::save_profile(
        app,
        &Actor::system(),
        person,
        &profile,
        Some(&idp),
        Some(&tp),
    )
    .await
    .unwrap();
    let me = scigrant_app::identity::members::person(app, person)
        .await
        .unwrap();
    let proof = me.id_proof_file_id.unwrap();

    let state = AppState::new(app.clone());
    let unit_a = session_for(&env, LoginTab::Unit, &uscc(1), PASSWORD).await;
    let unit_b = session_for(&env, LoginTab::Unit, &uscc(2), PASSWORD).await;
    let person_s = session_for(&env, LoginTab::Person, &phone(900), PASSWORD).await;

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
        &format!("/unit/members/{person}/decide?csrf={CSRF}"),
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
    let f = scigrant_store::admin::audit::Filter {
        action_prefix: "file.read".into(),
        ..Default::default()
    };
    assert_eq!(
        scigrant_app::admin::security::search_audit(app, &f, 1)
            .await
            .unwrap()
            .total,
        1
    );
    // A person cannot open the unit's certificate.
    let unit_cert = scigrant_app::identity::review::unit(app, units[0])
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
