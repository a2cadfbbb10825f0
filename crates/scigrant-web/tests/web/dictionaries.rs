//! 字典管理 over HTTP: only the 系统管理员 reaches it; an added 单位性质 appears
//! on the registration form and a disabled one leaves it, while the
//! staff page keeps it with its state and history.

use axum::http::StatusCode;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, audit_count, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use crate::funding::post_form;
use crate::{send, session_for, staff_session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_admin_keeps_the_dictionaries_and_the_registration_form_follows() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let admin = staff_session(&env, StaffRole::SystemAdmin).await;

    // Other staff roles get 403, on the page and on every change.
    for role in [
        StaffRole::SecurityAdmin,
        StaffRole::AuditAdmin,
        StaffRole::AccountReviewer,
        StaffRole::ProgramManager,
        StaffRole::ContentEditor,
    ] {
        let who = staff_session(&env, role).await;
        let (status, _, _) = send(&state, "GET", "/staff/dictionaries", Some(&who)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        let (status, _, _) = post_form(
            &state,
            "/staff/dictionaries/state",
            &who,
            &[
                ("kind", "unit_nature"),
                ("code", "institute"),
                ("enabled", "0"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        let (_, _, home) = send(&state, "GET", "/staff", Some(&who)).await;
        assert!(!home.contains(r#"href="/staff/dictionaries""#), "{role:?}");
    }
    let (_, _, home) = send(&state, "GET", "/staff", Some(&admin)).await;
    assert!(home.contains(r#"<a class="entry" href="/staff/dictionaries">字典管理</a>"#));

    // The page: 单位性质 first, the built-in entries in order, enabled.
    let (status, _, page) = send(&state, "GET", "/staff/dictionaries", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<a href="/staff/dictionaries?kind=unit_nature" class="on" aria-current="page">单位性质</a>"#), "{page}");
    assert!(
        page.contains("<td>30</td><td>institute</td><td>科研院所</td>\n      <td>启用</td>"),
        "{page}"
    );
    assert!(
        page.contains(r#"<input id="f-position" name="position" type="text" value="60">"#),
        "{page}"
    );
    let (_, _, form) = send(&state, "GET", "/register/unit", None).await;
    assert!(!form.contains("社会组织"));
    assert!(form.contains(r#"value="institute"> 科研院所"#));

    // Adding: refused fields come back beside themselves, as typed.
    let (status, _, page) = post_form(
        &state,
        "/staff/dictionaries",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "institute"),
            ("label", "另一个<b>"),
            ("position", "70"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            r#"<p class="error" id="e-code">该代码已存在（含已停用的项），代码不能重复使用</p>"#
        ),
        "{page}"
    );
    assert!(page.contains(r#"value="另一个&#60;b&#62;""#), "{page}");
    let (status, location, _) = post_form(
        &state,
        "/staff/dictionaries",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "social_org"),
            ("label", "社会组织"),
            ("position", "60"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        "/staff/dictionaries?kind=unit_nature&ok=dict_added"
    );
    let (_, _, form) = send(&state, "GET", "/register/unit", None).await;
    assert!(form.contains(r#"value="social_org"> 社会组织"#), "{form}");

    // Editing: the form of one entry, refused values kept as typed.
    let (status, _, page) = send(
        &state,
        "GET",
        "/staff/dictionaries?kind=unit_nature&edit=social_org",
        Some(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("修改字典项：social_org"), "{page}");
    let (status, _, page) = post_form(
        &state,
        "/staff/dictionaries/edit",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "social_org"),
            ("label", "社会团体"),
            ("position", "一"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            r#"<p class="error" id="edit-position-error">排序请填写0至9999的整数，小的在前</p>"#
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"id="edit-label" name="label" type="text" value="社会团体""#),
        "{page}"
    );
    let (status, _, _) = post_form(
        &state,
        "/staff/dictionaries/edit",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "social_org"),
            ("label", "社会团体"),
            ("position", "5"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Disabling (the page asks first) takes it off the registration form;
    // the staff page keeps it, marked, with its history.
    let (_, _, page) = send(&state, "GET", "/staff/dictionaries", Some(&admin)).await;
    assert!(
        page.contains("data-confirm=\"确定停用“科研院所”吗？"),
        "{page}"
    );
    let (status, location, _) = post_form(
        &state,
        "/staff/dictionaries/state",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "institute"),
            ("enabled", "0"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        "/staff/dictionaries?kind=unit_nature&ok=dict_disabled"
    );
    let (_, _, form) = send(&state, "GET", "/register/unit", None).await;
    assert!(
        !form.contains("institute") && !form.contains("科研院所"),
        "{form}"
    );
    assert!(form.contains(r#"value="social_org"> 社会团体"#), "{form}");
    let (_, _, page) = send(
        &state,
        "GET",
        "/staff/dictionaries?kind=unit_nature&ok=dict_disabled",
        Some(&admin),
    )
    .await;
    assert!(page.contains("字典项已停用"), "{page}");
    assert!(
        page.contains(r#"<tr class="retired"><td>30</td><td>institute</td><td>科研院所</td>"#),
        "{page}"
    );
    assert!(
        page.contains("<td>institute</td><td>停用</td><td>启用</td><td>停用</td>"),
        "{page}"
    );
    assert!(
        page.contains("<td>social_org</td><td>修改名称</td><td>社会组织</td><td>社会团体</td>"),
        "{page}"
    );

    // A value that is neither state, and an unknown dictionary, are refused.
    let (status, _, _) = post_form(
        &state,
        "/staff/dictionaries/state",
        &admin,
        &[
            ("kind", "unit_nature"),
            ("code", "institute"),
            ("enabled", "yes"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = send(&state, "GET", "/staff/dictionaries?kind=nope", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The other dictionaries: 证件类型 on personal registration, 学历 etc.
    post_form(
        &state,
        "/staff/dictionaries/state",
        &admin,
        &[("kind", "doc_type"), ("code", "passport"), ("enabled", "0")],
    )
    .await;
    let (_, _, form) = send(&state, "GET", "/register/person", None).await;
    assert!(!form.contains("外籍人员护照"), "{form}");
    assert!(
        form.contains(r#"value="mainland_id" checked> 中国大陆居民身份证"#),
        "{form}"
    );

    assert_eq!(audit_count(&env.app, "dictionary.").await, 4);
}

/// 完善个人信息 offers the enabled 学历 / 学位 / 职称 in order, keeps a retired
/// one the person holds (marked), and suggests the 所在部门 entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_form_offers_what_the_dictionaries_hold() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let admin = staff_session(&env, StaffRole::SystemAdmin).await;
    // The member's profile holds 硕士 / 博士 / 高级 (testing::join_unit).
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let person = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    for (kind, code, label, position) in [
        ("title", "senior_engineer", "高级工程师", "15"),
        ("department", "实验室", "重点实验室", "1"),
    ] {
        let (status, _, _) = post_form(
            &state,
            "/staff/dictionaries",
            &admin,
            &[
                ("kind", kind),
                ("code", code),
                ("label", label),
                ("position", position),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    for (kind, code) in [("education", "硕士"), ("education", "中专")] {
        post_form(
            &state,
            "/staff/dictionaries/state",
            &admin,
            &[("kind", kind), ("code", code), ("enabled", "0")],
        )
        .await;
    }
    let (status, _, page) = send(&state, "GET", "/person/profile", Some(&person)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<option value="正高级">正高级</option><option value="senior_engineer">高级工程师</option><option value="高级" selected>高级</option>"#), "{page}");
    assert!(
        page.contains(r#"<option value="硕士" selected>硕士（已停用）</option>"#),
        "{page}"
    );
    assert!(!page.contains("中专"), "{page}");
    assert!(
        page.contains(r#"<datalist id="departments"><option value="重点实验室">"#),
        "{page}"
    );
}
