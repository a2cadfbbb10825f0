//! 指南征集 in Chromium: a member finds the solicitation from the notice,
//! fills the 指南建议表 (the draft autosaves), submits it and reads the
//! receipt; the 项目管理员 finds it from 计划管理, marks it 采纳 with a
//! reply and exports the list.

use scigrant_app::Actor;
use scigrant_app::grants::solicitation::staff::{OpenForm, open_solicitation};
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, staff_with_password};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::{AccountKind, StaffRole};

use super::{manager_login, start};

const NOTICE: &str = "关于征集2026年西藏自治区科技计划项目指南建议的通知";

/// A staff member of `role`, as an actor of the use cases.
async fn staff(app: &scigrant_app::App, label: &str, role: StaffRole) -> Actor {
    let id = staff_with_password(app, label, label, role, PASSWORD).await;
    Actor {
        kind: Some(AccountKind::Staff),
        id: Some(id),
        label: label.into(),
        ip: "127.0.0.1".into(),
        request_id: "t".into(),
        on_behalf: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_member_suggests_a_guide_and_staff_export_it() {
    let s = start(Backend::Sqlite).await;
    let app = &s.env.app;
    s.env
        .clock
        .set(parse_moment("2023-04-20 10:00", DayPart::Start).unwrap());
    let f = ArticleForm {
        section: "tzgg".into(),
        title: NOTICE.into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "请于4月28日前在线提交指南建议。".into(),
        ..ArticleForm::default()
    };
    let editor = staff(app, "editor1", StaffRole::ContentEditor).await;
    let checker = staff(app, "checker1", StaffRole::ContentReviewer).await;
    let article = create_article(app, &editor, &f, &[]).await.unwrap();
    submit_article(app, &editor, article).await.unwrap();
    review_article(app, &checker, article, true, "")
        .await
        .unwrap();
    let sol = open_solicitation(
        app,
        &staff(app, "pmopen1", StaffRole::ProgramManager).await,
        &OpenForm {
            article: article.to_string(),
            opens: "2023-04-20".into(),
            closes: "2023-04-28".into(),
            form_json: String::new(),
        },
    )
    .await
    .unwrap();
    let m = ApprovedMember::builder(1).build(app).await;

    // From the notice to the form.
    s.login("person", &m.phone, PASSWORD).await;
    s.wait_path("/person").await;
    s.go(&format!("/articles/{article}")).await;
    s.click_to("#solicitation-banner a", &format!("/solicitations/{sol}"))
        .await;
    s.click_to("#start-suggestion", "/suggestions/").await;
    s.env.clock.advance_ms(60_000);
    s.fill("f:guide_name", "高寒牧区饲草高效生产技术").await;
    s.c.find(fantoccini::Locator::Css("select[name='f:field']"))
        .await
        .unwrap()
        .select_by_value("农牧业与乡村振兴")
        .await
        .unwrap();
    s.fill("f:budget", "200").await;
    s.fill("f:background", "冬春饲草缺口大。").await;
    s.fill("f:content", "筛选适生牧草品种，集成高效栽培技术。")
        .await;
    s.fill("f:indicators", "示范种植1000亩，亩产提高20%。")
        .await;
    s.fill("f:contact_phone", "0891-6812345").await;
    // The draft autosaves after typing stops, with the server's time.
    s.wait_text("#save-status", "已保存 10:01:00").await;
    s.click("#submit-suggestion").await;
    s.wait_path("/suggestions/").await;
    s.wait_text("#suggestion-state", "已提交").await;
    let number = s.text("#suggestion-number").await;
    assert_eq!(number, format!("ZJ{sol:03}-0001"));
    assert_eq!(s.text("#suggestion-digest").await.len(), 64);

    // The manager finds it, adopts it with a reply, and exports.
    manager_login(&s).await;
    s.go("/staff/programs").await;
    s.click_to("#solicitations-link", "/staff/solicitations")
        .await;
    s.click_to(
        "#solicitation-list a",
        &format!("/staff/solicitations/{sol}"),
    )
    .await;
    assert!(s.body().await.contains("高寒牧区饲草高效生产技术"));
    s.c.find(fantoccini::Locator::Css(
        ".handle-form select[name='state']",
    ))
    .await
    .unwrap()
    .select_by_value("adopted")
    .await
    .unwrap();
    s.fill("tags", "农牧业").await;
    s.fill("reply", "已纳入2026年指南农牧业方向。").await;
    s.click(".handle-form button[type=submit]").await;
    s.wait_path(&format!("/staff/solicitations/{sol}?ok=handled"))
        .await;
    s.wait_text(".suggestion-state", "已采纳").await;
    let href =
        s.c.find(fantoccini::Locator::Css("#export-suggestions"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(href, format!("/staff/solicitations/{sol}/export"));
    let session =
        s.c.get_named_cookie("sg_session")
            .await
            .unwrap()
            .value()
            .to_string();
    let req = axum::http::Request::get(&href)
        .header("cookie", format!("sg_session={session}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(
        scigrant_web::routes::router(scigrant_web::AppState::new(app.clone())),
        req,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), axum::http::StatusCode::OK);
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let xml = crate::consultation::xlsx_strings(&bytes);
    for want in [
        number.as_str(),
        "高寒牧区饲草高效生产技术",
        "已采纳",
        "已纳入2026年指南农牧业方向。",
    ] {
        assert!(xml.contains(want), "{want} missing from the export");
    }
    s.done().await;
}
