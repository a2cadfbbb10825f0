//! Per-address rate limits on login, registration and the captcha, held
//! in the database so a limit is the total across every node behind the
//! balancer (`scigrant_app::identity::budget`): a client may spend its
//! whole minute's budget at once and then earns one request back every
//! `60 s / limit`. A handler states its budget by taking `Admitted<Login>`
//! (or `Register`, `Captcha`) among its arguments.

use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use scigrant_app::identity::budget::admit;
use scigrant_app::identity::captcha::new_captcha;
use scigrant_app::{AppError, Config};

use crate::AppState;
use crate::http::context::client_addr;
use crate::http::error::WebError;

/// Captcha images a client may ask for in a minute.
const CAPTCHAS_PER_MINUTE: u32 = 120;

/// One budget per client address: its name in the database and its
/// requests a minute (0 refuses every request, as the configuration says).
pub struct Budget {
    bucket: &'static str,
    per_minute: u32,
}

impl Budget {
    async fn admits(&self, state: &AppState, ip: IpAddr) -> Result<bool, AppError> {
        admit(&state.app, self.bucket, &ip.to_string(), self.per_minute).await
    }
}

/// The budgets, built from `login_rate_per_minute` and
/// `register_rate_per_minute`.
pub struct Limits {
    login: Budget,
    register: Budget,
    captcha: Budget,
}

impl Limits {
    pub fn new(config: &Config) -> Limits {
        Limits {
            login: Budget {
                bucket: "login",
                per_minute: config.login_rate_per_minute,
            },
            register: Budget {
                bucket: "register",
                per_minute: config.register_rate_per_minute,
            },
            captcha: Budget {
                bucket: "captcha",
                per_minute: CAPTCHAS_PER_MINUTE,
            },
        }
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
        if !Captcha::budget(&state.limits).admits(state, self.0).await? {
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
        if B::budget(&state.limits).admits(state, ip).await? {
            Ok(Admitted(PhantomData))
        } else {
            Err(AppError::RateLimited.into())
        }
    }
}
