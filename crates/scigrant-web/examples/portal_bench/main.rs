//! The portal's speed (issue 9), as a benchmark: N published articles
//! (default 100) spread over the six sections, then the home page, a
//! section list and an article served by the product and, side by side
//! in the same run, by a bare axum server answering the very bytes the
//! product returned (no middleware, no database); wrk measures both on
//! loopback; 用户协议 (/agreement), a page that reads nothing from the
//! database, is measured too, to tell the middleware's share from the
//! queries'. Then 站内搜索: a few hundred queries of one to three common
//! words over HTTP and in process, and how long an approved article takes
//! to be found by /search.
//!
//! CARGO_TARGET_DIR=/work/main/target cargo run --release -p scigrant-web \
//!     --example portal_bench -- [--articles 100] [--db sqlite|postgres] \
//!     [--seconds 10] [--rounds 3] [--queries 200] [--keep yes]
//!
//! The product runs in this process with the production defaults that
//! matter here: 16 database connections and the info-level request log
//! (written to a file in the run's folder). wrk (`apt-get install -y wrk`)
//! is required. Traffic goes to 127.0.0.1 only and every loop is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::portal::search::{SearchForm, search_articles, terms_of};
use scigrant_app::testing::bulk::{BulkArticle, publish_in_bulk};
use scigrant_app::testing::{
    PASSWORD, create_pg_database, drop_pg_database, staff_with_password, test_config,
};
use scigrant_app::{Actor, App, Config, SystemClock};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::portal::markup::render_body;
use scigrant_web::AppState;

mod corpus;
mod http;

struct Args {
    articles: usize,
    db: String,
    seconds: u64,
    /// wrk runs of each server per page, product and bare alternating.
    rounds: usize,
    queries: usize,
    /// Keep the run's folder (the SQLite file, the log) for a look after.
    keep: bool,
}

fn args() -> Args {
    let mut a = Args {
        articles: 100,
        db: "sqlite".into(),
        seconds: 10,
        rounds: 3,
        queries: 200,
        keep: false,
    };
    let v: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i + 1 < v.len() {
        match v[i].as_str() {
            "--articles" => a.articles = v[i + 1].parse().unwrap(),
            "--db" => a.db = v[i + 1].clone(),
            "--seconds" => a.seconds = v[i + 1].parse().unwrap(),
            "--rounds" => a.rounds = v[i + 1].parse().unwrap(),
            "--queries" => a.queries = v[i + 1].parse().unwrap(),
            "--keep" => a.keep = v[i + 1] == "yes",
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(a.articles >= 12, "--articles must be at least 12");
    assert!(a.rounds >= 1, "--rounds must be at least 1");
    a
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn staff(id: i64, label: &str) -> Actor {
    Actor {
        kind: Some(AccountKind::Staff),
        id: Some(id),
        label: label.into(),
        ip: "127.0.0.1".into(),
        request_id: "bench".into(),
        on_behalf: None,
    }
}

/// Percent-encodes a query value.
fn qv(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const BATCH: usize = 500;

/// Stores `n` published articles through the store's own statements, 500
/// to a transaction, publication times spread over the last three years;
/// returns the id of a 通知公告 from the middle and the index rows written.
async fn fill(app: &App, n: usize, editor: i64) -> (i64, usize) {
    let now = app.now();
    let step = (3 * 365 * 86_400_000 / n as i64).max(60_000);
    let (send, mut batches) = tokio::sync::mpsc::channel::<Vec<BulkArticle>>(4);
    let producer = std::thread::spawn(move || {
        for start in (0..n).step_by(BATCH) {
            let batch = (start..(start + BATCH).min(n))
                .map(|i| {
                    let text = corpus::article(i);
                    let body_html = render_body(&text.body_md);
                    let terms = terms_of(&text.title, &body_html);
                    BulkArticle {
                        section: text.section,
                        title: text.title,
                        publisher: text.publisher,
                        body_md: text.body_md,
                        important: text.important,
                        body_html,
                        terms,
                        publish_at: now - (n - i) as i64 * step,
                    }
                })
                .collect();
            if send.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    let middle = n / 2 - (n / 2) % 6;
    let (mut i, mut sample, mut rows) = (0, 0, 0);
    while let Some(batch) = batches.recv().await {
        rows += batch.iter().map(|p| p.terms.len()).sum::<usize>();
        for id in publish_in_bulk(app, editor, &batch).await {
            if i == middle {
                sample = id;
            }
            i += 1;
        }
        if i % 10_000 == 0 {
            println!("  … {i} articles");
        }
    }
    producer.join().unwrap();
    (sample, rows)
}

#[tokio::main]
async fn main() {
    let a = args();
    http::require_wrk();
    let dir = std::env::temp_dir().join(format!("scigrant-portal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pg_name = format!("sg_portal_bench_{}", std::process::id());
    let url = if a.db == "postgres" {
        create_pg_database(&pg_name).await
    } else {
        format!("sqlite://{}?mode=rwc", dir.join("scigrant.db").display())
    };
    // The request log as the release binary writes it (info), to a file.
    let log_path = dir.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let _log = scigrant_web::ops::logging::init_with("text", log, false);
    let mut config = test_config(&dir, url.clone());
    config.max_connections = Config::default().max_connections;
    let app = App::open(config, Arc::new(SystemClock)).await.unwrap();
    let editor = staff_with_password(
        &app,
        "bench_editor",
        "编辑甲",
        StaffRole::ContentEditor,
        PASSWORD,
    )
    .await;
    let reviewer = staff_with_password(
        &app,
        "bench_reviewer",
        "审核乙",
        StaffRole::ContentReviewer,
        PASSWORD,
    )
    .await;

    let t = Instant::now();
    let (sample, rows) = fill(&app, a.articles, editor).await;
    println!(
        "filled {} published articles ({rows} search index rows) in {:.1} s on {}; {} cores",
        a.articles,
        t.elapsed().as_secs_f64(),
        a.db,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // The product, as `scigrant serve` runs it, on a free loopback port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let product = listener.local_addr().unwrap().to_string();
    tokio::spawn(scigrant_web::serve(AppState::new(app.clone()), listener));
    let paths = [
        "/".to_string(),
        "/notices/tzgg".to_string(),
        format!("/articles/{sample}"),
        // No database: what the middleware and a template cost alone.
        "/agreement".to_string(),
    ];
    let mut pages = Vec::new();
    for p in &paths {
        let f = http::get(&product, p).await;
        assert_eq!(f.status, 200, "{p} on the product");
        pages.push((p.clone(), f.content_type, f.body));
    }
    let bare = http::bare_server(pages.clone()).await;
    for (p, ct, body) in &pages {
        let f = http::get(&bare, p).await;
        assert!(f.status == 200 && &f.content_type == ct && &f.body == body);
    }

    // One request at a time first: how long a page takes on its own.
    println!("\none request at a time, median of 5 (ms)");
    for (p, _, _) in &pages {
        let mut one = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            assert_eq!(http::get(&product, p).await.status, 200);
            one.push(ms(t));
        }
        println!("{:<16} {:>9.2}", p, pct(&mut one, 0.5));
    }

    println!(
        "\nwrk -t2 -c32 -d{}s --timeout 10s --latency, {} rounds of product and bare axum (same bytes), alternating",
        a.seconds, a.rounds
    );
    println!(
        "{:<16} {:>7} {:>11} {:>11} {:>6} {:>11} {:>17} {:>17} {:>15} {:>15}",
        "page",
        "bytes",
        "product r/s",
        "bare r/s",
        "ratio",
        "rounds",
        "product p50/p99",
        "bare p50/p99",
        "product µs u/s",
        "bare µs u/s"
    );
    for (p, _, body) in &pages {
        // A short warm-up first: connections, caches, the page cache.
        http::wrk(&product, p, 2).await;
        let mut runs = Vec::new();
        for round in 0..a.rounds {
            // Each round's pair side by side, the order swapped every
            // round: the machine's drift falls on both servers alike.
            let (prod, base) = if round % 2 == 0 {
                let prod = http::wrk(&product, p, a.seconds).await;
                (prod, http::wrk(&bare, p, a.seconds).await)
            } else {
                let base = http::wrk(&bare, p, a.seconds).await;
                (http::wrk(&product, p, a.seconds).await, base)
            };
            runs.push((prod, base));
        }
        let mut ratios: Vec<f64> = runs.iter().map(|(p, b)| p.rps / b.rps).collect();
        let (low, high) = (
            ratios.iter().cloned().fold(f64::MAX, f64::min),
            ratios.iter().cloned().fold(0.0, f64::max),
        );
        let ratio = pct(&mut ratios, 0.5);
        let (prod, base) = http::WrkRun::totals(&runs);
        println!(
            "{:<16} {:>7} {:>11.0} {:>11.0} {:>5.0}% {:>11} {:>17} {:>17} {:>15} {:>15}{}",
            p,
            body.len(),
            prod.rps,
            base.rps,
            100.0 * ratio,
            format!("{:.0}–{:.0}%", 100.0 * low, 100.0 * high),
            format!("{}/{}", prod.p50, prod.p99),
            format!("{}/{}", base.p50, base.p99),
            format!("{:.1}/{:.1}", prod.user_us, prod.sys_us),
            format!("{:.1}/{:.1}", base.user_us, base.sys_us),
            if prod.bad + base.bad > 0 {
                format!("  ({} errors or non-2xx)", prod.bad + base.bad)
            } else {
                String::new()
            }
        );
    }
    println!(
        "(r/s: over all rounds; ratio: the median round's, with the rounds' range; p50/p99: the last round's; µs u/s: this process's user and system CPU per request over all rounds, both servers run in it)"
    );

    // 站内搜索: the same queries over HTTP, one after another, then in process.
    let mut r = corpus::Rng::new(9);
    let queries: Vec<String> = (0..a.queries).map(|_| corpus::query(&mut r)).collect();
    let mut over_http = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let f = http::get(&product, &format!("/search?q={}", qv(q))).await;
        over_http.push(ms(t));
        assert_eq!(f.status, 200, "/search?q={q}");
    }
    let mut in_process = Vec::new();
    let mut found = Vec::new();
    let mut slowest = (0.0, String::new(), 0);
    for q in &queries {
        let form = SearchForm {
            q: q.clone(),
            ..SearchForm::default()
        };
        let t = Instant::now();
        let page = search_articles(&app, &form).await.unwrap().page;
        let took = ms(t);
        in_process.push(took);
        found.push(page.total as f64);
        if took > slowest.0 {
            slowest = (took, q.clone(), page.total);
        }
    }
    println!(
        "\nsearch, {} queries of 1–3 words ({} articles)",
        queries.len(),
        a.articles
    );
    println!("{:<22} {:>8} {:>8} {:>8}", "", "p50 ms", "p95 ms", "max ms");
    for (what, v) in [
        ("GET /search (HTTP)", &mut over_http),
        ("search_articles", &mut in_process),
    ] {
        let max = v.iter().cloned().fold(0.0, f64::max);
        println!(
            "{:<22} {:>8.1} {:>8.1} {:>8.1}",
            what,
            pct(v, 0.5),
            pct(v, 0.95),
            max
        );
    }
    println!(
        "articles found per query: median {:.0}, max {:.0}; slowest in process: 「{}」 {:.1} ms, {} found",
        pct(&mut found, 0.5),
        found.iter().cloned().fold(0.0, f64::max),
        slowest.1,
        slowest.0,
        slowest.2
    );

    // From 审核通过 to being found by /search, through the use cases.
    let (ed, rv) = (staff(editor, "编辑甲"), staff(reviewer, "审核乙"));
    let mut visible = Vec::new();
    let mut approve = Vec::new();
    for trial in 1..=5 {
        let f = ArticleForm {
            section: "tzgg".into(),
            title: format!("关于珠峰观测站第{trial}期开放课题申请的通知"),
            publisher: "科技厅".into(),
            body: "珠峰观测站面向全区高校和科研院所开放课题申请，请于月底前提交。".into(),
            ..ArticleForm::default()
        };
        let id = create_article(&app, &ed, &f, &[]).await.unwrap();
        submit_article(&app, &ed, id).await.unwrap();
        let t = Instant::now();
        review_article(&app, &rv, id, true, "").await.unwrap();
        approve.push(ms(t));
        let link = format!("href=\"/articles/{}\"", id.0);
        loop {
            let f = http::get(&product, &format!("/search?q={}", qv("珠峰观测站"))).await;
            if String::from_utf8_lossy(&f.body).contains(&link) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "article {} not found by /search 5 s after approval",
                id.0
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        visible.push(ms(t));
    }
    println!(
        "\nnew article: 审核通过 takes {:.1} ms (max {:.1}); found by /search {:.1} ms after approval began (max {:.1}), 5 trials",
        pct(&mut approve, 0.5),
        approve.iter().cloned().fold(0.0, f64::max),
        pct(&mut visible, 0.5),
        visible.iter().cloned().fold(0.0, f64::max)
    );
    let log_lines = std::fs::read_to_string(&log_path)
        .map(|s| s.lines().count())
        .unwrap_or(0);
    println!("server log: {log_lines} lines at info level");

    app.db.pool.close().await;
    if a.db == "postgres" && !a.keep {
        // A database left behind is harmless; the figures above stand.
        let _ = drop_pg_database(&pg_name).await;
    }
    if a.keep {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
