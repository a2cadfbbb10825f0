//! 查重 benchmark: index 200,000 generated applications (about 3,000
//! characters each over five fields, 1% of them copies of another with a
//! fifth of the sentences reworded) and answer one application's
//! near-duplicates. Run in release:
//!
//! ```text
//! cargo run --release -p scigrant-domain --example dedup_bench [-- N QUERIES]
//! ```
//!
//! Prints the time to make the signatures and to fill the LSH index, the
//! per-query time (signing the query's text included) at p50 and p99, the
//! recall of the planted copies and the resident memory before and after.

use std::time::{Duration, Instant};

use scigrant_domain::evaluation::dedup::synthetic::{long_application, long_copy_reworded};
use scigrant_domain::evaluation::dedup::{
    ApplicantText, DEFAULT_THRESHOLD, Index, Signature, Signer,
};

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn text(fields: &[(String, String)]) -> ApplicantText {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(l, t)| (l.as_str(), t.as_str()))
        .collect();
    ApplicantText::from_fields(&refs)
}

/// Application `i`: every hundredth is a reworded copy of the one before it.
fn application(i: u64) -> Vec<(String, String)> {
    if i % 100 == 1 {
        long_copy_reworded(&long_application(i - 1), 1_000_000 + i)
    } else {
        long_application(i)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let queries: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let rss_before = rss_mib();

    // Signatures, on every core: what the submissions computed one by one.
    let started = Instant::now();
    let chunk = n.div_ceil(threads as u64);
    let mut chars = 0usize;
    let signatures: Vec<(i64, Signature)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                s.spawn(move || {
                    let signer = Signer::new();
                    let mut out = Vec::new();
                    let mut chars = 0;
                    for i in t * chunk..((t + 1) * chunk).min(n) {
                        let text = text(&application(i));
                        chars += text.chars();
                        if let Some(sig) = signer.sign(&text) {
                            out.push((i as i64, sig));
                        }
                    }
                    (out, chars)
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                let (out, c) = h.join().expect("signing thread");
                chars += c;
                out
            })
            .collect()
    });
    let signed = started.elapsed();
    let rss_signatures = rss_mib();

    let started = Instant::now();
    let mut index = Index::new(DEFAULT_THRESHOLD);
    for (id, sig) in &signatures {
        index.insert(*id, sig);
    }
    let indexed = started.elapsed();
    drop(signatures);
    let rss_after = rss_mib();

    // Queries: the copies (each should find its original) and as many
    // ordinary applications (which should find nothing).
    let signer = Signer::new();
    let mut times: Vec<Duration> = Vec::new();
    let mut lookups: Vec<Duration> = Vec::new();
    let (mut planted, mut found, mut false_hits) = (0, 0, 0);
    for q in 0..queries {
        let i = if q % 2 == 0 {
            (q / 2 * 100 + 1) % n
        } else {
            (q * 37 + 50) % n
        };
        let fields = application(i);
        let started = Instant::now();
        let sig = signer.sign(&text(&fields)).expect("own text");
        let signed_at = Instant::now();
        let hits = index.query(&sig, Some(i as i64));
        let done = Instant::now();
        times.push(done - started);
        lookups.push(done - signed_at);
        if i % 100 == 1 {
            planted += 1;
            found += usize::from(hits.iter().any(|h| h.0 == i as i64 - 1));
        } else if i % 100 == 0 {
            // An original: its copy is a true hit.
            false_hits += hits.iter().filter(|h| h.0 != i as i64 + 1).count();
        } else {
            false_hits += hits.len();
        }
    }
    times.sort();
    lookups.sort();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "applications          {n} ({} characters on average)",
        chars / n.max(1) as usize
    );
    println!("threads               {threads}");
    println!("signatures            {:.1} s", signed.as_secs_f64());
    println!("LSH index insert      {:.2} s", indexed.as_secs_f64());
    println!(
        "query p50 / p99       {:.2} ms / {:.2} ms (sign + query, {queries} queries)",
        pct(&times, 0.5).as_secs_f64() * 1e3,
        pct(&times, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "index lookup p50 / p99 {:.3} ms / {:.3} ms (the query's signature given)",
        pct(&lookups, 0.5).as_secs_f64() * 1e3,
        pct(&lookups, 0.99).as_secs_f64() * 1e3
    );
    println!("planted copies found  {found} / {planted}");
    println!("unrelated hits        {false_hits}");
    println!(
        "RSS                   {rss_before:.0} MiB before, {rss_signatures:.0} MiB with signatures, {rss_after:.0} MiB with the index"
    );
}
