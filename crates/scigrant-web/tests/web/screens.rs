//! What a new user trips over on the staff screens (issue 12): forms that
//! start empty, tabs a role may open, the first login's password change.

use axum::http::StatusCode;
use scigrant_app::Actor;
use scigrant_app::admin::staff::{NewStaff, add_staff};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, TestEnv, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use super::{send, session_for, staff_session};

/// A staff account created the way tests seed one (its first-login
/// password change still due).
async fn new_staff(env: &TestEnv, login: &str, name: &str, role: StaffRole) {
    add_staff(
        &env.app,
        &Actor::system(),
        &NewStaff {
            login: login.into(),
            name: name.into(),
            role: role.code().into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("staff {login}: {e:?}"));
}

/// The tabs of the console's navigation on a page, in order.
fn tabs(page: &str) -> Vec<String> {
    let Some(start) = page.find("<nav class=\"tabs\">") else {
        return Vec::new();
    };
    let nav = &page[start..];
    let nav = &nav[..nav.find("</nav>").unwrap_or(nav.len())];
    nav.split("</a>")
        .filter_map(|a| a.rsplit_once("\">").map(|(_, label)| label.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_program_form_starts_empty() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let (status, _, page) = send(&state, "GET", "/staff/programs", Some(&manager)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"<input id="f-name" name="name" type="text" value="">"#),
        "计划名称 must start empty, not with the macro's own parameter name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_only_the_tabs_it_may_open() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let cases = [
        (
            StaffRole::AuditAdmin,
            "/staff/logs",
            vec!["操作日志", "登录日志"],
        ),
        (
            StaffRole::ProgramManager,
            "/staff/programs",
            vec!["计划管理", "专家管理"],
        ),
        (StaffRole::SystemAdmin, "/staff/accounts", vec!["后台账号"]),
        (
            StaffRole::SecurityAdmin,
            "/staff/security",
            vec!["安全管理", "在线用户"],
        ),
        (
            StaffRole::AccountReviewer,
            "/staff/units",
            vec!["单位审核", "实名认证审核", "申诉审核"],
        ),
    ];
    let role_tabs = [
        "单位审核",
        "实名认证审核",
        "申诉审核",
        "计划管理",
        "专家管理",
        "后台账号",
        "安全管理",
        "在线用户",
        "操作日志",
        "登录日志",
    ];
    for (role, page_path, own) in cases {
        let session = staff_session(&env, role).await;
        let (status, _, page) = send(&state, "GET", page_path, Some(&session)).await;
        assert_eq!(status, StatusCode::OK, "{role:?} {page_path}");
        let shown = tabs(&page);
        assert_eq!(
            shown.first().map(String::as_str),
            Some("后台首页"),
            "{role:?}"
        );
        let role_specific: Vec<&str> = shown
            .iter()
            .map(String::as_str)
            .filter(|t| role_tabs.contains(t))
            .collect();
        assert_eq!(role_specific, own, "{role:?} sees only its own tabs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_staff_login_goes_straight_to_the_password_change() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    new_staff(&env, "xinren", "新人", StaffRole::AuditAdmin).await;
    let session = session_for(&env, LoginTab::Staff, "xinren", PASSWORD).await;
    let (status, location, _) = send(&state, "GET", "/staff", Some(&session)).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/account/password")
    );
    let (status, _, page) = send(&state, "GET", "/account/password", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("首次登录须修改初始密码后才能使用后台功能。"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_screens_name_actions_and_accounts_in_chinese() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    new_staff(&env, "li_shenhe", "李审核", StaffRole::AccountReviewer).await;
    let (status, _, page) = send(&state, "GET", "/staff/logs", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<td>新增后台账号</td><td>后台账号 李审核（li_shenhe）</td><td>成功</td>")
    );
    assert!(!page.contains("staff.add"), "no internal action codes");

    let security = staff_session(&env, StaffRole::SecurityAdmin).await;
    let (status, _, page) = send(&state, "GET", "/staff/online", Some(&security)).await;
    assert_eq!(status, StatusCode::OK);
    let security_login = format!("s_{}", StaffRole::SecurityAdmin.code());
    let auditor_login = format!("s_{}", StaffRole::AuditAdmin.code());
    for login in [security_login, auditor_login] {
        assert!(
            page.contains(&format!("<td>后台人员</td><td>测试（{login}）</td>")),
            "{login}'s session is named, not numbered"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_member_offers_only_the_change_and_asks_first() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let member = ApprovedMember::builder(31).build(&env.app).await;
    let unit = session_for(&env, LoginTab::Unit, &member.uscc, PASSWORD).await;
    let (status, _, page) = send(&state, "GET", "/unit/members", Some(&unit)).await;
    assert_eq!(status, StatusCode::OK);
    let row = page
        .split(&format!("<tr data-person=\"{}\">", member.person))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("a row for the member in {page}"));
    assert!(
        !row.contains("value=\"approve\""),
        "already approved: no 通过"
    );
    assert!(row.contains("data-confirm=\"该成员已审核通过，确定改为不通过吗？\""));
    assert!(!row.contains("style="), "no inline style under the CSP");
}

/// The strings of an .xlsx file, in the order of its shared-string table
/// (headers first, then the cells as written).
fn xlsx_strings(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx (zip) file");
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut xml)
        .expect("utf-8 xml");
    xml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_and_staff_accounts_export_what_the_screen_shows() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
    new_staff(&env, "wang_xm", "王项目", StaffRole::ProgramManager).await;
    let res = super::raw_get(
        &state,
        "/staff/logs/export?kind=op&action=staff.&col=action&col=at&col=target",
        &auditor,
    )
    .await;
    assert_eq!(res.0, StatusCode::OK);
    assert_eq!(
        res.1,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let strings = xlsx_strings(&res.2);
    let order: Vec<usize> = [
        "时间",
        "操作",
        "对象",
        "新增后台账号",
        "后台账号 王项目（wang_xm）",
    ]
    .iter()
    .map(|s| {
        strings
            .find(s)
            .unwrap_or_else(|| panic!("{s} in {strings}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "columns in the list's order: {strings}"
    );
    assert!(!strings.contains("详情") && !strings.contains("staff.add"));

    let sysadmin = staff_session(&env, StaffRole::SystemAdmin).await;
    let res = super::raw_get(
        &state,
        "/staff/accounts/export?col=login&col=role",
        &sysadmin,
    )
    .await;
    assert_eq!(res.0, StatusCode::OK);
    let strings = xlsx_strings(&res.2);
    for s in ["登录名", "角色", "wang_xm", "项目管理员"] {
        assert!(strings.contains(s), "{s} in {strings}");
    }
    assert!(
        !strings.contains("王项目"),
        "the name column was not chosen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reviewers_unit_list_exports_its_queue() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let member = ApprovedMember::builder(41).build(&env.app).await;
    let reviewer = staff_session(&env, StaffRole::AccountReviewer).await;
    let res = super::raw_get(
        &state,
        "/staff/units/export?queue=all&q=&col=name&col=contact&col=state",
        &reviewer,
    )
    .await;
    assert_eq!(res.0, StatusCode::OK);
    let strings = xlsx_strings(&res.2);
    let unit = scigrant_app::identity::review::unit(&env.app, member.unit)
        .await
        .unwrap();
    let contact = format!("{}（{}）", unit.contact_name, unit.contact_phone_masked);
    let order: Vec<usize> = [
        "单位名称",
        "联系人",
        "状态",
        unit.name.as_str(),
        contact.as_str(),
        "注册完成",
    ]
    .iter()
    .map(|s| {
        strings
            .find(s)
            .unwrap_or_else(|| panic!("{s} in {strings}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{strings}");
    assert!(!strings.contains("统一社会信用代码"), "not chosen");
    let full_contact_phone = scigrant_app::testing::phone(41);
    assert!(unit.contact_phone_masked.contains('*'));
    assert!(
        !strings.contains(&full_contact_phone),
        "the contact's phone stays masked"
    );
}

/// The person's 科技项目专家申请 page: the form, errors beside their fields
/// with what was typed kept, then the state and the staff's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_applies_to_the_expert_library_and_staff_decide() {
    use scigrant_app::evaluation::experts::{ExpertAction, decide_expert, my_expert};
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let member = ApprovedMember::builder(42).build(&env.app).await;
    let person = session_for(&env, LoginTab::Person, &member.phone, PASSWORD).await;
    let (status, _, page) = send(&state, "GET", "/person/expert", Some(&person)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("填写申请"), "{page}");
    assert!(
        page.contains(
            r#"<input id="f-unit_name" name="unit_name" type="text" value="西藏高原科学研究所42">"#
        ),
        "工作单位 prefilled with the person's unit"
    );
    assert!(page.contains(r#"<option value="52020">　52020 人工智能</option>"#));

    let body = "discipline=52020&discipline=110&primary=0&keywords=%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0&title=&unit_name=X&summary=short&available=1";
    let path = "/person/expert";
    let (status, _, page) = send_form(&state, path, body, &person).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="error" id="e-title">请选择职称</p>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<p class="error" id="e-summary">研究领域应为20至500个字，当前5个字</p>"#)
    );
    assert!(
        page.contains(r#"<option value="52020" selected>"#),
        "the 学科 kept"
    );
    assert!(page.contains(r#"<input type="radio" name="primary" value="0" checked>"#));
    assert!(page.contains(">机器学习</textarea>"), "keywords kept");
    assert!(my_expert(&env.app, member.person).await.unwrap().is_none());

    let summary = "%E9%95%BF%E6%9C%9F%E4%BB%8E%E4%BA%8B%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0%E4%B8%8E%E7%9F%A5%E8%AF%86%E5%9B%BE%E8%B0%B1%E7%A0%94%E7%A9%B6%EF%BC%8C%E4%B8%BB%E6%8C%81%E5%A4%9A%E9%A1%B9%E5%9B%BD%E5%AE%B6%E7%BA%A7%E9%A1%B9%E7%9B%AE%E3%80%82";
    let body = format!(
        "discipline=52020&discipline=110&primary=0&keywords=%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0&title=%E6%AD%A3%E9%AB%98%E7%BA%A7&unit_name=X&summary={summary}&available=1"
    );
    let path = "/person/expert";
    let (status, location, _) = send_form(&state, path, &body, &person).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/person/expert?ok=expert_applied")
    );
    let mine = my_expert(&env.app, member.person).await.unwrap().unwrap();

    // The manager's list shows the application; the detail offers its moves.
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let (status, _, list) = send(
        &state,
        "GET",
        "/staff/experts?discipline=520",
        Some(&manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("<td>52020 人工智能</td>"), "{list}");
    assert!(list.contains("<td>待审核</td>"));
    assert!(!list.contains(&member.phone), "the phone is masked");
    let (_, _, empty) = send(
        &state,
        "GET",
        "/staff/experts?discipline=110&keyword=%E5%86%B0%E5%B7%9D",
        Some(&manager),
    )
    .await;
    assert!(empty.contains("没有符合条件的专家"));
    let (status, _, detail) = send(
        &state,
        "GET",
        &format!("/staff/experts/{}", mine.id.0),
        Some(&manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains(r#"id="action-approve""#) && detail.contains(r#"id="action-reject""#));
    assert!(!detail.contains(r#"id="action-pause""#));

    decide_expert(
        &env.app,
        &Actor::system(),
        mine.id,
        ExpertAction::Reject,
        "研究领域与申报学科不符",
    )
    .await
    .unwrap();
    let (_, _, page) = send(&state, "GET", "/person/expert", Some(&person)).await;
    assert!(
        page.contains(r#"id="expert-state">未通过</span>"#),
        "{page}"
    );
    assert!(page.contains("未通过原因：研究领域与申报学科不符"));
    assert!(page.contains("修改并重新提交"));
}

/// `POST path` with a urlencoded `body` as signed-in `session`: status,
/// `Location`, body.
async fn send_form(
    state: &AppState,
    path: &str,
    body: &str,
    session: &str,
) -> (StatusCode, String, String) {
    use tower::ServiceExt;
    let (cookies, token) = super::csrf(state, Some(session)).await;
    let req = axum::http::Request::post(path)
        .header("cookie", cookies)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("csrf={token}&{body}")))
        .unwrap();
    let res = scigrant_web::routes::router(state.clone())
        .oneshot(req)
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

/// Issue 12 #15: the unit's and the console's tabs mark the current page
/// (`class="on"`, `aria-current="page"`), and the reviewer sees the
/// 统一社会信用代码证 inline, not only as a download.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_mark_the_current_page_and_the_reviewer_sees_the_certificate() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(5).build(&env.app).await;
    let unit = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;
    let on = |href: &str, label: &str| {
        format!(r#"<a href="{href}" class="on" aria-current="page">{label}</a>"#)
    };
    for (path, href, label) in [
        ("/unit", "/unit", "用户中心"),
        ("/unit/members", "/unit/members", "单位从属用户管理"),
        ("/unit/applications", "/unit/applications", "项目管理"),
    ] {
        let (status, _, page) = send(&state, "GET", path, Some(&unit)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains(&on(href, label)), "{path}: {page}");
        assert_eq!(page.matches("aria-current=\"page\"").count(), 1, "{path}");
    }
    let reviewer = staff_session(&env, StaffRole::AccountReviewer).await;
    let path = format!("/staff/units/{}", m.unit.0);
    let (status, _, page) = send(&state, "GET", &path, Some(&reviewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&on("/staff/units", "单位审核")), "{page}");
    let img = page
        .split("<img class=\"cert-preview\" src=\"")
        .nth(1)
        .expect("the certificate shown inline");
    let src = &img[..img.find('"').unwrap()];
    let (status, kind, bytes) = super::raw_get(&state, src, &reviewer).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "image/jpeg"));
    assert!(bytes.starts_with(&[0xff, 0xd8]), "a JPEG");
}

/// Issue 13, item 7: one account model, the deployment's words at the
/// door. The default speaks like the province (个人用户登录 / 企业用户登录);
/// `account_doors = "most"` shows 自然人登录 / 法人登录 and the MOST
/// platform's 自然人注册 / 单位用户（法人）注册; the form posts to the same
/// login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_doors_speak_the_deployments_words() {
    use scigrant_app::config::Config;
    use std::sync::Arc;
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (_, _, page) = send(&state, "GET", "/login?tab=unit", None).await;
    assert!(page.contains(">个人用户登录</a>") && page.contains(">企业用户登录</a>"));
    assert!(page.contains(r#"placeholder="请输入单位的统一社会信用代码或联系人手机""#));

    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        account_doors: "most".into(),
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    let (status, _, page) = send(&state, "GET", "/login?tab=unit", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"class="on">法人登录</a>"#), "{page}");
    assert!(page.contains(">自然人登录</a>"));
    assert!(!page.contains("个人用户登录") && !page.contains("企业用户登录"));
    assert!(page.contains(r#"placeholder="请输入登录名""#));
    assert!(page.contains(r#"<form method="post" action="/login">"#));
    assert!(page.contains(
        r#"<a class="btn secondary small" href="/register/unit">单位用户（法人）注册</a>"#
    ));
    let (_, _, page) = send(&state, "GET", "/login?tab=register", None).await;
    assert!(page.contains(r#"<a class="entry" href="/register/person">自然人注册</a>"#));
    assert!(page.contains(r#"<a class="entry" href="/register/unit">单位用户（法人）注册</a>"#));
}
