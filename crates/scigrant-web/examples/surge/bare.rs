//! What the submit step is compared with in the same run: a bare axum
//! server (its own process, started from this example with
//! `--bare-server PORT`) that takes the same form body and answers 303, hit
//! by the same number of keep-alive clients released at once; and the
//! server's CPU time, read from /proc before and after the window.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;

use crate::client::Client;

/// Serves `POST /submit` on 127.0.0.1:`port` until killed.
pub async fn serve(port: u16) {
    async fn submit(body: Bytes) -> impl IntoResponse {
        let fields = body.split(|b| *b == b'&').count();
        (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/receipt?fields={fields}"))],
        )
    }
    let app = Router::new().route("/submit", post(submit));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}

/// CPU seconds (user + system) the process `pid` has used so far.
pub fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: fields count from after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line (11 and 12 here).
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    ticks as f64 / clock_ticks()
}

/// CPU seconds of every process named `comm` (e.g. the `postgres`
/// server and its backends), for where a submission's time goes.
pub fn cpu_secs_named(comm: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .map(cpu_secs)
        .sum()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Starts the bare server as a child of this example.
fn start(port: u16) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--bare-server", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `users` clients, each on its own connection, post `body` once at the
/// same moment; returns (answered, window seconds, p50 ms, p99 ms, server
/// CPU seconds).
pub async fn run(users: usize, body: Arc<String>) -> (usize, f64, f64, f64, f64) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = start(port);
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let addr = format!("127.0.0.1:{port}");
    // The clients and this task, which reads the server's CPU at release.
    let barrier = Arc::new(tokio::sync::Barrier::new(users + 1));
    type Window = (Option<Instant>, Option<Instant>);
    let window: Arc<Mutex<Window>> = Arc::default();
    let lat: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut tasks = Vec::new();
    for i in 0..users {
        let (addr, body, barrier, window, lat) = (
            addr.clone(),
            body.clone(),
            barrier.clone(),
            window.clone(),
            lat.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut c = Client {
                addr,
                conn: None,
                cookies: Default::default(),
                forwarded_for: format!("10.{}.{}.1", i / 250, i % 250),
            };
            // Connected before the barrier, as the applicants are.
            let _ = c.send("POST", "/submit", "warm=1").await;
            barrier.wait().await;
            let t = Instant::now();
            window.lock().unwrap().0.get_or_insert(t);
            let r = c.send("POST", "/submit", &body).await;
            if r.status == 303 {
                lat.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
                window.lock().unwrap().1 = Some(Instant::now());
            }
        }));
    }
    barrier.wait().await;
    let cpu0 = cpu_secs(child.id());
    for t in tasks {
        let _ = t.await;
    }
    let cpu = cpu_secs(child.id()) - cpu0;
    let _ = child.kill();
    let _ = child.wait();
    let mut v = lat.lock().unwrap().clone();
    let (first, last) = *window.lock().unwrap();
    let secs = match (first, last) {
        (Some(f), Some(l)) => l.duration_since(f).as_secs_f64(),
        _ => 0.0,
    };
    let n = v.len();
    (
        n,
        secs,
        crate::pct(&mut v, 0.50),
        crate::pct(&mut v, 0.99),
        cpu,
    )
}
