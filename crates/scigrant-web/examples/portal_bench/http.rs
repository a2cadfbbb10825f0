//! The measuring side: a one-request HTTP/1.1 client, the bare axum
//! server that answers with bytes fetched from the product, and wrk.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as fetched.
pub struct Fetched {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}

/// GET `path` on its own connection (closed after the answer).
pub async fn get(addr: &str, path: &str) -> Fetched {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut content_type = String::new();
    let mut chunked = false;
    for l in lines {
        let (k, v) = l.split_once(':').unwrap_or((l, ""));
        match k.to_ascii_lowercase().as_str() {
            "content-type" => content_type = v.trim().to_string(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let rest = &raw[split + 4..];
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Fetched {
        status,
        content_type,
        body,
    }
}

/// Serves each `(path, content type, body)` as it is, with no middleware,
/// on a free loopback port; returns the address.
pub async fn bare_server(pages: Vec<(String, String, Vec<u8>)>) -> String {
    let mut router = axum::Router::new();
    for (path, content_type, body) in pages {
        let body = Bytes::from(body);
        let ct = HeaderValue::from_str(&content_type).unwrap();
        router = router.route(
            &path,
            axum::routing::get(move || {
                let (body, ct) = (body.clone(), ct.clone());
                async move { ([(CONTENT_TYPE, ct)], body) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// What wrk reported for one address.
#[derive(Debug, Default)]
pub struct WrkRun {
    pub rps: f64,
    pub p50: String,
    pub p99: String,
    pub bad: u64,
    pub requests: u64,
    /// This process's CPU over the run (both servers live here), user
    /// and system, in µs per request: what answering costs the server,
    /// which wrk's share of the same cores does not blur.
    pub user_us: f64,
    pub sys_us: f64,
}

impl WrkRun {
    /// The product's and the bare server's runs of several rounds, each
    /// as one: requests a second and CPU per request over all of them,
    /// the last round's percentiles.
    pub fn totals(runs: &[(WrkRun, WrkRun)]) -> (WrkRun, WrkRun) {
        let total = |side: &dyn Fn(&(WrkRun, WrkRun)) -> &WrkRun| {
            let requests: u64 = runs.iter().map(|r| side(r).requests).sum();
            // Each run's r/s over its own time: the time is the sum of
            // requests / r/s.
            let secs: f64 = runs
                .iter()
                .map(|r| side(r).requests as f64 / side(r).rps)
                .sum();
            let per = |f: &dyn Fn(&WrkRun) -> f64| {
                runs.iter()
                    .map(|r| f(side(r)) * side(r).requests as f64)
                    .sum::<f64>()
                    / requests as f64
            };
            let last = runs.last().map(side);
            WrkRun {
                rps: requests as f64 / secs,
                p50: last.map(|r| r.p50.clone()).unwrap_or_default(),
                p99: last.map(|r| r.p99.clone()).unwrap_or_default(),
                bad: runs.iter().map(|r| side(r).bad).sum(),
                requests,
                user_us: per(&|r| r.user_us),
                sys_us: per(&|r| r.sys_us),
            }
        };
        (total(&|r| &r.0), total(&|r| &r.1))
    }
}

/// This process's user and system CPU so far, in µs (`/proc/self/stat`,
/// in USER_HZ ticks, 100 a second on Linux).
fn cpu_us() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name, which may hold spaces: utime and
    // stime are the 14th and 15th of the line.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<f64> = rest
        .split(' ')
        .skip(11)
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    (f[0] * 10_000.0, f[1] * 10_000.0)
}

/// Fails with how to install wrk when it is not there.
pub fn require_wrk() {
    match std::process::Command::new("wrk").arg("--version").output() {
        Ok(_) => {}
        Err(e) => panic!(
            "wrk is required for this benchmark and could not be started ({e}); install it with: apt-get install -y wrk"
        ),
    }
}

/// `wrk -t2 -c32 -d{secs}s --timeout 10s --latency http://{addr}{path}`.
pub async fn wrk(addr: &str, path: &str, secs: u64) -> WrkRun {
    let out = tokio::process::Command::new("wrk")
        // Slow answers are waited for (wrk's default gives up after 2 s).
        .args([
            "-t2",
            "-c32",
            &format!("-d{secs}s"),
            "--timeout",
            "10s",
            "--latency",
        ])
        .arg(format!("http://{addr}{path}"))
        .kill_on_drop(true)
        .output();
    let before = cpu_us();
    let out = tokio::time::timeout(Duration::from_secs(secs + 30), out)
        .await
        .expect("wrk finished")
        .expect("wrk ran");
    let after = cpu_us();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut run = WrkRun::default();
    for line in text.lines() {
        let l = line.trim();
        let last = l.split_whitespace().last().unwrap_or("");
        if l.contains(" requests in ") {
            run.requests = l
                .split_whitespace()
                .next()
                .unwrap_or("")
                .parse()
                .unwrap_or(0);
        } else if let Some(v) = l.strip_prefix("Requests/sec:") {
            run.rps = v.trim().parse().unwrap_or(0.0);
        } else if l.starts_with("50%") {
            run.p50 = last.to_string();
        } else if l.starts_with("99%") {
            run.p99 = last.to_string();
        } else if l.starts_with("Non-2xx") || l.starts_with("Socket errors") {
            let counts = l.split_once(':').map_or("", |(_, v)| v);
            run.bad += counts
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    assert!(
        text.contains("Requests/sec:") && run.requests > 0,
        "wrk gave no figure for {path}:\n{text}"
    );
    run.user_us = (after.0 - before.0) / run.requests as f64;
    run.sys_us = (after.1 - before.1) / run.requests as f64;
    run
}
