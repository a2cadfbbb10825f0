//! /api/v1 over HTTP, in process, on SQLite and PostgreSQL: personal
//! access tokens from their page to their refusal, an applicant's
//! submission, a unit's masked members, staff paging, the refusal of every
//! route without its permission or scope, the OpenAPI document against the
//! route table, and schemathesis against a served instance.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::grants::applications::{load, reader_for, save, start};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, accepted_application, funding_call, id_number,
    person_actor, test_env,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::mask::{mask_id, mask_phone};
use scigrant_domain::permission::Permission;
use scigrant_web::AppState;
use scigrant_web::routes::{router, table};
use serde_json::Value;
use tower::ServiceExt;

use super::{concrete, csrf, session_for, staff_session};

const DAY: i64 = 86_400_000;

/// One request: `bearer` as `Authorization`, `session` as the cookie,
/// `form` as an urlencoded body. Status, `Location`, body.
async fn call(
    state: &AppState,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    session: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, String, String) {
    let cookies = session
        .map(|s| format!("sg_session={s}"))
        .unwrap_or_default();
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookies);
    if let Some(t) = bearer {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if form.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let body = Body::from(form.unwrap_or("").to_string());
    let res = router(state.clone())
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// `GET`/`POST` on the API with a token: status and JSON.
async fn api(
    state: &AppState,
    method: &str,
    path: &str,
    bearer: Option<&str>,
) -> (StatusCode, Value) {
    let (status, _, body) = call(state, method, path, bearer, None, None).await;
    let json =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
    (status, json)
}

/// Creates a token on the tokens page as its owner would and reads it
/// from the page, the one time it is shown.
async fn token_from_page(state: &AppState, session: &str, base: &str, form: &str) -> String {
    let token = csrf(state, Some(session)).await.1;
    let (status, _, body) = call(
        state,
        "POST",
        base,
        None,
        Some(session),
        Some(&format!("csrf={token}&{form}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let marker = "<code class=\"token\">";
    let start = body.find(marker).expect("the new token is shown") + marker.len();
    body[start..start + 68].to_string()
}

/// The error shape: code, a Chinese message, the request id.
fn assert_error(json: &Value, code: &str) {
    assert_eq!(json["code"], code, "{json}");
    assert!(!json["message"].as_str().unwrap().is_empty(), "{json}");
    assert_eq!(json["request_id"].as_str().unwrap().len(), 16, "{json}");
}

async fn token_lifecycle(env: TestEnv) {
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let s = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    // A form with problems comes back as typed, each error beside its field.
    let form_token = csrf(&state, Some(&s)).await.1;
    let (status, _, body) = call(
        &state,
        "POST",
        "/account/tokens",
        None,
        Some(&s),
        Some(&format!("csrf={form_token}&name=%E5%AF%B9%E6%8E%A5&days=7")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"value="对接""#), "{body}");
    assert!(body.contains(r#"<p class="error" id="e-scopes">请至少选择一项权限范围</p>"#));
    // Without the CSRF token the form is refused.
    let (status, _, _) = call(
        &state,
        "POST",
        "/account/tokens",
        None,
        Some(&s),
        Some("name=x"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let token = token_from_page(
        &state,
        &s,
        "/account/tokens",
        "name=%E5%AF%B9%E6%8E%A5&scopes=applications%3Aread&days=7",
    )
    .await;
    // Shown once: the list shows only its first characters.
    let (_, _, page) = call(&state, "GET", "/account/tokens", None, Some(&s), None).await;
    assert!(!page.contains(&token));
    assert!(page.contains(&format!("<code>{}…</code>", &token[..10])));
    assert!(page.contains("<td>—</td>"), "never used yet");

    // Used: the caller's applications, and the last use is listed.
    env.clock.advance_ms(60_000);
    let (status, json) = api(&state, "GET", "/api/v1/me/applications", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["paging"]["total"], 0);
    let (_, _, page) = call(&state, "GET", "/account/tokens", None, Some(&s), None).await;
    assert!(!page.contains("<td>—</td>"), "the use is listed");
    assert!(page.contains("<td>有效</td>"));

    // Expired: refused with 401 and the error shape.
    env.clock.advance_ms(7 * DAY);
    let (status, json) = api(&state, "GET", "/api/v1/me/applications", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&json, "invalid_token");
    assert_eq!(json["message"], "访问令牌无效、已过期或已撤销");

    // Revoked: refused on the next request.
    let s = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let second = token_from_page(
        &state,
        &s,
        "/account/tokens",
        "name=b&scopes=applications%3Aread&days=30",
    )
    .await;
    let (status, _) = api(&state, "GET", "/api/v1/me/applications", Some(&second)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, page) = call(&state, "GET", "/account/tokens", None, Some(&s), None).await;
    let at = page.find("/revoke\"").expect("a revoke button");
    let from = page[..at].rfind("/account/tokens/").unwrap();
    let path = &page[from..at + "/revoke".len()];
    let form_token = csrf(&state, Some(&s)).await.1;
    let (status, location, _) = call(
        &state,
        "POST",
        path,
        None,
        Some(&s),
        Some(&format!("csrf={form_token}")),
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/account/tokens?ok=token_revoked")
    );
    let (status, json) = api(&state, "GET", "/api/v1/me/applications", Some(&second)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&json, "invalid_token");
    // Not a bearer token at all: refused the same way.
    let (status, _, _) = call(&state, "GET", "/api/v1/calls", Some("x"), None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn submit_through_the_api(env: TestEnv) {
    let state = AppState::new(env.app.clone());
    let call_id = funding_call(&env.app, "KJFWT2023-01", "5", "60").await;
    let m = ApprovedMember::builder(2).build(&env.app).await;
    let id = start(&env.app, &person_actor(m.person.0), m.person, call_id)
        .await
        .unwrap();
    save(
        &env.app,
        &scigrant_app::testing::person_actor(m.person.0),
        m.person,
        id,
        &sample_fj4(),
    )
    .await
    .unwrap();
    let s = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let read_only = token_from_page(
        &state,
        &s,
        "/account/tokens",
        "name=r&scopes=applications%3Aread&days=7",
    )
    .await;
    let submitter = token_from_page(
        &state,
        &s,
        "/account/tokens",
        "name=s&scopes=applications%3Asubmit&days=7",
    )
    .await;
    let path = format!("/api/v1/me/applications/{}/submit", id.0);

    // The session alone does not submit, nor a token without the scope.
    let (status, _, body) = call(&state, "POST", &path, None, Some(&s), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, json) = api(&state, "POST", &path, Some(&read_only)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&json, "insufficient_scope");
    // Reading with the session works (same-origin GET).
    let (status, _, body) = call(
        &state,
        "GET",
        "/api/v1/me/applications",
        None,
        Some(&s),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mine: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(mine["items"][0]["state"], "draft");

    let (status, receipt) = api(&state, "POST", &path, Some(&submitter)).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let view = load(&env.app, reader_for(AccountKind::Person, m.person.0), id)
        .await
        .unwrap();
    assert_eq!(receipt["number"], "KJFWT2023-01-0001");
    assert_eq!(receipt["number"], view.number.as_str());
    assert_eq!(receipt["digest"], view.digest.as_str());
    assert_eq!(receipt["submitted_at"], view.submitted_at.unwrap());
    // The application's page shows the same digest.
    let (_, _, page) = call(
        &state,
        "GET",
        &format!("/applications/{}", id.0),
        None,
        Some(&s),
        None,
    )
    .await;
    assert!(page.contains(&view.digest));
    // A retry gets the same receipt; the list shows the new state.
    let (_, again) = api(&state, "POST", &path, Some(&submitter)).await;
    assert_eq!(again, receipt);
    let (_, mine) = api(&state, "GET", "/api/v1/me/applications", Some(&read_only)).await;
    assert_eq!(mine["items"][0]["state"], "submitted");
    assert_eq!(mine["items"][0]["state_label"], "已提交，待单位审核");
    // Someone else's application is not found.
    let (status, json) = api(
        &state,
        "POST",
        "/api/v1/me/applications/999/submit",
        Some(&submitter),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&json, "not_found");
}

async fn unit_sees_masked_members(env: TestEnv) {
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(3).build(&env.app).await;
    let s = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;
    let token = token_from_page(
        &state,
        &s,
        "/account/tokens",
        "name=u&scopes=members%3Aread&days=90",
    )
    .await;
    let (status, _, body) = call(
        &state,
        "GET",
        "/api/v1/unit/members",
        Some(&token),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains(&m.phone),
        "the full phone number never leaves"
    );
    assert!(!body.contains(&id_number(3)), "nor the full ID number");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["paging"]["total"], 1);
    let row = &json["items"][0];
    assert_eq!(row["person_id"], m.person.0);
    assert_eq!(row["phone_masked"], mask_phone(&m.phone));
    assert_eq!(row["doc_no_masked"], mask_id(&id_number(3)));
    assert_eq!(row["membership"], "approved");
    // Its applications need the other scope.
    let (status, json) = api(&state, "GET", "/api/v1/unit/applications", Some(&token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&json, "insufficient_scope");
}

async fn staff_page_through_applications(env: TestEnv) {
    let state = AppState::new(env.app.clone());
    let call_id = funding_call(&env.app, "KJFWT2023-02", "5", "60").await;
    let mut ids = Vec::new();
    for n in 4..7 {
        let (_, id) = accepted_application(&env.app, call_id, n, &format!("项目{n}")).await;
        ids.push(id.0);
    }
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let token = token_from_page(
        &state,
        &manager,
        "/staff/tokens",
        "name=m&scopes=applications%3Aread&days=30",
    )
    .await;
    let base = format!("/api/v1/staff/calls/{}/applications", call_id.0);
    let (status, p1) = api(&state, "GET", &format!("{base}?per_page=2"), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{p1}");
    let (_, p2) = api(
        &state,
        "GET",
        &format!("{base}?per_page=2&page=2"),
        Some(&token),
    )
    .await;
    let (_, p3) = api(
        &state,
        "GET",
        &format!("{base}?per_page=2&page=3"),
        Some(&token),
    )
    .await;
    assert_eq!(
        p1["paging"],
        serde_json::json!({"page": 1, "per_page": 2, "total": 3})
    );
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_eq!(p3["items"].as_array().unwrap().len(), 0);
    let mut seen: Vec<i64> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    // Stable: asking again gives the same first page.
    let (_, again) = api(&state, "GET", &format!("{base}?per_page=2"), Some(&token)).await;
    assert_eq!(again, p1);
    seen.sort();
    assert_eq!(seen, ids);
    assert!(
        p1["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["state"] == "accepted")
    );
    // Filters: a state, and refusals of what is not one.
    let (_, rec) = api(
        &state,
        "GET",
        &format!("{base}?state=recommended"),
        Some(&token),
    )
    .await;
    assert_eq!(rec["paging"]["total"], 0);
    for bad in ["?state=bogus", "?per_page=0", "?per_page=101", "?page=x"] {
        let (status, json) = api(&state, "GET", &format!("{base}{bad}"), Some(&token)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_error(&json, "invalid_parameter");
    }
    // Another role is refused even with the browser session.
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    let (status, _, body) = call(&state, "GET", &base, None, Some(&auditor), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&serde_json::from_str(&body).unwrap(), "forbidden");
}

/// Each token has its own budget of `api_rate_per_minute` (the total
/// across nodes, counted in the database): over it the API answers 429 in
/// its JSON shape with `Retry-After`; another token is not held back, and
/// the budget comes back with time.
async fn tokens_are_rate_limited(env: TestEnv) {
    use scigrant_app::config::Config;
    use std::sync::Arc;
    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        api_rate_per_minute: 3,
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    let m = ApprovedMember::builder(7).build(&env.app).await;
    let s = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let form = "name=%E5%AF%B9%E6%8E%A5&scopes=applications%3Aread&days=7";
    let busy = token_from_page(&state, &s, "/account/tokens", form).await;
    let other = token_from_page(&state, &s, "/account/tokens", form).await;
    let path = "/api/v1/me/applications";
    for i in 0..3 {
        let (status, json) = api(&state, "GET", path, Some(&busy)).await;
        assert_eq!(status, StatusCode::OK, "request {i}: {json}");
    }
    let (_, headers, body) = {
        let req = Request::get(path)
            .header("authorization", format!("Bearer {busy}"))
            .body(Body::empty())
            .unwrap();
        let res = router(state.clone()).oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        (status, headers, body)
    };
    assert_eq!(headers["retry-after"], "20");
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_error(&json, "rate_limited");
    let (status, _) = api(&state, "GET", path, Some(&other)).await;
    assert_eq!(status, StatusCode::OK, "another token keeps its budget");
    env.clock.advance_ms(20_000);
    let (status, _) = api(&state, "GET", path, Some(&busy)).await;
    assert_eq!(status, StatusCode::OK, "one request earned back in 20 s");
}

macro_rules! both {
    ($name:ident, $body:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in [Backend::Sqlite, Backend::Postgres] {
                $body(test_env(backend).await).await;
            }
        }
    };
}

both!(api_tokens_are_used_expire_and_are_revoked, token_lifecycle);
both!(
    an_applicant_submits_a_draft_through_the_api,
    submit_through_the_api
);
both!(
    a_unit_sees_its_members_numbers_masked,
    unit_sees_masked_members
);
both!(each_token_has_its_own_rate_limit, tokens_are_rate_limited);
both!(
    staff_page_through_a_calls_applications,
    staff_page_through_applications
);

/// Every /api/v1 route that is not public refuses a caller without a
/// token (401), a token of another kind of account (403) and, where the
/// account may hold a token without it, a token lacking the scope (403).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_refuses_callers_without_permission_or_scope() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(8).build(&env.app).await;
    let ps = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let us = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;
    let person_read = token_from_page(
        &state,
        &ps,
        "/account/tokens",
        "name=a&scopes=applications%3Aread&days=7",
    )
    .await;
    let person_submit = token_from_page(
        &state,
        &ps,
        "/account/tokens",
        "name=b&scopes=applications%3Asubmit&days=7",
    )
    .await;
    let unit_read = token_from_page(
        &state,
        &us,
        "/account/tokens",
        "name=c&scopes=applications%3Aread&days=7",
    )
    .await;
    let unit_members = token_from_page(
        &state,
        &us,
        "/account/tokens",
        "name=d&scopes=members%3Aread&days=7",
    )
    .await;
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let staff_applications = token_from_page(
        &state,
        &manager,
        "/staff/tokens",
        "name=e&scopes=applications%3Aread&days=7",
    )
    .await;
    let staff_results = token_from_page(
        &state,
        &manager,
        "/staff/tokens",
        "name=f&scopes=results%3Aread&days=7",
    )
    .await;
    let mut checked = 0;
    for d in table()
        .declared
        .iter()
        .filter(|d| d.path.starts_with("/api/v1/"))
    {
        let path = concrete(d.path);
        if d.permission == Permission::Public {
            let (status, _, _) = call(&state, d.method, &path, None, None, None).await;
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "{} {path} is public",
                d.method
            );
            continue;
        }
        let (status, json) = api(&state, d.method, &path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {path}", d.method);
        assert_error(&json, "unauthorized");
        // A token of another kind: the permission refuses it.
        let other = match d.permission {
            Permission::Person => &unit_members,
            _ => &person_read,
        };
        let (status, json) = api(&state, d.method, &path, Some(other)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{} {path}", d.method);
        assert_error(&json, "forbidden");
        // The right kind without the scope.
        let lacking = match (d.permission, d.scope.map(|s| s.code())) {
            (Permission::Person, Some("applications:read")) => Some(&person_submit),
            (Permission::Person, Some("applications:submit")) => Some(&person_read),
            (Permission::UnitPlatform, Some("members:read")) => Some(&unit_read),
            (Permission::UnitPlatform, Some("applications:read")) => Some(&unit_members),
            (Permission::StaffRole(_), Some("applications:read")) => Some(&staff_results),
            (Permission::StaffRole(_), Some("results:read")) => Some(&staff_applications),
            _ => None,
        };
        if let Some(t) = lacking {
            let (status, json) = api(&state, d.method, &path, Some(t)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{} {path}", d.method);
            assert_error(&json, "insufficient_scope");
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
    // An unknown API address is a JSON 404 too.
    let (status, json) = api(&state, "GET", "/api/v1/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&json, "not_found");
}

/// The OpenAPI document describes exactly the declared /api/v1 routes,
/// and the documentation page lists them without any inline script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_route_table() {
    let mut declared: Vec<(String, String)> = table()
        .declared
        .iter()
        .filter(|d| d.path.starts_with("/api/v1/"))
        .map(|d| (d.method.to_string(), d.path.to_string()))
        .collect();
    declared.sort();
    let mut documented = scigrant_web::api::docs::documented();
    documented.sort();
    assert_eq!(documented, declared);

    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, spec) = api(&state, "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(spec["paths"].as_object().unwrap().len(), 12);
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let (status, _, page) = call(&state, "GET", "/api/v1/docs", None, None, None).await;
    assert_eq!(status, StatusCode::OK);
    for (method, path) in &declared {
        assert!(
            page.contains(&format!("<code>{method} {path}</code>")),
            "{method} {path}"
        );
    }
    // Scripts only from files (the CSP forbids inline ones).
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=").count()
    );
}

/// A call's review results and funding decisions for the systems that
/// take them over (issue 11, item 1): ranked with scores, grades and
/// opinions but no expert's name, and the decisions with their amounts;
/// only with the `results:read` scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_read_review_results_and_funding_decisions() {
    use scigrant_app::evaluation::funding::{DecisionForm, decide, set_budget};
    use scigrant_app::evaluation::review::{run_assignment, workspace};
    use scigrant_app::testing::staff_actor;
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let seeded = super::expert::seeded(&env).await;
    let call = seeded.call;
    run_assignment(&env.app, &staff_actor(1), call)
        .await
        .unwrap();
    let aid = workspace(&env.app, seeded.expert.person)
        .await
        .unwrap()
        .assignments[0]
        .id;
    super::expert::score_it(&env, &seeded.expert, aid).await;

    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let results = token_from_page(
        &state,
        &manager,
        "/staff/tokens",
        "name=finance&scopes=results%3Aread&days=30",
    )
    .await;
    let reviews = format!("/api/v1/staff/calls/{}/reviews", call.0);
    let (status, r) = api(&state, "GET", &reviews, Some(&results)).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!((r["done"].clone(), r["due"].clone()), (1.into(), 1.into()));
    let ranked = &r["categories"][0]["applications"][0];
    assert_eq!(ranked["rank"], 1);
    assert_eq!(ranked["mean"], "90.00");
    assert_eq!(ranked["grades"], serde_json::json!([1, 0, 0, 0]));
    assert_eq!(ranked["opinions"], serde_json::json!([1, 0, 0]));
    assert_eq!(
        ranked["reviews"][0]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "submitted_at")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<serde_json::Map<_, _>>(),
        serde_json::json!({"total": "90.00", "grade": "A", "opinion": "priority", "outlier": false})
            .as_object()
            .unwrap()
            .clone()
    );
    assert!(!r.to_string().contains("张三"), "no expert is named: {r}");

    let funding = format!("/api/v1/staff/calls/{}/funding", call.0);
    let (status, f) = api(&state, "GET", &funding, Some(&results)).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(f["budget_wan"], Value::Null);
    assert_eq!(f["candidates"][0]["decision"], Value::Null);
    let id = f["candidates"][0]["application_id"].as_i64().unwrap();
    set_budget(&env.app, &staff_actor(1), call, "500")
        .await
        .unwrap();
    decide(
        &env.app,
        &staff_actor(1),
        scigrant_domain::ids::ApplicationId(id),
        &DecisionForm {
            verdict: "fund".into(),
            amount: "50".into(),
            reason: String::new(),
        },
    )
    .await
    .unwrap();
    let (_, f) = api(&state, "GET", &funding, Some(&results)).await;
    assert_eq!(
        (
            f["budget_wan"].clone(),
            f["funded_count"].clone(),
            f["funded_total_wan"].clone(),
            f["locked"].clone()
        ),
        ("500.00".into(), 1.into(), "50.00".into(), false.into())
    );
    let d = &f["candidates"][0]["decision"];
    assert_eq!(
        (
            d["verdict"].clone(),
            d["verdict_label"].clone(),
            d["amount_wan"].clone()
        ),
        ("fund".into(), "立项".into(), "50.00".into())
    );

    // A staff token for applications only does not read results.
    let apps_only = token_from_page(
        &state,
        &manager,
        "/staff/tokens",
        "name=apps&scopes=applications%3Aread&days=30",
    )
    .await;
    for path in [&reviews, &funding] {
        let (status, json) = api(&state, "GET", path, Some(&apps_only)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_error(&json, "insufficient_scope");
    }
}
