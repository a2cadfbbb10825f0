//! An article of the portal with its attachments, the attachment itself
//! (public, sent as a download), and 站内搜索.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::grants::solicitation::SolicitationLineView;
use scigrant_app::identity::home::Download;
use scigrant_app::portal::ArticleView;
use scigrant_app::portal::consultation::ConsultationView;
use scigrant_app::portal::public::{article_page, public_attachment};
use scigrant_app::portal::search::{OtherHit, SearchForm, SearchHit, search_articles};
use scigrant_app::{AppError, FieldErrors, Page};
use scigrant_domain::ids::{ArticleId, FileId};
use scigrant_domain::portal::article::Section;
use scigrant_domain::portal::consultation::Phase;
use serde::Deserialize;

use crate::AppState;
use crate::account::password::chunks;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::pages::{Errs, Opt, PageCtx, Pager, qv, render};
use crate::http::public::public_page;

#[derive(Template)]
#[template(path = "portal/article.html")]
pub struct ArticlePage<'a> {
    pub ctx: PageCtx,
    pub a: &'a ArticleView,
    /// The 征求意见 opened on this guide, if any.
    pub consultation: &'a Option<ConsultationView>,
    /// The 指南征集 this notice announces, if any.
    pub solicitation: &'a Option<SolicitationLineView>,
}

pub async fn article(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<ArticleId>,
) -> Result<Response, WebError> {
    let page = article_page(&state.app, id).await?;
    let (a, consultation, solicitation) = (&page.article, &page.consultation, &page.solicitation);
    // The banners change with the clock (征求意见中 → 已结束) and on
    // closing, so such a page has no Last-Modified.
    let changed = match (consultation, solicitation) {
        (None, None) => a.line.publish_at.map(|p| p.max(a.line.updated_at)),
        _ => None,
    };
    Ok(public_page(&state, &ctx, &headers, &page, changed, || {
        ArticlePage {
            ctx: PageCtx::new(&state, &ctx),
            a,
            consultation,
            solicitation,
        }
    }))
}

/// An attachment of a public article, as a download.
pub async fn attachment(
    State(state): State<AppState>,
    Path((article, file)): Path<(ArticleId, FileId)>,
) -> Result<Response, WebError> {
    let f = public_attachment(&state.app, article, file).await?;
    Ok(attachment_download(f))
}

/// A published attachment (an article's, a call's 通知附件) streamed as a
/// download under its own name, with an ASCII fallback name that keeps
/// only a plain extension.
pub(crate) fn attachment_download(f: Download) -> Response {
    let ext = f
        .original_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| e.len() <= 5 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".into());
    let disposition = format!(
        "attachment; filename=\"file-{}.{ext}\"; filename*=UTF-8''{}",
        f.id,
        qv(&f.original_name)
    );
    (
        [
            (CONTENT_TYPE, f.content_type.clone()),
            (CONTENT_DISPOSITION, disposition),
            (CONTENT_LENGTH, f.size.to_string()),
        ],
        Body::from_stream(chunks(f.content)),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/search.html")]
pub struct SearchPage {
    pub ctx: PageCtx,
    pub form: SearchForm,
    pub sections: Vec<Opt>,
    pub page: Page<SearchHit>,
    /// Matching calls and 公示, above the articles.
    pub others: Vec<OtherHit>,
    /// The query was ranked among this many newest articles only.
    pub capped: Option<i64>,
    pub pager: Pager,
    pub errs: Errs,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
    section: String,
    from: String,
    to: String,
    page: i64,
}

/// 站内搜索 over the published articles, with section and date filters.
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let form = SearchForm {
        q: q.q.chars().take(100).collect(),
        section: q.section,
        from: q.from,
        to: q.to,
        page: q.page,
    };
    let (page, others, capped, errs) = match search_articles(&state.app, &form).await {
        Ok(found) => (found.page, found.others, found.capped, FieldErrors::new()),
        Err(AppError::Validation(e)) => (
            Page::empty(scigrant_app::portal::search::PER_PAGE),
            Vec::new(),
            None,
            e,
        ),
        Err(e) => return Err(e.into()),
    };
    let base = format!(
        "q={}&section={}&from={}&to={}&",
        qv(&form.q),
        qv(&form.section),
        qv(&form.from),
        qv(&form.to)
    );
    let sections = Section::ALL
        .iter()
        .map(|s| Opt {
            value: s.code().into(),
            label: s.label().into(),
            selected: s.code() == form.section,
        })
        .collect();
    let pager = Pager::new(&page, base);
    Ok(render(&SearchPage {
        ctx: PageCtx::new(&state, &ctx),
        form,
        sections,
        page,
        others,
        capped,
        pager,
        errs: Errs(errs),
    })
    .into_response())
}
