//! kill -9 during a deadline surge: applicants sign in, open the call,
//! autosave a new version of their 附件4 every few hundred milliseconds and
//! (three in four) submit, while the server is SIGKILLed several times and
//! restarted on the same database and data folder. A client retries what
//! got no answer, as a browser's autosave and a person pressing 提交 again
//! would. Afterwards, through the use cases: every receipt a client got is
//! stored once, as sent, with a matching digest; no draft is older than the
//! last save its client saw acknowledged; nothing is half-written; and
//! `scigrant audit verify` finds the audit chain intact. On SQLite and on
//! PostgreSQL (a fresh database on the shared server).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::testing::{
    ApprovedMember, audit_count, create_pg_database, drop_pg_database, join_unit,
};
use scigrant_app::{App, SystemClock};
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::ids::{ApplicationId, CallId, PersonId};

use super::{Client, draft, free_port, open_call, start_server, version_of, wait_listening};

/// Applicants in the suite's run; `SCIGRANT_FAULTS_APPLICANTS` asks for
/// more (a few hundred for the figures in docs/benchmarks.md).
const APPLICANTS: usize = 60;

fn applicants() -> usize {
    super::count_from_env("SCIGRANT_FAULTS_APPLICANTS", APPLICANTS, 10)
}

/// Versions autosaved by each applicant before the final one is submitted.
const AUTOSAVES: usize = 8;
const INTERVAL: Duration = Duration::from_millis(500);
const KILLS: usize = 4;
/// The whole surge, kills and restarts included, ends within this (plus a
/// second for every ten applicants past the suite's count).
const LIMIT: Duration = Duration::from_secs(90);

/// What the clients saw, for checking against the database.
#[derive(Default)]
struct Seen {
    /// (applicant, person, application, submitted version)
    receipts: Vec<(usize, PersonId, i64, usize)>,
    /// (applicant, person, application, last acknowledged autosave)
    drafts: Vec<(usize, PersonId, i64, usize)>,
    /// Answers by status (0: none, the server was down or killed mid-request).
    statuses: BTreeMap<u16, usize>,
}

type Shared = Arc<Mutex<Seen>>;

/// Repeats `step` until it answers as wanted, the way a browser retries
/// after a dropped connection or a 503; panics on any other answer and
/// after the run's limit.
macro_rules! until {
    ($end:expr, $what:expr, $want:expr, $step:expr) => {{
        loop {
            let r = $step;
            if r.status == $want {
                break r;
            }
            assert!(
                matches!(r.status, 0 | 502 | 503),
                "{}: answered {} {}",
                $what,
                r.status,
                r.body.chars().take(400).collect::<String>()
            );
            assert!(
                Instant::now() < $end,
                "{}: no answer within {LIMIT:?}",
                $what
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }};
}

async fn applicant(
    i: usize,
    person: PersonId,
    phone: String,
    call: CallId,
    port: u16,
    seen: Shared,
    end: Instant,
) {
    tokio::time::sleep(INTERVAL * (i % 10) as u32 / 10).await;
    let mut c = Client::at(port, &format!("10.1.{}.{}", i / 200, i % 200 + 1));
    loop {
        if c.login(&phone).await {
            break;
        }
        assert!(Instant::now() < end, "applicant {i} could not sign in");
        c.cookies.clear();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let app_id = loop {
        if let Some(id) = c.apply(call).await {
            break id;
        }
        assert!(
            Instant::now() < end,
            "applicant {i} could not open the application"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    let mut acked = 0;
    for v in 1..=AUTOSAVES {
        tokio::time::sleep(INTERVAL).await;
        let data = draft(i, v);
        until!(
            end,
            format!("autosave {v} of {i}"),
            200,
            c.autosave(app_id, &data).await
        );
        acked = v;
    }
    if i.is_multiple_of(4) {
        let mut s = seen.lock().unwrap();
        s.drafts.push((i, person, app_id, acked));
        merge(&mut s.statuses, &c.answered);
        return;
    }
    let last = AUTOSAVES + 1;
    let data = draft(i, last);
    let r = until!(
        end,
        format!("submission of {i}"),
        303,
        c.submit(app_id, &data).await
    );
    assert_eq!(r.location, format!("/applications/{app_id}?ok=submitted"));
    let mut s = seen.lock().unwrap();
    s.receipts.push((i, person, app_id, last));
    merge(&mut s.statuses, &c.answered);
}

fn merge(into: &mut BTreeMap<u16, usize>, from: &BTreeMap<u16, usize>) {
    for (k, n) in from {
        *into.entry(*k).or_default() += n;
    }
}

async fn surge(backend: &str, dir: &Path, url: &str) {
    let (app, call) = open_call(dir, url).await;
    let t = Instant::now();
    let mut people: Vec<(PersonId, String)> = Vec::new();
    let mut units = Vec::new();
    let (n_applicants, n_units) = (applicants(), applicants() / 10);
    for u in 0..n_units as u32 {
        let m = ApprovedMember::builder(u).build(&app).await;
        units.push(m.unit);
        people.push((m.person, m.phone));
    }
    for n in n_units..n_applicants {
        people.push(join_unit(&app, units[n % n_units], n as u32).await);
    }
    println!(
        "{backend}: {n_applicants} applicants ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    app.db.pool.close().await;

    let port = free_port();
    let server = Arc::new(Mutex::new(start_server(dir, url, port)));
    wait_listening(port, "the server").await;
    let seen: Shared = Arc::default();
    let started = Instant::now();
    let end =
        started + LIMIT + Duration::from_secs(n_applicants.saturating_sub(APPLICANTS) as u64 / 10);
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, (person, phone)) in people.iter().cloned().enumerate() {
        let (seen, done) = (seen.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            applicant(i, person, phone, call, port, seen, end).await;
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }

    // The kills, spread over the surge while applicants are still at work.
    let mut kills = 0;
    let mut downtime = Duration::ZERO;
    for k in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(700 + 150 * k as u64)).await;
        if done.load(Ordering::SeqCst) == n_applicants {
            break;
        }
        let down = Instant::now();
        let fresh = {
            let mut s = server.lock().unwrap();
            s.kill(); // SIGKILL
            start_server(dir, url, port)
        };
        kills += 1;
        wait_listening(port, "the restarted server").await;
        downtime += down.elapsed();
        *server.lock().unwrap() = fresh;
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wall = started.elapsed();
    drop(server);

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let requests: usize = seen.statuses.values().sum();
    let unanswered = seen.statuses.get(&0).copied().unwrap_or(0);
    assert!(
        kills >= 3,
        "{backend}: the surge outlasted {kills} kills only"
    );
    assert!(unanswered > 0, "{backend}: the kills cut off some requests");

    // The checks, through the use cases.
    let app = App::open(
        scigrant_app::testing::test_config(dir, url.to_string()),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let mut numbers = HashSet::new();
    let mut verified = 0;
    for (i, person, id, version) in &seen.receipts {
        let v = applications::load(&app, Reader::Person(person.0), ApplicationId(*id))
            .await
            .unwrap();
        assert_eq!(
            v.state,
            ApplicationState::Submitted,
            "{backend}: receipt of {i}"
        );
        assert!(v.submitted_at.is_some() && !v.number.is_empty());
        assert_eq!(
            version_of(&v.data, *i),
            Some(*version),
            "{backend}: as sent by {i}"
        );
        assert_eq!(
            applications::digest_of(&v.spec, &v.data),
            v.digest,
            "{backend}: digest of {i}"
        );
        assert_eq!(
            applications::digest_of(&v.spec, &draft(*i, *version)),
            v.digest,
            "{backend}: the digest is that of what {i} sent"
        );
        assert!(
            numbers.insert(v.number.clone()),
            "{backend}: number {} twice",
            v.number
        );
        verified += 1;
    }
    for (i, person, id, acked) in &seen.drafts {
        let v = applications::load(&app, Reader::Person(person.0), ApplicationId(*id))
            .await
            .unwrap();
        assert_eq!(v.state, ApplicationState::Draft, "{backend}: draft of {i}");
        let stored = version_of(&v.data, *i).unwrap_or(0);
        assert!(
            stored >= *acked,
            "{backend}: draft of {i} holds version {stored}, {acked} was acknowledged"
        );
        assert!(
            v.number.is_empty() && v.submitted_at.is_none(),
            "{backend}: a draft half-submitted"
        );
    }
    // One application per applicant, each either a draft or complete.
    let mut submitted_rows = 0;
    for (person, _) in &people {
        let mine = applications::of_person(&app, *person).await.unwrap();
        assert_eq!(
            mine.len(),
            1,
            "{backend}: person {person} has {} applications",
            mine.len()
        );
        if mine[0].submitted.is_some() {
            submitted_rows += 1;
            assert!(
                !mine[0].number.is_empty(),
                "{backend}: submitted without a number"
            );
        }
    }
    assert_eq!(
        submitted_rows,
        seen.receipts.len(),
        "{backend}: submissions stored once each"
    );
    assert_eq!(
        audit_count(&app, "application.submit").await,
        seen.receipts.len() as i64,
        "{backend}: one audit record per submission"
    );
    app.db.pool.close().await;

    let said = super::audit_verify(dir, url, &[]);

    println!(
        "{backend}: kill -9 × {kills} ({:.1} s down in all) during {:.1} s: {requests} requests \
         ({unanswered} unanswered, statuses {:?}), {} receipts, {verified} verified stored once \
         with matching digest, {} drafts no older than acknowledged; {}",
        downtime.as_secs_f64(),
        wall.as_secs_f64(),
        seen.statuses,
        seen.receipts.len(),
        seen.drafts.len(),
        said.trim()
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_surge_loses_no_receipt_or_acknowledged_save_on_sqlite() {
    let dir = temp_dir("sg_kill_sqlite");
    let url = format!("sqlite://{}?mode=rwc", dir.join("scigrant.db").display());
    surge("SQLite", &dir, &url).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_surge_loses_no_receipt_or_acknowledged_save_on_postgres() {
    let name = format!("sg_kill_{}", std::process::id());
    let url = create_pg_database(&name).await;
    let dir = temp_dir("sg_kill_pg");
    surge("PostgreSQL", &dir, &url).await;
    let _ = drop_pg_database(&name).await;
    let _ = std::fs::remove_dir_all(&dir);
}
