//! The static assets, compiled into the binary so the one file runs
//! anywhere. Each carries a content hash computed at compile time: it is
//! the `ETag` (a browser that has the file gets 304), and the layout links
//! `site.css` and `site.js` as `?v=<hash>` (`url`), which may be cached for
//! a year because a changed file gets a new address. Requests without the
//! current version revalidate every time.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use scigrant_app::config::Config;
use serde::Deserialize;

use crate::AppState;

struct Asset {
    name: &'static str,
    body: &'static str,
    mime: &'static str,
    hash: u64,
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

const fn asset(name: &'static str, body: &'static str, mime: &'static str) -> Asset {
    Asset {
        name,
        body,
        mime,
        hash: fnv1a(body.as_bytes()),
    }
}

/// FNV-1a, 64 bits: enough to tell versions of a file apart, and a
/// `const fn`, so the hash costs nothing at run time.
pub(crate) const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

const ASSETS: [Asset; 5] = [
    asset("site.css", include_str!("../../static/site.css"), CSS),
    asset("site.js", include_str!("../../static/site.js"), JS),
    asset("apply.js", include_str!("../../static/apply.js"), JS),
    asset("region.js", include_str!("../../static/region.js"), JS),
    asset("review.js", include_str!("../../static/review.js"), JS),
];

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The versioned address of an asset, for templates.
pub fn url(name: &str) -> String {
    match find(name) {
        Some(a) => format!("/static/{}?v={:016x}", a.name, a.hash),
        None => format!("/static/{name}"),
    }
}

#[derive(Deserialize)]
pub struct Version {
    #[serde(default)]
    v: String,
}

/// The font of the second-language name (`site_second_font`): Tibetan
/// shows as empty boxes where the computer has no Tibetan font. It is
/// served as `/static/second-name-font` to the pages that show the name,
/// and the footer names its licence.
pub struct SecondFont {
    body: Bytes,
    mime: &'static str,
    hash: u64,
    /// The font and its licence, as configured.
    pub licence: String,
}

impl SecondFont {
    const FILE: &'static str = "second-name-font";

    /// Reads the configured font once; `Config::check` has made sure it
    /// exists and its licence is named. A file that cannot be read is
    /// logged and the name shows in the visitor's own fonts.
    pub fn load(cfg: &Config) -> Option<SecondFont> {
        if cfg.site_second_font.is_empty() {
            return None;
        }
        let path = std::path::Path::new(&cfg.site_second_font);
        let body = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "site_second_font cannot be read; the second-language name is shown without it");
                return None;
            }
        };
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let mime = match ext.to_ascii_lowercase().as_str() {
            "otf" => "font/otf",
            "woff" => "font/woff",
            "woff2" => "font/woff2",
            _ => "font/ttf",
        };
        Some(SecondFont {
            hash: fnv1a(&body),
            body: Bytes::from(body),
            mime,
            licence: cfg.site_second_font_licence.clone(),
        })
    }
}

/// `GET /static/{file}`.
pub async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<Version>,
    headers: HeaderMap,
) -> Response {
    if let Some(a) = find(&file) {
        let cache = if q.v == format!("{:016x}", a.hash) {
            "public, max-age=31536000, immutable"
        } else {
            "public, no-cache"
        };
        return answer(&headers, a.hash, a.mime, cache, a.body.into());
    }
    match &state.second_font {
        // Not versioned in the stylesheet: kept a day, then revalidated.
        Some(f) if file == SecondFont::FILE => answer(
            &headers,
            f.hash,
            f.mime,
            "public, max-age=86400",
            f.body.clone().into(),
        ),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The asset with content hash `hash` and caching `cache`, or 304 when the
/// browser has it.
fn answer(
    headers: &HeaderMap,
    hash: u64,
    mime: &'static str,
    cache: &'static str,
    body: Body,
) -> Response {
    // Weak: the compression layer may send the bytes gzip- or br-encoded.
    let etag = format!("W/\"{hash:016x}\"");
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches_etag(v, &etag));
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag.as_str()), (CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (CONTENT_TYPE, mime),
            (ETAG, etag.as_str()),
            (CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// `If-None-Match` uses the weak comparison: `W/` prefixes are ignored.
pub(crate) fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = "W/\"00000000000000ab\"";
        assert!(matches_etag("\"00000000000000ab\"", etag));
        assert!(matches_etag("W/\"00000000000000ab\"", etag));
        assert!(matches_etag("\"x\", W/\"00000000000000ab\"", etag));
        assert!(matches_etag("*", etag));
        assert!(!matches_etag("\"00000000000000ac\"", etag));
    }

    #[test]
    fn urls_carry_the_content_hash() {
        let site = find("site.css").map(|a| a.hash).unwrap_or_default();
        assert_eq!(url("site.css"), format!("/static/site.css?v={site:016x}"));
        assert_eq!(url("nope.js"), "/static/nope.js");
    }
}
