//! Operations over HTTP: the balancer's probes and the metrics scrape (in
//! process), and the stop on SIGTERM of the real binary, with its JSON
//! request log.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::config::Secret;
use scigrant_app::testing::{Backend, test_env};
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

async fn get(state: &AppState, path: &str, bearer: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get(path);
    if let Some(t) = bearer {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = router(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const TOKEN: &str = "scrape-0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_and_metrics_need_the_token() {
    let env = test_env(Backend::Sqlite).await;
    let mut app = env.app.clone();
    let mut cfg = (*app.config).clone();
    cfg.metrics_token = Some(Secret::new(TOKEN));
    app.config = Arc::new(cfg);
    let state = AppState::new(app);

    assert_eq!(
        get(&state, "/healthz", None).await,
        (StatusCode::OK, "ok".into())
    );
    assert_eq!(
        get(&state, "/readyz", None).await,
        (StatusCode::OK, "ready".into())
    );
    // Without the token, or with a wrong one, there is no such page.
    for bearer in [None, Some("scrape-0123456789abcdeX")] {
        let (status, page) = get(&state, "/metrics", bearer).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(page.contains("您访问的页面不存在。"), "{page}");
    }
    get(&state, "/no/such/page", None).await;
    let (status, text) = get(&state, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        r#"scigrant_http_requests_total{method="GET",route="/healthz",status="200"}"#,
        r#"scigrant_http_requests_total{method="GET",route="/metrics",status="404"}"#,
        r#"scigrant_http_requests_total{method="GET",route="unmatched",status="404"}"#,
        r#"scigrant_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="0.005"}"#,
        "scigrant_db_pool_connections ",
        "scigrant_db_pool_idle ",
        "scigrant_locked_accounts 0",
        "scigrant_outbox_backlog ",
        "scigrant_outbox_failed 0",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }

    // With a separate metrics address, the main one never serves them.
    let mut app = env.app.clone();
    let mut cfg = (*app.config).clone();
    cfg.metrics_token = Some(Secret::new(TOKEN));
    cfg.metrics_listen = Some("127.0.0.1:0".into());
    app.config = Arc::new(cfg);
    let state = AppState::new(app);
    assert_eq!(
        get(&state, "/metrics", Some(TOKEN)).await.0,
        StatusCode::NOT_FOUND
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.get(9..12)?.parse().ok()
}

/// Kills the server if the test fails half-way.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The pre-login form token the login page's cookie carries.
fn pre_login_token(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let at = out
        .find("sg_csrf=")
        .expect("the login page sets the form token")
        + "sg_csrf=".len();
    out[at..].split(';').next().unwrap().to_string()
}

#[test]
fn on_sigterm_the_request_in_flight_finishes_new_ones_are_refused_and_it_exits() {
    let dir = std::env::temp_dir().join(format!("scigrant-stop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let grace = 10;
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_scigrant"))
            .arg("serve")
            .current_dir(&dir)
            .env_clear()
            .env("SCIGRANT_DATA_DIR", dir.join("data"))
            .env("SCIGRANT_LISTEN", format!("127.0.0.1:{port}"))
            .env("SCIGRANT_PASSWORD_ITERATIONS", "1000")
            .env("SCIGRANT_ALLOW_WEAK_PASSWORD_HASHING", "1")
            .env("SCIGRANT_LOG_FORMAT", "json")
            .env("SCIGRANT_SLOW_REQUEST_MS", "300")
            .env("SCIGRANT_SHUTDOWN_GRACE_SECS", grace.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while status_of(port, "/readyz") != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A login form still being sent, slowly, when the stop comes.
    let token = pre_login_token(port);
    let body = format!(
        "csrf={token}&tab=person&login=13900000001&password=Secret%231234&captcha_id=none&captcha=ABCD"
    );
    let (head, tail) = body.split_at(20);
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        slow,
        "POST /login HTTP/1.1\r\nHost: t\r\nCookie: sg_csrf={token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let term = Command::new("kill")
        .arg("-TERM")
        .arg(server.0.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    let stopped = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let refused = TcpStream::connect(("127.0.0.1", port));
    assert_eq!(
        refused.map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::ConnectionRefused,
        "no new connection once stopping"
    );

    slow.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    // The whole answer arrives: the form comes back with its error.
    assert!(answer.starts_with("HTTP/1.1 422 "), "{answer}");
    assert!(answer.contains("图形验证码不正确或已过期，请重新输入"));

    let code = loop {
        if let Some(code) = server.0.try_wait().unwrap() {
            break code;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(grace),
            "still running after the grace period"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "exit status {code:?}");

    // The log: one JSON object a line; the slow login logged once at warn
    // with its route, status, latency and request id, and no personal data.
    let mut log = String::new();
    server
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    let events: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let logins: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["fields"]["route"] == "/login" && e["fields"]["method"] == "POST")
        .collect();
    assert_eq!(logins.len(), 1, "{log}");
    let f = &logins[0]["fields"];
    assert_eq!(logins[0]["level"], "WARN");
    assert_eq!(f["message"], "slow request");
    assert_eq!(f["method"], "POST");
    assert_eq!(f["status"], 422);
    assert!(f["latency_ms"].as_u64().unwrap() >= 400, "{f}");
    assert_eq!(f["request_id"].as_str().unwrap().len(), 16);
    assert_eq!(f["actor_kind"], "-");
    for secret in ["13900000001", "Secret", token.as_str()] {
        assert!(!log.contains(secret), "{secret} must never be logged");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
