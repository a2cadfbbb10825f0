//! Accessibility (issue 9 item 6) in Chromium: axe-core, the npm package
//! scripts/test installs, checks every page type against WCAG 2.1 A and AA
//! and finds nothing serious or critical; the login page and an application
//! form are worked by keyboard alone, every control reached by Tab with a
//! visible focus mark, and the form sent with Enter.

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, accepted_application, funding_call, person_actor,
    staff_actor, staff_with_password,
};
use scigrant_domain::identity::account::StaffRole;

use super::{Session, start};

/// axe-core's script, from AXE_JS or where scripts/test installs it.
fn axe_source() -> String {
    let path = std::env::var("AXE_JS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/axe/node_modules/axe-core/axe.min.js"
        )
        .into()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the accessibility test needs axe-core at {path} ({e}); scripts/test installs it \
             (npm install --prefix target/axe axe-core@4.14.1) and sets AXE_JS"
        )
    })
}

/// The serious and critical WCAG 2.1 A/AA violations axe-core finds on the
/// page the browser shows, one line each with the elements concerned.
async fn serious_violations(s: &Session, axe: &str) -> Vec<String> {
    s.c.execute(axe, vec![]).await.unwrap();
    let found = s
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
               .then(r => done(r.violations\
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => v.id + ' [' + v.impact + '] ' + v.help + ': '\
                   + v.nodes.map(n => n.target.join(' ')).join(', '))))\
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A published 通知公告 the portal lists and shows.
async fn published_notice(s: &Session) -> i64 {
    let editor = staff_with_password(
        &s.env.app,
        "bianji",
        "编辑甲",
        StaffRole::ContentEditor,
        PASSWORD,
    )
    .await;
    let reviewer = staff_with_password(
        &s.env.app,
        "shenhe",
        "审核乙",
        StaffRole::ContentReviewer,
        PASSWORD,
    )
    .await;
    let form = ArticleForm {
        section: "tzgg".into(),
        title: "关于征集2026年西藏自治区科技计划项目指南建议的通知".into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "各有关单位：\n\n请于**2025年7月15日**前报送指南建议。".into(),
        important: true,
        ..ArticleForm::default()
    };
    let app = &s.env.app;
    let id = create_article(app, &staff_actor(editor), &form, &[])
        .await
        .unwrap();
    submit_article(app, &staff_actor(editor), id).await.unwrap();
    review_article(app, &staff_actor(reviewer), id, true, "")
        .await
        .unwrap();
    id.0
}

/// Every page type: the portal, registration and login, a member's
/// application form, the unit's and the staff's lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_pass_axe_core() {
    let axe = axe_source();
    let s = start(Backend::Sqlite).await;
    let app = s.env.app.clone();
    let article = published_notice(&s).await;
    let call = funding_call(&app, "KJFWT2023-01", "3", "60").await;
    let (member, _) = accepted_application(&app, call, 1, "高原农牧业科技服务团").await;
    let drafter = ApprovedMember::builder(2).build(&app).await;
    let draft = scigrant_app::grants::applications::start(
        &app,
        &person_actor(drafter.person.0),
        drafter.person,
        call,
    )
    .await
    .unwrap();
    // A 指南征集 on the notice, open for ten days, with a member's draft.
    let now = app.now();
    let day = 86_400_000;
    let sol = scigrant_app::grants::solicitation::staff::open_solicitation(
        &app,
        &scigrant_app::testing::staff_actor(0),
        &scigrant_app::grants::solicitation::staff::OpenForm {
            article: article.to_string(),
            opens: scigrant_domain::calendar::format_date(now - day),
            closes: scigrant_domain::calendar::format_date(now + 10 * day),
            form_json: String::new(),
        },
    )
    .await
    .unwrap();
    let suggestion = scigrant_app::grants::solicitation::suggest::start(
        &app,
        &person_actor(drafter.person.0),
        scigrant_app::grants::solicitation::Suggester::Person(drafter.person.0),
        sol,
    )
    .await
    .unwrap();
    // …and one submitted, so the staff page shows its handling form.
    let who = scigrant_app::grants::solicitation::Suggester::Person(member.person.0);
    let sent = scigrant_app::grants::solicitation::suggest::start(
        &app,
        &person_actor(member.person.0),
        who,
        sol,
    )
    .await
    .unwrap();
    let data: scigrant_domain::grants::form::FormData = [
        ("guide_name", "高寒牧区饲草高效生产技术"),
        ("field", "农牧业与乡村振兴"),
        ("budget", "200"),
        ("background", "冬春饲草缺口大。"),
        ("content", "集成高效栽培技术。"),
        ("indicators", "示范种植1000亩。"),
        ("suggest_unit", "西藏农牧科学院"),
        ("contact_name", "次仁"),
        ("contact_phone", "0891-6812345"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_string(),
            scigrant_domain::grants::form::Value::Text(v.into()),
        )
    })
    .collect();
    scigrant_app::grants::solicitation::suggest::submit(
        &app,
        &person_actor(member.person.0),
        who,
        sent,
        &data,
    )
    .await
    .unwrap();
    for (login, name, role) in [
        ("xmgl", "项目管理员", StaffRole::ProgramManager),
        ("zhsh", "账号审核员", StaffRole::AccountReviewer),
        ("xtgl", "系统管理员", StaffRole::SystemAdmin),
    ] {
        staff_with_password(&app, login, name, role, PASSWORD).await;
    }

    let mut report = Vec::new();
    let mut visit = async |s: &Session, path: String| {
        s.go(&path).await;
        let failed = s.exists(".error-card").await;
        assert!(!failed, "{path} shows an error page: {}", s.body().await);
        for v in serious_violations(s, &axe).await {
            report.push(format!("{path}: {v}"));
        }
    };
    for p in [
        "/".to_string(),
        "/notices/tzgg".into(),
        format!("/articles/{article}"),
        format!("/calls/{call}"),
        "/login".into(),
        "/login?tab=unit".into(),
        "/login?tab=register".into(),
        "/register/person".into(),
        "/register/unit".into(),
        "/staff/login".into(),
        "/solicitations".into(),
        format!("/solicitations/{sol}"),
    ] {
        visit(&s, p).await;
    }
    s.login("person", &drafter.phone, PASSWORD).await;
    s.wait_path("/person").await;
    for p in [
        "/person".to_string(),
        format!("/applications/{draft}/edit"),
        format!("/suggestions/{suggestion}/edit"),
        "/suggestions".into(),
    ] {
        visit(&s, p).await;
    }
    s.login("unit", &member.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    for p in ["/unit/applications", "/unit/members"] {
        visit(&s, p.to_string()).await;
    }
    let staff_pages: [(&str, &[&str]); 4] = [
        ("bianji", &["/staff/content"]),
        ("zhsh", &["/staff/units"]),
        (
            "xtgl",
            &[
                "/staff/accounts",
                "/staff/dictionaries",
                "/staff/dictionaries?kind=department&edit=%E5%8A%9E%E5%85%AC%E5%AE%A4",
            ],
        ),
        (
            "xmgl",
            &[
                "/staff",
                "/staff/programs",
                "/staff/experts",
                "/staff/solicitations",
            ],
        ),
    ];
    for (login, pages) in staff_pages {
        s.staff_login(login, PASSWORD).await;
        s.wait_path("/staff").await;
        for p in pages {
            visit(&s, p.to_string()).await;
        }
    }
    visit(&s, format!("/staff/calls/{call}")).await;
    visit(&s, format!("/staff/solicitations/{sol}")).await;
    assert!(
        report.is_empty(),
        "serious or critical accessibility violations:\n{}",
        report.join("\n")
    );
    s.done().await;
}

/// Presses one key in the page that has the focus.
async fn press(s: &Session, key: Key) {
    let k: char = key.into();
    s.c.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k }),
    )
    .await
    .unwrap();
}

/// What pressing Tab from the top of a page showed.
struct TabWalk {
    /// The controls in the order Tab first reached them: a link or button
    /// by its text, a field by its name.
    order: Vec<String>,
    /// Visible controls Tab never reached.
    missed: Vec<String>,
    /// Controls that showed no focus mark (outline or shadow) when reached.
    unmarked: Vec<String>,
}

/// Tabs through the page from its top. A radio group is one stop, as in
/// every browser.
async fn tab_through(s: &Session) -> TabWalk {
    let total = s
        .c
        .execute(
            "document.activeElement.blur();\
             const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]\
               .filter(e => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden');\
             const seen = new Set();\
             let n = 0;\
             for (const e of all) {\
               const group = e.type === 'radio' ? 'radio:' + e.name : '';\
               if (group && seen.has(group)) { e.dataset.kbGroup = group; continue; }\
               seen.add(group);\
               e.dataset.kb = n++; if (group) e.dataset.kbGroup = group;\
             }\
             window.kbOrder = []; window.kbUnmarked = [];\
             document.addEventListener('focusin', ev => {\
               const t = ev.target, st = getComputedStyle(t);\
               const stop = t.dataset.kb !== undefined ? t : document.querySelector('[data-kb][data-kb-group=\"' + t.dataset.kbGroup + '\"]');\
               if (stop && !window.kbOrder.includes(stop)) window.kbOrder.push(stop);\
               const marked = (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== 'none';\
               if (!marked) window.kbUnmarked.push(t.outerHTML.slice(0, 120));\
             });\
             return n;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    // Date inputs take a Tab per part, so allow a few presses per control.
    for _ in 0..total * 3 + 10 {
        press(s, Key::Tab).await;
    }
    let v =
        s.c.execute(
            "const name = e => (e.matches('a, button') ? e.textContent.trim() : e.name);\
             const missed = [...document.querySelectorAll('[data-kb]')]\
               .filter(e => !window.kbOrder.includes(e)).map(e => e.outerHTML.slice(0, 120));\
             return [window.kbOrder.map(name), missed, [...new Set(window.kbUnmarked)]];",
            vec![],
        )
        .await
        .unwrap();
    let list = |i: usize| {
        v[i].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    TabWalk {
        order: list(0),
        missed: list(1),
        unmarked: list(2),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_controls_are_reachable_by_keyboard() {
    let s = start(Backend::Sqlite).await;
    let app = s.env.app.clone();
    let call = funding_call(&app, "KJFWT2023-01", "3", "60").await;
    let member = ApprovedMember::builder(1).build(&app).await;
    let draft = scigrant_app::grants::applications::start(
        &app,
        &person_actor(member.person.0),
        member.person,
        call,
    )
    .await
    .unwrap();

    s.go("/login").await;
    let walk = tab_through(&s).await;
    assert_eq!(
        walk.order,
        [
            "科技创新服务系统",
            "用户登录",
            "用户注册",
            "适老化",
            "个人用户登录",
            "企业用户登录",
            "login",
            "password",
            "captcha",
            "换一张",
            "登录",
            "忘记密码？",
            "（个人/企业）账号检索",
            "注册个人账号",
        ]
    );
    assert!(walk.missed.is_empty(), "{:#?}", walk.missed);
    assert!(
        walk.unmarked.is_empty(),
        "no visible focus on /login: {:#?}",
        walk.unmarked
    );
    // The form is filled and sent from the keyboard: Enter on 登录.
    s.fill("login", &member.phone).await;
    s.fill("password", PASSWORD).await;
    s.fill("captcha", "TEST").await;
    s.c.execute(
        "document.querySelector('main form button[type=submit]').focus()",
        vec![],
    )
    .await
    .unwrap();
    press(&s, Key::Enter).await;
    s.wait_path("/person").await;

    let edit = format!("/applications/{draft}/edit");
    s.go(&edit).await;
    let walk = tab_through(&s).await;
    assert!(
        walk.missed.is_empty(),
        "Tab never reaches on {edit}: {:#?}",
        walk.missed
    );
    assert!(
        walk.unmarked.is_empty(),
        "no visible focus on {edit}: {:#?}",
        walk.unmarked
    );
    // Every field of the form, its buttons and the preview link are stops,
    // in the order they are shown.
    let fields = s
        .c
        .execute(
            "return [...document.querySelectorAll('#application-form :is(input:not([type=hidden]), select, textarea, button, a[href])')]\
               .map(e => e.matches('a, button') ? e.textContent.trim() : e.name)",
            vec![],
        )
        .await
        .unwrap();
    let in_form: Vec<&str> = walk
        .order
        .iter()
        .map(String::as_str)
        .skip_while(|n| !n.starts_with("f:"))
        .take(fields.as_array().unwrap().len())
        .collect();
    assert_eq!(serde_json::json!(in_form), fields);
    // 保存 by Enter keeps what was typed.
    s.fill("f:project_name", "高原农牧业科技服务团").await;
    s.c.execute(
        "document.querySelector('button[value=save]').focus()",
        vec![],
    )
    .await
    .unwrap();
    press(&s, Key::Enter).await;
    s.wait_path(&format!("{edit}?ok=saved")).await;
    let kept =
        s.c.find(Locator::Css("[name='f:project_name']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(kept.as_deref(), Some("高原农牧业科技服务团"));
    s.done().await;
}
