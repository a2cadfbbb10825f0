//! What every handler knows about its request: the request id, the client
//! address, the signed-in session (resolved from the `sg_session` cookie)
//! and the CSRF token its forms must carry. The middleware here also checks
//! that token on every POST and adds the security headers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scigrant_app::Actor;
use scigrant_app::identity::auth::{SessionInfo, authenticate, random_token};
use scigrant_domain::identity::account::AccountKind;

use crate::AppState;
use crate::http::error::WebError;

pub const SESSION_COOKIE: &str = "sg_session";
pub const CSRF_COOKIE: &str = "sg_csrf";

#[derive(Clone, Debug)]
pub struct Ctx {
    pub request_id: String,
    pub ip: String,
    pub user_agent: String,
    pub session: Option<SessionInfo>,
    /// The token forms carry: the session's, or the pre-login cookie's.
    pub csrf: String,
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        match &self.session {
            Some(s) => s.actor(&self.ip, &self.request_id),
            None => Actor::anonymous(&self.ip, &self.request_id),
        }
    }

    /// The signed-in account of `kind`, or a redirect to its login page.
    pub fn require(&self, kind: AccountKind) -> Result<&SessionInfo, WebError> {
        match &self.session {
            Some(s) if s.kind == kind => Ok(s),
            _ => Err(WebError::SignIn(login_path_for(kind))),
        }
    }
}

pub fn login_path_for(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Person => "/login",
        AccountKind::Unit => "/login?tab=unit",
        AccountKind::Staff => "/staff/login",
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| WebError::BadRequest("missing request context".into()))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.app.config.https() {
        "; Secure"
    } else {
        ""
    };
    let age = match max_age {
        Some(a) => format!("; Max-Age={a}"),
        None => String::new(),
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Builds the `Ctx`, checks CSRF on POST, adds cookies and headers.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = random_token()[..16].to_string();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "-".into());
    let headers = req.headers();
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let session = match cookie(headers, SESSION_COOKIE) {
        Some(token) => match authenticate(&state.app, token).await {
            Ok(s) => s,
            Err(e) => return WebError::from(e).with_request(&request_id).into_response(),
        },
        None => None,
    };
    let pre_login = cookie(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 64)
        .map(str::to_string);
    let new_csrf_cookie = pre_login.is_none().then(random_token);
    let csrf = match (&session, &pre_login, &new_csrf_cookie) {
        (Some(s), _, _) => s.csrf.clone(),
        (None, Some(c), _) => c.clone(),
        (None, None, Some(n)) => n.clone(),
        (None, None, None) => String::new(),
    };
    if req.method() == Method::POST {
        let sent = query_param(req.uri().query().unwrap_or(""), "csrf").unwrap_or("");
        // A form rendered before login and posted after it still carries
        // the pre-login token; either is accepted from the same browser.
        let ok = !sent.is_empty() && (sent == csrf || pre_login.as_deref() == Some(sent));
        if !ok {
            return WebError::Csrf.into_response();
        }
    }
    req.extensions_mut().insert(Ctx {
        request_id: request_id.clone(),
        ip,
        user_agent,
        session,
        csrf,
    });
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Some(token) = new_csrf_cookie {
        h.append(SET_COOKIE, set_cookie(&state, CSRF_COOKIE, &token, None));
    }
    h.insert(
        "x-request-id",
        HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("-")),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    if !h.contains_key("cache-control") {
        h.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    res
}
