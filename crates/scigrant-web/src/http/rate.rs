//! Per-IP rate limits on login, registration and the captcha, kept in
//! memory on each node with governor's GCRA: a client may spend its whole
//! minute's budget at once and then earns one request back every
//! `60 s / limit`. The account lockout in the database is the cross-node
//! defence; this one blunts floods. A handler states its budget by taking
//! `Admitted<Login>` (or `Register`, `Captcha`) among its arguments.

use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use scigrant_app::identity::captcha::new_captcha;
use scigrant_app::{AppError, Clock, Config};

use crate::AppState;
use crate::http::context::client_addr;
use crate::http::error::WebError;

/// Captcha images a client may ask for in a minute.
const CAPTCHAS_PER_MINUTE: u32 = 120;

/// Governor reads the app's clock, so tests move time by hand.
#[derive(Clone)]
struct AppTime(Arc<dyn Clock>);

impl governor::clock::Clock for AppTime {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.0.now_ms()).unwrap_or(0))
    }
}

/// One budget per client address; `None` when the limit is 0 (every
/// request refused, as the configuration says).
pub struct Budget(Option<KeyedLimiter>);

type KeyedLimiter =
    RateLimiter<IpAddr, HashMapStateStore<IpAddr>, AppTime, NoOpMiddleware<Duration>>;

impl Budget {
    fn per_minute(limit: u32, clock: &Arc<dyn Clock>) -> Budget {
        Budget(
            NonZeroU32::new(limit).map(|n| {
                RateLimiter::hashmap_with_clock(Quota::per_minute(n), AppTime(clock.clone()))
            }),
        )
    }

    fn admits(&self, ip: IpAddr) -> bool {
        self.0.as_ref().is_some_and(|l| l.check_key(&ip).is_ok())
    }

    fn forget_idle(&self) {
        if let Some(l) = &self.0 {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// The budgets of one node, built from `login_rate_per_minute` and
/// `register_rate_per_minute`.
pub struct Limits {
    login: Budget,
    register: Budget,
    captcha: Budget,
}

impl Limits {
    pub fn new(config: &Config, clock: &Arc<dyn Clock>) -> Limits {
        Limits {
            login: Budget::per_minute(config.login_rate_per_minute, clock),
            register: Budget::per_minute(config.register_rate_per_minute, clock),
            captcha: Budget::per_minute(CAPTCHAS_PER_MINUTE, clock),
        }
    }

    /// Drops the state of addresses idle long enough for their budget to be
    /// full again; the server calls it every minute so the maps stay small.
    pub fn forget_idle(&self) {
        self.login.forget_idle();
        self.register.forget_idle();
        self.captcha.forget_idle();
    }
}

/// Which budget a route draws from.
pub trait Bucket {
    fn budget(limits: &Limits) -> &Budget;
}

/// 登录 (person, unit and staff).
pub struct Login;
/// 注册 (unit and person).
pub struct Register;
/// The captcha images: the endpoint and the pages that show one.
pub struct Captcha;

impl Bucket for Login {
    fn budget(limits: &Limits) -> &Budget {
        &limits.login
    }
}

impl Bucket for Register {
    fn budget(limits: &Limits) -> &Budget {
        &limits.register
    }
}

impl Bucket for Captcha {
    fn budget(limits: &Limits) -> &Budget {
        &limits.captcha
    }
}

/// The client's address, for a handler that spends a budget only on some
/// paths: the pages that show a captcha spend the captcha budget per image.
pub struct ClientAddr(IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(ClientAddr(
            client_addr(
                &parts.extensions,
                &parts.headers,
                &state.app.config.trusted_proxies,
            )
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// The captcha a page shows: empty when the address has spent its captcha
/// budget, and then no answer is stored (`auth/captcha.html` asks the
/// visitor to wait instead).
#[derive(Default)]
pub struct PageCaptcha {
    pub id: String,
    pub image: String,
}

impl ClientAddr {
    /// A new captcha drawn from this address's captcha budget.
    pub async fn captcha(&self, state: &AppState) -> Result<PageCaptcha, WebError> {
        if !Captcha::budget(&state.limits).admits(self.0) {
            return Ok(PageCaptcha::default());
        }
        let c = new_captcha(&state.app).await?;
        Ok(PageCaptcha {
            id: c.id,
            image: c.data_url,
        })
    }
}

/// Proof that the client's address had budget left in `B`; extracting it
/// spends one request. Refused with 429 请求过于频繁，请稍后再试.
pub struct Admitted<B>(PhantomData<B>);

impl<B: Bucket> FromRequestParts<AppState> for Admitted<B> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        // In-process callers (tests) have no address; they share one budget.
        let ip = client_addr(
            &parts.extensions,
            &parts.headers,
            &state.app.config.trusted_proxies,
        )
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if B::budget(&state.limits).admits(ip) {
            Ok(Admitted(PhantomData))
        } else {
            Err(AppError::RateLimited.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scigrant_app::TestClock;

    #[test]
    fn spends_the_minute_then_earns_requests_back_per_address() {
        let clock = TestClock::at(1_000_000);
        let dyn_clock: Arc<dyn Clock> = Arc::new(clock.clone());
        let budget = Budget::per_minute(3, &dyn_clock);
        let a: IpAddr = "1.2.3.4".parse().unwrap();
        let b: IpAddr = "5.6.7.8".parse().unwrap();
        assert_eq!(
            [budget.admits(a), budget.admits(a), budget.admits(a)],
            [true; 3]
        );
        assert!(!budget.admits(a));
        assert!(budget.admits(b), "another address has its own budget");
        // One request comes back every 20 s (60 s / 3).
        clock.advance_ms(19_999);
        assert!(!budget.admits(a));
        clock.advance_ms(1);
        assert!(budget.admits(a));
        assert!(!budget.admits(a));
        // A full minute refills the whole budget.
        clock.advance_ms(60_000);
        assert_eq!(
            [budget.admits(a), budget.admits(a), budget.admits(a)],
            [true; 3]
        );
        assert!(!budget.admits(a));
    }

    #[test]
    fn a_limit_of_zero_refuses_everyone() {
        let clock: Arc<dyn Clock> = Arc::new(TestClock::at(0));
        let budget = Budget::per_minute(0, &clock);
        assert!(!budget.admits(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }

    #[test]
    fn idle_addresses_are_forgotten() {
        let clock = TestClock::at(5_000_000);
        let dyn_clock: Arc<dyn Clock> = Arc::new(clock.clone());
        let budget = Budget::per_minute(2, &dyn_clock);
        for i in 0..10u8 {
            assert!(budget.admits(IpAddr::V4(Ipv4Addr::new(10, 0, 0, i))));
        }
        let len = |b: &Budget| b.0.as_ref().map(|l| l.len()).unwrap_or(0);
        assert_eq!(len(&budget), 10);
        budget.forget_idle();
        assert_eq!(len(&budget), 10, "budgets still refilling are kept");
        clock.advance_ms(120_000);
        budget.forget_idle();
        assert_eq!(len(&budget), 0);
    }
}
