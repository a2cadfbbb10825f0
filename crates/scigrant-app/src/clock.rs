//! Time comes from an injected clock so deadlines, lockouts, captcha and
//! session expiry are tested at T−1 s and T+1 s. Display is China Standard
//! Time (UTC+8, no daylight saving).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock tests move by hand.
#[derive(Clone, Debug)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(ms: i64) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(ms)))
    }
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

const CST_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// (year, month, day) in China Standard Time.
pub fn civil_date(ms: i64) -> (i32, u32, u32) {
    let days = (ms + CST_OFFSET_MS).div_euclid(86_400_000);
    civil_from_days(days)
}

// Howard Hinnant's days-to-civil algorithm (public domain description).
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Start of the given CST day, in epoch milliseconds.
pub fn cst_day_start(y: i32, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400_000 - CST_OFFSET_MS
}

/// "2025-06-28".
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_date(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// "2025-06-28 14:03:09".
pub fn format_datetime(ms: i64) -> String {
    let local = ms + CST_OFFSET_MS;
    let secs = local.div_euclid(1000) % 86_400;
    let secs = if secs < 0 { secs + 86_400 } else { secs };
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(ms),
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Parses "YYYY-MM-DD" into the start of that CST day.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(cst_day_start(y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_china_standard_time() {
        // 2023-04-25 00:00 CST is 2023-04-24 16:00 UTC = 1682352000000.
        assert_eq!(cst_day_start(2023, 4, 25), 1_682_352_000_000);
        assert_eq!(civil_date(1_682_352_000_000), (2023, 4, 25));
        assert_eq!(civil_date(1_682_352_000_000 - 1), (2023, 4, 24));
        assert_eq!(
            format_datetime(1_682_352_000_000 + 3_723_000),
            "2023-04-25 01:02:03"
        );
        assert_eq!(parse_date("2024-02-29"), Some(cst_day_start(2024, 2, 29)));
        assert_eq!(parse_date("2024-13-01"), None);
    }
}
