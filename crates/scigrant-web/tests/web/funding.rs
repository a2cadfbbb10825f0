//! 立项公示 in the browser's terms, in process: the portal lists the
//! notice with its projects, the 异议 form takes an objection with the
//! captcha and a signed statement, refuses an anonymous one with the typed
//! values kept, staff see it, and the applicant sees the outcome but not
//! the objector.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::evaluation::funding::{DecisionForm, decide, set_budget};
use scigrant_app::evaluation::notices::{NoticeForm, publish_funding_notice};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{
    Backend, PASSWORD, accepted_application, funding_call, pdf, staff_actor, test_env,
};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

use super::{csrf, send, session_for, staff_session};

const BOUNDARY: &str = "----scigrant-test-boundary";

/// A multipart body of text fields and one PDF `statement`.
fn multipart(fields: &[(&str, &str)], statement: &[u8]) -> Vec<u8> {
    multipart_body(
        fields,
        ("statement", "异议书.pdf", "application/pdf", statement),
    )
}

/// A multipart body of text fields and one file: (field, file name,
/// content type, bytes).
pub(super) fn multipart_body(fields: &[(&str, &str)], file: (&str, &str, &str, &[u8])) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    let (field, name, ctype, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(
    state: &AppState,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, String, String) {
    post_multipart_as(state, path, None, body).await
}

/// Posts a multipart `body` as `session` (a visitor when `None`), the form
/// token first as the page's hidden field sends it.
pub(super) async fn post_multipart_as(
    state: &AppState,
    path: &str,
    session: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String, String) {
    let (cookies, token) = csrf(state, session).await;
    let mut full =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n")
            .into_bytes();
    full.extend_from_slice(&body);
    let req = Request::post(path)
        .header("cookie", cookies)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(full))
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

/// The captcha id a page carries in its hidden field.
fn captcha_id(page: &str) -> String {
    let marker = r#"name="captcha_id" value=""#;
    let start = page.find(marker).expect("a captcha on the page") + marker.len();
    page[start..start + 32].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_notice_lists_the_projects_and_takes_objections() {
    let env = test_env(Backend::Sqlite).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let call = funding_call(app, "KJFWT2023-01", "3", "60").await;
    let (member, a) = accepted_application(app, call, 1, "高原农牧业科技服务团").await;
    let staff = staff_actor(99);
    set_budget(app, &staff, call, "100").await.unwrap();
    let fund = DecisionForm {
        verdict: "fund".into(),
        amount: "55".into(),
        reason: String::new(),
    };
    decide(app, &staff, a, &fund).await.unwrap();
    let form = NoticeForm {
        title: "2023年产业科技服务团立项公示".into(),
        body: "现将拟立项项目予以公示。\n公示期内如有异议，请以实名书面形式提出。".into(),
        starts: "2023-05-02".into(),
        ends: "2023-05-08".into(),
    };
    let notice = publish_funding_notice(app, &staff, call, &form)
        .await
        .unwrap();
    let page_path = format!("/gongshi/{notice}");

    // Before the period the notice is not public.
    let (status, _, _) = send(&state, "GET", &page_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    env.clock
        .set(parse_moment("2023-05-03", DayPart::Start).unwrap());

    let (status, _, list) = send(&state, "GET", "/gongshi", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!(
        r#"<a href="/gongshi/{notice}">2023年产业科技服务团立项公示</a>"#
    )));
    // 站内搜索 finds the 公示 and the call above the articles.
    let (_, _, found) = send(
        &state,
        "GET",
        "/search?q=%E7%AB%8B%E9%A1%B9%E5%85%AC%E7%A4%BA",
        None,
    )
    .await;
    let others = &found[found.find(r#"id="other-results""#).expect("other results")..];
    assert!(others.contains(&format!(
        r#"<span class="badge">公示公告</span> <a href="/gongshi/{notice}">2023年产业科技服务团"#
    )));
    assert!(others.contains("<mark>"), "the query's words are marked");
    let (_, _, found) = send(&state, "GET", "/search?q=KJFWT2023-01", None).await;
    assert!(found.contains(&format!(
        r#"<span class="badge">计划类别</span> <a href="/calls/{call}"><mark>KJFWT2023-01</mark> "#
    )), "{found}");
    let (status, _, page) = send(&state, "GET", &page_path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(
        "<tr><td>1</td><td>高原农牧业科技服务团</td><td>西藏高原科学研究所1</td><td>张伟</td><td>55.00</td></tr>"
    ));
    assert!(
        page.contains("2023-05-02 00:00:00 至 2023-05-08 23:59:59"),
        "{page}"
    );
    assert!(page.contains("<p>公示期内如有异议，请以实名书面形式提出。</p>"));
    assert!(page.contains(r#"id="objection-form""#));

    // Anonymous: refused beside the name, the rest kept as typed.
    let fields = |name: &'static str, captcha: String| {
        vec![
            ("application", a.to_string()),
            ("name", name.to_string()),
            ("unit", "拉萨市某研究院".to_string()),
            ("contact", "15987654321".to_string()),
            (
                "grounds",
                "该项目团队成员与另一已立项项目重复，业绩不实。".to_string(),
            ),
            ("captcha_id", captcha),
            ("captcha", "TEST".to_string()),
        ]
    };
    let body = |v: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
        multipart(&pairs, &pdf(2000))
    };
    let anonymous = fields("匿名", captcha_id(&page));
    let (status, _, refused) =
        post_multipart(&state, &format!("{page_path}/objection"), body(anonymous)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains(r#"<p class="error" id="e-name">不受理匿名异议，请填写真实姓名</p>"#));
    assert!(refused.contains(r#"value="拉萨市某研究院""#));
    assert!(refused.contains("该项目团队成员与另一已立项项目重复，业绩不实。"));

    // Under a real name with the captcha: taken, numbered.
    let (status, location, _) = post_multipart(
        &state,
        &format!("{page_path}/objection"),
        body(fields("欧阳明睿", captcha_id(&refused))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let number = format!("YY{notice:04}-001");
    assert_eq!(location, format!("{page_path}?ok=objection&n={number}"));
    let (_, _, shown) = send(&state, "GET", &location, None).await;
    assert!(shown.contains(&format!("异议编号：{number}")));

    // Staff see the objector, the contact masked.
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let (status, _, staff_page) = send(
        &state,
        "GET",
        &format!("/staff/notices/{notice}/objections"),
        Some(&manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(staff_page.contains("欧阳明睿（拉萨市某研究院）"));
    assert!(staff_page.contains("159****4321"));
    assert!(!staff_page.contains("15987654321"));
    // The signed statement downloads for staff; handling needs an outcome
    // and a reason, refused beside the fields with the reason kept.
    let objection_id = {
        let marker = "/staff/objections/";
        let start = staff_page.find(marker).unwrap() + marker.len();
        let end = start + staff_page[start..].find('/').unwrap();
        staff_page[start..end].to_string()
    };
    let (status, kind, pdf_bytes) = super::raw_get(
        &state,
        &format!("/staff/objections/{objection_id}/statement"),
        &manager,
    )
    .await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf_bytes.starts_with(b"%PDF-"));
    let notice_s = notice.to_string();
    let handle_path = format!("/staff/objections/{objection_id}/handle");
    let (status, _, refused) = post_form(
        &state,
        &handle_path,
        &manager,
        &[
            ("notice", &notice_s),
            ("outcome", ""),
            ("outcome_reason", "经核查业绩属实"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains(r#"<p class="error">请选择处理结果</p>"#));
    assert!(refused.contains(">经核查业绩属实</textarea>"));
    let (status, location, _) = post_form(
        &state,
        &handle_path,
        &manager,
        &[
            ("notice", &notice_s),
            ("outcome", "dismissed"),
            ("outcome_reason", "经核查业绩属实"),
        ],
    )
    .await;
    assert_eq!(
        (status, location),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/notices/{notice}/objections?ok=saved")
        )
    );
    let (_, _, handled) = send(
        &state,
        "GET",
        &format!("/staff/notices/{notice}/objections"),
        Some(&manager),
    )
    .await;
    assert!(handled.contains("<dt>处理结果</dt><dd>异议不成立</dd>"));

    // The applicant sees the outcome, and nothing of the objector.
    let applicant = session_for(&env, LoginTab::Person, &member.phone, PASSWORD).await;
    let (status, _, mine) = send(
        &state,
        "GET",
        &format!("/applications/{a}"),
        Some(&applicant),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains(r#"<dd id="outcome-verdict">立项</dd>"#));
    assert!(mine.contains(r#"<dd id="outcome-amount">55.00 万元</dd>"#));
    for objector in ["欧阳明睿", "拉萨市某研究院", "159****4321", number.as_str()] {
        assert!(
            !mine.contains(objector),
            "{objector} shown to the applicant"
        );
    }

    // After the period: no form, a late post is refused.
    env.clock
        .set(parse_moment("2023-05-08", DayPart::End).unwrap() + 1000);
    let (_, _, closed) = send(&state, "GET", &page_path, None).await;
    assert!(!closed.contains(r#"id="objection-form""#));
    assert!(closed.contains("公示期满，决定生效"));
    let late = fields("李强", String::new());
    let (status, _, late_page) =
        post_multipart(&state, &format!("{page_path}/objection"), body(late)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late_page.contains("公示期已于 2023-05-08 23:59:59 结束，不再受理异议"));
}

/// A urlencoded POST with a session ("" for a visitor): status,
/// `Location`, body.
pub(crate) async fn post_form(
    state: &AppState,
    path: &str,
    session: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    // An empty session posts as a visitor, with a pre-login token.
    let (cookies, token) = csrf(state, Some(session).filter(|s| !s.is_empty())).await;
    let req = Request::post(path)
        .header("cookie", cookies)
        .header("x-csrf-token", token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_decide_on_the_funding_page_with_errors_beside_the_fields() {
    let env = test_env(Backend::Sqlite).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let call = funding_call(app, "KJFWT2023-01", "3", "60").await;
    let (_, a) = accepted_application(app, call, 1, "高原农牧业科技服务团").await;
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let page = format!("/staff/calls/{call}/funding");

    let (status, _, body) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}"),
        Some(&manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!(r#"id="funding-link" href="{page}""#)));
    let (status, _, body) = send(&state, "GET", &page, Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("高原农牧业科技服务团"));
    assert!(body.contains("（尚未设置预算）"));

    // A bad budget comes back beside its field, as typed.
    let (status, _, body) = post_form(
        &state,
        &format!("{page}/budget"),
        &manager,
        &[("budget", "一百")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(r#"<p class="error" id="e-budget">请输入金额（万元，最多两位小数）</p>"#)
    );
    assert!(body.contains(r#"value="一百""#));
    let (status, location, _) = post_form(
        &state,
        &format!("{page}/budget"),
        &manager,
        &[("budget", "100")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, format!("{page}?ok=saved").as_str())
    );

    // Above the request: the limit named beside the amount, input kept.
    let decide_path = format!("/staff/funding/{a}/decide");
    let call_s = call.to_string();
    let (status, _, body) = post_form(
        &state,
        &decide_path,
        &manager,
        &[
            ("call", &call_s),
            ("verdict", "fund"),
            ("amount", "55.01"),
            ("reason", "排名第一"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"<p class="error">资助金额不得超过申请经费 55.00 万元</p>"#));
    assert!(body.contains(r#"value="55.01""#));
    assert!(body.contains(r#"value="排名第一""#));

    let (status, _, _) = post_form(
        &state,
        &decide_path,
        &manager,
        &[
            ("call", &call_s),
            ("verdict", "fund"),
            ("amount", "55"),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, body) = send(&state, "GET", &page, Some(&manager)).await;
    assert!(body.contains(r#"<span id="funded-count">1</span> / 3 项"#));
    assert!(body.contains(
        r#"<span id="funded-total">55.00</span> 万元 / 预算 100.00 万元（剩余 45.00 万元）"#
    ));
}
