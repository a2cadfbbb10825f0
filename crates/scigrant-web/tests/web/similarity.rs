//! 查重 pages: the 项目管理员's list of similar pairs and the side-by-side
//! page with numbered marks, a refused threshold kept as typed beside its
//! field, and the unit's marker on its application list.

use axum::http::StatusCode;
use scigrant_app::Actor;
use scigrant_app::grants::applications::{self, recommend, submit};
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, join_unit, person_actor, test_env, unit_actor,
};
use scigrant_domain::evaluation::dedup::synthetic::{fj4_application, fj4_copy_reworded};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_web::AppState;

use super::{send, session_for, staff_session};

fn call_form() -> CallForm {
    CallForm {
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_unit_see_a_copy_side_by_side() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let manager = Actor {
        kind: Some(AccountKind::Staff),
        id: Some(99),
        label: "项目管理员".into(),
        ip: "127.0.0.1".into(),
        request_id: "t".into(),
        on_behalf: None,
    };
    let program = create_program(&env.app, &manager, "2023年科技服务团项目", "各有关单位：")
        .await
        .unwrap();
    let call = create_call(&env.app, &manager, program, &call_form())
        .await
        .unwrap();
    set_state(&env.app, &manager, call, CallState::Published)
        .await
        .unwrap();
    // 2023-04-25 23:58:59 CST, a minute before the deadline.
    env.clock.set(1_682_438_339_000);
    let one = ApprovedMember::builder(61).build(&env.app).await;
    let (colleague, _) = join_unit(&env.app, one.unit, 62).await;
    let other = ApprovedMember::builder(63).build(&env.app).await;
    let original = fj4_application(31);
    let mut ids = Vec::new();
    for (person, data) in [
        (one.person, original.clone()),
        (other.person, fj4_copy_reworded(&original, 32)),
        (colleague, fj4_copy_reworded(&original, 33)),
    ] {
        let me = person_actor(person.0);
        let id = applications::start(&env.app, &me, person, call)
            .await
            .unwrap();
        submit(&env.app, &me, person, id, &data).await.unwrap();
        ids.push(id);
    }
    let (a, b, c) = (ids[0], ids[1], ids[2]);

    // The unit sees its two near-identical applications marked on its list.
    let unit = session_for(&env, LoginTab::Unit, &one.uscc, PASSWORD).await;
    let (status, _, page) = send(&state, "GET", "/unit/applications", Some(&unit)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(
        r#"<a class="dup-flag" href="/unit/similarity/{a}/{c}">疑似重复：KJFWT2023-01-0003（相似度"#
    )));
    assert!(page.contains(&format!(
        r#"<a class="dup-flag" href="/unit/similarity/{c}/{a}">疑似重复：KJFWT2023-01-0001（相似度"#
    )));
    let (status, _, page) = send(
        &state,
        "GET",
        &format!("/unit/similarity/{a}/{c}"),
        Some(&unit),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<mark class="dup" data-pair="1">"#));
    // Another unit's application is not the unit's to compare.
    let (status, _, _) = send(
        &state,
        "GET",
        &format!("/unit/similarity/{a}/{b}"),
        Some(&unit),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for (u, id) in [(one.unit, a), (other.unit, b)] {
        recommend(&env.app, &unit_actor(u.0), u, id, &[true; 3])
            .await
            .unwrap();
    }
    let staff = staff_session(&env, StaffRole::ProgramManager).await;
    let (status, _, page) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}/similarity"),
        Some(&staff),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(r#"href="/staff/similarity/{a}/{b}">对比</a>"#)));
    assert!(page.contains("西藏高原科学研究所63"));
    // The third is still with its unit: the list does not show it.
    assert!(!page.contains("KJFWT2023-01-0003"));
    let (status, _, page) = send(
        &state,
        "GET",
        &format!("/staff/similarity/{a}/{b}"),
        Some(&staff),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>查重对比</h1>"));
    assert!(page.contains(r#"<mark class="dup" data-pair="1">"#));

    let (status, _, page) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}/similarity?threshold=abc"),
        Some(&staff),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"<input id="threshold" name="threshold" value="abc""#));
    assert!(page.contains(
        r#"<span class="error" id="threshold-error">相似度阈值应为0.3至1之间的小数，例如0.5</span>"#
    ));
}
