//! Per-IP rate limits on login and registration: a fixed one-minute window
//! per (bucket, address), kept in memory on each node. The account lockout
//! in the database is the cross-node defence; this one blunts floods.

use std::collections::HashMap;
use std::sync::Mutex;

/// (bucket, address) → (minute, count).
type Windows = HashMap<(&'static str, String), (i64, u32)>;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts one request; false when `ip` exceeded `per_minute` in `bucket`.
    pub fn allow(&self, bucket: &'static str, ip: &str, per_minute: u32, now_ms: i64) -> bool {
        let minute = now_ms / 60_000;
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        if map.len() > 100_000 {
            map.retain(|_, (m, _)| *m == minute);
        }
        let entry = map.entry((bucket, ip.to_string())).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_minute_and_resets() {
        let r = RateLimiter::default();
        for _ in 0..3 {
            assert!(r.allow("login", "1.2.3.4", 3, 0));
        }
        assert!(!r.allow("login", "1.2.3.4", 3, 10));
        assert!(r.allow("login", "5.6.7.8", 3, 10));
        assert!(r.allow("register", "1.2.3.4", 3, 10));
        assert!(r.allow("login", "1.2.3.4", 3, 60_000));
    }
}
