//! Security parameters (lockout and session timeouts) read on every login
//! and request, cached a few seconds per node. The 安全管理员 changes them in
//! `admin::params`; identity reads them here, so neither area imports the
//! other for them.

use scigrant_store::admin::settings;

use crate::{App, AppError, FieldErrors};

/// Security parameters, with the defaults of the issue (5 failures in 15
/// minutes lock for 30 minutes; sessions idle 30 minutes, at most 12 hours).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityParams {
    pub max_failures: i64,
    pub failure_window_minutes: i64,
    pub lock_minutes: i64,
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Default for SecurityParams {
    fn default() -> Self {
        SecurityParams {
            max_failures: 5,
            failure_window_minutes: 15,
            lock_minutes: 30,
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl SecurityParams {
    pub fn failure_window_ms(&self) -> i64 {
        self.failure_window_minutes * 60_000
    }
    pub fn lock_ms(&self) -> i64 {
        self.lock_minutes * 60_000
    }
    pub fn idle_ms(&self) -> i64 {
        self.idle_minutes * 60_000
    }
    pub fn absolute_ms(&self) -> i64 {
        self.absolute_hours * 3_600_000
    }

    pub(crate) const KEYS: [&'static str; 5] = [
        "security.max_failures",
        "security.failure_window_minutes",
        "security.lock_minutes",
        "security.idle_minutes",
        "security.absolute_hours",
    ];

    pub(crate) fn values(&self) -> [i64; 5] {
        [
            self.max_failures,
            self.failure_window_minutes,
            self.lock_minutes,
            self.idle_minutes,
            self.absolute_hours,
        ]
    }

    /// Bounds an operator may choose within (等保 asks for lockout and
    /// timeouts; these keep them meaningful).
    pub(crate) fn check(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        let bounds: [(&str, i64, i64, i64); 5] = [
            ("max_failures", self.max_failures, 3, 10),
            (
                "failure_window_minutes",
                self.failure_window_minutes,
                5,
                1440,
            ),
            ("lock_minutes", self.lock_minutes, 5, 1440),
            ("idle_minutes", self.idle_minutes, 5, 120),
            ("absolute_hours", self.absolute_hours, 1, 24),
        ];
        for (field, v, lo, hi) in bounds {
            if v < lo || v > hi {
                e.add(field, format!("取值范围为{lo}至{hi}"));
            }
        }
        e
    }
}

/// The parameters in force, re-read at most every 5 seconds per node (a
/// change by the 安全管理员 reaches every node within that time).
#[derive(Debug, Default)]
pub struct ParamsCache(pub(crate) std::sync::RwLock<Option<(i64, SecurityParams)>>);

const PARAMS_TTL_MS: i64 = 5_000;

pub async fn params(app: &App) -> Result<SecurityParams, AppError> {
    let now = app.now();
    if let Ok(guard) = app.cache.params.0.read()
        && let Some((at, p)) = *guard
        && now >= at
        && now - at < PARAMS_TTL_MS
    {
        return Ok(p);
    }
    let p = read_params(app).await?;
    if let Ok(mut guard) = app.cache.params.0.write() {
        *guard = Some((now, p));
    }
    Ok(p)
}

async fn read_params(app: &App) -> Result<SecurityParams, AppError> {
    let mut c = app.db.read().await?;
    let mut p = SecurityParams::default();
    let mut vals = p.values();
    for (i, key) in SecurityParams::KEYS.iter().enumerate() {
        if let Some(v) = settings::get(&mut c, key).await?
            && let Ok(n) = v.parse()
        {
            vals[i] = n;
        }
    }
    p.max_failures = vals[0];
    p.failure_window_minutes = vals[1];
    p.lock_minutes = vals[2];
    p.idle_minutes = vals[3];
    p.absolute_hours = vals[4];
    Ok(p)
}
