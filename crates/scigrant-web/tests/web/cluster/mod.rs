//! Issue 10 with real parts, all on loopback: three `scigrant` processes
//! on one PostgreSQL database, their documents in an S3-compatible bucket
//! (moto) and nothing shared on disk (each node its own data folder),
//! behind HAProxy (round robin, `/readyz` checks, retries with
//! redispatch). Applicants sign in, upload their ID card images (上传自然人
//! 信息), autosave and submit through the balancer while one node is
//! SIGKILLed and restarted, and then every node in turn is stopped with
//! SIGTERM and started again (a rolling restart). Afterwards: every
//! receipt a client saw is stored once with a matching digest, every
//! uploaded image comes back byte for byte from each node, everyone who
//! signed in before the kill is still signed in on each node, and a
//! lockout reached through one node holds on all three.

mod applicant;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use scigrant_app::config::Secret;
use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::testing::s3::Moto;
use scigrant_app::testing::{
    ApprovedMember, PASSWORD, audit_count, create_pg_database, drop_pg_database, join_unit,
    test_config,
};
use scigrant_app::{App, SystemClock};
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::ids::{ApplicationId, PersonId};

use self::applicant::{Applied, Plan, Run, applicant};
use super::faults::{
    Client, Proc, audit_verify, draft, free_port, open_call_on, start_server_with, version_of,
    wait_listening,
};
use super::nodes::{Check, balancer_stats, servers_are, start_haproxy};

/// Applicants in the suite's run; `SCIGRANT_CLUSTER_APPLICANTS` asks for
/// more (a few hundred for the figures in docs/benchmarks.md).
const APPLICANTS: usize = 72;

fn applicants() -> usize {
    super::faults::count_from_env("SCIGRANT_CLUSTER_APPLICANTS", APPLICANTS, 12)
}

/// The surge and every restart end within this (plus a second for every
/// ten applicants past the suite's count).
const LIMIT: Duration = Duration::from_secs(90);
/// What SIGTERM gives requests in flight; a node still running after it
/// (and a margin) fails the test.
const GRACE_SECS: u64 = 10;
const SERVERS: [&str; 3] = ["n1", "n2", "n3"];
/// The node killed with SIGKILL (`n2`).
const KILLED: usize = 1;
/// Wrong passwords that lock an account (the default security parameters).
const MAX_FAILURES: usize = 5;

/// The phases of the run, in order; each applicant notes the phase in
/// which a request was sent and the one in which it went unanswered.
pub const SURGE: usize = 0;
pub const KILL: usize = 1;
pub const ROLLING: usize = 2;
pub const DONE: usize = 3;

/// Three nodes: ports, data folders and the settings they share.
struct Nodes {
    ports: [u16; 3],
    dirs: Vec<PathBuf>,
    url: String,
    env: Vec<(&'static str, String)>,
    procs: Vec<Proc>,
}

impl Nodes {
    fn start(&self, i: usize) -> Proc {
        start_server_with(&self.dirs[i], &self.url, self.ports[i], &self.env)
    }

    /// A client of node `i` directly (not through the balancer) with
    /// `c`'s cookies and address.
    fn client_of(&self, i: usize, c: &Client) -> Client {
        let mut direct = c.clone();
        direct.port = self.ports[i];
        direct
    }
}

/// The settings every node gets: the bucket, the one PII key (phones are
/// found by a keyed index, sessions and the audit chain hang on it) and
/// the stop's grace.
fn node_env(moto: &Moto, key: &str) -> Vec<(&'static str, String)> {
    let s = moto.settings();
    vec![
        ("SCIGRANT_STORAGE_URL", moto.url("cluster").to_string()),
        ("SCIGRANT_S3_ENDPOINT", s.endpoint),
        ("SCIGRANT_S3_REGION", s.region),
        ("SCIGRANT_S3_ACCESS_KEY_ID", s.access_key_id),
        ("SCIGRANT_S3_SECRET_ACCESS_KEY", s.secret_access_key),
        ("SCIGRANT_S3_ALLOW_HTTP", "true".into()),
        ("SCIGRANT_PII_KEY", key.into()),
        ("SCIGRANT_SHUTDOWN_GRACE_SECS", GRACE_SECS.to_string()),
    ]
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_on_s3_behind_haproxy_survive_a_kill_and_a_rolling_restart() {
    let name = format!("sg_cluster_{}", std::process::id());
    let url = create_pg_database(&name).await;
    let root = temp_dir(&name);
    let moto = Moto::start(&format!("sg-cluster-{}", std::process::id())).await;
    let key = "5c1a9f0e3b7d2c4e6a8f0b1d3e5c7a9f2b4d6e8a0c1e3f5a7b9d0f2e4c6a8b0d";
    let env = node_env(&moto, key);

    // The set-up through the use cases, on the same bucket and key.
    let mut config = test_config(&root.join("setup"), url.clone());
    config.pii_key = Some(Secret::new(key));
    config.storage_url = moto.url("cluster").to_string();
    let s3 = moto.settings();
    config.s3_endpoint = s3.endpoint;
    config.s3_region = s3.region;
    config.s3_access_key_id = s3.access_key_id;
    config.s3_secret_access_key = Some(Secret::new(s3.secret_access_key));
    config.s3_allow_http = true;
    config.check().unwrap();
    let (app, call) = open_call_on(config.clone()).await;
    let t = Instant::now();
    let n = applicants();
    let n_units = n.div_ceil(10);
    let mut units = Vec::new();
    let guard = ApprovedMember::builder(0).build(&app).await;
    for u in 1..=n_units as u32 {
        let m = ApprovedMember::builder(u).build(&app).await;
        units.push(m.unit);
    }
    let mut people: Vec<(PersonId, String)> = Vec::new();
    for i in 0..n {
        let at = n_units + 1 + i;
        people.push(join_unit(&app, units[i % n_units], at as u32).await);
    }
    println!("{n} applicants ready in {:.1} s", t.elapsed().as_secs_f64());
    app.db.pool.close().await;

    let ports = [free_port(), free_port(), free_port()];
    let dirs: Vec<PathBuf> = (1..=3).map(|i| root.join(format!("node{i}"))).collect();
    let mut nodes = Nodes {
        ports,
        dirs,
        url: url.clone(),
        env,
        procs: Vec::new(),
    };
    nodes.procs = (0..3).map(|i| nodes.start(i)).collect();
    for p in ports {
        wait_listening(p, "a node").await;
    }
    let (lb, stats) = (free_port(), free_port());
    let haproxy = start_haproxy(&root, lb, &ports, Check::Http("/readyz"), stats);
    wait_listening(lb, "haproxy").await;
    servers_are(stats, &SERVERS, "UP").await;

    let run = Arc::new(Run::default());
    let started = Instant::now();
    let end = started + LIMIT + Duration::from_secs(n.saturating_sub(APPLICANTS) as u64 / 10);
    let interval = Duration::from_millis((n as u64 * 10).max(700));
    let plan = Plan {
        call,
        lb,
        interval,
        end,
    };
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, (person, phone)) in people.iter().cloned().enumerate() {
        let (run, done) = (run.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let a = applicant(i, person, phone, plan, run).await;
            done.fetch_add(1, Ordering::SeqCst);
            a
        }));
    }

    // Everyone signs in first; meanwhile 5 wrong passwords through the
    // node about to be killed lock the guard's account.
    for k in 0..MAX_FAILURES {
        let mut c = Client::at(ports[KILLED], &format!("10.9.0.{}", k + 1));
        let r = c.post_login(&guard.phone, "Wrong#Pass2023").await.unwrap();
        assert_eq!(r.status, 422, "wrong password {}", k + 1);
    }
    while run.logged_in.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < end, "not everyone signed in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(interval * 2).await;

    // kill -9 one node; start it again once the balancer noticed, as a
    // supervisor would.
    let t_kill = Instant::now();
    run.phase.store(KILL, Ordering::SeqCst);
    nodes.procs[KILLED].kill();
    servers_are(stats, &SERVERS[KILLED..=KILLED], "DOWN").await;
    nodes.procs[KILLED] = nodes.start(KILLED);
    wait_listening(ports[KILLED], "the killed node").await;
    servers_are(stats, &SERVERS, "UP").await;
    let kill_took = t_kill.elapsed();
    tokio::time::sleep(interval).await;

    // The rolling restart: SIGTERM, the node drains and exits 0, start it
    // again, wait until the balancer counts it up; then the next.
    let t_rolling = Instant::now();
    run.phase.store(ROLLING, Ordering::SeqCst);
    for i in 0..3 {
        let limit = Duration::from_secs(GRACE_SECS + 5);
        let exit = nodes.procs[i].terminate(limit).await;
        assert!(exit.success(), "{} exits 0 on SIGTERM: {exit}", SERVERS[i]);
        servers_are(stats, &SERVERS[i..=i], "DOWN").await;
        nodes.procs[i] = nodes.start(i);
        wait_listening(ports[i], "a restarted node").await;
        servers_are(stats, &SERVERS, "UP").await;
    }
    let rolling_took = t_rolling.elapsed();
    let done_by_then = done.load(Ordering::SeqCst);
    run.phase.store(DONE, Ordering::SeqCst);
    let mut applied = Vec::new();
    for t in tasks {
        applied.push(t.await.unwrap());
    }
    let wall = started.elapsed();
    let balancer = balancer_stats(stats).await;
    let sent: Vec<usize> = run.sent.iter().map(|s| s.load(Ordering::SeqCst)).collect();
    assert!(
        sent[KILL] > 0 && sent[ROLLING] > 0,
        "traffic during the kill and the rolling restart: {sent:?}"
    );
    assert!(
        done_by_then < n,
        "applicants still at work after the restarts"
    );

    // What went unanswered: only requests sent before or during the kill.
    let unanswered = std::mem::take(&mut *run.unanswered.lock().unwrap());
    let late: Vec<_> = unanswered
        .iter()
        .filter(|(sent, _, _, _)| *sent >= ROLLING)
        .collect();
    assert!(
        late.is_empty(),
        "requests lost during or after the rolling restart: {late:?}"
    );
    let statuses = std::mem::take(&mut *run.statuses.lock().unwrap());
    let requests: usize = statuses.values().sum();

    let files = check_files(&nodes, &applied).await;
    let sessions = check_sessions(&nodes, &applied).await;
    check_lockout(&nodes, &guard.phone).await;
    let receipts = check_receipts(&config, &people, &applied).await;
    // On node 1's anchor.
    let audit = audit_verify(&nodes.dirs[0], &nodes.url, &nodes.env);

    let (retries, redispatches) = balancer
        .values()
        .fold((0, 0), |(r, d), (_, wr, wd)| (r + wr, d + wd));
    println!(
        "3 nodes on S3 behind HAProxy, {n} applicants: {requests} requests in {:.1} s \
         (statuses {statuses:?}; {} unanswered, all sent before or during the kill); \
         kill -9 × 1 (back up in {:.1} s), rolling restart of 3 nodes in {:.1} s; uploads, autosaves and \
         submissions sent before, during the kill, during the rolling restart and after: \
         {sent:?}; HAProxy retried {retries}, \
         redispatched {redispatches}; {receipts} receipts stored once with matching digest; \
         {files} images read back from each of 3 nodes; {sessions} sessions from before the \
         kill valid on each node; lockout held on 3 of 3 nodes; {audit}",
        wall.as_secs_f64(),
        unanswered.len(),
        kill_took.as_secs_f64(),
        rolling_took.as_secs_f64(),
    );

    drop(haproxy);
    drop(nodes);
    let _ = drop_pg_database(&name).await;
    let _ = std::fs::remove_dir_all(&root);
}

/// Each applicant's two images, downloaded through each node directly:
/// the bytes uploaded. How many were checked (per node).
async fn check_files(nodes: &Nodes, applied: &[Applied]) -> usize {
    let mut checked = 0;
    for a in applied {
        for (id, bytes) in &a.files {
            for (node, server) in SERVERS.iter().enumerate() {
                let mut c = nodes.client_of(node, &a.client);
                let r = c.send("GET", &format!("/files/{id}"), "").await;
                assert_eq!(r.status, 200, "file {id} of {} on {}", a.i, server);
                assert!(
                    r.bytes == *bytes,
                    "file {id} of {} on {}: {} bytes back, {} sent",
                    a.i,
                    server,
                    r.bytes.len(),
                    bytes.len()
                );
            }
            checked += 1;
        }
    }
    checked
}

/// Everyone signed in before the kill (everyone): their home page on each
/// node, with the session cookie they got then.
async fn check_sessions(nodes: &Nodes, applied: &[Applied]) -> usize {
    for a in applied {
        assert!(a.signed_in_before_kill, "applicant {} signed in late", a.i);
        for (node, server) in SERVERS.iter().enumerate() {
            let mut c = nodes.client_of(node, &a.client);
            let r = c.send("GET", "/person", "").await;
            assert_eq!(
                (r.status, r.location.as_str()),
                (200, ""),
                "applicant {} still signed in on {}",
                a.i,
                server
            );
        }
    }
    applied.len()
}

/// The guard's account, locked through `n2` before it was killed, refuses
/// the right password on every node.
async fn check_lockout(nodes: &Nodes, phone: &str) {
    for (node, server) in SERVERS.iter().enumerate() {
        let mut c = Client::at(nodes.ports[node], &format!("10.9.1.{}", node + 1));
        let r = c.post_login(phone, PASSWORD).await.unwrap();
        assert_ne!(r.status, 303, "the locked account let in on {}", server);
        assert!(
            r.body.contains("账号、密码或验证码不正确"),
            "refused on {}",
            server
        );
    }
}

/// Through the use cases: each receipt is the submitted application as
/// sent, its digest that of the content; one application per applicant,
/// one submission record each, numbers unique.
async fn check_receipts(
    config: &scigrant_app::Config,
    people: &[(PersonId, String)],
    applied: &[Applied],
) -> usize {
    let app = App::open(config.clone(), Arc::new(SystemClock))
        .await
        .unwrap();
    let mut numbers = HashSet::new();
    for a in applied {
        let v = applications::load(&app, Reader::Person(a.person.0), ApplicationId(a.app_id))
            .await
            .unwrap();
        let i = a.i;
        assert_eq!(v.state, ApplicationState::Submitted, "receipt of {i}");
        assert_eq!(version_of(&v.data, i), Some(a.version), "as sent by {i}");
        assert_eq!(
            applications::digest_of(&v.spec, &v.data),
            v.digest,
            "digest of {i}"
        );
        assert_eq!(
            applications::digest_of(&v.spec, &draft(i, a.version)),
            v.digest,
            "the digest is that of what {i} sent"
        );
        assert!(
            numbers.insert(v.number.clone()),
            "number {} twice",
            v.number
        );
    }
    let mut per_person = BTreeMap::new();
    for (person, _) in people {
        let mine = applications::of_person(&app, *person).await.unwrap();
        per_person.insert(*person, mine.len());
        assert!(mine.iter().all(|m| m.submitted.is_some()));
    }
    assert!(
        per_person.values().all(|k| *k == 1),
        "one application each: {per_person:?}"
    );
    assert_eq!(
        audit_count(&app, "application.submit").await,
        applied.len() as i64,
        "one audit record per submission"
    );
    app.db.pool.close().await;
    applied.len()
}
