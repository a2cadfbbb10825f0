//! 撤回 on the applicant's page: the form shows while the unit has not
//! decided, a missing reason comes back beside the field, and the history
//! shows the withdrawal with its reason.

use axum::http::StatusCode;
use scigrant_app::grants::applications::{start, submit};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, funding_call, person_actor, test_env,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_web::AppState;

use super::funding::post_form;
use super::{send, session_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_withdraws_from_the_application_page() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let app = &env.app;
    let call = funding_call(app, "KJFWT2023-01", "3", "60").await;
    let m = ApprovedMember::builder(61).build(app).await;
    let me = person_actor(m.person.0);
    let a = start(app, &me, m.person, call).await.unwrap();
    submit(app, &me, m.person, a, &sample_fj4()).await.unwrap();
    let cookie = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let page_path = format!("/applications/{a}");

    let (status, _, page) = send(&state, "GET", &page_path, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"id="withdraw">撤回申报书</button>"#),
        "{page}"
    );

    let path = format!("{page_path}/withdraw");
    let (status, _, page) = post_form(&state, &path, &cookie, &[("reason", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="error" id="withdraw-error">请填写撤回理由</p>"#),
        "{page}"
    );

    let (status, location, _) =
        post_form(&state, &path, &cookie, &[("reason", "补充合作单位信息")]).await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("{page_path}?ok=withdrawn").as_str()
        )
    );
    let (_, _, page) = send(
        &state,
        "GET",
        &format!("{page_path}?ok=withdrawn"),
        Some(&cookie),
    )
    .await;
    assert!(
        page.contains("申报书已撤回，可修改后在截止时间前重新提交。"),
        "{page}"
    );
    assert!(page.contains("申请人撤回：补充合作单位信息"), "{page}");
    assert!(page.contains("已退回修改"), "{page}");
    assert!(!page.contains(r#"id="withdraw""#), "{page}");
}
