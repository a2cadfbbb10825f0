//! The portal's content over HTTP: hostile markup in titles and bodies
//! reaches no page active, public pages revalidate with ETag and
//! Last-Modified, empty sections say so, and the staff screens refuse
//! self-approval.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::Actor;
use scigrant_app::admin::staff::update_staff;
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{Backend, PASSWORD, TestEnv, staff_with_password, test_env};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::ids::{ArticleId, StaffId};
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

use super::funding::post_form;
use super::{csrf, send, session_for};

/// Titles and bodies as an attacker would type them.
const XSS_TITLE: &str = "<script>alert('t')</script><img src=x onerror=alert(1)>通知";
const XSS_BODY: &str = "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n<svg onload=alert(3)><circle/></svg>\n\n[申报](javascript:alert(4))\n\n<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==\">附件</a>\n\n<div onmouseover=\"alert(6)\">地震应急攻关</div>";

async fn staff(env: &TestEnv, login: &str, role: StaffRole) -> (Actor, String) {
    let id = staff_with_password(&env.app, login, login, role, PASSWORD).await;
    let session = session_for(
        env,
        scigrant_app::identity::auth::LoginTab::Staff,
        login,
        PASSWORD,
    )
    .await;
    (
        Actor {
            kind: Some(AccountKind::Staff),
            id: Some(id),
            label: login.into(),
            ip: "127.0.0.1".into(),
            request_id: "t".into(),
            on_behalf: None,
        },
        session,
    )
}

async fn published(
    env: &TestEnv,
    editor: &Actor,
    reviewer: &Actor,
    title: &str,
    body: &str,
) -> ArticleId {
    let f = ArticleForm {
        section: "tzgg".into(),
        title: title.into(),
        publisher: "<b onclick=alert(1)>科技厅</b>".into(),
        body: body.into(),
        important: true,
        ..ArticleForm::default()
    };
    let id = create_article(&env.app, editor, &f, &[]).await.unwrap();
    submit_article(&env.app, editor, id).await.unwrap();
    review_article(&env.app, reviewer, id, true, "")
        .await
        .unwrap();
    id
}

/// No element of the page carries the payloads: no inline script, image
/// or SVG, no event-handler attribute, no `javascript:` or `data:` address.
/// Escaped text (`&lt;img …`) is not an element and is not looked at.
fn assert_inert(page: &str, path: &str) {
    let lower = page.to_ascii_lowercase();
    for bad in ["<script>", "<img", "<svg", "<iframe"] {
        assert!(!lower.contains(bad), "{bad} on {path}");
    }
    for tag in lower
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
    {
        for bad in [
            " onerror",
            " onload",
            " onclick",
            " onmouseover",
            "javascript:",
            "data:",
        ] {
            assert!(!tag.contains(bad), "<{tag}> on {path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_and_bodies_reach_no_page_active() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (editor, editor_session) = staff(&env, "editor1", StaffRole::ContentEditor).await;
    let (reviewer, reviewer_session) = staff(&env, "checker1", StaffRole::ContentReviewer).await;
    let id = published(&env, &editor, &reviewer, XSS_TITLE, XSS_BODY).await;
    for (path, session) in [
        ("/".to_string(), None),
        ("/notices/tzgg".to_string(), None),
        (format!("/articles/{id}"), None),
        ("/search?q=%E5%9C%B0%E9%9C%87".to_string(), None),
        ("/search?q=%E9%80%9A%E7%9F%A5".to_string(), None),
        ("/staff/content".to_string(), Some(&editor_session)),
        (format!("/staff/content/{id}"), Some(&reviewer_session)),
    ] {
        let (status, _, page) = send(&state, "GET", &path, session.map(String::as_str)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_inert(&page, &path);
    }
    let (_, _, page) = send(&state, "GET", &format!("/articles/{id}"), None).await;
    assert!(
        page.contains("&#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62;"),
        "{page}"
    );
    assert!(page.contains("地震应急攻关"));
    let (_, _, page) = send(&state, "GET", "/search?q=%E5%9C%B0%E9%9C%87", None).await;
    assert!(page.contains("<mark>地震</mark>应急攻关"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_revalidate_and_empty_sections_say_so() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (_, _, page) = send(&state, "GET", "/notices/sbzn", None).await;
    assert!(page.contains("<h1>申报指南</h1>"));
    assert!(page.contains("<p class=\"empty\">暂无内容</p>"));
    let (_, _, page) = send(&state, "GET", "/", None).await;
    assert!(page.contains("暂无重要发布"));

    let (editor, _) = staff(&env, "editor1", StaffRole::ContentEditor).await;
    let (reviewer, _) = staff(&env, "checker1", StaffRole::ContentReviewer).await;
    let id = published(
        &env,
        &editor,
        &reviewer,
        "关于征集2026年西藏自治区科技计划项目指南建议的通知",
        "正文",
    )
    .await;
    let cookie = csrf(&state, None).await.0;
    for path in [
        "/".to_string(),
        "/notices/tzgg".to_string(),
        format!("/articles/{id}"),
    ] {
        let get = |etag: Option<String>| {
            let mut r = Request::get(path.as_str()).header("cookie", cookie.as_str());
            if let Some(e) = etag {
                r = r.header("if-none-match", e);
            }
            router(state.clone()).oneshot(r.body(Body::empty()).unwrap())
        };
        let res = get(None).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        let etag = h.get("etag").unwrap().to_str().unwrap().to_string();
        assert!(etag.starts_with("W/\""), "{etag}");
        assert_eq!(h.get("cache-control").unwrap(), "private, no-cache");
        assert_eq!(
            h.get("last-modified").unwrap(),
            &httpdate_of(env.app.now()).as_str()
        );
        let again = get(Some(etag)).await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let (_, _, page) = send(&state, "GET", "/", None).await;
    assert!(page.contains(&format!(
        "<a href=\"/articles/{id}\">关于征集2026年西藏自治区科技计划项目指南建议的通知</a>"
    )));
    assert!(page.contains("<span class=\"date\">2023-04-20</span>"));
}

/// A visitor reads the portal without a cookie; the page kept rendered
/// for visitors (`http::public`) is the same bytes for each, never a
/// signed-in account's page, and follows a change at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_read_kept_pages_without_a_cookie_and_see_changes_at_once() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (editor, editor_session) = staff(&env, "editor1", StaffRole::ContentEditor).await;
    let (reviewer, _) = staff(&env, "checker1", StaffRole::ContentReviewer).await;
    published(&env, &editor, &reviewer, "关于征集指南建议的通知", "正文").await;
    let visit = |path: &'static str, cookie: Option<String>| {
        let mut r = Request::get(path);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        let state = state.clone();
        async move {
            let res = router(state)
                .oneshot(r.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let cookies: Vec<String> = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            let etag = res.headers()["etag"].to_str().unwrap().to_string();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (cookies, etag, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (cookies, etag, first) = visit("/", None).await;
    assert!(cookies.is_empty(), "reading sets no cookie: {cookies:?}");
    assert!(first.contains("关于征集指南建议的通知"));
    // The staff member's own page names them; a visitor's never does.
    let (_, _, own) = visit("/", Some(format!("sg_session={editor_session}"))).await;
    assert!(own.contains("退出"), "signed in: {own}");
    let (cookies, again, second) = visit("/", None).await;
    assert!(cookies.is_empty());
    assert_eq!(
        (again.as_str(), second.as_str()),
        (etag.as_str(), first.as_str())
    );
    assert!(!second.contains("退出") && !second.contains("editor1"));
    // A change shows at once on this node, kept page or not.
    published(
        &env,
        &editor,
        &reviewer,
        "关于2026年度项目申报的通知",
        "正文",
    )
    .await;
    let (_, changed, page) = visit("/", None).await;
    assert_ne!(changed, etag);
    assert!(page.contains("关于2026年度项目申报的通知"), "{page}");
    // A page with a form makes the visitor's token and sets its cookie.
    let res = router(state.clone())
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let set = res.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("sg_csrf="), "{set}");
}

fn httpdate_of(ms: i64) -> String {
    // T0 is 2023-04-20 02:00:00 UTC.
    assert_eq!(ms, scigrant_app::testing::T0);
    "Thu, 20 Apr 2023 02:00:00 GMT".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_cannot_approve_their_own_text_on_screen() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (editor, _) = staff(&env, "editor1", StaffRole::ContentEditor).await;
    let (_, reviewer_session) = staff(&env, "checker1", StaffRole::ContentReviewer).await;
    let f = ArticleForm {
        section: "cjwd".into(),
        title: "常见问答".into(),
        publisher: "科技厅".into(),
        body: "问：如何注册？".into(),
        ..ArticleForm::default()
    };
    let id = create_article(&env.app, &editor, &f, &[]).await.unwrap();
    submit_article(&env.app, &editor, id).await.unwrap();
    // The editor's account later moved to the reviewer role: the text it
    // wrote still needs somebody else.
    update_staff(
        &env.app,
        &Actor::system(),
        StaffId(editor.id.unwrap()),
        StaffRole::ContentReviewer.code(),
        false,
    )
    .await
    .unwrap();
    let editor_now_reviewer = session_for(
        &env,
        scigrant_app::identity::auth::LoginTab::Staff,
        "editor1",
        PASSWORD,
    )
    .await;
    let path = format!("/staff/content/{id}/review");
    let (status, _, page) = post_form(
        &state,
        &path,
        &editor_now_reviewer,
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("不能审核自己编辑的文章，请由其他内容审核人员审核"),
        "{page}"
    );
    let (status, location, _) =
        post_form(&state, &path, &reviewer_session, &[("decision", "return")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{location}");
    let (status, location, _) =
        post_form(&state, &path, &reviewer_session, &[("decision", "approve")]).await;
    assert_eq!(
        (status, location),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/content/{id}?ok=article_approved")
        )
    );
}

/// Issue 9, item 6: the footer of every page carries the site's 主办单位,
/// 网站标识码 and filing numbers from configuration, the filings linked to
/// their registries; without them configured the lines stay out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_footer_shows_the_sponsor_and_filing_numbers_from_configuration() {
    use scigrant_app::config::Config;
    use std::sync::Arc;
    let env = test_env(Backend::Sqlite).await;
    let (_, _, bare) = send(&AppState::new(env.app.clone()), "GET", "/", None).await;
    assert!(
        !bare.contains("site-filing") && !bare.contains("主办单位"),
        "{bare}"
    );

    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        site_sponsor: "西藏自治区科学技术厅".into(),
        site_code: "5400000001".into(),
        icp_filing: "藏ICP备05000001号".into(),
        police_filing: "藏公网安备 54010202000123号".into(),
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    for path in ["/", "/login", "/notices/tzgg"] {
        let (status, _, page) = send(&state, "GET", path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            page.contains(
                r#"<p id="site-sponsor">主办单位：西藏自治区科学技术厅<span class="sep">网站标识码：5400000001</span></p>"#
            ),
            "{path}: {page}"
        );
        assert!(
            page.contains(r#"<a href="https://beian.miit.gov.cn/" rel="noopener" target="_blank">藏ICP备05000001号</a>"#),
            "{path}"
        );
        assert!(
            page.contains(r#"<a class="sep" href="https://beian.mps.gov.cn/#/query/webSearch?code=54010202000123" rel="noopener" target="_blank">藏公网安备 54010202000123号</a>"#),
            "{path}"
        );
    }
}

/// Issue 12, item 15: the second-language name's font is served from the
/// configured file with its licence named in the footer; a configured font
/// without its licence is refused at start; without a font, the name's
/// span asks for none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_language_name_is_served_with_its_font_and_licence() {
    use scigrant_app::config::{Config, NOTO_SERIF_TIBETAN, NOTO_SERIF_TIBETAN_LICENCE};
    use std::sync::Arc;
    assert!(
        std::path::Path::new(NOTO_SERIF_TIBETAN).is_file(),
        "{NOTO_SERIF_TIBETAN} is missing: install the Debian package fonts-noto-core (scripts/test does)"
    );
    let env = test_env(Backend::Sqlite).await;
    let name = "བོད་ལྗོངས་ཚན་རྩལ་ཞབས་ཞུའི་མ་ལག";

    // Without a font: the name in the visitor's fonts, nothing served.
    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        site_second_name: name.into(),
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    let (_, _, page) = send(&state, "GET", "/", None).await;
    assert!(
        page.contains(&format!(r#"<span class="brand-second">{name}</span>"#))
            && !page.contains("site-font"),
        "{page}"
    );
    let (status, _, _) = send(&state, "GET", "/static/second-name-font", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A configured font must have its licence named.
    let mut refused = Config {
        site_second_name: name.into(),
        site_second_font: NOTO_SERIF_TIBETAN.into(),
        ..(*env.app.config).clone()
    };
    assert_eq!(
        refused.check().unwrap_err().to_string(),
        "已设置 site_second_font，须在 site_second_font_licence 中写明字体名称及其许可证"
    );
    // Left empty, a second name gets the packaged Noto Serif Tibetan.
    let mut found = Config {
        site_second_name: name.into(),
        ..(*env.app.config).clone()
    };
    found.check().unwrap();
    assert_eq!(
        (
            found.site_second_font.as_str(),
            found.site_second_font_licence.as_str()
        ),
        (NOTO_SERIF_TIBETAN, NOTO_SERIF_TIBETAN_LICENCE)
    );

    let mut app = env.app.clone();
    app.config = Arc::new(found);
    let state = AppState::new(app);
    for path in ["/", "/login", "/notices/tzgg"] {
        let (status, _, page) = send(&state, "GET", path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            page.contains(&format!(
                r#"<span class="brand-second own-font">{name}</span>"#
            )),
            "{path}: {page}"
        );
        assert!(
            page.contains(r#"<p id="site-font">第二语言站名字体：Noto Serif Tibetan，SIL Open Font License 1.1</p>"#),
            "{path}"
        );
    }
    let res = router(state.clone())
        .oneshot(
            Request::get("/static/second-name-font")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "font/ttf");
    assert_eq!(res.headers()["cache-control"], "public, max-age=86400");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        body.as_ref(),
        std::fs::read(NOTO_SERIF_TIBETAN).unwrap().as_slice()
    );
    let again = router(state)
        .oneshot(
            Request::get("/static/second-name-font")
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
