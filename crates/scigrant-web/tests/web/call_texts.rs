//! A call's page reads as its notice (seed 003): 项目周期 and 申报主体 in
//! the notice's words, the 申报单位名单 kept by the 项目管理员 on the
//! call's console page (a wrong line named beside it, everything as
//! typed), and an applicant whose unit is not on it told so in Chinese.

use axum::http::StatusCode;
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, staff_actor, test_env};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use super::funding::post_form;
use super::{send, session_for, staff_session};

async fn the_call_page_reads_as_the_notice(backend: Backend) {
    let env = test_env(backend).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let manager_actor = staff_actor(99);
    let program = create_program(app, &manager_actor, "2023年“科创中国”系列项目", "……")
        .await
        .unwrap();
    let form = CallForm {
        code: "KJFWT2023-01".into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "80".into(),
        cap: "55".into(),
        period_end: "2023-11-30".into(),
        period: "2023年11月底前完成".into(),
        eligibility: "中国科协所属全国学会".into(),
        eligible: vec!["institute".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        ..CallForm::default()
    };
    let call = create_call(app, &manager_actor, program, &form)
        .await
        .unwrap();
    set_state(app, &manager_actor, call, CallState::Published)
        .await
        .unwrap();
    let member = ApprovedMember::builder(91)
        .unit_name("中国机械工程学会")
        .build(app)
        .await;
    let outsider = ApprovedMember::builder(92).build(app).await;
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let path = format!("/staff/calls/{call}/eligibility");

    // A wrong line: named beside the list, both fields as typed.
    let typed = format!("中国机械工程学会\n中国电子学会，{}", "1".repeat(18));
    let (status, _, page) = post_form(
        &state,
        &path,
        &manager,
        &[("eligibility", "中国科协所属全国学会"), ("units", &typed)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(r#"<p class="error" id="e-units">第2行：统一社会信用代码"#),
        "{page}"
    );
    assert!(page.contains(&format!(">{typed}</textarea>")), "{page}");

    let (status, location, _) = post_form(
        &state,
        &path,
        &manager,
        &[
            ("eligibility", "中国科协所属全国学会"),
            ("units", "中国机械工程学会\n中国电子学会"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/calls/{call}?ok=saved").as_str()
        )
    );
    let (_, _, console) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}"),
        Some(&manager),
    )
    .await;
    assert!(
        console.contains(">中国机械工程学会\n中国电子学会</textarea>"),
        "{console}"
    );
    assert!(
        console.contains("2023年11月底前完成（项目结束日期不晚于2023-11-30）"),
        "{console}"
    );

    let (status, _, guide) = send(&state, "GET", &format!("/calls/{call}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        guide.contains(r#"<dt>项目周期</dt><dd id="call-period">2023年11月底前完成</dd>"#),
        "{guide}"
    );
    assert!(
        guide.contains(r#"<dd id="call-eligibility">中国科协所属全国学会"#),
        "{guide}"
    );
    assert!(
        guide.contains("申报单位名单（共2个，名单外的单位不能申报）</summary><ul><li>中国机械工程学会</li><li>中国电子学会</li></ul>"),
        "{guide}"
    );

    let outsider_session = session_for(&env, LoginTab::Person, &outsider.phone, PASSWORD).await;
    let (status, _, refused) = post_form(
        &state,
        &format!("/calls/{call}/apply"),
        &outsider_session,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("您所在单位（西藏高原科学研究所92）不在本类别的申报单位名单内，不能申报"),
        "{refused}"
    );
    let member_session = session_for(&env, LoginTab::Person, &member.phone, PASSWORD).await;
    let (status, location, _) = post_form(
        &state,
        &format!("/calls/{call}/apply"),
        &member_session,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("/edit"), "{location}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_page_reads_as_the_notice_on_sqlite() {
    the_call_page_reads_as_the_notice(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_page_reads_as_the_notice_on_postgres() {
    the_call_page_reads_as_the_notice(Backend::Postgres).await;
}
