//! The expert's workspace on screen: an expert of the library sees their
//! assignment, confirms 无利益冲突 before reading, reads the application
//! with identities hidden, and autosaves scores with the server's total;
//! a person who is no expert is refused, an assignment not theirs is not
//! found.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::evaluation::review::{PlanForm, run_assignment, save_plan, workspace};
use scigrant_app::grants::applications::{self, recommend, staff_decide, submit};
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::members::{ProfileForm, decide_member, save_profile};
use scigrant_app::identity::register::limits;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, approved_expert, pdf, person_actor, staff_actor,
    test_env, unit_actor, upload,
};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::CallId;
use scigrant_domain::upload::FileKind;
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

use super::{csrf, send, session_for, staff_session};

/// 2023-04-25 23:59:59 CST, the call's deadline.
const CLOSE: i64 = 1_682_438_399_000;

async fn post_form(
    state: &AppState,
    path: &str,
    session: &str,
    body: &str,
) -> (StatusCode, String, String) {
    let (cookies, token) = csrf(state, Some(session)).await;
    let req = Request::post(path)
        .header("cookie", cookies)
        .header("x-csrf-token", token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
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

/// Gives the member an e-mail of a public provider: every test person is
/// at example.cn, which would make the expert and the applicant share a
/// mail domain (a conflict).
pub(super) async fn public_mail(env: &TestEnv, m: &ApprovedMember) {
    let id_proof = upload(
        &env.app,
        FileKind::Pdf,
        limits::ID_PROOF,
        "id.pdf",
        &pdf(1000),
    )
    .await;
    let title_proof = upload(
        &env.app,
        FileKind::Pdf,
        limits::TITLE_PROOF,
        "t.pdf",
        &pdf(1000),
    )
    .await;
    let profile = ProfileForm {
        unit_id: m.unit.to_string(),
        region_code: "540102".into(),
        department: "学院".into(),
        email: format!("expert{}@qq.com", m.person),
        education: "硕士".into(),
        degree: "博士".into(),
        title: "高级".into(),
    };
    save_profile(
        &env.app,
        &person_actor(m.person.0),
        m.person,
        &profile,
        Some(&id_proof),
        Some(&title_proof),
    )
    .await
    .unwrap();
    decide_member(
        &env.app,
        &unit_actor(m.unit.0),
        m.unit,
        m.person,
        Some(true),
        "",
    )
    .await
    .unwrap();
}

/// A published call with one accepted application of 高原新能源研究所 and
/// one approved expert of 拉萨理工学院 (a public mail address), and a
/// review plan of one reviewer per application with identities hidden.
pub(super) struct Seeded {
    pub(super) call: CallId,
    pub(super) applicant: ApprovedMember,
    pub(super) expert: ApprovedMember,
}

pub(super) async fn seeded(env: &TestEnv) -> Seeded {
    env.clock.set(CLOSE - 3_600_000);
    let manager = staff_actor(1);
    let program = create_program(
        &env.app,
        &manager,
        "2023年“科创中国”科技服务团",
        "各有关单位：……",
    )
    .await
    .unwrap();
    let call = create_call(
        &env.app,
        &manager,
        program,
        &CallForm {
            code: "KJFWT2023-01".into(),
            name: "产业科技服务团".into(),
            task: "发挥全国学会科技人才汇聚优势".into(),
            quota: "80".into(),
            cap: "55".into(),
            period_end: "2023-11-30".into(),
            eligible: vec!["institute".into()],
            opens: "2023-04-10".into(),
            closes: "2023-04-25".into(),
            paper_deadline: "2023-04-28 12:00".into(),
            template: "kczg2023-fj4".into(),
            form_json: String::new(),
            city_group: String::new(),
            ..CallForm::default()
        },
    )
    .await
    .unwrap();
    set_state(&env.app, &manager, call, CallState::Published)
        .await
        .unwrap();
    let applicant = ApprovedMember::builder(41)
        .unit_name("高原新能源研究所")
        .build(&env.app)
        .await;
    let me = person_actor(applicant.person.0);
    let app_id = applications::start(&env.app, &me, applicant.person, call)
        .await
        .unwrap();
    submit(&env.app, &me, applicant.person, app_id, &sample_fj4())
        .await
        .unwrap();
    recommend(
        &env.app,
        &unit_actor(applicant.unit.0),
        applicant.unit,
        app_id,
        &[true, true, true],
    )
    .await
    .unwrap();
    staff_decide(&env.app, &manager, app_id, true, "")
        .await
        .unwrap();

    let expert = ApprovedMember::builder(42)
        .unit_name("拉萨理工学院")
        .build(&env.app)
        .await;
    public_mail(env, &expert).await;
    approved_expert(
        &env.app,
        expert.person,
        Some(expert.unit),
        &["5801010"],
        &["新能源汽车"],
    )
    .await;
    save_plan(
        &env.app,
        &manager,
        call,
        &PlanForm {
            reviewers: "1".into(),
            min_load: "0".into(),
            max_load: "5".into(),
            accept_deadline: "2023-05-10".into(),
            review_deadline: "2023-05-20".into(),
            hide_identity: true,
            sheet_json: String::new(),
        },
    )
    .await
    .unwrap();
    Seeded {
        call,
        applicant,
        expert,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expert_workspace_confirms_then_reads_hidden_and_scores() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let Seeded {
        call,
        applicant,
        expert,
    } = seeded(&env).await;
    run_assignment(&env.app, &staff_actor(1), call)
        .await
        .unwrap();
    let aid = workspace(&env.app, expert.person)
        .await
        .unwrap()
        .assignments[0]
        .id;

    let session = session_for(&env, LoginTab::Person, &expert.phone, PASSWORD).await;
    let (status, _, page) = send(&state, "GET", "/expert", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("“科创中国”新能源汽车产业科技服务团"));
    assert!(page.contains("本人确认与该申报书无利益冲突"));
    assert!(page.contains("声明利益冲突"));

    // Reading waits for the confirmation.
    let read = format!("/expert/assignments/{aid}/application");
    let (status, _, page) = send(&state, "GET", &read, Some(&session)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请先确认与该申报书无利益冲突并接受评审"));
    let accept = format!("/expert/assignments/{aid}/accept");
    let (status, _, page) = post_form(&state, &accept, &session, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请先确认与该申报书无利益冲突"));
    let (status, location, _) = post_form(&state, &accept, &session, "no_conflict=1").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/expert?ok=accepted")
    );

    let (status, _, page) = send(&state, "GET", &read, Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("（已隐去）"));
    assert!(
        !page.contains("高原新能源研究所"),
        "the applicant unit is hidden"
    );
    assert!(!page.contains("13912345678"), "team phones are hidden");
    assert!(page.contains(&format!("/expert/assignments/{aid}/pdf")));

    // The scoring form: ranges on the inputs, the server's total on autosave.
    let sheet = format!("/expert/assignments/{aid}");
    let (status, _, page) = send(&state, "GET", &sheet, Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<strong id="review-total">0</strong> / 100"#));
    assert!(page.contains(r#"type="number" min="0" max="30""#));
    assert!(page.contains("/static/review.js?v="));
    let (status, _, json) = post_form(
        &state,
        &format!("{sheet}/autosave"),
        &session,
        "f%3Ainnovation=28&f%3Afeasibility=22&f%3Afoundation=99",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        json.starts_with(r#"{"total":50,"max_total":100,"scored":2,"criteria":5,"#),
        "{json}"
    );
    let (_, _, page) = send(&state, "GET", &sheet, Some(&session)).await;
    assert!(page.contains(r#"<strong id="review-total">50</strong> / 100"#));

    // Nothing outside the assignments.
    let (status, _, _) = send(&state, "GET", "/expert/assignments/9999", Some(&session)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stranger = session_for(&env, LoginTab::Person, &applicant.phone, PASSWORD).await;
    let (status, _, _) = send(&state, "GET", "/expert", Some(&stranger)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&state, "GET", &read, Some(&stranger)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_set_the_plan_assign_and_see_results() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let Seeded { call, .. } = seeded(&env).await;
    let manager = staff_session(&env, StaffRole::ProgramManager).await;

    let (status, _, page) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}"),
        Some(&manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(
        r#"<a id="review-plan" href="/staff/calls/{call}/review">评审方案</a>"#
    )));
    let plan = format!("/staff/calls/{call}/review");
    let (status, _, page) = send(&state, "GET", &plan, Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<td>创新性</td><td>0–30</td>"));
    // A refused plan keeps what was typed and names the field.
    let (status, _, page) = post_form(
        &state,
        &plan,
        &manager,
        "reviewers=3&min_load=6&max_load=5&accept_deadline=2023-05-10&review_deadline=2023-05-20&hide_identity=1",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("最少评审数不能大于最多评审数"));
    assert!(page.contains(r#"name="min_load" type="text" value="6""#));
    let (status, location, _) = post_form(
        &state,
        &plan,
        &manager,
        "reviewers=1&min_load=0&max_load=5&accept_deadline=2023-05-10&review_deadline=2023-05-20&hide_identity=1",
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, format!("{plan}?ok=saved").as_str())
    );

    let assign = format!("/staff/calls/{call}/review/assign");
    let (status, location, _) = post_form(&state, &assign, &manager, "").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, format!("{assign}?ok=saved").as_str())
    );
    let (status, _, page) = send(&state, "GET", &assign, Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("KJFWT2023-01-0001"));
    assert!(page.contains("待接受"));
    assert!(page.contains("每份申报书的评审专家均已足额"));
    assert!(page.contains(r#"<dd id="optimal-score">"#));

    let results = format!("/staff/calls/{call}/review/results");
    let (status, _, page) = send(&state, "GET", &results, Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h2>产业科技服务团</h2>"));
    assert!(page.contains("待专家接受</dt><dd>1</dd>"));
}

/// 专家公示 on screen: staff see who reviewed and publish them; the
/// portal lists the notice with name, unit and 职称, and no 异议 form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_shows_the_experts_notice_without_an_objection_form() {
    use scigrant_domain::calendar::{DayPart, parse_moment};

    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let Seeded { call, expert, .. } = seeded(&env).await;
    run_assignment(&env.app, &staff_actor(1), call)
        .await
        .unwrap();
    let aid = workspace(&env.app, expert.person)
        .await
        .unwrap()
        .assignments[0]
        .id;
    score_it(&env, &expert, aid).await;

    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let path = format!("/staff/calls/{call}/experts-notice");
    let (status, _, page) = send(&state, "GET", &path, Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<td>1</td><td>张三</td><td>拉萨理工学院</td><td>正高级</td>"));

    // A refused form keeps what was typed, the error beside its field.
    let (status, _, page) = post_form(
        &state,
        &path,
        &manager,
        "title=%E8%AF%84%E5%AE%A1%E4%B8%93%E5%AE%B6%E5%85%AC%E7%A4%BA&starts=2023-05-02&ends=2023-05-30&body=%E7%8E%B0%E4%BA%88%E5%85%AC%E7%A4%BA",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"value="评审专家公示""#));
    assert!(page.contains(r#"value="2023-05-30""#));
    assert!(page.contains(r#"<p class="error" id="e-ends">"#));

    let (status, location, _) = post_form(
        &state,
        &path,
        &manager,
        "title=%E8%AF%84%E5%AE%A1%E4%B8%93%E5%AE%B6%E5%85%AC%E7%A4%BA&starts=2023-05-02&ends=2023-05-08&body=%E7%8E%B0%E4%BA%88%E5%85%AC%E7%A4%BA",
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/calls/{call}/experts-notice?ok=experts_published").as_str()
        )
    );

    env.clock
        .set(parse_moment("2023-05-03", DayPart::Start).unwrap());
    let (_, _, list) = send(&state, "GET", "/gongshi", None).await;
    assert!(list.contains("评审专家公示"));
    assert!(list.contains("<td>专家公示</td>"));
    let id = list
        .split("href=\"/gongshi/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let (status, _, page) = send(&state, "GET", &format!("/gongshi/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<table class="list" id="notice-experts">"#));
    assert!(page.contains("<td>1</td><td>张三</td><td>拉萨理工学院</td><td>正高级</td>"));
    assert!(page.contains(r#"<dd id="notice-phase">公示中</dd>"#));
    assert!(!page.contains("objection-form"));
    assert!(!page.contains("notice-items"));
}

/// An approved expert's home links to the 评审任务; another person's not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_experts_home_links_to_the_review_tasks() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let Seeded {
        applicant, expert, ..
    } = seeded(&env).await;
    let link = r#"<a href="/expert" id="expert-tasks">评审任务</a>"#;
    let session = session_for(&env, LoginTab::Person, &expert.phone, PASSWORD).await;
    let (status, _, page) = send(&state, "GET", "/person", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(link));
    let session = session_for(&env, LoginTab::Person, &applicant.phone, PASSWORD).await;
    let (_, _, page) = send(&state, "GET", "/person", Some(&session)).await;
    assert!(page.contains("个人主界面"));
    assert!(!page.contains(link));
}

/// The expert accepts assignment `aid` and submits a review of 90 points
/// (28 + 22 + 18 + 13 + 9), A 优, 优先资助.
pub(super) async fn score_it(
    env: &TestEnv,
    expert: &ApprovedMember,
    aid: scigrant_domain::ids::AssignmentId,
) {
    use scigrant_app::evaluation::review::{accept_assignment, submit_review};
    use scigrant_domain::grants::form::{FormData, Value};
    let me = person_actor(expert.person.0);
    accept_assignment(&env.app, &me, expert.person, aid, true)
        .await
        .unwrap();
    let mut review = FormData::new();
    for (k, v) in [
        ("innovation", "28"),
        ("feasibility", "22"),
        ("foundation", "18"),
        ("outcomes", "13"),
        ("budget", "9"),
        ("grade", "A 优"),
        ("funding", "优先资助"),
        (
            "comment",
            "项目立意明确，服务团组建合理，前期对接基础扎实；建议进一步细化各阶段考核指标，压缩会议类支出，加强与试点城市产业部门的协同。",
        ),
    ] {
        review.insert(k.into(), Value::Text(v.into()));
    }
    submit_review(&env.app, &me, expert.person, aid, &review)
        .await
        .unwrap();
}
