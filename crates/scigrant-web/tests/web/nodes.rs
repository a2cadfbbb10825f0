//! Several nodes, proved with real parts: two `scigrant` processes on one
//! PostgreSQL database and one shared data folder, behind HAProxy on
//! loopback (round robin, no stickiness, retries with redispatch). Each
//! client request is its own connection, so consecutive requests go to
//! alternate nodes; HAProxy names the node that answered in `X-Node`.
//! Distinct clients come from distinct loopback addresses (127.0.0.x),
//! which HAProxy adds to X-Forwarded-For and the nodes believe because
//! HAProxy's address is their trusted proxy.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scigrant_app::testing::{
    ApprovedMember, PASSWORD, create_pg_database, drop_pg_database, test_config,
};
use scigrant_app::{App, SystemClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use super::faults::{Proc, free_port, wait_listening};

const LOGIN_RATE: usize = 5;

fn start_node(dir: &Path, url: &str, port: u16) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_scigrant"))
        .env("SCIGRANT_LISTEN", format!("127.0.0.1:{port}"))
        .env("SCIGRANT_DATA_DIR", dir)
        .env("SCIGRANT_DATABASE_URL", url)
        .env("SCIGRANT_TEST_CAPTCHA", "TEST")
        .env("SCIGRANT_ALLOW_WEAK_PASSWORD_HASHING", "1")
        .env("SCIGRANT_PASSWORD_ITERATIONS", "1000")
        .env("SCIGRANT_LOGIN_RATE_PER_MINUTE", LOGIN_RATE.to_string())
        .env("SCIGRANT_TRUSTED_PROXIES", "127.0.0.1")
        .env("SCIGRANT_MAX_CONNECTIONS", "4")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the scigrant binary");
    Proc(child)
}

/// How HAProxy tells a node is up: a TCP connect, or an HTTP check of a
/// path that must answer 200 (`/readyz`).
#[derive(Clone, Copy)]
pub enum Check<'a> {
    Connect,
    Http(&'a str),
}

/// HAProxy on `port` in front of `nodes` (round robin, no stickiness,
/// health checks every 200 ms, a failed connection or an empty answer
/// retried up to 3 times on another node), naming the node that answered
/// in `X-Node`; its statistics on `stats` (see [`servers_are`]).
pub fn start_haproxy(dir: &Path, port: u16, nodes: &[u16], check: Check, stats: u16) -> Proc {
    let servers: String = nodes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "    server n{} 127.0.0.1:{p} check inter 200ms fall 1 rise 2\n",
                i + 1
            )
        })
        .collect();
    let check = match check {
        Check::Connect => String::new(),
        Check::Http(path) => format!(
            "    option httpchk GET {path}\n    http-check expect status 200\n    timeout check 2s\n"
        ),
    };
    let cfg = format!(
        "global\n    pidfile {pid}\n    maxconn 1000\n\
         defaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n\
         \x20   timeout server 30s\n    retries 3\n    option redispatch 1\n\
         \x20   retry-on conn-failure empty-response response-timeout\n\
         \x20   option http-server-close\n    option forwardfor\n\
         listen web\n    bind 127.0.0.1:{port}\n    balance roundrobin\n{check}\
         \x20   http-response set-header X-Node %[srv_name]\n{servers}\
         listen stats\n    bind 127.0.0.1:{stats}\n    stats enable\n    stats uri /stats\n",
        pid = dir.join("haproxy.pid").display(),
    );
    let file = dir.join("haproxy.cfg");
    std::fs::write(&file, cfg).unwrap();
    let child = Command::new("haproxy")
        .arg("-f")
        .arg(&file)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("start haproxy (Debian package `haproxy`; scripts/test installs it): {e}")
        });
    Proc(child)
}

/// HAProxy's statistics as CSV: per server (`n1`, `n2`, …) its state
/// (`UP`, `DOWN`, `UP 1/2`, …), and the retries and redispatches it made.
pub async fn balancer_stats(stats: u16) -> BTreeMap<String, (String, u64, u64)> {
    let mut out = BTreeMap::new();
    let Ok(mut conn) = tokio::net::TcpStream::connect(("127.0.0.1", stats)).await else {
        return out;
    };
    let req = "GET /stats;csv HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if conn.write_all(req.as_bytes()).await.is_err() {
        return out;
    }
    let mut raw = Vec::new();
    let _ = conn.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    // pxname,svname,…,wretr (15),wredis (16),status (17),…
    for line in text.lines().filter(|l| l.starts_with("web,n")) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() > 17 {
            out.insert(
                f[1].to_string(),
                (
                    f[17].to_string(),
                    f[15].parse().unwrap_or(0),
                    f[16].parse().unwrap_or(0),
                ),
            );
        }
    }
    out
}

/// Waits (at most 30 s) until HAProxy counts every one of `servers` in
/// `state` (`UP` or `DOWN`).
pub async fn servers_are(stats: u16, servers: &[&str], state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = balancer_stats(stats).await;
        if servers
            .iter()
            .all(|s| now.get(*s).is_some_and(|(st, _, _)| st == state))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "HAProxy does not see {servers:?} {state}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Resp {
    status: u16,
    node: String,
    location: String,
    body: String,
    cookies: Vec<(String, String)>,
}

/// One client: its own loopback address and its cookies; one connection
/// per request.
struct Client {
    from: IpAddr,
    to: SocketAddr,
    cookies: BTreeMap<String, String>,
}

impl Client {
    fn new(from: &str, port: u16) -> Client {
        Client {
            from: from.parse().unwrap(),
            to: SocketAddr::from(([127, 0, 0, 1], port)),
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, method: &str, path: &str, body: &str) -> Resp {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(self.from, 0)).unwrap();
        let mut conn = socket.connect(self.to).await.unwrap();
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            cookie.join("; "),
            body.len()
        );
        conn.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut r = Resp {
            status,
            node: String::new(),
            location: String::new(),
            body: body.to_string(),
            cookies: Vec::new(),
        };
        for l in lines {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let v = v.trim();
            match k.to_ascii_lowercase().as_str() {
                "x-node" => r.node = v.to_string(),
                "location" => r.location = v.to_string(),
                "set-cookie" => {
                    if let Some((n, val)) = v.split(';').next().and_then(|kv| kv.split_once('=')) {
                        r.cookies.push((n.to_string(), val.to_string()));
                    }
                }
                _ => {}
            }
        }
        self.cookies.extend(r.cookies.iter().cloned());
        r
    }

    /// Loads the login page (a fresh captcha, the CSRF cookie) and posts
    /// the person tab's form with `password`.
    async fn login(&mut self, mobile: &str, password: &str) -> (Resp, Resp) {
        let page = self.send("GET", "/login", "").await;
        assert_eq!(page.status, 200, "login page");
        let captcha = between(&page.body, "name=\"captcha_id\" value=\"", "\"");
        let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"");
        let form = serde_urlencoded::to_string([
            ("csrf", csrf),
            ("tab", "person"),
            ("login", mobile),
            ("password", password),
            ("captcha_id", captcha),
            ("captcha", "TEST"),
        ])
        .unwrap();
        let post = self.send("POST", "/login", &form).await;
        (page, post)
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s.find(start).map(|i| i + start.len()).unwrap_or(s.len());
    let j = s[i..].find(end).map(|j| j + i).unwrap_or(i);
    &s[i..j]
}

/// The scenario of issue 10 with two nodes: sessions, the per-address
/// login limit, the lockout and the scheduled jobs hold across nodes, and
/// a node killed during traffic loses no GET.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behind_haproxy_share_sessions_limits_lockout_and_jobs() {
    let name = format!("sg_nodes_{}", std::process::id());
    let url = create_pg_database(&name).await;
    let dir: PathBuf = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    // The shared data folder: files and the key, as every node sees them.
    let app = App::open(test_config(&dir, url.clone()), Arc::new(SystemClock))
        .await
        .unwrap();
    let alice = ApprovedMember::builder(1).build(&app).await;
    let bob = ApprovedMember::builder(2).build(&app).await;

    let ports = [free_port(), free_port()];
    let mut nodes: Vec<Option<Proc>> = ports
        .iter()
        .map(|p| Some(start_node(&dir, &url, *p)))
        .collect();
    for p in ports {
        wait_listening(p, "node").await;
    }
    let (lb, stats) = (free_port(), free_port());
    let _haproxy = start_haproxy(&dir, lb, &ports, Check::Connect, stats);
    wait_listening(lb, "haproxy").await;
    servers_are(stats, &["n1", "n2"], "UP").await;
    let started = Instant::now();
    let seals_before = scigrant_app::jobs::runs(&app, scigrant_app::jobs::AUDIT_SEAL)
        .await
        .unwrap();

    // 1. A person logs in through one node and stays logged in on both.
    let mut a = Client::new("127.0.0.10", lb);
    let (page, post) = a.login(&alice.phone, PASSWORD).await;
    assert_eq!((post.status, post.location.as_str()), (303, "/person"));
    assert_ne!(
        page.node, post.node,
        "captcha shown by one node, checked by the other"
    );
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let home = a.send("GET", "/person", "").await;
        assert_eq!(home.status, 200, "still logged in on {}", home.node);
        assert!(
            home.body.contains("张三"),
            "the person's home on {}",
            home.node
        );
        seen.insert(home.node);
    }
    assert_eq!(seen.len(), 2, "both nodes served the session: {seen:?}");

    // 2. The per-address login limit is the total across nodes: LOGIN_RATE
    // posts pass (wrong captcha), every further one is refused, whichever
    // node answers; another address keeps its own budget.
    let mut m = Client::new("127.0.0.20", lb);
    let page = m.send("GET", "/login", "").await;
    assert_eq!(page.status, 200);
    let csrf = m.cookies["sg_csrf"].clone();
    let bad = format!(
        "csrf={csrf}&tab=person&login=13800000000&password=x&captcha_id=none&captcha=WRONG"
    );
    let mut refused_by = std::collections::BTreeSet::new();
    for i in 0..LOGIN_RATE + 4 {
        let r = m.send("POST", "/login", &bad).await;
        if i < LOGIN_RATE {
            assert!(
                r.body.contains("图形验证码不正确或已过期"),
                "post {} on {} is admitted",
                i + 1,
                r.node
            );
        } else {
            assert!(
                r.body.contains("请求过于频繁，请稍后再试"),
                "post {} on {} is refused",
                i + 1,
                r.node
            );
            refused_by.insert(r.node);
        }
    }
    assert_eq!(refused_by.len(), 2, "refused on both nodes: {refused_by:?}");
    let mut other = Client::new("127.0.0.21", lb);
    let (_, r) = other.login("13800000000", "x").await;
    assert!(
        r.body.contains("账号、密码或验证码不正确"),
        "another address is admitted"
    );

    // 3. The lockout: 5 wrong passwords (each from its own address, under
    // the rate limit) lock Bob's account; then his right password is
    // refused on both nodes.
    for i in 0..5 {
        let mut c = Client::new(&format!("127.0.1.{}", i + 1), lb);
        let (_, r) = c.login(&bob.phone, "Wrong#Pass2023").await;
        assert_eq!(r.status, 422, "wrong password {}", i + 1);
    }
    let mut locked_on = std::collections::BTreeSet::new();
    for i in 0..2 {
        let mut c = Client::new(&format!("127.0.2.{}", i + 1), lb);
        if i == 1 {
            // A page and a post are two requests: one more moves the post
            // to the other node.
            c.send("GET", "/", "").await;
        }
        let (_, r) = c.login(&bob.phone, PASSWORD).await;
        assert_ne!(r.status, 303, "the locked account is refused on {}", r.node);
        assert!(r.body.contains("账号、密码或验证码不正确"));
        locked_on.insert(r.node);
    }
    assert_eq!(locked_on.len(), 2, "locked on both nodes: {locked_on:?}");

    // 4. One node is killed (SIGKILL) during traffic: HAProxy retries and
    // redispatches, no GET is lost, and Alice is still logged in.
    let traffic = {
        let lb_port = lb;
        let cookies = a.cookies.clone();
        tokio::spawn(async move {
            let mut c = Client::new("127.0.0.11", lb_port);
            c.cookies = cookies;
            let mut statuses = Vec::new();
            for i in 0..150 {
                let path = if i % 2 == 0 { "/" } else { "/person" };
                statuses.push((path, c.send("GET", path, "").await.status));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(nodes[1].take());
    let statuses = traffic.await.unwrap();
    let lost: Vec<_> = statuses.iter().filter(|(_, s)| *s != 200).collect();
    assert_eq!(lost.len(), 0, "GETs failed during the kill: {lost:?}");
    let home = a.send("GET", "/person", "").await;
    assert_eq!((home.status, home.node.as_str()), (200, "n1"));

    // 5. Audit sealing is scheduled every 5 s on both nodes and runs once
    // a period: over ≥ 11 s the lease let at most one run per period.
    let left = Duration::from_millis(11_000).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    let elapsed = started.elapsed().as_secs_f64();
    let seals = scigrant_app::jobs::runs(&app, scigrant_app::jobs::AUDIT_SEAL)
        .await
        .unwrap()
        - seals_before;
    // Without the lease each node would seal every period (twice as many).
    let periods = (elapsed / 5.0).floor() as i64;
    assert!(
        (1..=periods + 1).contains(&seals),
        "{seals} seals in {elapsed:.1} s with two nodes scheduling every 5 s"
    );

    drop(nodes);
    app.db.pool.close().await;
    let _ = drop_pg_database(&name).await;
    let _ = std::fs::remove_dir_all(&dir);
}
