//! The seed's flows in a real headless Chromium: chromedriver is started
//! for each test on a free port, the product is served in process on
//! loopback, and the browser fills the forms a user would.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use scigrant_app::Actor;
use scigrant_app::admin::staff::{NewStaff, add_staff};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, id_number, jpeg, pdf, phone, staff_with_password,
    test_env, uscc,
};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::{ApplicationId, PersonId};
use scigrant_web::AppState;

mod a11y;
mod appeal;
mod delegation;
mod legacy;
mod outage;
mod realname;
mod recovery;
mod solicitation;
mod supplier;

/// One browser at a time: two Chromiums on two cores make timings flaky.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The product on loopback, and a browser pointed at it.
struct Session {
    env: TestEnv,
    base: String,
    c: Client,
    _driver: Driver,
    files: PathBuf,
    /// Counts the Content-Security-Policy violations the browser reported.
    csp_reports: std::sync::Arc<std::sync::atomic::AtomicU64>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

async fn start(backend: Backend) -> Session {
    start_with(backend, |_| {}).await
}

/// [`start`] with the configuration changed by `edit` first.
async fn start_with(
    backend: Backend,
    edit: impl FnOnce(&mut scigrant_app::config::Config),
) -> Session {
    let turn = BROWSER.lock().await;
    let mut env = test_env(backend).await;
    let mut config = (*env.app.config).clone();
    edit(&mut config);
    env.app.config = std::sync::Arc::new(config);
    serve_and_drive(env, turn).await
}

/// [`start`] on an environment the test made itself (one whose database
/// is reached through a proxy it can cut, say).
async fn start_on(env: TestEnv) -> Session {
    let turn = BROWSER.lock().await;
    serve_and_drive(env, turn).await
}

async fn serve_and_drive(env: TestEnv, turn: tokio::sync::MutexGuard<'static, ()>) -> Session {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let state = AppState::new(env.app.clone());
    let csp_reports = state.csp_reports.clone();
    tokio::spawn(scigrant_web::serve(state, listener));
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("browser tests need chromedriver ({chromedriver}): {e}. Install the Debian packages chromium and chromium-driver (scripts/test does)")
        });
    let driver = Driver(child);
    let mut caps = serde_json::Map::new();
    let profile = env.app.config.data_dir.join("chrome-profile");
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut client = None;
    // Both of rustls's providers are linked; the first call names ring, the
    // others find it installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let c = client.expect("chromedriver did not start within 10 s");
    let files = env.app.config.data_dir.join("fixtures");
    std::fs::create_dir_all(&files).unwrap();
    Session {
        base: format!("http://{addr}"),
        env,
        c,
        _driver: driver,
        files,
        csp_reports,
        _turn: turn,
    }
}

impl Session {
    async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }
    async fn fill(&self, name: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }
    async fn click(&self, css: &str) {
        let found = self
            .c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(e) => e.click().await.unwrap(),
            Err(e) => panic!(
                "{css} not found at {}: {e}\n{}",
                self.path().await,
                self.body().await
            ),
        }
    }
    /// Clicks and waits for the page the click leads to.
    async fn click_to(&self, css: &str, path_prefix: &str) {
        self.click(css).await;
        self.wait_path(path_prefix).await;
    }
    async fn text(&self, css: &str) -> String {
        self.c
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
    /// Polls until the element's text is `expected` (pages may reload).
    async fn wait_text(&self, css: &str, expected: &str) {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t == expected {
                    return;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} shows {last:?}, expected {expected:?}");
    }
    /// Polls until the element is shown and its text contains `part`.
    async fn wait_visible_text(&self, css: &str, part: &str) {
        let mut last = String::new();
        for _ in 0..300 {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && e.is_displayed().await.unwrap_or(false)
                && let Ok(t) = e.text().await
            {
                if t.contains(part) {
                    return;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} shows {last:?}, expected it to contain {part:?}");
    }
    /// Whether the page now shows an element matching `css` (no waiting).
    async fn exists(&self, css: &str) -> bool {
        self.c.find(Locator::Css(css)).await.is_ok()
    }
    async fn body(&self) -> String {
        self.text("body").await
    }
    async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }
    /// Waits until the browser is at `expected`: an exact path, a path
    /// and query prefix (with `?`), or a folder prefix (ending in `/`).
    async fn wait_path(&self, expected: &str) {
        for _ in 0..100 {
            let u = self.c.current_url().await.unwrap();
            let full = self.path().await;
            let arrived = if expected.contains('?') {
                full.starts_with(expected)
            } else if expected.ends_with('/') {
                u.path().starts_with(expected)
            } else {
                u.path() == expected
            };
            if arrived {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {expected}, still at {} showing: {}",
            self.path().await,
            self.body().await
        );
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
    async fn attach(&self, field: &str, path: &str) {
        self.c
            .find(Locator::Css(&format!("input[name='{field}']")))
            .await
            .unwrap()
            .send_keys(path)
            .await
            .unwrap();
    }
    async fn submit(&self) {
        self.click("main form button[type=submit]").await;
    }
    async fn sign_out(&self) {
        self.c.delete_all_cookies().await.unwrap();
    }
    async fn login(&self, tab: &str, login: &str, password: &str) {
        self.sign_out().await;
        self.go(&format!("/login?tab={tab}")).await;
        self.fill("login", login).await;
        self.fill("password", password).await;
        self.fill("captcha", "TEST").await;
        self.submit().await;
    }
    async fn staff_login(&self, login: &str, password: &str) {
        self.sign_out().await;
        self.go("/staff/login").await;
        self.fill("login", login).await;
        self.fill("password", password).await;
        self.fill("captcha", "TEST").await;
        self.submit().await;
    }
    /// Picks 西藏自治区 → 拉萨市 → 城关区 in the region picker.
    async fn pick_lhasa(&self) {
        for (i, code) in ["540000", "540100", "540102"].iter().enumerate() {
            let css = format!(
                ".region-picker-select:nth-of-type({}) option[value='{code}']",
                i + 1
            );
            self.c.wait().for_element(Locator::Css(&css)).await.unwrap();
            let selects = self
                .c
                .find_all(Locator::Css(".region-picker-select"))
                .await
                .unwrap();
            selects[i].select_by_value(code).await.unwrap();
        }
    }
    /// Ends the session; no page it visited may have broken the
    /// Content-Security-Policy (the browser reports every violation to the
    /// server, which counts them).
    async fn done(self) {
        // Reports are sent in the background; give the last page a moment.
        let _ = self.c.goto(&format!("{}/healthz", self.base)).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let _ = self.c.close().await;
        assert_eq!(
            self.csp_reports.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "pages broke the Content-Security-Policy (see the warnings logged)"
        );
    }
}

/// 次仁, person `n` (ID number `n`, phone `900 + n`), registered as the
/// 个人账号注册 page would: the browser tests of recovery, appeals and
/// 实名认证 start from this account. Its phone, the login.
async fn registered_person(env: &TestEnv, n: u32) -> String {
    registered_person_id(env, n).await.1
}

/// [`registered_person`], with the person's id.
async fn registered_person_id(env: &TestEnv, n: u32) -> (PersonId, String) {
    let captcha_id = scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id;
    let mobile = phone(900 + n);
    let form = scigrant_app::identity::register::PersonForm {
        doc_type: "mainland_id".into(),
        doc_no: id_number(n),
        name: "次仁".into(),
        email: "ciren@example.cn".into(),
        region_code: "540102".into(),
        gender: "男".into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
        phone: mobile.clone(),
        captcha_id,
        captcha: "TEST".into(),
        agreed: true,
    };
    let id = scigrant_app::identity::register::register_person(&env.app, &Actor::system(), &form)
        .await
        .unwrap();
    (id, mobile)
}

fn unit_name() -> &'static str {
    "西藏高原生物研究所"
}

async fn walk_the_seed_flow(backend: Backend) {
    let s = start(backend).await;
    add_staff(
        &s.env.app,
        &Actor::system(),
        &NewStaff {
            login: "shenhe".into(),
            name: "审核员".into(),
            role: "reviewer".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();

    // 1. The unit registers from the 企业用户登录 tab.
    s.go("/").await;
    assert!(s.body().await.contains("通知公告"));
    s.go("/login?tab=unit").await;
    s.click_to("a[href='/register/unit']", "/register/unit")
        .await;
    s.click("input[name=kind][value=institute]").await;
    s.fill("name", unit_name()).await;
    s.fill("legal_rep", "扎西").await;
    s.fill("reg_place", "拉萨市城关区").await;
    s.fill("uscc", &uscc(7)).await;
    s.fill("password", PASSWORD).await;
    s.fill("password_confirm", PASSWORD).await;
    s.fill("contact_name", "卓玛").await;
    s.fill("contact_phone", &phone(7)).await;
    let cert = s.file("证书.jpg", &jpeg(50_000));
    s.attach("cert", &cert).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_path("/login?tab=unit&ok=registered_unit").await;
    assert!(s.body().await.contains("等待后台初审"));

    // 2. Before 初审 the project platform says 账号未开通.
    s.login("unit", &uscc(7), PASSWORD).await;
    s.wait_path("/unit").await;
    assert_eq!(s.text("#unit-state").await, "待初审");
    s.click_to("#entry-platform", "/unit/platform").await;
    assert!(s.body().await.contains("账号未开通，请联系我们"));

    // 3. Staff: the first login lands on the password change, then 初审.
    s.staff_login("shenhe", PASSWORD).await;
    s.wait_path("/account/password").await;
    assert!(
        s.body()
            .await
            .contains("首次登录须修改初始密码后才能使用后台功能。")
    );
    s.go("/staff/units").await;
    s.wait_path("/account/password").await;
    s.fill("old", PASSWORD).await;
    s.fill("new", "Tibet#Review26").await;
    s.fill("confirm", "Tibet#Review26").await;
    s.submit().await;
    s.wait_path("/staff?ok=password").await;
    s.go("/staff/units?queue=initial").await;
    assert!(s.text("#units").await.contains(unit_name()));
    s.click_to("#units a.btn", "/staff/units/").await;
    s.click("#approve").await;
    s.wait_path("/staff/units?ok=reviewed").await;

    // 4. The unit uploads the 组织机构代码证 (1.5 MB: sent with progress).
    s.login("unit", &phone(7), PASSWORD).await;
    s.wait_path("/unit").await;
    assert_eq!(s.text("#unit-state").await, "账号已开通，待完善信息");
    s.click_to("a[href='/unit/org-cert']", "/unit/org-cert")
        .await;
    let doc = s.file("组织机构代码证.pdf", &pdf(1_500_000));
    s.attach("org_cert", &doc).await;
    s.submit().await;
    s.wait_path("/unit?ok=org_cert").await;
    assert_eq!(s.text("#unit-state").await, "待复审");

    // 5. Staff 复审.
    s.staff_login("shenhe", "Tibet#Review26").await;
    s.wait_path("/staff").await;
    s.go("/staff/units?queue=second").await;
    s.click_to("#units a.btn", "/staff/units/").await;
    s.click("#approve").await;
    s.wait_path("/staff/units?ok=reviewed").await;

    // 6. A person registers (个人用户登录 → 注册个人账号).
    s.sign_out().await;
    s.go("/login?tab=person").await;
    s.click_to("a[href='/register/person']", "/register/person")
        .await;
    s.fill("doc_no", &id_number(3)).await;
    s.fill("name", "次仁").await;
    s.fill("email", "ciren@example.cn").await;
    s.pick_lhasa().await;
    s.click("input[name=gender][value='男']").await;
    s.fill("password", PASSWORD).await;
    s.fill("password_confirm", PASSWORD).await;
    s.fill("phone", &phone(333)).await;
    s.fill("captcha", "TEST").await;
    s.click("input[name=agreed]").await;
    s.submit().await;
    s.wait_path("/login?tab=person&ok=registered_person").await;

    // 7. 完善个人信息: choose the unit, fill in, upload the proofs.
    s.login("person", &phone(333), PASSWORD).await;
    s.wait_path("/person").await;
    s.click_to("a[href='/person/profile']", "/person/profile")
        .await;
    s.fill("q", "高原生物").await;
    s.click_to("form.filters button", "/person/profile?change=1&q=")
        .await;
    assert!(s.text("#unit-list").await.contains(unit_name()));
    s.click_to("#unit-list a.btn", "/person/profile?unit=")
        .await;
    assert_eq!(s.text("#chosen-unit").await, unit_name());
    s.fill("department", "中心").await;
    s.c.find(Locator::Css("select[name=education]"))
        .await
        .unwrap()
        .select_by_value("硕士")
        .await
        .unwrap();
    s.c.find(Locator::Css("select[name=degree]"))
        .await
        .unwrap()
        .select_by_value("博士")
        .await
        .unwrap();
    s.c.find(Locator::Css("select[name=title]"))
        .await
        .unwrap()
        .select_by_value("高级")
        .await
        .unwrap();
    s.attach("id_proof", &s.file("身份证.pdf", &pdf(200_000)))
        .await;
    s.attach("title_proof", &s.file("职称证明.pdf", &pdf(300_000)))
        .await;
    s.submit().await;
    s.wait_path("/person?ok=profile").await;
    assert_eq!(s.text("#membership-status").await, "待审核");

    // 8. The unit approves its member in 单位从属用户管理.
    s.login("unit", &uscc(7), PASSWORD).await;
    s.wait_path("/unit").await;
    assert_eq!(s.text("#unit-state").await, "注册完成");
    s.go("/unit/members").await;
    let row = s.text("#members tbody tr").await;
    assert!(
        row.contains("次仁") && row.contains("中心") && row.contains("待审核"),
        "{row}"
    );
    assert!(
        row.contains(&format!(
            "{}**********{}",
            &id_number(3)[..4],
            &id_number(3)[14..]
        )),
        "ID masked: {row}"
    );
    assert!(!row.contains(&id_number(3)));
    s.click("#members tbody tr form button").await;
    s.wait_path("/unit/members?ok=decided").await;
    assert!(
        s.text("#members tbody tr .membership")
            .await
            .contains("通过")
    );

    // 9. The person sees the personal main screen with the decision.
    s.login("person", &id_number(3), PASSWORD).await;
    s.wait_path("/person").await;
    assert_eq!(s.text("#membership-status").await, "通过");
    let body = s.body().await;
    for part in [
        "正在受理的项目",
        "通知公告",
        "操作导航",
        "用户中心",
        "修改单位",
        "资料下载",
        "单位审核：通过",
    ] {
        assert!(body.contains(part), "personal home shows {part}");
    }
    // Logout ends the session.
    s.click("header form button").await;
    s.wait_path("/?ok=logged_out").await;
    s.go("/person").await;
    s.wait_path("/login").await;
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_seed_flow_sqlite() {
    walk_the_seed_flow(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_seed_flow_postgres() {
    walk_the_seed_flow(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_wrong_password_locks_the_account() {
    let s = start(Backend::Sqlite).await;
    let captcha_id = scigrant_app::identity::captcha::new_captcha(&s.env.app)
        .await
        .unwrap()
        .id;
    let form = scigrant_app::identity::register::PersonForm {
        doc_type: "mainland_id".into(),
        doc_no: id_number(9),
        name: "达瓦".into(),
        email: "dawa@example.cn".into(),
        region_code: "540102".into(),
        gender: "女".into(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
        phone: phone(909),
        captcha_id,
        captcha: "TEST".into(),
        agreed: true,
    };
    scigrant_app::identity::register::register_person(&s.env.app, &Actor::system(), &form)
        .await
        .unwrap();
    for i in 0..5 {
        s.login("person", &phone(909), "Wrong#pass99").await;
        let alert = s.text(".alert").await;
        assert_eq!(
            alert, "账号、密码或验证码不正确，连续失败多次账号将被锁定",
            "attempt {i}"
        );
        // What was typed stays; the password does not.
        let kept =
            s.c.find(Locator::Css("input[name=login]"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap();
        assert_eq!(kept.as_deref(), Some(phone(909).as_str()));
    }
    // Locked: the right password gets the very same answer.
    s.login("person", &phone(909), PASSWORD).await;
    assert_eq!(
        s.text(".alert").await,
        "账号、密码或验证码不正确，连续失败多次账号将被锁定"
    );
    assert!(s.path().await.starts_with("/login"));
    // Thirty minutes later the right password works.
    s.env.clock.advance_ms(30 * 60_000 + 1000);
    s.login("person", &phone(909), PASSWORD).await;
    s.wait_path("/person").await;
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_rejected_upload_keeps_the_form() {
    let s = start(Backend::Sqlite).await;
    s.go("/register/unit").await;
    s.click("input[name=kind][value=enterprise]").await;
    s.fill("name", "拉萨测试科技有限公司").await;
    s.fill("legal_rep", "扎西").await;
    s.fill("reg_place", "拉萨").await;
    s.fill("uscc", &uscc(8)).await;
    s.fill("password", PASSWORD).await;
    s.fill("password_confirm", PASSWORD).await;
    s.fill("contact_name", "卓玛").await;
    s.fill("contact_phone", &phone(8)).await;
    // A PNG renamed to .jpg: refused by content, not by name.
    let fake = s.file("证书.jpg", b"\x89PNG\r\n\x1a\n not a jpeg");
    s.attach("cert", &fake).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    assert_eq!(
        s.text("#e-cert").await,
        "文件格式不正确，请上传JPG格式的文件"
    );
    let name =
        s.c.find(Locator::Css("input[name=name]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("拉萨测试科技有限公司"));
    let checked =
        s.c.find(Locator::Css("input[name=kind][value=enterprise]"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap();
    assert_eq!(checked.as_deref(), Some("true"));
    // Nothing was stored: no unit, no file.
    let staff = scigrant_app::identity::review::queue(
        &s.env.app,
        scigrant_app::identity::review::Queue::All,
        "",
        1,
    )
    .await
    .unwrap();
    assert_eq!(staff.total, 0);
    assert!(dir_is_empty_of_files(s.env.app.files.root()));
    s.done().await;
}

fn dir_is_empty_of_files(p: &Path) -> bool {
    std::fs::read_dir(p)
        .map(|d| {
            d.flatten()
                .all(|e| e.path().is_dir() && dir_is_empty_of_files(&e.path()))
        })
        .unwrap_or(true)
}

async fn manager_login(s: &Session) {
    staff_with_password(
        &s.env.app,
        "xmgl",
        "项目管理员",
        StaffRole::ProgramManager,
        PASSWORD,
    )
    .await;
    s.staff_login("xmgl", PASSWORD).await;
    s.wait_path("/staff").await;
}

/// 2023-04-25 23:59:59 CST.
const CLOSE: i64 = 1_682_438_399_000;

async fn apply_through_the_unit_to_the_staff(backend: Backend) {
    use scigrant_domain::grants::form::Value;
    let s = start(backend).await;
    let member = ApprovedMember::builder(1)
        .unit_kind("other")
        .unit_name("全国学会1")
        .build(&s.env.app)
        .await;
    let (person, mobile) = (member.person, member.phone.clone());

    // Staff create the CAST 2023 call from the built-in 附件4 template.
    manager_login(&s).await;
    s.go("/staff/programs").await;
    s.fill("name", "2023年“科创中国”科技服务团及系列品牌活动项目")
        .await;
    s.fill("notice", "为落实中国科协2023年重点工作部署……").await;
    s.click_to("main form button[type=submit]", "/staff/programs")
        .await;
    s.click_to("a[href$='/calls/new']", "/staff/programs/")
        .await;
    // 试点城市限额分组 may stay empty: no required mark; a definition is
    // imported as a file, not pasted.
    assert_eq!(
        s.text("label[for='f-city_group']").await,
        "试点城市限额分组:"
    );
    assert!(
        s.c.find(Locator::Css("input[type=file][name=form_file]"))
            .await
            .is_ok()
    );
    assert!(
        s.c.find(Locator::Css("textarea[name=form_json]"))
            .await
            .is_err()
    );
    s.fill("code", "KJFWT2023-01").await;
    s.fill("name", "产业科技服务团").await;
    s.fill(
        "task",
        "发挥全国学会科技人才汇聚优势，突出“科创中国”试点城市产业导向。",
    )
    .await;
    s.fill("quota", "80").await;
    s.fill("cap", "55").await;
    s.c.execute(
        "document.querySelector('[name=period_end]').value = '2023-11-30'",
        vec![],
    )
    .await
    .unwrap();
    s.click("input[name=eligible][value=other]").await;
    s.fill("opens", "2023-04-10").await;
    s.fill("closes", "2023-04-25").await;
    s.fill("paper_deadline", "2023-04-28 12:00").await;
    s.c.find(Locator::Css("select[name=template]"))
        .await
        .unwrap()
        .select_by_value("kczg2023-fj4")
        .await
        .unwrap();
    s.click_to("main form button[type=submit]", "/staff/calls/")
        .await;
    s.click("#publish").await;
    s.wait_text("#call-state", "已发布").await;

    // The member finds it under 正在受理的项目 and starts an application.
    s.login("person", &mobile, PASSWORD).await;
    s.wait_path("/person").await;
    assert!(s.text("#open-calls").await.contains("KJFWT2023-01"));
    s.click_to("#open-calls a.btn", "/calls/").await;
    s.click_to("#apply", "/applications/").await;
    let url = s.c.current_url().await.unwrap();
    let app_id: i64 = url.path().split('/').nth(2).unwrap().parse().unwrap();
    assert_eq!(
        s.c.find(Locator::Css("[name='f:applicant']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("全国学会1")
    );
    // The page shows when the draft was last saved: at its creation, 10:00
    // by the test clock. Five minutes on, the autosave reports the server's
    // time of the save it made.
    assert_eq!(s.text("#save-status").await, "已保存 10:00:00");
    s.env.clock.advance_ms(5 * 60_000);
    s.fill("f:project_name", "“科创中国”新材料产业科技服务团")
        .await;
    s.fill("f:unit_intro", &"科".repeat(301)).await;
    // The live counter mirrors the server's character count.
    assert!(s.body().await.contains("301/300字"));
    // Autosave: wait for the new time, find the draft stored, then reload.
    let mut status = String::new();
    let mut stored = false;
    for _ in 0..100 {
        status = s.text("#save-status").await;
        if status == "已保存 10:05:00" {
            let v = scigrant_app::grants::applications::load(
                &s.env.app,
                scigrant_app::grants::applications::Reader::Person(person.0),
                ApplicationId(app_id),
            )
            .await
            .unwrap();
            if v.text("project_name") == "“科创中国”新材料产业科技服务团" {
                stored = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        stored,
        "autosave did not store the draft within 20 s (status: {status})"
    );
    s.go(&format!("/applications/{app_id}/edit")).await;
    let kept =
        s.c.find(Locator::Css("[name='f:project_name']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(kept.as_deref(), Some("“科创中国”新材料产业科技服务团"));

    // The rest of the sample is "typed" through the use case; submitting
    // with 301 characters lists the problem linked to its field.
    let mut data = scigrant_domain::grants::form::samples::sample_fj4();
    data.insert(
        "project_name".into(),
        Value::Text("“科创中国”新材料产业科技服务团".into()),
    );
    data.insert("unit_intro".into(), Value::Text("科".repeat(301)));
    data.insert("applicant".into(), Value::Text("全国学会1".into()));
    scigrant_app::grants::applications::save(
        &s.env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        ApplicationId(app_id),
        &data,
    )
    .await
    .unwrap();
    s.go(&format!("/applications/{app_id}/edit")).await;
    s.click("#submit-application").await;
    let problems = s.text("#problems").await;
    assert!(
        problems.contains("单位简介不能超过300字（当前301字）"),
        "{problems}"
    );
    s.fill("f:unit_intro", &"科".repeat(300)).await;
    s.click_to("#submit-application", &format!("/applications/{app_id}"))
        .await;
    let number = s.text("#app-number").await;
    assert_eq!(number, "KJFWT2023-01-0001");
    let digest = s.text("#app-digest").await;
    assert_eq!(digest.len(), 64);

    // The unit recommends after confirming the declarations.
    s.login("unit", &member.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.go("/unit/applications").await;
    s.click_to("#unit-applications a.btn", "/applications/")
        .await;
    s.click("#recommend").await;
    assert!(s.text("#decide-error").await.contains("请确认"));
    for i in 0..3 {
        s.click(&format!("input[name=declaration{i}]")).await;
    }
    s.click_to("#recommend", "/unit/applications").await;

    // Staff accept it and record the paper copies.
    s.staff_login("xmgl", PASSWORD).await;
    s.wait_path("/staff").await;
    s.go("/staff/programs").await;
    s.click_to(".programs a.btn", "/staff/calls/").await;
    s.click_to("#call-applications a.btn", "/applications/")
        .await;
    s.click("#accept").await;
    s.wait_text("#app-state", "形式审查通过（已受理）").await;

    // The print-ready PDF downloads with this session; its text carries the
    // number, the digest, the signature blocks and the page numbers.
    s.click("#download-pdf").await;
    let session =
        s.c.get_named_cookie("sg_session")
            .await
            .unwrap()
            .value()
            .to_string();
    let req = axum::http::Request::get(format!("/applications/{app_id}/pdf"))
        .header("cookie", format!("sg_session={session}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(
        scigrant_web::routes::router(AppState::new(s.env.app.clone())),
        req,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), axum::http::StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf_bytes = axum::body::to_bytes(res.into_body(), 20 * 1024 * 1024)
        .await
        .unwrap();
    assert_eq!(&pdf_bytes[..5], b"%PDF-");
    let pdf_path = s.files.join("application.pdf");
    std::fs::write(&pdf_path, &pdf_bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is needed to read the PDF");
    let text: String = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect();
    for part in [
        "“科创中国”新材料产业科技服务团",
        "KJFWT2023-01-0001",
        "单位公章",
        "团长（签名）",
        "一、项目申报单位基本情况",
        "经费支出预算表（单位：万元）",
        "申请项目经费55.00万元",
        "合计65.00",
        "第1页",
    ] {
        assert!(text.contains(part), "PDF text lacks {part}");
    }
    assert!(text.contains(&digest), "the PDF carries the SM3 digest");
    assert!(
        text.contains("/verify?n=KJFWT2023-01-0001"),
        "the PDF names the verification page"
    );

    // The public page verifies the paper copy's digest.
    s.sign_out().await;
    s.go(&format!("/verify?n={number}&d={digest}")).await;
    assert!(s.text("#verify-result").await.starts_with("核验通过"));
    s.go(&format!("/verify?n={number}&d={}", "0".repeat(64)))
        .await;
    assert!(s.text("#verify-result").await.starts_with("核验未通过"));

    // One second after the close, another member's submission is refused.
    let second = ApprovedMember::builder(2)
        .unit_kind("other")
        .build(&s.env.app)
        .await;
    let (p2, mobile2) = (second.person, second.phone);
    let call_id = scigrant_app::grants::calls::published(&s.env.app)
        .await
        .unwrap()[0]
        .id;
    let a2 = scigrant_app::grants::applications::start(&s.env.app, &Actor::system(), p2, call_id)
        .await
        .unwrap();
    scigrant_app::grants::applications::save(
        &s.env.app,
        &scigrant_app::testing::person_actor(p2.0),
        p2,
        a2,
        &scigrant_domain::grants::form::samples::sample_fj4(),
    )
    .await
    .unwrap();
    s.env.clock.set(CLOSE + 1000);
    s.login("person", &mobile2, PASSWORD).await;
    s.wait_path("/person").await;
    s.go(&format!("/applications/{a2}/edit")).await;
    s.click("#submit-application").await;
    assert!(
        s.text("#problems")
            .await
            .contains("申报已于2023-04-25 23:59:59截止")
    );
    // Autosave is refused too, with the reason; the page keeps what was
    // typed, and a reload brings it back from this browser's copy.
    let refused = "申报已于2023-04-25 23:59:59截止，不能再保存修改；本页内容仍暂存在本机浏览器中";
    s.fill("f:project_name", "截止后录入的名称").await;
    s.wait_text("#save-status", refused).await;
    s.go(&format!("/applications/{a2}/edit")).await;
    s.wait_text("#save-status", refused).await;
    let kept =
        s.c.find(Locator::Css("[name='f:project_name']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(kept.as_deref(), Some("截止后录入的名称"));
    let stored = scigrant_app::grants::applications::load(
        &s.env.app,
        scigrant_app::grants::applications::Reader::Person(p2.0),
        a2,
    )
    .await
    .unwrap();
    assert_ne!(stored.text("project_name"), "截止后录入的名称");
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_application_path_sqlite() {
    apply_through_the_unit_to_the_staff(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_application_path_postgres() {
    apply_through_the_unit_to_the_staff(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_second_pilot_city_forum_is_refused() {
    use scigrant_app::grants::applications::{recommend, start as begin, submit};
    use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
    use scigrant_domain::grants::form::{Value, samples::sample_fj5};
    let s = start(Backend::Sqlite).await;
    let app = &s.env.app;
    let member_a = ApprovedMember::builder(11)
        .unit_kind("enterprise")
        .build(app)
        .await;
    let member_b = ApprovedMember::builder(12)
        .unit_kind("enterprise")
        .build(app)
        .await;
    let (unit_a, pa, pb) = (member_a.unit, member_a.person, member_b.person);
    let staff = Actor::system();
    let program = create_program(app, &staff, "2023年“科创中国”试点城市系列品牌活动项目", "")
        .await
        .unwrap();
    let mut calls = Vec::new();
    for (code, name, cap) in [
        ("XLPPHD2023-01", "产业创新论坛", "40"),
        ("XLPPHD2023-02", "产学融合会议", "20"),
    ] {
        let f = CallForm {
            code: code.into(),
            name: name.into(),
            task: "围绕试点城市重点产业".into(),
            quota: "4".into(),
            cap: cap.into(),
            period_end: "2023-11-30".into(),
            eligible: vec!["enterprise".into()],
            opens: "2023-04-10".into(),
            closes: "2023-04-25".into(),
            paper_deadline: "2023-04-28 12:00".into(),
            template: "kczg2023-fj5".into(),
            form_json: String::new(),
            city_group: "pilot-city-2023".into(),
            ..CallForm::default()
        };
        let id = create_call(app, &staff, program, &f).await.unwrap();
        set_state(
            app,
            &staff,
            id,
            scigrant_domain::grants::application::CallState::Published,
        )
        .await
        .unwrap();
        calls.push(id);
    }
    let mut forum = sample_fj5();
    forum.insert("project_code".into(), Value::Text("XLPPHD2023-01".into()));
    forum.insert(
        "project_subcategory".into(),
        Value::Text("产业创新论坛".into()),
    );
    let a = begin(app, &Actor::system(), pa, calls[0]).await.unwrap();
    submit(app, &Actor::system(), pa, a, &forum).await.unwrap();
    let ua = Actor {
        kind: Some(scigrant_domain::identity::account::AccountKind::Unit),
        id: Some(unit_a.0),
        label: "单位".into(),
        ip: "-".into(),
        request_id: "-".into(),
        on_behalf: None,
    };
    recommend(app, &ua, unit_a, a, &[true; 3]).await.unwrap();
    let b = begin(app, &Actor::system(), pb, calls[1]).await.unwrap();
    submit(app, &Actor::system(), pb, b, &sample_fj5())
        .await
        .unwrap();

    // Unit B recommends its 产学融合会议 for the same pilot city: refused.
    s.login("unit", &member_b.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.go(&format!("/applications/{b}")).await;
    for i in 0..3 {
        s.click(&format!("input[name=declaration{i}]")).await;
    }
    s.click("#recommend").await;
    let msg = s.text("#decide-error").await;
    assert!(
        msg.starts_with("每个试点城市限申报1个产业创新论坛或产学融合会议项目"),
        "{msg}"
    );
    assert!(msg.contains("XLPPHD2023-01-0001"), "{msg}");
    assert_eq!(s.text("#app-state").await, "已提交，待单位审核");
    s.done().await;
}

/// The SMS bodies the outbox holds for `phone`, oldest first.
async fn sms_to(s: &Session, phone: &str) -> Vec<String> {
    let masked = scigrant_domain::mask::mask_phone(phone);
    let mut bodies: Vec<String> = scigrant_app::notify::recent(&s.env.app, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.recipient_masked == masked)
        .map(|m| m.body)
        .collect();
    bodies.reverse();
    bodies
}

/// 评审意见 of 专家一 as typed in the scoring form (at least 50 characters).
const COMMENT: &str = "项目围绕新能源汽车产业链开展科技服务，目标明确，技术路线可行，团队基础扎实。建议细化服务成效的考核指标，并进一步压缩差旅费预算。";

/// The funding cycle of issue 8 on a CAST call: the review plan and the
/// automatic assignment, the expert's conflict and scores, the ranking,
/// 立项 within the quota, the 立项公示 with an objection handled, and the
/// applicant reading the outcome and the anonymised opinions.
async fn walk_the_funding_cycle(backend: Backend) {
    use scigrant_app::testing::{accepted_application, approved_expert, funding_call};
    use scigrant_domain::calendar::{DayPart, parse_moment};
    let s = start(backend).await;
    let app = s.env.app.clone();
    let call = funding_call(&app, "KJFWT2023-01", "1", "60").await;
    let (_, a1) = accepted_application(&app, call, 1, "高原农牧业科技服务团").await;
    let (member2, a2) = accepted_application(&app, call, 2, "新能源汽车产业科技服务团").await;
    let expert = ApprovedMember::builder(42)
        .unit_name("拉萨理工学院")
        .build(&app)
        .await;
    super::expert::public_mail(&s.env, &expert).await;
    approved_expert(
        &app,
        expert.person,
        Some(expert.unit),
        &["5801010"],
        &["新能源汽车"],
    )
    .await;

    // 1. The program manager sets the review plan and assigns.
    manager_login(&s).await;
    s.go(&format!("/staff/calls/{call}")).await;
    s.click_to("#review-plan", &format!("/staff/calls/{call}/review"))
        .await;
    s.fill("reviewers", "1").await;
    s.fill("min_load", "0").await;
    s.fill("max_load", "5").await;
    s.fill("accept_deadline", "2023-05-10").await;
    s.fill("review_deadline", "2023-05-20").await;
    let hidden =
        s.c.find(Locator::Css("input[name=hide_identity]"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap();
    if hidden.as_deref() != Some("true") {
        s.click("input[name=hide_identity]").await;
    }
    s.click_to(
        "#save-plan",
        &format!("/staff/calls/{call}/review?ok=saved"),
    )
    .await;
    assert!(s.text("#criteria").await.contains("创新性 0–30 1"));
    s.click_to("#to-assign", &format!("/staff/calls/{call}/review/assign"))
        .await;
    s.click_to(
        "#run-assign",
        &format!("/staff/calls/{call}/review/assign?ok=saved"),
    )
    .await;
    let rows = s.text("#assignments tbody").await;
    for number in ["KJFWT2023-01-0001", "KJFWT2023-01-0002"] {
        assert!(rows.contains(number), "{rows}");
    }
    assert_eq!(rows.matches("待接受").count(), 2, "{rows}");
    assert_eq!(
        s.text("#coverage tbody").await,
        "每份申报书的评审专家均已足额"
    );

    // 2. The expert declares a conflict on one, accepts and scores the other.
    s.login("person", &expert.phone, PASSWORD).await;
    s.wait_path("/person").await;
    s.click_to("a[href='/person/expert']", "/person/expert")
        .await;
    assert_eq!(s.text("#expert-state").await, "已入库");
    s.click_to("#to-reviews", "/expert").await;
    let conflict_row =
        |title: &str| format!("//table[@id='expert-assignments']//tr[td[text()='{title}']]");
    let row =
        s.c.find(Locator::XPath(&conflict_row("高原农牧业科技服务团")))
            .await
            .unwrap();
    row.find(Locator::Css("input[name=reason]"))
        .await
        .unwrap()
        .send_keys("本人曾与该项目负责人合作承担课题")
        .await
        .unwrap();
    row.find(Locator::Css("button[value=conflict]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    s.wait_path("/expert?ok=conflict").await;
    let row =
        s.c.find(Locator::XPath(&conflict_row("高原农牧业科技服务团")))
            .await
            .unwrap();
    assert!(
        row.text()
            .await
            .unwrap()
            .contains("已谢绝（利益冲突：本人曾与该项目负责人合作承担课题）"),
        "{}",
        row.text().await.unwrap()
    );
    let row =
        s.c.find(Locator::XPath(&conflict_row("新能源汽车产业科技服务团")))
            .await
            .unwrap();
    row.find(Locator::Css("input[name=no_conflict]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    row.find(Locator::Css("form[action*='/accept'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    s.wait_path("/expert?ok=accepted").await;
    s.click_to(
        "a[href^='/expert/assignments/']:not([href$='/application'])",
        "/expert/assignments/",
    )
    .await;
    assert_eq!(s.text("#review-total").await, "0");
    for (name, score) in [
        ("f:innovation", "28"),
        ("f:feasibility", "22"),
        ("f:foundation", "18"),
        ("f:outcomes", "13"),
    ] {
        s.fill(name, score).await;
    }
    // The total follows the typing.
    s.wait_text("#review-total", "81").await;
    assert_eq!(s.text("#review-scored").await, "4");
    s.fill("f:budget", "9").await;
    s.wait_text("#review-total", "90").await;
    s.click("input[name='f:grade'][value='A 优']").await;
    s.click("input[name='f:funding'][value='优先资助']").await;
    s.fill("f:comment", COMMENT).await;
    s.click("#submit-review").await;
    s.wait_path("/expert/assignments/").await;
    s.wait_text("#review-state", "已提交").await;
    assert_eq!(s.text("#review-total").await, "90");
    assert!(s.path().await.ends_with("?ok=submitted"));

    // 3. Staff read the ranking.
    s.staff_login("xmgl", PASSWORD).await;
    s.wait_path("/staff").await;
    s.go(&format!("/staff/calls/{call}/review/results")).await;
    assert_eq!(
        s.text("#progress").await,
        "应评\n1\n已提交\n1\n逾期未交\n0\n待专家接受\n0\n评审截止\n2023-05-20 23:59:59\n排序依据\n去掉最高最低分后的平均分"
    );
    let ranking =
        s.c.find_all(Locator::Css("table.ranking tbody tr"))
            .await
            .unwrap();
    assert_eq!(ranking.len(), 2);
    assert_eq!(
        ranking[0].text().await.unwrap(),
        "1 KJFWT2023-01-0002 新能源汽车产业科技服务团 西藏高原科学研究所2 90.00 90.00 A 优×1 优先资助×1\n张三：90.00（已提交） 退回修改"
    );
    // The conflict left the other application without a review.
    assert_eq!(
        ranking[1].text().await.unwrap(),
        "2 KJFWT2023-01-0001 高原农牧业科技服务团 西藏高原科学研究所1 — —"
    );

    // 4. 立项 within the quota of one.
    s.go(&format!("/staff/calls/{call}")).await;
    s.click_to("#funding-link", &format!("/staff/calls/{call}/funding"))
        .await;
    s.fill("budget", "100").await;
    s.click_to(
        "form[action*='/funding/budget'] button",
        &format!("/staff/calls/{call}/funding?ok=saved"),
    )
    .await;
    let decide = |a: ApplicationId, verdict: &'static str, amount: &'static str| {
        let s = &s;
        async move {
            let row = format!("#a{a}");
            s.c.find(Locator::Css(&format!("{row} select[name=verdict]")))
                .await
                .unwrap()
                .select_by_value(verdict)
                .await
                .unwrap();
            let input =
                s.c.find(Locator::Css(&format!("{row} input[name=amount]")))
                    .await
                    .unwrap();
            input.clear().await.unwrap();
            input.send_keys(amount).await.unwrap();
            s.click(&format!("{row} form button")).await;
        }
    };
    decide(a2, "fund", "55").await;
    // The page was at ?ok=saved already (the budget): wait for the count
    // of the page the decision leads to, not for its address.
    s.wait_text("#funded-count", "1").await;
    decide(a1, "fund", "50").await;
    s.wait_text(&format!("#a{a1} p.error"), "立项数量已达上限 1 项")
        .await;
    assert_eq!(s.text("#funded-count").await, "1");
    assert_eq!(
        s.text(&format!("#a{a2} td:nth-child(6)")).await,
        "立项 55.00 万元"
    );

    // 5. 立项公示.
    s.fill("title", "2023年产业科技服务团立项公示").await;
    s.fill("starts", "2023-05-02").await;
    s.fill("ends", "2023-05-08").await;
    s.fill("body", "现将拟立项项目予以公示。").await;
    s.click_to(
        "#publish",
        &format!("/staff/calls/{call}/funding?ok=published"),
    )
    .await;
    let href =
        s.c.find(Locator::Css("#funding-notices a.secondary"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    let notice: i64 = href.trim_start_matches("/gongshi/").parse().unwrap();
    // The applicant and the unit's contact are told by SMS.
    // (In the fixtures the member's mobile is also the unit's contact.)
    let told = "【科技创新服务系统】您单位申报的“产业科技服务团”项目《新能源汽车产业科技服务团》立项结果将于2023-05-02起公示，请登录系统查看。";
    let sms = sms_to(&s, &member2.phone).await;
    assert_eq!(sms[sms.len() - 2..], [told, told]);
    s.env
        .clock
        .set(parse_moment("2023-05-03", DayPart::Start).unwrap());

    // 6. A visitor objects on the portal.
    s.sign_out().await;
    s.go("/gongshi").await;
    s.click_to(&format!("a[href='/gongshi/{notice}']"), &href)
        .await;
    assert_eq!(s.text("#notice-phase").await, "公示中");
    assert_eq!(
        s.text("#notice-items tbody tr").await,
        "1 新能源汽车产业科技服务团 西藏高原科学研究所2 张伟 55.00"
    );
    s.c.find(Locator::Css("select[name=application]"))
        .await
        .unwrap()
        .select_by_value(&a2.to_string())
        .await
        .unwrap();
    s.fill("name", "欧阳明睿").await;
    s.fill("unit", "拉萨市某研究院").await;
    s.fill("contact", "15987654321").await;
    s.fill("grounds", "该项目团队成员与另一已立项项目重复，业绩不实。")
        .await;
    s.attach("statement", &s.file("异议书.pdf", &pdf(3000)))
        .await;
    s.fill("captcha", "TEST").await;
    s.click("#lodge").await;
    s.wait_path(&format!("/gongshi/{notice}?ok=objection"))
        .await;
    let number = format!("YY{notice:04}-001");
    assert_eq!(
        s.text("#objection-number").await,
        format!("异议编号：{number}")
    );

    // 7. Staff handle it: 异议不成立.
    s.staff_login("xmgl", PASSWORD).await;
    s.wait_path("/staff").await;
    s.go(&format!("/staff/notices/{notice}/objections")).await;
    let card = s.text("[id^='objection-']").await;
    assert!(card.contains(&format!("异议 {number}")), "{card}");
    assert!(card.contains("欧阳明睿（拉萨市某研究院）"), "{card}");
    assert!(card.contains("159****4321"), "{card}");
    s.click("input[name=outcome][value=dismissed]").await;
    s.fill("outcome_reason", "经核查，团队成员未重复，业绩属实")
        .await;
    s.click_to(
        "form[action*='/handle'] button",
        &format!("/staff/notices/{notice}/objections?ok=saved"),
    )
    .await;
    assert_eq!(
        sms_to(&s, "15987654321").await,
        [format!(
            "【科技创新服务系统】您提出的异议（编号{number}）已处理：异议不成立。"
        )]
    );
    let card = s.text("[id^='objection-']").await;
    assert!(
        card.ends_with(
            "处理结果\n异议不成立\n处理理由\n经核查，团队成员未重复，业绩属实\n处理人\nxmgl 2023-05-03 00:00:00"
        ),
        "{card}"
    );

    // 8. The applicant reads the outcome and the anonymised opinion.
    s.login("person", &member2.phone, PASSWORD).await;
    s.wait_path("/person").await;
    s.go(&format!("/applications/{a2}")).await;
    assert_eq!(s.text("#outcome-verdict").await, "立项");
    assert_eq!(s.text("#outcome-amount").await, "55.00 万元");
    assert_eq!(s.text("#outcome-phase").await, "公示中");
    assert_eq!(
        s.text("#review-notes tbody tr").await,
        format!("专家一 A 优 {COMMENT}")
    );
    let body = s.body().await;
    for hidden in ["拉萨理工学院", "欧阳明睿", number.as_str()] {
        assert!(!body.contains(hidden), "{hidden} shown to the applicant");
    }
    // The unit reads the same.
    s.login("unit", &member2.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.go(&format!("/applications/{a2}")).await;
    assert_eq!(s.text("#outcome-verdict").await, "立项");
    assert_eq!(
        s.text("#review-notes tbody tr").await,
        format!("专家一 A 优 {COMMENT}")
    );
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_funding_cycle_sqlite() {
    walk_the_funding_cycle(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_funding_cycle_postgres() {
    walk_the_funding_cycle(Backend::Postgres).await;
}

/// The widest element's right edge and the viewport's width, in CSS pixels.
async fn widths(s: &Session) -> (i64, i64, String) {
    let v = s
        .c
        .execute(
            "let w = window.innerWidth, worst = '', max = document.documentElement.scrollWidth;\
             for (const e of document.querySelectorAll('body *')) {\
               if (e.closest('.table-wrap') && !e.classList.contains('table-wrap')) continue;\
               const r = e.getBoundingClientRect(), st = getComputedStyle(e);\
               const spills = st.overflowX === 'visible' && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0;\
               if (st.position !== 'fixed' && (r.right > w + 1 || (spills && r.left + e.scrollWidth > w + 1))) {\
                 worst = e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(Math.max(r.right, r.left + e.scrollWidth)); }\
             }\
             return [max, w, worst];",
            vec![],
        )
        .await
        .unwrap();
    let a = v.as_array().unwrap();
    (
        a[0].as_i64().unwrap(),
        a[1].as_i64().unwrap(),
        a[2].as_str().unwrap_or("").to_string(),
    )
}

/// Issue 12 #5: no page is wider than a 360 px phone; wide tables scroll
/// inside their own box (`.table-wrap`), never the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_fit_a_phone_360_px_wide() {
    use scigrant_app::testing::{accepted_application, funding_call};
    let s = start(Backend::Sqlite).await;
    let app = s.env.app.clone();
    let call = funding_call(&app, "KJFWT2023-01", "3", "60").await;
    let (member, a) = accepted_application(&app, call, 1, "高原农牧业科技服务团").await;
    s.c.set_window_size(360, 800).await.unwrap();
    let mut wide = Vec::new();
    let mut visit = async |s: &Session, path: String| {
        s.go(&path).await;
        let (page, viewport, worst) = widths(s).await;
        if page > viewport || !worst.is_empty() {
            wide.push(format!("{path}: {page} px > {viewport} px ({worst})"));
        }
    };
    for p in [
        "/",
        "/login",
        "/register/person",
        "/register/unit",
        "/gongshi",
        "/staff/login",
    ] {
        visit(&s, p.to_string()).await;
    }
    visit(&s, format!("/calls/{call}")).await;
    s.login("person", &member.phone, PASSWORD).await;
    s.wait_path("/person").await;
    for p in [
        "/person",
        "/person/profile",
        "/person/expert",
        "/account/password",
        "/expert",
    ] {
        visit(&s, p.to_string()).await;
    }
    visit(&s, format!("/applications/{a}")).await;
    s.login("unit", &member.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    for p in [
        "/unit",
        "/unit/platform",
        "/unit/members",
        "/unit/applications",
    ] {
        visit(&s, p.to_string()).await;
    }
    visit(&s, format!("/unit/members/{}", member.person)).await;
    manager_login(&s).await;
    for p in [
        "/staff",
        "/staff/programs",
        "/staff/experts",
        "/staff/experts/import",
    ] {
        visit(&s, p.to_string()).await;
    }
    for p in [
        "",
        "/review",
        "/review/assign",
        "/funding",
        "/similarity",
        "/experts-notice",
    ] {
        visit(&s, format!("/staff/calls/{call}{p}")).await;
    }
    assert!(
        wide.is_empty(),
        "pages wider than a 360 px phone:\n{}",
        wide.join("\n")
    );
    s.done().await;
}

/// 门户 content: an editor writes a notice with a PDF attachment and
/// submits it, a reviewer approves it, and a visitor finds it from the
/// home page, opens it and downloads the attachment.
async fn publish_a_notice_and_read_it(backend: Backend) {
    let s = start(backend).await;
    for (login, name, role) in [
        ("bianji", "编辑甲", StaffRole::ContentEditor),
        ("shenhe", "审核乙", StaffRole::ContentReviewer),
    ] {
        staff_with_password(&s.env.app, login, name, role, PASSWORD).await;
    }
    let title = "关于征集2026年西藏自治区科技计划项目指南建议的通知";
    s.staff_login("bianji", PASSWORD).await;
    s.wait_path("/staff").await;
    s.click_to("nav.tabs a[href='/staff/content']", "/staff/content")
        .await;
    s.click_to("#new-article", "/staff/content/new").await;
    s.fill("title", title).await;
    s.fill("publisher", "西藏自治区科学技术厅").await;
    s.fill(
        "body",
        "各有关单位：\n\n请于**2025年7月15日**前报送指南建议。",
    )
    .await;
    s.c.find(Locator::Css("input[name='important']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut guide = pdf(40 * 1024);
    guide.extend_from_slice(b"\n%%EOF\n");
    let path = s.file("指南建议表.pdf", &guide);
    s.attach("file1", &path).await;
    s.click("#save-article").await;
    s.wait_path("/staff/content/").await;
    let editing = s.path().await;
    assert!(editing.ends_with("?ok=article_saved"), "{editing}");
    s.click("#submit-article").await;
    s.wait_path("/staff/content/").await;
    s.wait_text("#article-state dd:nth-of-type(2)", "待审核")
        .await;

    s.staff_login("shenhe", PASSWORD).await;
    s.wait_path("/staff").await;
    s.go("/staff/content?state=pending").await;
    s.click("#content-list a[href^='/staff/content/']").await;
    s.wait_path("/staff/content/").await;
    s.click("#review-article").await;
    s.wait_text("#article-state dd:nth-of-type(2)", "已发布")
        .await;

    s.sign_out().await;
    s.go("/").await;
    assert_eq!(s.text("#important a").await, title);
    s.click("#tab-tzgg a[href^='/articles/']").await;
    s.wait_path("/articles/").await;
    assert_eq!(s.text("#article h1").await, title);
    assert!(s.text("#article .body").await.contains("2025年7月15日"));
    let link = s.c.find(Locator::Css("#attachments a")).await.unwrap();
    assert_eq!(link.text().await.unwrap(), "指南建议表.pdf");
    let href = link.attr("href").await.unwrap().unwrap();
    let got = s
        .c
        .execute(
            "return fetch(arguments[0]).then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-disposition'), b.byteLength]))",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(got[0], 200);
    assert!(
        got[1]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"file-"),
        "{got:?}"
    );
    assert_eq!(got[2], guide.len());
    // 更多>> leads to the section's list with the notice and its date.
    s.go("/").await;
    s.click_to("#tab-tzgg h2 a", "/notices/tzgg").await;
    assert!(s.text("#article-list").await.contains("2023-04-20"));
    s.done().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_portal_content_sqlite() {
    publish_a_notice_and_read_it(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_portal_content_postgres() {
    publish_a_notice_and_read_it(Backend::Postgres).await;
}

/// Issue 9 item 6, 适老化: the header's button enlarges the text of the
/// whole site (every size is relative to the root), says so to assistive
/// technology (aria-pressed), and the choice holds on the next page until
/// it is switched back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_larger_text_mode_is_switched_and_remembered() {
    let s = start(Backend::Sqlite).await;
    let state = async |s: &Session| {
        let v =
            s.c.execute(
                "const b = document.getElementById('large-text');\
                 return [getComputedStyle(document.body).fontSize,\
                         getComputedStyle(document.querySelector('h1, h2')).fontSize,\
                         b.hidden ? 'hidden' : b.getAttribute('aria-pressed')];",
                vec![],
            )
            .await
            .unwrap();
        let a = v.as_array().unwrap();
        (
            a[0].as_str().unwrap().to_string(),
            a[1].as_str().unwrap().to_string(),
            a[2].as_str().unwrap().to_string(),
        )
    };
    s.go("/login").await;
    let (body, heading, pressed) = state(&s).await;
    assert_eq!((body.as_str(), pressed.as_str()), ("15px", "false"));
    s.click("#large-text").await;
    let (large_body, large_heading, pressed) = state(&s).await;
    assert_eq!((large_body.as_str(), pressed.as_str()), ("19px", "true"));
    let px = |v: &str| v.trim_end_matches("px").parse::<f64>().unwrap();
    assert!(
        px(&large_heading) > px(&heading) * 1.2,
        "{heading} → {large_heading}"
    );
    s.go("/").await;
    let (body, _, pressed) = state(&s).await;
    assert_eq!(
        (body.as_str(), pressed.as_str()),
        ("19px", "true"),
        "kept on the next page"
    );
    s.click("#large-text").await;
    let (body, _, pressed) = state(&s).await;
    assert_eq!((body.as_str(), pressed.as_str()), ("15px", "false"));
}

/// Issue 12, item 15: the Tibetan site name is drawn in the font the site
/// serves, not as empty boxes, on a computer without a Tibetan font; the
/// footer names the font's licence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_tibetan_site_name_is_drawn_in_the_served_font() {
    let font = scigrant_app::config::NOTO_SERIF_TIBETAN;
    assert!(
        Path::new(font).is_file(),
        "{font} is missing: install the Debian package fonts-noto-core (scripts/test does)"
    );
    let s = start_with(Backend::Sqlite, |c| {
        c.site_second_name = "བོད་ལྗོངས་ཚན་རྩལ་ཞབས་ཞུའི་མ་ལག".into();
        c.site_second_font = font.into();
        c.site_second_font_licence = scigrant_app::config::NOTO_SERIF_TIBETAN_LICENCE.into();
    })
    .await;
    s.go("/").await;
    let v =
        s.c.execute_async(
            "const done = arguments[0];\
             document.fonts.ready.then(() => {\
               const el = document.querySelector('.brand-second');\
               const faces = [...document.fonts].filter(f => f.family.includes('SciGrant Second Name'));\
               done([el.textContent, faces.map(f => f.status).join(','),\
                     document.fonts.check('16px \"SciGrant Second Name\"', el.textContent),\
                     document.getElementById('site-font').textContent]);\
             });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            "བོད་ལྗོངས་ཚན་རྩལ་ཞབས་ཞུའི་མ་ལག",
            "loaded",
            true,
            "第二语言站名字体：Noto Serif Tibetan，SIL Open Font License 1.1"
        ])
    );
    assert_eq!(
        s.csp_reports.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the font is loaded within the Content-Security-Policy"
    );
}
