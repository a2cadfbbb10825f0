//! Measures the cost of one PBKDF2-HMAC-SM3 password hash at several iteration counts, to
//! choose `MIN_PRODUCTION_ITERATIONS` (target ≈ 50 ms per hash). Run in release mode:
//! `cargo run --release -p scigrant-domain --example hash_cost`

use scigrant_domain::identity::password_hash::hash_password;
use std::time::Instant;

fn main() {
    let salt = [7u8; 16];
    let mut per_iter_ns = 0.0;
    for iterations in [10_000u32, 50_000, 100_000, 200_000, 400_000] {
        // Best of 5 runs, to discount scheduler noise from other processes.
        let best = (0..5)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(hash_password("Gesang-Meiduo-7", &salt, iterations));
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        let ms = best.as_secs_f64() * 1e3;
        per_iter_ns = best.as_secs_f64() * 1e9 / f64::from(iterations);
        println!("{iterations:>8} iterations: {ms:8.2} ms  ({per_iter_ns:.0} ns/iteration)");
    }
    let for_50ms = 50e6 / per_iter_ns;
    println!("≈ {for_50ms:.0} iterations for 50 ms");
}
