//! What every handler knows about its request: the request id (given by
//! `http::layers::edge`), the client address, the signed-in session
//! (resolved from the session cookie) and the CSRF token its forms must
//! carry. The middleware here also checks that token on every POST, and
//! the matched route's declared permission.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, RETRY_AFTER, SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::auth::{
    SessionInfo, authenticate, pre_login_token, pre_login_token_valid,
};
use scigrant_app::identity::budget::admit;
use scigrant_app::identity::tokens::{TokenGrant, authenticate_token};
use scigrant_app::{Actor, AppError};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::permission::Caller;

use crate::http::layers::{CSP_REPORT_PATH, X_REQUEST_ID, answered};
use crate::ops::observe::Observed;
use crate::routes;
use scigrant_domain::ids::{PersonId, UnitId};

use crate::AppState;
use crate::api::error::ApiError;
use crate::http::csrf;
use crate::http::error::WebError;

/// The two cookies SciGrant sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cookie {
    /// `sg_session`: the session token (the table keeps only its hash).
    Session,
    /// `sg_csrf`: the token forms carry before sign-in.
    Csrf,
}

impl Cookie {
    /// Over https the names carry the `__Host-` prefix: a browser then
    /// takes the cookie only when it is `Secure`, for `Path=/` and without
    /// `Domain`, so neither a sibling subdomain nor a plain-http answer can
    /// plant or overwrite it. Over http (development, tests) the prefix
    /// would make the browser drop the cookie.
    pub fn name(self, https: bool) -> &'static str {
        match (self, https) {
            (Cookie::Session, false) => "sg_session",
            (Cookie::Session, true) => "__Host-sg_session",
            (Cookie::Csrf, false) => "sg_csrf",
            (Cookie::Csrf, true) => "__Host-sg_csrf",
        }
    }
}

/// What a handler knows about its request: shared, so the handler's copy
/// (axum hands each extractor its own) costs no allocation.
#[derive(Clone, Debug)]
pub struct Ctx(Arc<CtxParts>);

impl std::ops::Deref for Ctx {
    type Target = CtxParts;
    fn deref(&self) -> &CtxParts {
        &self.0
    }
}

/// The parts of [`Ctx`].
#[derive(Debug)]
pub struct CtxParts {
    /// The id `http::layers::edge` gave the request (`x-request-id`).
    request_id: HeaderValue,
    /// The client's address (`client_addr`); none for in-process callers.
    /// Kept as it is and written out only when an action is recorded.
    ip: Option<IpAddr>,
    user_agent: Option<HeaderValue>,
    pub session: Option<SessionInfo>,
    /// The token forms carry: the session's, or the pre-login cookie's.
    pub csrf: FormToken,
    /// The personal access token an /api/v1 request carried; `session`
    /// is then its account, and routes check their scope against it.
    pub grant: Option<TokenGrant>,
    /// The address asked for, path and query (for the navigation's
    /// current tab).
    pub location: String,
}

/// The token a request's forms carry. Before sign-in, a visitor without
/// the cookie gets a new one only when a page actually shows a form: the
/// token is made the first time it is written (`Display`), and the
/// middleware then sets its cookie. Reading the portal costs no token and
/// sets no cookie.
#[derive(Clone)]
pub struct FormToken(Arc<TokenCell>);

struct TokenCell {
    value: OnceLock<String>,
    /// Set when the token is made on first use (a visitor without one);
    /// the state rather than the app: one reference to count, not seven.
    mint: Option<AppState>,
}

impl FormToken {
    fn known(value: String) -> FormToken {
        FormToken(Arc::new(TokenCell {
            value: OnceLock::from(value),
            mint: None,
        }))
    }

    fn on_first_use(state: &AppState) -> FormToken {
        FormToken(Arc::new(TokenCell {
            value: OnceLock::new(),
            mint: Some(state.clone()),
        }))
    }

    pub fn as_str(&self) -> &str {
        self.0.value.get_or_init(|| match &self.0.mint {
            Some(state) => pre_login_token(&state.app),
            None => String::new(),
        })
    }

    /// Whether a token was made for this request (a page showed a form).
    pub fn was_made(&self) -> bool {
        self.minted().is_some()
    }

    /// The token made during this request, if a page used it.
    fn minted(&self) -> Option<&str> {
        self.0
            .mint
            .as_ref()
            .and(self.0.value.get().map(String::as_str))
    }
}

impl std::fmt::Display for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for FormToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormToken(..)")
    }
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        let ip = self.ip.map_or_else(|| "-".to_string(), |ip| ip.to_string());
        match &self.session {
            Some(s) => s.actor(&ip, self.request_id()),
            None => Actor::anonymous(&ip, self.request_id()),
        }
    }

    /// The request's id, as error pages and the audit log show it.
    pub fn request_id(&self) -> &str {
        self.request_id.to_str().unwrap_or("-")
    }

    /// The browser's `User-Agent` (empty when absent or not text).
    pub fn user_agent(&self) -> &str {
        self.user_agent
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Who the permission rules see: the session's caller, or anonymous.
    pub fn caller(&self) -> Caller {
        self.session
            .as_ref()
            .map(|s| s.caller)
            .unwrap_or(Caller::Anonymous)
    }

    /// The signed-in account of `kind`, or a redirect to its login page.
    pub fn require(&self, kind: AccountKind) -> Result<&SessionInfo, WebError> {
        match &self.session {
            Some(s) if s.kind == kind => Ok(s),
            _ => Err(WebError::SignIn(login_path_for(kind))),
        }
    }
}

impl Ctx {
    /// The signed-in unit, or a redirect to the unit login.
    pub fn unit(&self) -> Result<UnitId, WebError> {
        self.session
            .as_ref()
            .and_then(SessionInfo::unit)
            .ok_or(WebError::SignIn(login_path_for(AccountKind::Unit)))
    }
    /// The signed-in person, or a redirect to the person login.
    pub fn person(&self) -> Result<PersonId, WebError> {
        self.session
            .as_ref()
            .and_then(SessionInfo::person)
            .ok_or(WebError::SignIn(login_path_for(AccountKind::Person)))
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

/// `Set-Cookie` for `which`: never a `Domain`, always `Path=/`, and
/// `Secure` over https (all three are what `__Host-` requires).
pub fn set_cookie(
    state: &AppState,
    which: Cookie,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let https = state.app.config.https();
    let name = which.name(https);
    let secure = if https { "; Secure" } else { "" };
    let age = match max_age {
        Some(a) => format!("; Max-Age={a}"),
        None => String::new(),
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The address the connection came from; none for in-process callers.
pub fn client_ip(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client's address: the TCP peer, unless the peer is one of the
/// `trusted` proxies, in which case the nearest address in its
/// `X-Forwarded-For` that is not itself a trusted proxy (read from the
/// right, since a client can write anything on the left). A header from
/// anyone else is ignored, so nobody outside can choose their own address
/// for the rate limits or the audit log.
pub fn forwarded_client(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(list) = forwarded_for else {
        return peer;
    };
    for hop in list.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // A malformed hop: nothing to its left can be believed.
            Err(_) => return peer,
        }
    }
    peer
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// [`client_ip`] through [`forwarded_client`] with the configured proxies.
pub fn client_addr(
    extensions: &Extensions,
    headers: &axum::http::HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = client_ip(extensions)?;
    // Only a trusted proxy's header is read at all (most requests come
    // from elsewhere, or from a proxy to a node with none configured).
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let xff = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(forwarded_client(
        peer,
        (!xff.is_empty()).then_some(xff.as_str()),
        trusted,
    ))
}

/// The id `http::layers::edge` gave the request (its `x-request-id`,
/// set on the request), or `-` outside the stack.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(X_REQUEST_ID)
        .cloned()
        .unwrap_or(HeaderValue::from_static("-"))
}

/// The `Authorization` header: `None` when absent, `Some(None)` when it is
/// not a bearer token, else the token.
fn bearer(headers: &HeaderMap) -> Option<Option<&str>> {
    let v = headers.get(AUTHORIZATION)?;
    Some(
        v.to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim),
    )
}

/// Spends one request of the token's budget (`api_rate_per_minute`, the
/// total across nodes); over it, 429 with `Retry-After`.
async fn token_admitted(state: &AppState, grant: &TokenGrant) -> Result<(), Response> {
    let per_minute = state.app.config.api_rate_per_minute;
    match admit(
        &state.app,
        "api-token",
        &grant.token_id.to_string(),
        per_minute,
    )
    .await
    {
        Ok(true) => Ok(()),
        Ok(false) => {
            let mut res = ApiError::from(AppError::RateLimited).into_response();
            let wait = 60u32.div_ceil(per_minute.max(1));
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(wait));
            Err(res)
        }
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// What runs on every route once axum has matched it (and on the
/// fallback), inside the time limit and error pages of
/// `layers::answered`: [`contextual`]; the matched route is noted on the
/// answer for the request log (`ops::observe`), refusals' included.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = request_id(req.headers());
    let route = req.extensions().get::<MatchedPath>().cloned();
    let id = request_id.to_str().unwrap_or("-");
    // Boxed: the context's future is nearly 2 KB, and the time limit
    // and the error pages around it would otherwise move it whole at
    // each step; a pointer moves instead.
    let mut res = answered(id, req, |req| {
        Box::pin(contextual(
            state,
            request_id.clone(),
            route.clone(),
            req,
            next,
        ))
    })
    .await;
    if res.extensions().get::<Observed>().is_none() {
        res.extensions_mut().insert(Observed::new(route, None));
    }
    res
}

/// Builds the `Ctx`, checks CSRF on POST, enforces the matched route's
/// declared permission (`routes::refusal`), sets the pre-login CSRF
/// cookie. On /api/v1 a bearer token (a personal access token) stands for
/// the session; an unknown, expired or revoked one is refused there with
/// 401.
async fn contextual(
    state: AppState,
    request_id: HeaderValue,
    route: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_addr(
        req.extensions(),
        req.headers(),
        &state.app.config.trusted_proxies,
    );
    let headers = req.headers();
    let https = state.app.config.https();
    let user_agent = headers.get(USER_AGENT).cloned();
    let api = req.uri().path().starts_with(crate::api::PREFIX);
    let grant = match bearer(headers) {
        Some(presented) if api => match presented {
            // The awaits not every request makes are boxed: kept inline they
            // would make every request's future kilobytes to move.
            Some(token) => match Box::pin(authenticate_token(&state.app, token)).await {
                Ok(Some(g)) => match Box::pin(token_admitted(&state, &g)).await {
                    Ok(()) => Some(g),
                    Err(refused) => return refused,
                },
                Ok(None) => return crate::api::error::refused_token(),
                Err(e) => return ApiError::from(e).into_response(),
            },
            None => return crate::api::error::refused_token(),
        },
        _ => None,
    };
    let session = match cookie(headers, Cookie::Session.name(https)) {
        // The API takes the browser's session for reading only: a write
        // needs a token, which no other site can make the browser send.
        _ if grant.is_some() => grant.as_ref().map(|g| g.session.clone()),
        _ if api && req.method() != Method::GET && req.method() != Method::HEAD => None,
        Some(token) => match Box::pin(authenticate(&state.app, token)).await {
            Ok(s) => s,
            Err(e) => return WebError::from(e).into_response(),
        },
        None => None,
    };
    // The pre-login token counts only if this site signed it, and only
    // until sign-in: a session has its own token, and the pre-login cookie
    // is dropped at the first request that has a session (rotation).
    let pre_login_cookie = cookie(headers, Cookie::Csrf.name(https)).is_some();
    let pre_login = cookie(headers, Cookie::Csrf.name(https))
        .filter(|v| pre_login_token_valid(&state.app, v))
        .map(str::to_string);
    let drop_pre_login = session.is_some() && pre_login_cookie;
    // API writes carry a bearer token (no cookie acts there), so no CSRF token.
    if req.method() == Method::POST && req.uri().path() != CSP_REPORT_PATH && !api {
        let (sent, whole) = match Box::pin(csrf::presented(req)).await {
            Ok(p) => p,
            Err(refused) => return refused,
        };
        req = whole;
        let expected = match (&session, &pre_login) {
            (Some(s), _) => Some(s.csrf.as_str()),
            (None, Some(c)) => Some(c.as_str()),
            (None, None) => None,
        };
        let ok =
            matches!((sent.as_deref(), expected), (Some(s), Some(e)) if !s.is_empty() && s == e);
        if !ok {
            let mut res = WebError::Csrf.into_response();
            // The refusal page's 重新提交 needs a token the next post carries.
            if session.is_none() && pre_login.is_none() {
                let token = pre_login_token(&state.app);
                res.headers_mut()
                    .append(SET_COOKIE, set_cookie(&state, Cookie::Csrf, &token, None));
            }
            return res;
        }
    }
    let csrf = match (&session, pre_login) {
        (Some(s), _) => FormToken::known(s.csrf.clone()),
        (None, Some(c)) => FormToken::known(c),
        (None, None) => FormToken::on_first_use(&state),
    };
    let location = req.uri().path_and_query().map_or_else(
        || req.uri().path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let ctx = Ctx(Arc::new(CtxParts {
        location,
        request_id,
        ip,
        user_agent,
        session,
        csrf: csrf.clone(),
        grant,
    }));
    let declared = route
        .as_ref()
        .and_then(|r| routes::declared(r.as_str(), req.method()));
    let observed = Observed::new(route, Some(&ctx));
    let refused = declared.and_then(|d| routes::refusal(d, &ctx));
    req.extensions_mut().insert(ctx);
    let mut res = match refused {
        Some(refused) => refused,
        None => next.run(req).await,
    };
    res.extensions_mut().insert(observed);
    if let Some(token) = csrf.minted() {
        res.headers_mut()
            .append(SET_COOKIE, set_cookie(&state, Cookie::Csrf, token, None));
    }
    if drop_pre_login {
        res.headers_mut()
            .append(SET_COOKIE, set_cookie(&state, Cookie::Csrf, "", Some(0)));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_from_the_right() {
        let lb = [ip("10.0.0.5")];
        // A client writing its own header is ignored.
        assert_eq!(
            forwarded_client(ip("203.0.113.9"), Some("1.2.3.4"), &lb),
            ip("203.0.113.9")
        );
        // Behind the balancer: the address the balancer saw.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), Some("203.0.113.9"), &lb),
            ip("203.0.113.9")
        );
        // A forged entry on the left does not move the client.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), Some("1.2.3.4, 203.0.113.9"), &lb),
            ip("203.0.113.9")
        );
        // Chained trusted proxies are skipped.
        let two = [ip("10.0.0.5"), ip("10.0.0.6")];
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), Some("203.0.113.9, 10.0.0.6"), &two),
            ip("203.0.113.9")
        );
        // No header, or a malformed hop: the peer itself.
        assert_eq!(forwarded_client(ip("10.0.0.5"), None, &lb), ip("10.0.0.5"));
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), Some("1.2.3.4, junk"), &lb),
            ip("10.0.0.5")
        );
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), Some("203.0.113.9"), &[]),
            ip("10.0.0.5")
        );
    }
}
