//! What visitors read: the home page's 重要发布 and four tabs, each
//! section's pages, an article with its attachments, and the attachment
//! itself. Only articles approved and past their publication time are
//! ever read here (the store's queries say so), so a withdrawn article is
//! gone from the next request on.

use scigrant_domain::ids::{ArticleId, FileId};
use scigrant_domain::portal::article::Section;
use scigrant_store::portal::articles as store;

use std::sync::Arc;

use super::cache::{Key, cached};
use super::{ArticleLineView, ArticleView};
use crate::identity::home::Download;
use crate::{App, AppError, Page};

/// Lines per tab on the home page, and per page of a section.
pub const TAB_LINES: i64 = 6;
pub const PER_PAGE: i64 = 15;

/// The home page's content.
#[derive(Clone, Debug)]
pub struct PortalHome {
    /// 重要发布, newest first (pinned first).
    pub important: Vec<ArticleLineView>,
    /// The four tabs in the seed's order, each with its latest lines.
    pub tabs: Vec<(Section, Vec<ArticleLineView>)>,
    /// The newest public change (epoch ms), for Last-Modified.
    pub changed: Option<i64>,
}

fn lines(rows: Vec<store::ArticleLine>) -> Result<Vec<ArticleLineView>, AppError> {
    rows.into_iter().map(ArticleLineView::try_from).collect()
}

/// The home page's content (kept a second per node, see `portal::cache`).
pub async fn portal_home(app: &App) -> Result<Arc<PortalHome>, AppError> {
    cached(app, Key::Home, || async {
        let now = app.now();
        let mut c = app.db.read().await?;
        let important = lines(store::important(&mut c, now, 3).await?)?;
        let mut tabs = Vec::new();
        for s in Section::TABS {
            let rows = store::latest_lines(&mut c, s.code(), now, TAB_LINES).await?;
            tabs.push((s, lines(rows)?));
        }
        let changed = store::last_public_change(&mut c, now).await?;
        Ok(PortalHome {
            important,
            tabs,
            changed,
        })
    })
    .await
}

/// A page of a section's list.
pub struct SectionPage {
    pub page: Page<ArticleLineView>,
    /// The newest public change (epoch ms), for Last-Modified.
    pub changed: Option<i64>,
}

/// One page of a section's public articles, and the newest public change
/// (kept a second per node).
pub async fn section_page(
    app: &App,
    section: Section,
    page: i64,
) -> Result<Arc<SectionPage>, AppError> {
    let page = page.max(1);
    cached(app, Key::Section(section.code(), page), || async {
        let now = app.now();
        let mut c = app.db.read().await?;
        let (rows, total) = store::public_lines(
            &mut c,
            section.code(),
            now,
            Page::<()>::offset(page, PER_PAGE),
            PER_PAGE,
        )
        .await?;
        let changed = store::last_public_change(&mut c, now).await?;
        Ok(SectionPage {
            page: Page::new(lines(rows)?, total, page, PER_PAGE),
            changed,
        })
    })
    .await
}

/// A public article with its attachments; anything else is `NotFound`.
pub async fn public_article(app: &App, id: ArticleId) -> Result<ArticleView, AppError> {
    let mut c = app.db.read().await?;
    let row = store::get_public(&mut c, id.0, app.now())
        .await?
        .ok_or(AppError::NotFound)?;
    let files = store::files_of(&mut c, id.0).await?;
    ArticleView::new(row, files)
}

/// What a public article's page shows: the article, the 征求意见 opened
/// on it and the 指南征集 it announces, once each has begun.
pub struct ArticlePage {
    pub article: ArticleView,
    pub consultation: Option<crate::portal::consultation::ConsultationView>,
    pub solicitation: Option<crate::grants::solicitation::SolicitationLineView>,
}

/// An article's page (kept a second per node).
pub async fn article_page(app: &App, id: ArticleId) -> Result<Arc<ArticlePage>, AppError> {
    cached(app, Key::Article(id.0), || async {
        let (article, consultation) =
            crate::portal::consultation::public::guide_article(app, id).await?;
        let solicitation = crate::grants::solicitation::of_article(app, id).await?;
        Ok(ArticlePage {
            article,
            consultation,
            solicitation,
        })
    })
    .await
}

/// An attachment of a public article, opened for download.
pub async fn public_attachment(
    app: &App,
    article: ArticleId,
    file: FileId,
) -> Result<Download, AppError> {
    let mut c = app.db.read().await?;
    let f = store::public_file(&mut c, article.0, file.0, app.now())
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    Download::open(app, f).await
}
