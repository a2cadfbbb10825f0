//! 指南征集 over HTTP, on SQLite and PostgreSQL: the 项目管理员 opens a
//! solicitation on the published notice (errors beside the fields, input
//! kept), the notice's page says 指南建议征集中, a member fills the
//! declared 指南建议表 (prefilled with the unit and contact, problems
//! listed with what was typed kept), submits it for a receipt; the unit
//! sees its members' suggestions; staff decide, tag, merge a duplicate and
//! reply (the author reads the reply), export to .xlsx; after the close
//! time nothing more is kept. Titles with markup are shown escaped.

use axum::http::StatusCode;
use scigrant_app::Actor;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, audit_count, join_unit, staff_with_password,
    test_env,
};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_web::AppState;

use super::consultation::{id_after, xlsx_strings};
use super::funding::{multipart_body, post_form, post_multipart_as};
use super::{raw_get, send, session_for};

const NOTICE: &str = "关于征集2026年西藏自治区科技计划项目指南建议的通知";

/// A staff member of `role`, as an actor of the use cases.
async fn staff_actor(env: &TestEnv, login: &str, role: StaffRole) -> Actor {
    let id = staff_with_password(&env.app, login, login, role, PASSWORD).await;
    Actor {
        kind: Some(AccountKind::Staff),
        id: Some(id),
        label: login.into(),
        ip: "127.0.0.1".into(),
        request_id: "t".into(),
        on_behalf: None,
    }
}

async fn notice(env: &TestEnv) -> String {
    let editor = staff_actor(env, "editor1", StaffRole::ContentEditor).await;
    let f = ArticleForm {
        section: "tzgg".into(),
        title: NOTICE.into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "请于2023年4月28日前在线提交指南建议。".into(),
        ..ArticleForm::default()
    };
    let id = create_article(&env.app, &editor, &f, &[]).await.unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    let checker = staff_actor(env, "checker1", StaffRole::ContentReviewer).await;
    review_article(&env.app, &checker, id, true, "")
        .await
        .unwrap();
    id.to_string()
}

/// A complete suggestion as the form posts it.
fn filled(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("f:guide_name", name.to_string()),
        ("f:field", "高原医学与人口健康".into()),
        ("f:budget", "300".into()),
        ("f:years", "3".into()),
        ("f:background", "高海拔地区急性高原病防治需求迫切。".into()),
        ("f:content", "研究急性高原病早期预警与干预技术。".into()),
        ("f:indicators", "形成诊疗规范1项，示范应用3家医院。".into()),
        ("f:suggest_unit", "西藏自治区人民医院".into()),
        ("f:contact_name", "次仁".into()),
        ("f:contact_phone", "0891-6371234".into()),
        ("action", "save".into()),
    ]
}

async fn post(
    state: &AppState,
    path: &str,
    session: &str,
    pairs: &[(&'static str, String)],
) -> (StatusCode, String, String) {
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(state, path, session, &borrowed).await
}

/// Posts the console's 发起指南征集 form with `definition` as its file
/// (none chosen when empty).
async fn open_form(
    state: &AppState,
    session: &str,
    fields: &[(&str, &str)],
    definition: &[u8],
) -> (StatusCode, String, String) {
    let file = ("form_file", "建议表.json", "application/json", definition);
    let file = if definition.is_empty() {
        ("form_file", "", "application/octet-stream", definition)
    } else {
        file
    };
    post_multipart_as(
        state,
        "/staff/solicitations",
        Some(session),
        multipart_body(fields, file),
    )
    .await
}

async fn walk(backend: Backend) {
    let env = test_env(backend).await;
    let state = AppState::new(env.app.clone());
    env.clock
        .set(parse_moment("2023-04-20 10:00", DayPart::Start).unwrap());
    let article = notice(&env).await;
    staff_with_password(
        &env.app,
        "pm1",
        "项目管理员",
        StaffRole::ProgramManager,
        PASSWORD,
    )
    .await;
    let pm = session_for(&env, LoginTab::Staff, "pm1", PASSWORD).await;

    // A bad period comes back with the error beside it, input as typed.
    let (_, _, page) = send(&state, "GET", "/staff/solicitations", Some(&pm)).await;
    assert!(page.contains(&format!(r#"<option value="{article}">{NOTICE}</option>"#)));
    let (status, _, page) = open_form(
        &state,
        &pm,
        &[
            ("article", &article),
            ("opens", "2023-04-20 09:00"),
            ("closes", "2023-04-19"),
        ],
        b"",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"<p class="error" id="e-closes">截止时间应晚于开始时间</p>"#));
    assert!(page.contains(r#"value="2023-04-19""#));
    // An imported definition that does not parse is reported beside the
    // file field with where it went wrong; the other fields stay as typed.
    let (status, _, page) = open_form(
        &state,
        &pm,
        &[
            ("article", &article),
            ("opens", "2023-04-20 09:00"),
            ("closes", "2023-04-28"),
        ],
        r#"{"code": "x", "title": "建议表"}"#.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="error" id="e-form_json">表单定义格式错误：missing field `version` at line 1 column 35（请修正后重新选择文件）</p>"#),
        "{page}"
    );
    assert!(page.contains(r#"value="2023-04-28""#));
    let (status, _, page) = open_form(
        &state,
        &pm,
        &[
            ("article", &article),
            ("opens", "2023-04-20"),
            ("closes", "2023-04-28"),
        ],
        &[0xff, 0xfe, 0x00],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("表单定义文件须为UTF-8编码的JSON文本，请重新选择文件"));
    let (status, location, _) = open_form(
        &state,
        &pm,
        &[
            ("article", &article),
            ("opens", "2023-04-20 09:00"),
            ("closes", "2023-04-28"),
        ],
        b"",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let sol = id_after(&location, "/staff/solicitations/");

    // The notice and the portal say it is open, to the minute.
    let (_, _, page) = send(&state, "GET", &format!("/articles/{article}"), None).await;
    assert!(page.contains(&format!(
        r#"指南建议征集中（截至 2023-04-28 23:59）<a href="/solicitations/{sol}">在线提交指南建议</a>"#
    )));
    let (_, _, page) = send(&state, "GET", &format!("/solicitations/{sol}"), None).await;
    assert!(page.contains("科技计划项目指南建议表"));
    assert!(page.contains("建议指南名称、所属领域、建议经费（万元）、建议实施周期（年）"));
    assert!(
        page.contains(r#"后可在线填写指南建议"#),
        "a visitor is asked to sign in"
    );

    // A member starts one: the form is prefilled with the unit and contact.
    let m = ApprovedMember::builder(1)
        .unit_name("西藏高原医学研究所")
        .build(&env.app)
        .await;
    let me = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let (status, location, _) =
        post_form(&state, &format!("/solicitations/{sol}/suggest"), &me, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let sid = id_after(&location, "/suggestions/");
    let (_, _, page) = send(&state, "GET", &location, Some(&me)).await;
    assert!(
        page.contains(r#"value="西藏高原医学研究所""#),
        "建议单位 prefilled"
    );

    // Submitting with problems keeps what was typed and lists each one.
    let typed = vec![
        (
            "f:guide_name",
            "<script>alert(1)</script>高原病防治".to_string(),
        ),
        ("action", "save".to_string()),
    ];
    let (status, _, page) = post(&state, &format!("/suggestions/{sid}/submit"), &me, &typed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("建议表有 8 处需要修改"), "{page}");
    assert!(page.contains("请填写需求背景"));
    assert!(page.contains(r#"value="&#60;script&#62;alert(1)&#60;/script&#62;高原病防治""#));

    // Complete, it is frozen with a receipt.
    let full = filled("<script>alert(1)</script>高原病防治");
    let (status, location, _) =
        post(&state, &format!("/suggestions/{sid}/submit"), &me, &full).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/suggestions/{sid}?ok=suggested"));
    let (_, _, page) = send(&state, "GET", &location, Some(&me)).await;
    let number = format!("ZJ{:03}-0001", sol.parse::<i64>().unwrap());
    assert!(page.contains(&format!(r#"<dd id="suggestion-number">{number}</dd>"#)));
    assert!(page.contains(r#"<span class="badge" id="suggestion-state">已提交</span>"#));
    let marker = r#"<code id="suggestion-digest">"#;
    let at = page.find(marker).unwrap() + marker.len();
    assert!(page[at..at + 64].bytes().all(|b| b.is_ascii_hexdigit()));
    // Frozen: a late save is refused, the text stays.
    let (status, _, body) = post(&state, &format!("/suggestions/{sid}/autosave"), &me, &full).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, "建议已提交，不能再修改");

    // A second member of the unit sends the same idea.
    let (_, phone2) = join_unit(&env.app, m.unit, 2).await;
    let me2 = session_for(&env, LoginTab::Person, &phone2, PASSWORD).await;
    let (_, location, _) =
        post_form(&state, &format!("/solicitations/{sol}/suggest"), &me2, &[]).await;
    let sid2 = id_after(&location, "/suggestions/");
    let (status, _, _) = post(
        &state,
        &format!("/suggestions/{sid2}/submit"),
        &me2,
        &filled("高原病早期预警"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let number2 = format!("ZJ{:03}-0002", sol.parse::<i64>().unwrap());

    // Someone else's suggestion is not found.
    let (status, _, _) = send(&state, "GET", &format!("/suggestions/{sid}"), Some(&me2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The unit sees both of its members' suggestions.
    let unit = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;
    let (_, _, page) = send(&state, "GET", "/suggestions", Some(&unit)).await;
    assert!(page.contains(&format!("<td>{number}</td>")));
    assert!(page.contains(&format!("<td>{number2}</td><td>高原病早期预警</td>")));

    // Staff see them escaped, merge the duplicate and answer the first.
    let path = format!("/staff/solicitations/{sol}");
    let (_, _, page) = send(&state, "GET", &path, Some(&pm)).await;
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;高原病防治"));
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains(r#"<dd id="suggestion-count">2 条</dd>"#));
    let (status, _, page) = post_form(
        &state,
        &format!("/staff/suggestions/{sid2}/handle"),
        &pm,
        &[
            ("solicitation", &sol),
            ("state", "merged"),
            ("merge_into", "ZJ999-0001"),
            ("tags", "高原医学"),
            ("reply", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写本次征集中被合并到的建议编号"));
    assert!(page.contains(r#"value="ZJ999-0001""#));
    let (status, _, _) = post_form(
        &state,
        &format!("/staff/suggestions/{sid2}/handle"),
        &pm,
        &[
            ("solicitation", &sol),
            ("state", "merged"),
            ("merge_into", &number),
            ("tags", "高原医学"),
            ("reply", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = post_form(
        &state,
        &format!("/staff/suggestions/{sid}/handle"),
        &pm,
        &[
            ("solicitation", &sol),
            ("state", "not_adopted"),
            ("merge_into", ""),
            ("tags", "高原医学，应急"),
            ("reply", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“未采纳”须填写答复意见"));
    let (status, _, _) = post_form(
        &state,
        &format!("/staff/suggestions/{sid}/handle"),
        &pm,
        &[
            ("solicitation", &sol),
            ("state", "partly"),
            ("merge_into", ""),
            ("tags", "高原医学，应急"),
            ("reply", "已纳入2026年指南“高原医学”方向。"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The authors read the outcome.
    let (_, _, page) = send(&state, "GET", &format!("/suggestions/{sid}"), Some(&me)).await;
    assert!(page.contains(r#"<span class="badge" id="suggestion-state">部分采纳</span>"#));
    assert!(page.contains(r#"<dd id="suggestion-reply">已纳入2026年指南“高原医学”方向。</dd>"#));
    let (_, _, page) = send(&state, "GET", &format!("/suggestions/{sid2}"), Some(&me2)).await;
    assert!(page.contains(&format!(
        r#"<dd id="suggestion-reply">与建议{number}重复，已合并处理</dd>"#
    )));

    // The export holds every field, the handling and the merge.
    let (status, _, bytes) = raw_get(&state, &format!("{path}/export"), &pm).await;
    assert_eq!(status, StatusCode::OK);
    let xml = xlsx_strings(&bytes);
    for want in [
        "建议编号",
        "建议指南名称",
        "考核指标",
        "答复意见",
        number.as_str(),
        "高原病早期预警",
        "部分采纳",
        "已合并",
        "高原医学、应急",
        "形成诊疗规范1项，示范应用3家医院。",
    ] {
        assert!(xml.contains(want), "{want} missing from the export");
    }

    // At the close time a draft is still kept; a second later it is not.
    let (_, location, _) =
        post_form(&state, &format!("/solicitations/{sol}/suggest"), &me, &[]).await;
    let sid3 = id_after(&location, "/suggestions/");
    env.clock
        .set(parse_moment("2023-04-28 23:59:59", DayPart::Start).unwrap());
    // Eight days on, the member signs in again.
    let me = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let draft = filled("最后一刻的建议");
    let (status, _, _) = post(
        &state,
        &format!("/suggestions/{sid3}/autosave"),
        &me,
        &draft,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    env.clock.advance_ms(1000);
    let (status, _, body) = post(
        &state,
        &format!("/suggestions/{sid3}/autosave"),
        &me,
        &draft,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body,
        "征集已于2023-04-28 23:59:59截止，不能再提交或修改建议"
    );
    let (status, _, page) =
        post_form(&state, &format!("/solicitations/{sol}/suggest"), &me, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (_, _, page) = send(&state, "GET", &format!("/solicitations/{sol}"), None).await;
    assert!(page.contains(r#"<dd id="solicitation-phase">已截止，处理中</dd>"#));

    assert_eq!(audit_count(&env.app, "suggestion.submit").await, 2);
    assert_eq!(audit_count(&env.app, "suggestion.handle").await, 2);
    assert_eq!(audit_count(&env.app, "solicitation.export").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guide_suggestions_are_collected_handled_and_exported_sqlite() {
    walk(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guide_suggestions_are_collected_handled_and_exported_postgres() {
    walk(Backend::Postgres).await;
}
