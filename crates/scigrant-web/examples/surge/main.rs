//! The deadline surge, as a benchmark: N applicants (default 500) log in,
//! open the CAST call, autosave a realistic 附件4 draft every few seconds
//! and submit shortly before the close time, against the release binary on
//! loopback, on SQLite or PostgreSQL. Reports throughput and latency
//! percentiles per step, the server's peak RSS, and then checks in the
//! database that every accepted submission is stored exactly once with a
//! digest that matches its content.
//!
//! cargo build --release && cargo run --release -p scigrant-web --example surge -- \
//!     [--users 500] [--db sqlite|postgres] [--autosaves 6] [--interval-ms 3000] \
//!     [--nodes 0|1|2|3] [--saturate yes]
//!
//! `--nodes n` (n ≥ 1) runs n servers on one PostgreSQL database behind
//! HAProxy; `--saturate yes` holds every applicant at a barrier after their
//! autosaves and lets all submit at once, so the submit step's rate is the
//! submissions per second at saturation. With it the run also reports the
//! server's CPU time per submission and, next to it, a bare axum server
//! (`bare.rs`) taking the same body from as many clients at once.
//!
//! Traffic goes to 127.0.0.1 only and every loop is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scigrant_app::grants::applications::{self, Reader};
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::identity::members::{ProfileForm, decide_member, save_profile};
use scigrant_app::identity::register::{
    PersonForm, UnitForm, limits, register_person, register_unit,
};
use scigrant_app::testing::{
    FileKind, complete_registration, create_pg_database, drop_pg_database, id_number, jpeg, pdf,
    phone, test_config, upload, uscc,
};
use scigrant_app::{Actor, App, SystemClock};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::grants::form::{Value, samples::sample_fj4};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::ApplicationId;

mod bare;
mod client;
mod nodes;

use client::{Client, between, form_body};

struct Args {
    users: usize,
    db: String,
    autosaves: usize,
    interval_ms: u64,
    nodes: usize,
    saturate: bool,
    /// Database connections per node (0: 6 on one PostgreSQL node, 64
    /// shared by several, 8 on SQLite).
    connections: u32,
}

fn args() -> Args {
    let mut a = Args {
        users: 500,
        db: "sqlite".into(),
        autosaves: 6,
        interval_ms: 3000,
        nodes: 0,
        saturate: false,
        connections: 0,
    };
    let v: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i + 1 < v.len() {
        match v[i].as_str() {
            "--users" => a.users = v[i + 1].parse().unwrap(),
            "--db" => a.db = v[i + 1].clone(),
            "--autosaves" => a.autosaves = v[i + 1].parse().unwrap(),
            "--interval-ms" => a.interval_ms = v[i + 1].parse().unwrap(),
            "--nodes" => a.nodes = v[i + 1].parse().unwrap(),
            "--saturate" => a.saturate = v[i + 1] == "yes",
            "--connections" => a.connections = v[i + 1].parse().unwrap(),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

type Samples = Arc<Mutex<HashMap<&'static str, Vec<f64>>>>;

fn record(samples: &Samples, step: &'static str, t: Instant) {
    samples
        .lock()
        .unwrap()
        .entry(step)
        .or_default()
        .push(t.elapsed().as_secs_f64() * 1000.0);
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn vm_hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--bare-server") {
        return bare::serve(argv[2].parse().unwrap()).await;
    }
    let a = args();
    let dir = std::env::temp_dir().join(format!("scigrant-surge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pg_name = format!("sg_surge_{}", std::process::id());
    let url = if a.db == "postgres" {
        create_pg_database(&pg_name).await
    } else {
        format!("sqlite://{}?mode=rwc", dir.join("scigrant.db").display())
    };

    // Set-up through the use cases: units, approved members, the call.
    let t = Instant::now();
    let app = App::open(test_config(&dir, url.clone()), Arc::new(SystemClock))
        .await
        .unwrap();
    let staff = Actor {
        kind: Some(AccountKind::Staff),
        id: Some(1),
        label: "bench".into(),
        ip: "-".into(),
        request_id: "-".into(),
        on_behalf: None,
    };
    let now = app.now();
    let run_ms = (a.autosaves as u64 * a.interval_ms + 120_000) as i64;
    let closes = scigrant_domain::calendar::format_datetime(now + run_ms);
    let program = create_program(
        &app,
        &staff,
        "2023年“科创中国”科技服务团及系列品牌活动项目",
        "",
    )
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
            eligible: vec!["other".into()],
            opens: scigrant_domain::calendar::format_datetime(now - 3_600_000),
            closes,
            paper_deadline: scigrant_domain::calendar::format_datetime(now + run_ms + 86_400_000),
            template: "kczg2023-fj4".into(),
            form_json: String::new(),
            city_group: String::new(),
            ..CallForm::default()
        },
    )
    .await
    .unwrap();
    set_state(&app, &staff, call, CallState::Published)
        .await
        .unwrap();
    let units = a.users.div_ceil(10);
    let mut unit_ids = Vec::new();
    for n in 0..units as u32 {
        let cert = upload(&app, FileKind::Jpeg, limits::USCC_CERT, "c.jpg", &jpeg(100)).await;
        let f = UnitForm {
            kind: "other".into(),
            name: format!("学会{n}"),
            legal_rep: "甲".into(),
            reg_place: "北京".into(),
            uscc: uscc(n),
            password: "Bench#Pass2023".into(),
            password_confirm: "Bench#Pass2023".into(),
            contact_name: "乙".into(),
            contact_phone: phone(n),
            captcha_id: scigrant_app::identity::captcha::new_captcha(&app)
                .await
                .unwrap()
                .id,
            captcha: "TEST".into(),
        };
        let id = register_unit(&app, &staff, &f, Some(&cert)).await.unwrap();
        complete_registration(&app, &staff, id).await;
        unit_ids.push(id);
    }
    let mut people = Vec::new();
    for n in 0..a.users as u32 {
        let captcha_id = scigrant_app::identity::captcha::new_captcha(&app)
            .await
            .unwrap()
            .id;
        let pf = PersonForm {
            doc_type: "mainland_id".into(),
            doc_no: id_number(n),
            name: format!("申报人{n}"),
            email: format!("p{n}@example.cn"),
            region_code: "110101".into(),
            gender: "男".into(),
            password: "Bench#Pass2023".into(),
            password_confirm: "Bench#Pass2023".into(),
            phone: phone(100_000 + n),
            captcha_id,
            captcha: "TEST".into(),
            agreed: true,
        };
        let pid = register_person(&app, &staff, &pf).await.unwrap();
        let unit = unit_ids[n as usize / 10];
        let idp = upload(&app, FileKind::Pdf, limits::ID_PROOF, "id.pdf", &pdf(500)).await;
        let tp = upload(&app, FileKind::Pdf, limits::TITLE_PROOF, "t.pdf", &pdf(500)).await;
        let pr = ProfileForm {
            unit_id: unit.to_string(),
            region_code: "110101".into(),
            department: "部".into(),
            email: format!("p{n}@example.cn"),
            education: "硕士".into(),
            degree: "博士".into(),
            title: "高级".into(),
        };
        save_profile(&app, &staff, pid, &pr, Some(&idp), Some(&tp))
            .await
            .unwrap();
        decide_member(&app, &staff, unit, pid, Some(true), "")
            .await
            .unwrap();
        people.push((pid, phone(100_000 + n)));
    }
    println!(
        "set-up: {} units, {} members, call {call} in {:.1} s ({})",
        units,
        a.users,
        t.elapsed().as_secs_f64(),
        a.db
    );

    // The release binary on free loopback ports, behind HAProxy with --nodes.
    let exe: PathBuf = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("scigrant");
    assert!(
        a.nodes <= 1 || a.db == "postgres",
        "several nodes need --db postgres"
    );
    let connections = match (a.db.as_str(), a.nodes) {
        _ if a.connections > 0 => a.connections,
        // Three per core of the 2-core machine the database shares: 32
        // backends on two cores spent twice the CPU per submission
        // (docs/benchmarks.md, "The pool's size").
        ("postgres", 0 | 1) => 6,
        ("postgres", n) => (64 / n as u32).max(8),
        _ => 8,
    };
    let mut cluster = nodes::start(&exe, &dir, &url, a.nodes, connections).await;
    let addr = cluster.addr.clone();
    println!(
        "servers: {} node(s){}, {connections} connections each",
        a.nodes.max(1),
        if a.nodes > 0 { " behind HAProxy" } else { "" }
    );

    let mut draft = sample_fj4();
    draft.insert("applicant".into(), Value::Text("学会".into()));
    let spec = scigrant_domain::grants::form::builtin("kczg2023-fj4").unwrap();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in &draft {
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
    let _ = &spec;
    let body = Arc::new(form_body(&pairs));
    println!(
        "draft body: {} bytes, autosave every {} ms × {}, then submit",
        body.len(),
        a.interval_ms,
        a.autosaves
    );

    let samples: Samples = Arc::new(Mutex::new(HashMap::new()));
    let errors: Arc<Mutex<HashMap<String, usize>>> = Arc::new(Mutex::new(HashMap::new()));
    let receipts: Arc<Mutex<Vec<(i64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    // The applicants and the reader of the servers' CPU time.
    let barrier = a
        .saturate
        .then(|| Arc::new(tokio::sync::Barrier::new(people.len() + 1)));
    let pids: Vec<u32> = cluster.nodes.iter().map(|c| c.id()).collect();
    let cpu_of = {
        let pids = pids.clone();
        move || pids.iter().map(|p| bare::cpu_secs(*p)).sum::<f64>()
    };
    // Besides the server: PostgreSQL's processes and this load generator.
    let others = || {
        (
            bare::cpu_secs_named("postgres"),
            bare::cpu_secs(std::process::id()),
        )
    };
    let cpu_at_release = barrier.clone().map(|b| {
        let cpu_of = cpu_of.clone();
        tokio::spawn(async move {
            b.wait().await;
            (cpu_of(), others())
        })
    });
    // The first submission's start and the last one's end.
    type Window = (Option<Instant>, Option<Instant>);
    let window: Arc<Mutex<Window>> = Arc::default();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, (pid, mobile)) in people.iter().cloned().enumerate() {
        let (samples, errors, receipts, body, addr) = (
            samples.clone(),
            errors.clone(),
            receipts.clone(),
            body.clone(),
            addr.clone(),
        );
        let (autosaves, interval) = (a.autosaves, a.interval_ms);
        let stagger = (i as u64 * interval) / people.len() as u64;
        let (barrier, window) = (barrier.clone(), window.clone());
        tasks.push(tokio::spawn(async move {
            let err = |what: &str| {
                *errors.lock().unwrap().entry(what.to_string()).or_default() += 1;
            };
            let ready = async {
                tokio::time::sleep(Duration::from_millis(stagger)).await;
                let forwarded_for = format!("10.{}.{}.1", i / 250, i % 250);
                let mut c = Client { addr, conn: None, cookies: BTreeMap::new(), forwarded_for };
                let t = Instant::now();
                let page = c.send("GET", "/login", "").await;
                let captcha = between(&page.body, "name=\"captcha_id\" value=\"", "\"").unwrap_or("").to_string();
                let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"").unwrap_or("").to_string();
                let login = format!("csrf={csrf}&tab=person&login={mobile}&password=Bench%23Pass2023&captcha_id={captcha}&captcha=TEST");
                let r = c.send("POST", "/login", &login).await;
                if r.status != 303 {
                    err("login");
                    return None;
                }
                record(&samples, "login", t);
                let t = Instant::now();
                // The session has its own form token: the call page's form carries it.
                let page = c.send("GET", &format!("/calls/{call}"), "").await;
                let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"").unwrap_or("").to_string();
                let r = c.send("POST", &format!("/calls/{call}/apply"), &format!("csrf={csrf}")).await;
                if r.status != 303 {
                    err("open");
                    return None;
                }
                let edit = r.location.clone();
                let r = c.send("GET", &edit, "").await;
                if r.status != 200 {
                    err("open");
                    return None;
                }
                record(&samples, "open call + draft", t);
                let app_id: i64 = edit.split('/').nth(2).and_then(|x| x.parse().ok()).unwrap_or(0);
                for _ in 0..autosaves {
                    tokio::time::sleep(Duration::from_millis(interval)).await;
                    let t = Instant::now();
                    let r = c.send("POST", &format!("/applications/{app_id}/autosave"), &format!("csrf={csrf}&{body}")).await;
                    if r.status != 200 {
                        err("autosave");
                        continue;
                    }
                    record(&samples, "autosave", t);
                }
                Some((c, csrf, app_id))
            }
            .await;
            // With --saturate every applicant waits here, failed or not.
            if let Some(b) = &barrier {
                b.wait().await;
            }
            let Some((mut c, csrf, app_id)) = ready else {
                return;
            };
            let t = Instant::now();
            window.lock().unwrap().0.get_or_insert(t);
            let r = c.send("POST", &format!("/applications/{app_id}/submit"), &format!("csrf={csrf}&{body}")).await;
            if r.status != 303 {
                return err(&format!("submit {}", r.status));
            }
            record(&samples, "submit", t);
            window.lock().unwrap().1 = Some(Instant::now());
            receipts.lock().unwrap().push((pid.0, app_id.to_string()));
        }));
    }
    let mut peak = 0;
    let hwm = |peak: u64| pids.iter().fold(peak, |p, pid| p.max(vm_hwm_kb(*pid)));
    while tasks.iter().any(|t| !t.is_finished()) {
        peak = hwm(peak);
        tokio::time::sleep(Duration::from_millis(500)).await;
        if started.elapsed() > Duration::from_secs(600) {
            println!("stopping: the run exceeded 10 minutes");
            break;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let wall = started.elapsed().as_secs_f64();
    peak = hwm(peak);
    let cpu_used = match cpu_at_release {
        Some(t) => {
            let (server, (db, load)) = t.await.unwrap();
            let (db_now, load_now) = others();
            Some((cpu_of() - server, db_now - db, load_now - load))
        }
        None => None,
    };
    cluster.stop();

    println!(
        "\n{:<18} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "step", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    {
        let mut s = samples.lock().unwrap();
        for step in ["login", "open call + draft", "autosave", "submit"] {
            if let Some(v) = s.get_mut(step) {
                let n = v.len();
                let max = v.iter().cloned().fold(0.0, f64::max);
                println!(
                    "{:<18} {:>7} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
                    step,
                    n,
                    n as f64 / wall,
                    pct(v, 0.50),
                    pct(v, 0.95),
                    pct(v, 0.99),
                    max
                );
            }
        }
    }
    println!("errors: {:?}", errors.lock().unwrap());
    println!(
        "wall time {wall:.1} s; peak RSS of the largest node {:.1} MB",
        peak as f64 / 1024.0
    );
    let window = *window.lock().unwrap();
    if let (Some(first), Some(last)) = window {
        let n = samples.lock().unwrap().get("submit").map_or(0, Vec::len);
        let secs = last.duration_since(first).as_secs_f64();
        let rate = n as f64 / secs.max(0.001);
        println!("submissions: {n} in {secs:.2} s from the first to the last = {rate:.1}/s");
        if let Some((cpu, db, load)) = cpu_used {
            let per = |s: f64| s * 1000.0 / n.max(1) as f64;
            println!(
                "CPU from the release to the last receipt: server {cpu:.2} s = {:.2} ms per submission; PostgreSQL {db:.2} s = {:.2} ms; load generator {load:.2} s = {:.2} ms",
                per(cpu),
                per(db),
                per(load)
            );
            let (m, bsecs, p50, p99, bcpu) = bare::run(people.len(), body.clone()).await;
            let brate = m as f64 / bsecs.max(0.001);
            println!(
                "bare axum, same body, {} clients at once: {m} in {bsecs:.2} s = {brate:.1}/s, p50 {p50:.1} ms, p99 {p99:.1} ms, CPU {:.3} ms per request; the product does {:.1} % of its rate",
                people.len(),
                bcpu * 1000.0 / m.max(1) as f64,
                100.0 * rate / brate.max(0.001)
            );
        }
    }

    // Every accepted submission stored exactly once, digest matching content.
    let accepted = receipts.lock().unwrap().clone();
    let (mut ok, mut bad) = (0, 0);
    let mut numbers = std::collections::HashSet::new();
    for (pid, app_id) in &accepted {
        let v = applications::load(
            &app,
            Reader::Person(*pid),
            ApplicationId(app_id.parse().unwrap()),
        )
        .await
        .unwrap();
        let recomputed = applications::digest_of(&v.spec, &v.data);
        if v.submitted_at.is_some() && recomputed == v.digest && numbers.insert(v.number.clone()) {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    let stored = applications::of_call(&app, call, None).await.unwrap().len();
    let mine: usize = {
        let mut n = 0;
        for (pid, _) in &people {
            n += applications::of_person(&app, *pid)
                .await
                .unwrap()
                .iter()
                .filter(|i| i.submitted.is_some())
                .count();
        }
        n
    };
    println!(
        "verification: {} accepted submissions, {ok} stored once with matching digest and unique number, {bad} wrong; {mine} submitted rows in the database ({} users); {stored} recommended",
        accepted.len(),
        a.users
    );
    app.db.pool.close().await;
    if a.db == "postgres" {
        // A database left behind is harmless; the figures above stand.
        let _ = drop_pg_database(&pg_name).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(bad, 0, "lost or duplicated submissions");
    assert_eq!(
        mine,
        accepted.len(),
        "every accepted submission is stored, none twice"
    );
}
