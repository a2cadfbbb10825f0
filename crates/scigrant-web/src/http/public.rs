//! Public pages (the portal's home page, a section's list, an article) as
//! visitors get them: revalidated by browsers and proxies (a weak `ETag`
//! over the bytes, `Last-Modified` from the newest public change, 304 when
//! the browser's copy is current) and, for a visitor who is not signed in,
//! kept rendered.
//!
//! The app keeps a page's content a second per node (`portal::cache`) and
//! hands out the same `Arc` for as long as it is current; a page rendered
//! from that content for a visitor who is not signed in is the same bytes
//! for every such visitor, provided the page showed no form token (the
//! token is made only when a page writes it, see `FormToken`). So such a
//! page is kept with its ETag beside the content it was made from and
//! served again, without rendering or hashing, while the app still hands
//! out that content: a change is as visible as in the content itself. A
//! signed-in visitor's page (their name, their token) is never kept.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::pages::render;

/// At most this many pages are kept; past it the store starts afresh (a
/// crawl with made-up queries cannot grow it without bound).
const MAX_PAGES: usize = 2048;

/// Rendered public pages by address (path and query), per node.
#[derive(Default)]
pub struct Rendered(RwLock<HashMap<String, Kept>>);

struct Kept {
    /// The content the page was made from (held, so its address cannot be
    /// taken by newer content while it is compared).
    source: Arc<dyn Any + Send + Sync>,
    body: Bytes,
    etag: HeaderValue,
}

/// `page` made from `source` for this request, revalidated; kept for and
/// served again to visitors who are not signed in (see the module).
pub fn public_page<T, P>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    source: &Arc<T>,
    changed: Option<i64>,
    page: impl FnOnce() -> P,
) -> Response
where
    T: Send + Sync + 'static,
    P: Template,
{
    let anonymous = ctx.session.is_none();
    if anonymous
        && let Ok(map) = state.rendered.0.read()
        && let Some(k) = map.get(&ctx.location)
        && std::ptr::addr_eq(Arc::as_ptr(&k.source), Arc::as_ptr(source))
    {
        return revalidated_bytes(headers, k.body.clone(), k.etag.clone(), changed);
    }
    let body = Bytes::from(render(&page()).0);
    let etag = etag_of(&body);
    if anonymous
        && !ctx.csrf.was_made()
        && let Ok(mut map) = state.rendered.0.write()
    {
        if map.len() >= MAX_PAGES {
            map.clear();
        }
        let source: Arc<dyn Any + Send + Sync> = source.clone();
        map.insert(
            ctx.location.clone(),
            Kept {
                source,
                body: body.clone(),
                etag: etag.clone(),
            },
        );
    }
    revalidated_bytes(headers, body, etag, changed)
}

/// A weak validator over the bytes: eight at a time, FNV-1a's constants
/// (a tag, not a digest: a collision only costs a refetch).
fn etag_of(body: &[u8]) -> HeaderValue {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = body.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        hash = (hash ^ u64::from_le_bytes(b)).wrapping_mul(0x0100_0000_01b3);
        hash ^= hash >> 29;
    }
    for &b in words.remainder() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= body.len() as u64;
    HeaderValue::from_str(&format!("W/\"{hash:016x}\""))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// The answer for a page of `body` with `etag`: 304 when the browser's
/// copy is current (its `If-None-Match`, else its `If-Modified-Since`
/// against `changed`), the page otherwise. `private, no-cache`: the page
/// may carry the signed-in account's name.
fn revalidated_bytes(
    headers: &HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    changed: Option<i64>,
) -> Response {
    let fresh = match headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(v) => etag
            .to_str()
            .is_ok_and(|ours| crate::http::assets::matches_etag(v, ours)),
        None => match (
            headers.get(IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()),
            changed,
        ) {
            (Some(since), Some(ms)) => httpdate::parse_http_date(since)
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|d| (ms.max(0) as u128) / 1000 <= d.as_secs() as u128),
            _ => false,
        },
    };
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    };
    let h = response.headers_mut();
    h.insert(ETAG, etag);
    if let Some(ms) = changed {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(t)) {
            h.insert(LAST_MODIFIED, v);
        }
    }
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::etag_of;

    #[test]
    fn the_tag_follows_every_byte() {
        let page = "<!doctype html><title>首页</title>".repeat(40).into_bytes();
        let tag = etag_of(&page);
        for i in [0, 7, 8, page.len() / 2, page.len() - 1] {
            let mut other = page.clone();
            other[i] ^= 1;
            assert_ne!(etag_of(&other), tag, "byte {i}");
        }
        assert_ne!(etag_of(&page[..page.len() - 1]), tag);
        assert_eq!(etag_of(&page), tag);
    }
}
