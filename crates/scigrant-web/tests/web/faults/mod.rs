//! Proof against faults (issue 11), with real parts on loopback: the
//! `scigrant` binary as a separate process that is SIGKILLed and restarted,
//! a private PostgreSQL cluster that is stopped and started again, and
//! applicants that autosave and submit over plain HTTP/1.1. What the
//! clients saw acknowledged is then checked against the database through
//! the use cases. Every wait is bounded.

mod disk;
mod kill;
mod outage;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::testing::{PASSWORD, staff_actor};
use scigrant_app::{App, SystemClock};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::grants::form::{FormData, Value, samples::sample_fj4};
use scigrant_domain::ids::CallId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest a single request may take in these tests before the client
/// gives up on it (a hang is a failure, never a wait).
const CLIENT_LIMIT: Duration = Duration::from_secs(15);

/// A process killed (SIGKILL) when the test ends, however it ends.
pub struct Proc(pub Child);

impl Proc {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// SIGTERM, as an orchestrator stops a node; how the process exited,
    /// or a panic when it is still running after `within`.
    pub async fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(sent.success(), "kill -TERM {}", self.0.id());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for the process") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "process {} still running {within:?} after SIGTERM",
                self.0.id()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `scigrant audit verify` against the data folder `dir` (its anchor) and
/// database `url`, with the nodes' extra settings `env`: asserts the chain
/// is intact and returns what it said.
pub fn audit_verify(dir: &Path, url: &str, env: &[(&str, String)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scigrant"))
        .args(["audit", "verify"])
        .env("SCIGRANT_DATA_DIR", dir)
        .env("SCIGRANT_DATABASE_URL", url)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("审计链完整"),
        "audit verify: {said}"
    );
    said.trim().to_string()
}

/// A count the suite runs small and a longer run asks for with `var`
/// (the figures in docs/benchmarks.md), never below `min`.
pub fn count_from_env(var: &str, suite: usize, min: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(suite)
        .max(min)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server binary on `port`, on `url` with `dir` as its data folder.
pub fn start_server(dir: &Path, url: &str, port: u16) -> Proc {
    start_server_with(dir, url, port, &[])
}

/// [`start_server`] with more `SCIGRANT_*` settings (`env`), e.g. the
/// storage a node keeps files in.
pub fn start_server_with(dir: &Path, url: &str, port: u16, env: &[(&str, String)]) -> Proc {
    let log = std::env::var("SCIGRANT_FAULTS_LOG").ok();
    let child = Command::new(env!("CARGO_BIN_EXE_scigrant"))
        .env("SCIGRANT_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIGRANT_DATA_DIR", dir)
        .env("SCIGRANT_DATABASE_URL", url)
        .env("SCIGRANT_TEST_CAPTCHA", "TEST")
        .env("SCIGRANT_ALLOW_WEAK_PASSWORD_HASHING", "1")
        .env("SCIGRANT_PASSWORD_ITERATIONS", "1000")
        .env("SCIGRANT_LOGIN_RATE_PER_MINUTE", "100000")
        .env("SCIGRANT_TRUSTED_PROXIES", "127.0.0.1")
        .env("SCIGRANT_MAX_CONNECTIONS", "4")
        // SCIGRANT_FAULTS_LOG=warn shows the server's log (for a failure's cause).
        .env("RUST_LOG", log.as_deref().unwrap_or("error"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(if log.is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(if log.is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("start the scigrant binary");
    Proc(child)
}

/// The set-up through the use cases: a program and a 附件4 call open now
/// (the server runs on the system clock) to research institutes.
pub async fn open_call(dir: &Path, url: &str) -> (App, CallId) {
    open_call_on(scigrant_app::testing::test_config(dir, url.to_string())).await
}

/// [`open_call`] with the site's configuration `config`.
pub async fn open_call_on(config: scigrant_app::config::Config) -> (App, CallId) {
    let app = App::open(config, Arc::new(SystemClock)).await.unwrap();
    let staff = staff_actor(1);
    let now = app.now();
    let program = create_program(&app, &staff, "2023年“科创中国”系列项目", "")
        .await
        .unwrap();
    let call = create_call(
        &app,
        &staff,
        program,
        &CallForm {
            code: "KJFWT2023-01".into(),
            name: "产业科技服务团".into(),
            task: "发挥全国学会科技人才汇聚优势".into(),
            quota: "80".into(),
            cap: "55".into(),
            period_end: "2023-11-30".into(),
            eligible: vec!["institute".into()],
            opens: scigrant_domain::calendar::format_datetime(now - 3_600_000),
            closes: scigrant_domain::calendar::format_datetime(now + 86_400_000),
            paper_deadline: scigrant_domain::calendar::format_datetime(now + 2 * 86_400_000),
            template: "kczg2023-fj4".into(),
            ..CallForm::default()
        },
    )
    .await
    .unwrap();
    set_state(&app, &staff, call, CallState::Published)
        .await
        .unwrap();
    (app, call)
}

/// The sample 附件4 as applicant `who`'s version `v`: the project's name
/// says which, so a stored draft tells which save it holds.
pub fn draft(who: usize, v: usize) -> FormData {
    let mut d = sample_fj4();
    d.insert("project_name".into(), Value::Text(title(who, v)));
    d
}

pub fn title(who: usize, v: usize) -> String {
    format!("故障演练项目{who}第{v}版")
}

/// The version a stored project name carries (`title`'s inverse).
pub fn version_of(data: &FormData, who: usize) -> Option<usize> {
    match data.get("project_name") {
        Some(Value::Text(t)) => t
            .strip_prefix(&format!("故障演练项目{who}第"))?
            .strip_suffix('版')?
            .parse()
            .ok(),
        _ => None,
    }
}

/// The form fields a browser posts for `data` (`f:` texts, `t:` table cells).
pub fn form_body(data: &FormData) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in data {
        match v {
            Value::Text(t) => pairs.push((format!("f:{k}"), t.clone())),
            Value::Rows(rows) => {
                for (i, r) in rows.iter().enumerate() {
                    for (c, val) in r {
                        pairs.push((format!("t:{k}:{i}:{c}"), val.clone()));
                    }
                }
            }
        }
    }
    serde_urlencoded::to_string(pairs).unwrap()
}

#[derive(Debug, Default)]
pub struct Resp {
    /// 0 when no answer came (refused, reset, cut off, or over the limit).
    pub status: u16,
    pub content_type: String,
    pub request_id: String,
    pub location: String,
    pub body: String,
    /// The body as sent (a download's bytes; `body` is it read as text).
    pub bytes: Vec<u8>,
    pub cookies: Vec<(String, String)>,
    pub took: Duration,
}

/// One applicant's browser: cookies, the session's form token, one
/// connection per request (a killed server leaves nothing half-open).
#[derive(Clone)]
pub struct Client {
    pub port: u16,
    pub cookies: BTreeMap<String, String>,
    pub csrf: String,
    /// The address this applicant stands for (`X-Forwarded-For`, believed
    /// from loopback): each has its own per-address budgets, as real ones do.
    pub forwarded_for: String,
    /// How many answers of each status this client got (0: none).
    pub answered: BTreeMap<u16, usize>,
}

impl Client {
    pub fn new(port: u16) -> Client {
        Client::at(port, "10.0.0.1")
    }

    pub fn at(port: u16, forwarded_for: &str) -> Client {
        Client {
            port,
            cookies: BTreeMap::new(),
            csrf: String::new(),
            forwarded_for: forwarded_for.into(),
            answered: BTreeMap::new(),
        }
    }

    pub async fn send(&mut self, method: &str, path: &str, body: &str) -> Resp {
        self.send_as(
            method,
            path,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
        )
        .await
    }

    /// [`Client::send`] of a body of `content_type` (a multipart upload).
    pub async fn send_as(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Resp {
        let t = Instant::now();
        let raw = tokio::time::timeout(
            CLIENT_LIMIT,
            self.exchange(method, path, content_type, body),
        )
        .await;
        let mut r = match raw {
            Ok(Some(raw)) => parse(&raw),
            _ => Resp::default(),
        };
        r.took = t.elapsed();
        *self.answered.entry(r.status).or_default() += 1;
        self.cookies.extend(r.cookies.iter().cloned());
        r
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Option<Vec<u8>> {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {}\r\n\
             X-Forwarded-For: {}\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            cookie.join("; "),
            self.forwarded_for,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        conn.write_all(&req).await.ok()?;
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw).await.ok()?;
        Some(raw)
    }

    /// Signs in on the person tab and keeps the session's form token;
    /// false when the server did not let the person in (or was down).
    pub async fn login(&mut self, mobile: &str) -> bool {
        let Some(r) = self.post_login(mobile, PASSWORD).await else {
            return false;
        };
        if r.status != 303 {
            return false;
        }
        let home = self.send("GET", "/person", "").await;
        self.csrf = between(&home.body, "name=\"csrf\" value=\"", "\"");
        home.status == 200 && !self.csrf.is_empty()
    }

    /// Loads the login page and posts the person tab with `password`; the
    /// post's answer, or None when the page did not come.
    pub async fn post_login(&mut self, mobile: &str, password: &str) -> Option<Resp> {
        let page = self.send("GET", "/login", "").await;
        if page.status != 200 {
            return None;
        }
        let captcha = between(&page.body, "name=\"captcha_id\" value=\"", "\"");
        let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"");
        let form = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("tab", "person"),
            ("login", mobile),
            ("password", password),
            ("captcha_id", captcha.as_str()),
            ("captcha", "TEST"),
        ])
        .unwrap();
        Some(self.send("POST", "/login", &form).await)
    }

    /// Opens (or reopens: the use case is idempotent) the application to
    /// `call`; its id.
    pub async fn apply(&mut self, call: CallId) -> Option<i64> {
        let r = self
            .send(
                "POST",
                &format!("/calls/{call}/apply"),
                &format!("csrf={}", self.csrf),
            )
            .await;
        if r.status != 303 {
            return None;
        }
        r.location.split('/').nth(2)?.parse().ok()
    }

    pub async fn autosave(&mut self, app_id: i64, data: &FormData) -> Resp {
        let body = format!("csrf={}&{}", self.csrf, form_body(data));
        self.send("POST", &format!("/applications/{app_id}/autosave"), &body)
            .await
    }

    /// 提交; a 303 to the application's page is the receipt.
    pub async fn submit(&mut self, app_id: i64, data: &FormData) -> Resp {
        let body = format!("csrf={}&{}", self.csrf, form_body(data));
        self.send("POST", &format!("/applications/{app_id}/submit"), &body)
            .await
    }
}

fn parse(raw: &[u8]) -> Resp {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Resp::default();
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let bytes = &raw[end + 4..];
    let body = String::from_utf8_lossy(bytes).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut r = Resp {
        status,
        ..Resp::default()
    };
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.to_ascii_lowercase().as_str() {
            "content-type" => r.content_type = v,
            "x-request-id" => r.request_id = v,
            "location" => r.location = v,
            "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
            "set-cookie" => {
                if let Some((n, val)) = v.split(';').next().and_then(|kv| kv.split_once('=')) {
                    r.cookies.push((n.to_string(), val.to_string()));
                }
            }
            _ => {}
        }
    }
    if chunked {
        r.body = dechunk(&body);
        r.bytes = r.body.clone().into_bytes();
    } else {
        r.body = body;
        r.bytes = bytes.to_vec();
    }
    r
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn between(s: &str, start: &str, end: &str) -> String {
    let Some(i) = s.find(start).map(|i| i + start.len()) else {
        return String::new();
    };
    let j = s[i..].find(end).map_or(i, |j| j + i);
    s[i..j].to_string()
}
