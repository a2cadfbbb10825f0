//! The database goes away during traffic: a private PostgreSQL cluster
//! (never the machine's shared one, which other tests use) is stopped for
//! about 10 s under a real server process. Requests must fail fast with a
//! 503 that carries the request id — the page in Chinese, the API in its
//! one JSON shape — never a 500 and never a hang; when the database is
//! back the same process serves again and accepts the submission.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::testing::ApprovedMember;
use scigrant_domain::ids::ApplicationId;

use super::{Client, Resp, draft, free_port, open_call, start_server, version_of, wait_listening};

/// How long any request may take while the database is down: the pool's
/// acquire timeout (2 s, `scigrant_store::ACQUIRE_TIMEOUT`) plus 1 s.
const FAIL_FAST: Duration = Duration::from_secs(3);
/// How long the database stays down.
const OUTAGE: Duration = Duration::from_secs(10);

/// A PostgreSQL cluster of this test's own, on a free loopback port, in a
/// temporary folder owned by the `postgres` account when the test runs as
/// root (PostgreSQL refuses to run as root).
struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|b| b.join("initdb").exists() && b.join("pg_ctl").exists());
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "the database outage test needs PostgreSQL's server binaries (initdb, pg_ctl) under \
             /usr/lib/postgresql/*/bin: apt-get install postgresql"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PrivatePg {
    fn create(dir: &Path) -> PrivatePg {
        let pg = PrivatePg {
            bin: pg_bin(),
            dir: dir.to_path_buf(),
            port: free_port(),
            as_postgres: is_root(),
        };
        std::fs::create_dir_all(dir).unwrap();
        if pg.as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {} to the postgres account", dir.display());
        }
        let data = dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        pg
    }

    /// Runs one of PostgreSQL's programs, as `postgres` when root.
    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {} (runuser for root): {e}", exe.display()));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").display().to_string(),
                "-l",
                &self.dir.join("pg.log").display().to_string(),
                "-o",
                &opts,
                "-w",
                "-t",
                "30",
                "start",
            ],
        );
    }

    /// Stops the server: `fast` ends the sessions of connected clients at
    /// once, as a crash or an administrator's stop would for them.
    fn stop(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").display().to_string(),
                "-m",
                "fast",
                "-w",
                "-t",
                "30",
                "stop",
            ],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one request during the outage answered, for the assertions.
fn check_unavailable(what: &str, r: &Resp) {
    assert!(
        r.took < FAIL_FAST,
        "{what} took {:?} while the database was down (bound {FAIL_FAST:?})",
        r.took
    );
    assert_eq!(r.status, 503, "{what} while the database is down: {r:?}");
    assert_eq!(r.request_id.len(), 16, "{what} carries a request id: {r:?}");
    assert!(
        !r.body.contains("sqlx") && !r.body.contains("database:") && !r.body.contains("internal"),
        "{what} shows no internals: {}",
        r.body
    );
}

fn check_page(what: &str, r: &Resp) {
    check_unavailable(what, r);
    assert!(r.content_type.starts_with("text/html"), "{what}: {r:?}");
    assert!(r.body.contains("服务暂时不可用"), "{what}: {}", r.body);
    assert!(
        r.body.contains("系统暂时无法连接数据库"),
        "{what}: {}",
        r.body
    );
    assert!(
        r.body.contains(&format!("<code>{}</code>", r.request_id)),
        "{what}: the page shows the request id {}",
        r.request_id
    );
}

fn check_json(what: &str, r: &Resp) {
    check_unavailable(what, r);
    assert!(
        r.content_type.starts_with("application/json"),
        "{what}: {r:?}"
    );
    let v: serde_json::Value = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("{what}: the body is the API's JSON error ({e}): {}", r.body));
    assert_eq!(v["code"], "unavailable", "{what}: {v}");
    assert_eq!(v["request_id"], r.request_id.as_str(), "{what}: {v}");
    let message = v["message"].as_str().unwrap_or("");
    assert!(message.contains("数据库"), "{what}: a Chinese message: {v}");
    assert_eq!(v.as_object().map(|o| o.len()), Some(3), "one shape: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_fast_and_the_server_recovers_without_restart() {
    let root = std::env::temp_dir().join(format!("sg_outage_{}", std::process::id()));
    let pg = PrivatePg::create(&root.join("pg"));
    pg.start();
    let data_dir = root.join("data");
    let (app, call) = open_call(&data_dir, &pg.url()).await;
    let member = ApprovedMember::builder(1).build(&app).await;
    app.db.pool.close().await;

    let port = free_port();
    let server = start_server(&data_dir, &pg.url(), port);
    wait_listening(port, "the server").await;
    let mut c = Client::new(port);
    assert!(c.login(&member.phone).await, "the applicant signs in");
    let app_id = c.apply(call).await.expect("the application opens");
    assert_eq!(c.autosave(app_id, &draft(1, 1)).await.status, 200);

    // The outage: every kind of request, over and over, for OUTAGE.
    pg.stop();
    let down = Instant::now();
    let (mut pages, mut api, mut saves, mut submits, mut slowest) = (0, 0, 0, 0, Duration::ZERO);
    while down.elapsed() < OUTAGE {
        // One round: the applicant's page, form, API calls, an autosave and
        // a submission at the same time, and the balancer's checks (which
        // come without a cookie).
        let edit = format!("/applications/{app_id}/edit");
        let (second, third) = (draft(1, 2), draft(1, 3));
        let (mut a, mut b, mut d, mut e, mut f, mut g) = (
            c.clone(),
            c.clone(),
            c.clone(),
            c.clone(),
            c.clone(),
            c.clone(),
        );
        let mut balancer = Client::new(port);
        let (home, form, mine, calls, saved, submitted, ready) = tokio::join!(
            a.send("GET", "/person", ""),
            b.send("GET", &edit, ""),
            d.send("GET", "/api/v1/me/applications", ""),
            e.send("GET", "/api/v1/calls", ""),
            f.autosave(app_id, &second),
            g.submit(app_id, &third),
            balancer.send("GET", "/readyz", ""),
        );
        check_page("GET /person", &home);
        check_page("the application's page", &form);
        pages += 2;
        check_json("GET /api/v1/me/applications", &mine);
        check_json("GET /api/v1/calls", &calls);
        api += 2;
        check_page("autosave", &saved);
        saves += 1;
        check_page("submit", &submitted);
        submits += 1;
        assert!(ready.took < FAIL_FAST, "/readyz took {:?}", ready.took);
        assert_eq!(ready.status, 503, "the balancer's check fails: {ready:?}");
        assert!(ready.body.contains("数据库不可达"), "{}", ready.body);
        let live = balancer.send("GET", "/healthz", "").await;
        assert_eq!(live.status, 200, "the process lives");
        for r in [&home, &form, &mine, &calls, &saved, &submitted, &ready] {
            slowest = slowest.max(r.took);
        }
    }
    println!(
        "outage of {:.1} s: {pages} pages, {api} API calls, {saves} autosaves, {submits} \
         submissions answered 503, the slowest in {:.2} s (bound {FAIL_FAST:?})",
        down.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(saves >= 3 && submits >= 3, "{saves} rounds in the outage");

    // The database returns; the same process serves again by itself.
    pg.start();
    let back = Instant::now();
    let r = loop {
        let r = c.send("GET", "/person", "").await;
        if r.status == 200 || back.elapsed() > Duration::from_secs(10) {
            break r;
        }
        assert_eq!(r.status, 503, "while reconnecting: {r:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        r.status, 200,
        "serving again 10 s after the database came back"
    );
    println!(
        "serving again {:.2} s after the database came back",
        back.elapsed().as_secs_f64()
    );
    let r = c.send("GET", "/api/v1/me/applications", "").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(c.autosave(app_id, &draft(1, 2)).await.status, 200);
    let r = c.submit(app_id, &draft(1, 3)).await;
    assert_eq!(
        (r.status, r.location.as_str()),
        (303, format!("/applications/{app_id}?ok=submitted").as_str()),
        "the submission is accepted after the outage"
    );

    // Stored once, as sent, with its digest.
    let app = scigrant_app::App::open(
        scigrant_app::testing::test_config(&data_dir, pg.url()),
        std::sync::Arc::new(scigrant_app::SystemClock),
    )
    .await
    .unwrap();
    let v = applications::load(&app, Reader::Person(member.person.0), ApplicationId(app_id))
        .await
        .unwrap();
    assert!(v.submitted_at.is_some());
    assert_eq!(version_of(&v.data, 1), Some(3));
    assert_eq!(applications::digest_of(&v.spec, &v.data), v.digest);
    app.db.pool.close().await;
    drop(server);
    drop(pg);
    let _ = std::fs::remove_dir_all(&root);
}
