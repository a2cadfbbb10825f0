//! The servers of a surge run: one release binary answering directly, or
//! `n` of them on one database and one data folder behind HAProxy on
//! loopback (round robin, no stickiness, retries with redispatch).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::net::TcpStream;

pub struct Cluster {
    /// Where clients connect: the node itself, or the balancer.
    pub addr: String,
    pub nodes: Vec<Child>,
    balancer: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_listening(port: u16) {
    for _ in 0..300 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing listens on 127.0.0.1:{port} after 30 s");
}

/// Starts `nodes` servers (0: one server, no balancer) of `exe` on `url`
/// with `dir` as their shared data folder, each with `connections`
/// database connections.
pub async fn start(exe: &Path, dir: &Path, url: &str, nodes: usize, connections: u32) -> Cluster {
    let ports: Vec<u16> = (0..nodes.max(1)).map(|_| free_port()).collect();
    let children: Vec<Child> = ports
        .iter()
        .map(|port| {
            Command::new(exe)
                .env("SCIGRANT_LISTEN", format!("127.0.0.1:{port}"))
                .env("SCIGRANT_DATA_DIR", dir)
                .env("SCIGRANT_DATABASE_URL", url)
                .env("SCIGRANT_TEST_CAPTCHA", "TEST")
                .env("SCIGRANT_ALLOW_WEAK_PASSWORD_HASHING", "1")
                .env("SCIGRANT_PASSWORD_ITERATIONS", "1000")
                .env("SCIGRANT_LOGIN_RATE_PER_MINUTE", "100000")
                // HAProxy (or the load generator itself) is on loopback;
                // each applicant's own address comes in X-Forwarded-For.
                .env("SCIGRANT_TRUSTED_PROXIES", "127.0.0.1")
                .env("SCIGRANT_MAX_CONNECTIONS", connections.to_string())
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "start {} (run `cargo build --release` first): {e}",
                        exe.display()
                    )
                })
        })
        .collect();
    for p in &ports {
        wait_listening(*p).await;
    }
    if nodes == 0 {
        return Cluster {
            addr: format!("127.0.0.1:{}", ports[0]),
            nodes: children,
            balancer: None,
        };
    }
    let lb = free_port();
    let servers: String = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("    server n{i} 127.0.0.1:{p} check inter 500ms\n"))
        .collect();
    let cfg = format!(
        "global\n    pidfile {pid}\n    maxconn 4000\n\
         defaults\n    mode http\n    timeout connect 1s\n    timeout client 60s\n\
         \x20   timeout server 60s\n    retries 3\n    option redispatch 1\n\
         \x20   retry-on conn-failure empty-response\n    option forwardfor\n\
         listen web\n    bind 127.0.0.1:{lb}\n    balance roundrobin\n{servers}",
        pid = dir.join("haproxy.pid").display()
    );
    let file = dir.join("haproxy.cfg");
    std::fs::write(&file, cfg).unwrap();
    let balancer = Command::new("haproxy")
        .arg("-f")
        .arg(&file)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start haproxy (Debian package `haproxy`): {e}"));
    wait_listening(lb).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    Cluster {
        addr: format!("127.0.0.1:{lb}"),
        nodes: children,
        balancer: Some(balancer),
    }
}

impl Cluster {
    pub fn stop(&mut self) {
        for c in self.nodes.iter_mut().chain(self.balancer.as_mut()) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
