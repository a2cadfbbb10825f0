//! The HTTP layers in process: the request id on error pages and in the
//! log, compression, security and cache headers, the per-IP rate limits.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use scigrant_app::Config;
use scigrant_app::testing::{Backend, PASSWORD, staff_with_password, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::permission::Permission;
use scigrant_web::AppState;
use scigrant_web::ops::logging::subscriber;
use scigrant_web::routes::{router, table};
use tower::ServiceExt;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use super::{csrf, send, send_cookies, staff_session};

/// Log output captured for one request.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Sends `req` with a pre-login CSRF cookie, logging into `logs`.
async fn fetch(
    state: &AppState,
    req: axum::http::request::Builder,
    logs: &Captured,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let subscriber = subscriber("text", EnvFilter::new("info"), logs.clone(), false);
    let req = req
        .header("cookie", csrf(state, None).await.0)
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone())
        .oneshot(req)
        .with_subscriber(subscriber)
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

fn request_id(headers: &HeaderMap) -> String {
    headers["x-request-id"].to_str().unwrap().to_string()
}

/// The id of the response header, shown on the page.
fn shows_id(headers: &HeaderMap, body: &[u8]) -> String {
    let id = request_id(headers);
    let page = String::from_utf8_lossy(body);
    assert!(
        page.contains(&format!("请求编号：<code>{id}</code>")),
        "the page shows request id {id}: {page}"
    );
    id
}

/// Every error page shows the request id; a 500 logs its cause on a line
/// that carries the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_pages_show_the_request_id_that_the_log_carries() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let env = test_env(backend).await;
        let state = AppState::new(env.app.clone());
        let logs = Captured::default();

        // 404 from the fallback and from a handler's `?`.
        for path in ["/no-such-page", "/notices/nope"] {
            let (status, headers, body) = fetch(&state, Request::get(path), &logs).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            let id = shows_id(&headers, &body);
            assert_eq!(id.len(), 16);
            assert!(String::from_utf8_lossy(&body).contains("<h1>未找到</h1>"));
        }
        // A proxy's id is kept and shown.
        let (status, headers, body) = fetch(
            &state,
            Request::get("/no-such-page").header("x-request-id", "lb-7f3a.01"),
            &logs,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(shows_id(&headers, &body), "lb-7f3a.01");

        // 403 from the route guard: the auditor on another role's page.
        let auditor = staff_session(&env, StaffRole::AuditAdmin).await;
        let other_role = table()
            .declared
            .into_iter()
            .find(|d| {
                d.method == "GET"
                    && !d.path.contains('{')
                    && matches!(d.permission, Permission::StaffRole(r) if r != StaffRole::AuditAdmin)
            })
            .unwrap();
        let (status, headers, body) = fetch(
            &state,
            Request::get(other_role.path).header("cookie", format!("sg_session={auditor}")),
            &logs,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", other_role.path);
        shows_id(&headers, &body);
        assert!(String::from_utf8_lossy(&body).contains("您的账号无权访问此页面。"));

        // 403 from the CSRF check in the middleware.
        let (status, headers, body) = fetch(&state, Request::post("/login"), &logs).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        shows_id(&headers, &body);
        assert!(String::from_utf8_lossy(&body).contains("<h1>页面已过期</h1>"));

        // 500: the database is gone, the login page cannot make a captcha.
        env.app.db.pool.close().await;
        let (status, headers, body) = fetch(&state, Request::get("/login"), &logs).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let id = shows_id(&headers, &body);
        let page = String::from_utf8_lossy(&body);
        assert!(
            page.contains("系统处理出错，请稍后重试。如需联系技术支持，请提供下方的请求编号。")
        );
        assert!(
            !page.contains("internal"),
            "no internals on the page: {page}"
        );
        let log = logs.text();
        let cause: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("internal error"))
            .collect();
        assert_eq!(cause.len(), 1, "{log}");
        assert!(cause[0].contains(" ERROR "), "{}", cause[0]);
        assert!(
            cause[0].contains(&format!("request{{id={id} method=GET path=/login}}")),
            "the cause is logged with request id {id}: {}",
            cause[0]
        );
        // The access line of the same request carries it too.
        assert!(
            log.lines().any(|l| l.contains(&format!("request_id={id} "))
                && l.contains("route=/login")
                && l.contains("status=500")),
            "{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_and_carry_the_security_headers() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let logs = Captured::default();
    let (status, headers, plain) = fetch(&state, Request::get("/"), &logs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-encoding"), None);
    assert!(plain.starts_with(b"<!doctype html>"));
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; report-uri /csp-report"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    // The portal's pages revalidate by ETag and stay out of shared caches.
    assert_eq!(headers["cache-control"], "private, no-cache");

    let (status, headers, gz) = fetch(
        &state,
        Request::get("/").header("accept-encoding", "gzip"),
        &logs,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers["vary"], "accept-encoding");
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "a gzip stream");
    assert!(
        gz.len() * 2 < plain.len(),
        "{} of {}",
        gz.len(),
        plain.len()
    );

    let (_, headers, br) = fetch(
        &state,
        Request::get("/").header("accept-encoding", "br"),
        &logs,
    )
    .await;
    assert_eq!(headers["content-encoding"], "br");
    assert!(
        br.len() * 2 < plain.len(),
        "{} of {}",
        br.len(),
        plain.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_assets_are_versioned_and_revalidated() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let logs = Captured::default();
    let (_, _, home) = fetch(&state, Request::get("/"), &logs).await;
    let home = String::from_utf8(home).unwrap();
    let start = home.find("/static/site.css?v=").unwrap();
    let url = &home[start..start + "/static/site.css?v=".len() + 16];

    let (status, headers, css) = fetch(&state, Request::get(url), &logs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("W/\"{}\"", &url[url.len() - 16..]));
    assert!(String::from_utf8(css).unwrap().contains(".error-card"));

    let (status, headers, body) = fetch(
        &state,
        Request::get(url).header("if-none-match", etag.as_str()),
        &logs,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(headers["etag"], etag.as_str());
    assert!(body.is_empty());

    // Without the current version the browser asks again each time.
    let (status, headers, _) = fetch(&state, Request::get("/static/site.css?v=old"), &logs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, no-cache");
    let (status, headers, _) = fetch(&state, Request::get("/static/region.js"), &logs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, no-cache");
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    let (status, _, _) = fetch(&state, Request::get("/static/nope.js"), &logs).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Login and registration posts draw from per-address budgets set in the
/// configuration; the budget refills with the (test) clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_registration_are_rate_limited_per_address() {
    let env = test_env(Backend::Sqlite).await;
    let mut app = env.app.clone();
    app.config = Arc::new(Config {
        login_rate_per_minute: 2,
        register_rate_per_minute: 1,
        ..(*env.app.config).clone()
    });
    let state = AppState::new(app);
    let login = "/login";
    let staff_login = "/staff/login";
    let register = "/register/person";

    for path in [login, staff_login] {
        let (status, _, body) = send(&state, "POST", path, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("图形验证码不正确或已过期"), "{path}");
    }
    // Person, unit and staff login share one budget; the form comes back
    // with the reason.
    let (status, _, body) = send(&state, "POST", login, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请求过于频繁，请稍后再试"));
    assert!(body.contains("name=\"password\""), "the login form again");

    let (status, _, body) = send(&state, "POST", register, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!body.contains("请求过于频繁"));
    let (status, _, body) = send(&state, "POST", register, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("<h1>请稍后再试</h1>"));
    assert!(body.contains("请求过于频繁，请稍后再试"));

    // One login comes back after 30 s (60 s / 2), the registration after 60 s.
    env.clock.advance_ms(30_000);
    let (_, _, body) = send(&state, "POST", login, None).await;
    assert!(body.contains("图形验证码不正确或已过期"));
    let (status, _, _) = send(&state, "POST", register, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    env.clock.advance_ms(30_000);
    let (status, _, _) = send(&state, "POST", register, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every page with a captcha stores one answer per load, so loads draw
/// from the per-address captcha budget (120 a minute): past it the page
/// still renders, asks the visitor to wait and stores nothing. Expired
/// answers are purged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captcha_pages_draw_from_the_per_address_budget() {
    use axum::extract::ConnectInfo;
    use scigrant_app::identity::captcha::purge_expired_captchas;
    use scigrant_app::testing::captcha_count;

    const WAIT: &str = "获取图形验证码过于频繁，请稍等一分钟后刷新页面";
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let logs = Captured::default();
    let pages = [
        "/login",
        "/staff/login",
        "/register/person",
        "/register/unit",
    ];
    let attacker: std::net::SocketAddr = "203.0.113.9:40000".parse().unwrap();
    let from =
        |path: &str, addr: std::net::SocketAddr| Request::get(path).extension(ConnectInfo(addr));
    for i in 0..130 {
        let path = pages[i % pages.len()];
        let (status, _, body) = fetch(&state, from(path, attacker), &logs).await;
        let body = String::from_utf8(body).unwrap();
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body.contains("src=\"data:image"), i < 120, "load {i}");
        assert_eq!(body.contains(WAIT), i >= 120, "load {i}");
    }
    assert_eq!(captcha_count(&env.app).await, 120);
    // The image endpoint shares the budget.
    let (status, _, _) = fetch(&state, from("/captcha", attacker), &logs).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another address has its own budget.
    let other: std::net::SocketAddr = "198.51.100.7:40000".parse().unwrap();
    let (_, _, body) = fetch(&state, from("/register/unit", other), &logs).await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("src=\"data:image")
    );
    assert_eq!(captcha_count(&env.app).await, 121);

    // Five minutes on, nothing is expired yet; past them all are purged.
    env.clock.advance_ms(5 * 60_000);
    assert_eq!(purge_expired_captchas(&env.app).await.unwrap(), 0);
    env.clock.advance_ms(1);
    assert_eq!(purge_expired_captchas(&env.app).await.unwrap(), 121);
    assert_eq!(captcha_count(&env.app).await, 0);
    // By then the budget has refilled.
    let (_, _, body) = fetch(&state, from("/login", attacker), &logs).await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("src=\"data:image")
    );
    assert_eq!(captcha_count(&env.app).await, 1);
}

/// Sends `req` with `cookie` and a form body, without logging.
async fn exchange(state: &AppState, req: axum::http::request::Builder, body: &str) -> HeaderMap {
    let res = router(state.clone())
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    res.headers().clone()
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Over https every answer carries HSTS, and the session and CSRF cookies
/// are `__Host-` cookies (Secure, Path=/, no Domain), so a subdomain or a
/// plain-http answer cannot plant them; the unprefixed names are no longer
/// read. Over http nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_sends_hsts_and_host_prefixed_cookies() {
    let env = test_env(Backend::Sqlite).await;
    staff_with_password(
        &env.app,
        "s_https",
        "测试",
        StaffRole::SecurityAdmin,
        PASSWORD,
    )
    .await;
    for (public_url, prefix, hsts, secure) in [
        (
            "https://kj.example.cn",
            "__Host-",
            Some("max-age=31536000; includeSubDomains"),
            "; Secure",
        ),
        ("http://127.0.0.1:8080", "", None, ""),
    ] {
        let mut app = env.app.clone();
        app.config = Arc::new(Config {
            public_url: public_url.into(),
            ..(*env.app.config).clone()
        });
        let state = AppState::new(app);

        // A first visit gets the CSRF cookie.
        let headers = exchange(&state, Request::get("/staff/login"), "").await;
        assert_eq!(
            headers
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            hsts,
            "{public_url}"
        );
        let cookies = set_cookies(&headers);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let csrf = cookies[0]
            .strip_prefix(&format!("{prefix}sg_csrf="))
            .unwrap_or_else(|| panic!("{public_url}: {}", cookies[0]))
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            cookies[0],
            format!("{prefix}sg_csrf={csrf}; Path=/; HttpOnly; SameSite=Lax{secure}")
        );

        // Signing in with it sets the session cookie under the same rule.
        let captcha = scigrant_app::identity::captcha::new_captcha(&env.app)
            .await
            .unwrap()
            .id;
        let headers = exchange(
            &state,
            Request::post("/staff/login")
                .header("cookie", format!("{prefix}sg_csrf={csrf}"))
                .header("content-type", "application/x-www-form-urlencoded"),
            &format!(
                "csrf={csrf}&login=s_https&password={}&captcha_id={captcha}&captcha=TEST",
                PASSWORD.replace('#', "%23")
            ),
        )
        .await;
        assert_eq!(headers["location"], "/staff", "{public_url}");
        assert_eq!(
            headers
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            hsts
        );
        let cookies = set_cookies(&headers);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let session = cookies[0]
            .strip_prefix(&format!("{prefix}sg_session="))
            .unwrap_or_else(|| panic!("{public_url}: {}", cookies[0]))
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            cookies[0],
            format!("{prefix}sg_session={session}; Path=/; HttpOnly; SameSite=Lax{secure}")
        );
        assert!(!cookies[0].contains("Domain"));

        // The session is read under its own name only.
        let (status, _, _) =
            fetch_with_cookie(&state, &format!("{prefix}sg_session={session}")).await;
        assert_eq!(status, StatusCode::OK, "{public_url}");
        let other = if prefix.is_empty() {
            "__Host-sg_session"
        } else {
            "sg_session"
        };
        let (status, location, _) = fetch_with_cookie(&state, &format!("{other}={session}")).await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/staff/login"),
            "{public_url}: {other} is not read"
        );
    }
}

/// `GET /staff` with `cookie`: status, location, body.
async fn fetch_with_cookie(state: &AppState, cookie: &str) -> (StatusCode, String, String) {
    send_cookies(state, "GET", "/staff", cookie).await
}

/// Browsers post what the policy blocked without a CSRF token; the report
/// is accepted, counted and logged, and nothing else is exempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_violation_reports_are_counted() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (status, _, _) = send_cookies(&state, "POST", "/csp-report", "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        state.csp_reports.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    let (status, _, _) = send_cookies(&state, "POST", "/logout", "").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "other posts still need the token"
    );
}

/// Issue 11, request limits: what is too big is cut off with its status
/// before a handler works on it. Too many headers or one huge header: 431
/// from the HTTP server; an url-encoded form with more than 4 000 fields or
/// a body over the route's limit: 413, the form token notwithstanding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_cut_off_with_the_right_status() {
    use std::io::Read;
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (cookies, token) = csrf(&state, None).await;
    let post = |body: String| {
        let (state, cookies, token) = (state.clone(), cookies.clone(), token.clone());
        async move {
            let req = Request::post("/login")
                .header("cookie", cookies)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={token}&{body}")))
                .unwrap();
            router(state).oneshot(req).await.unwrap().status()
        }
    };
    let many: Vec<String> = (0..4_001).map(|i| format!("f{i}=1")).collect();
    assert_eq!(post(many.join("&")).await, StatusCode::PAYLOAD_TOO_LARGE);
    let few: Vec<String> = (0..100).map(|i| format!("f{i}=1")).collect();
    assert_eq!(post(few.join("&")).await, StatusCode::UNPROCESSABLE_ENTITY);
    let huge = format!("login={}", "x".repeat(3 * 1024 * 1024));
    assert_eq!(post(huge).await, StatusCode::PAYLOAD_TOO_LARGE);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(scigrant_web::serve(state.clone(), listener));
    let status_of = move |head: String| {
        tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let _ = s.write_all(head.as_bytes());
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out);
            String::from_utf8_lossy(&out)
                .get(9..12)
                .unwrap_or("")
                .to_string()
        })
    };
    let normal = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_string();
    assert_eq!(status_of(normal).await.unwrap(), "200");
    let headers: String = (0..120).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{headers}Connection: close\r\n\r\n");
    assert_eq!(status_of(many).await.unwrap(), "431");
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "v".repeat(512 * 1024)
    );
    assert_eq!(status_of(big).await.unwrap(), "431");
}
