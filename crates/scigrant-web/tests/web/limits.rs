//! 限项 on the staff programs page: refused input stays as typed with the
//! error beside its field; saved limits are shown and audited.

use axum::http::StatusCode;
use scigrant_app::grants::calls::create_program;
use scigrant_app::testing::{Backend, audit_count, staff_actor, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use super::funding::post_form;
use super::{send, staff_session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_a_programs_limits_on_the_programs_page() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let program = create_program(&env.app, &staff_actor(99), "2023年“科创中国”系列项目", "")
        .await
        .unwrap();
    let path = format!("/staff/programs/{}/limits", program.0);

    let (_, _, page) = send(&state, "GET", "/staff/programs", Some(&manager)).await;
    assert!(page.contains("现行：每个计划类别：不限；整个计划：不限。"));

    let (status, _, page) = post_form(
        &state,
        &path,
        &manager,
        &[("per_call", "两项"), ("per_program", "3")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = program.0;
    assert!(page.contains(&format!(
        r#"<input id="f-per_call-{id}" name="per_call" type="text" inputmode="numeric" value="两项" aria-invalid="true" aria-describedby="e-per_call-{id}">"#
    )));
    assert!(page.contains(&format!(
        r#"<p class="error" id="e-per_call-{id}">请输入0至99的整数（0为不限）</p>"#
    )));
    assert!(page.contains(&format!(
        r#"<input id="f-per_program-{id}" name="per_program" type="text" inputmode="numeric" value="3">"#
    )));
    assert_eq!(audit_count(&env.app, "program.limits").await, 0);

    let (status, location, _) = post_form(
        &state,
        &path,
        &manager,
        &[("per_call", "1"), ("per_program", "3")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/staff/programs?ok=saved")
    );
    let (_, _, page) = send(&state, "GET", "/staff/programs", Some(&manager)).await;
    assert!(page.contains("现行：每个计划类别：1 项；整个计划：3 项。"));
    assert_eq!(audit_count(&env.app, "program.limits").await, 1);
}
