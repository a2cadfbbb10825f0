//! Bulk content for benchmarks: published articles written straight
//! through the store's statements (no review step, no audit), in one
//! transaction per batch, with their search index as approval writes it.

use scigrant_domain::portal::article::{ArticleState, Section};
use scigrant_store::portal::articles::{self, ArticleText, Move};
use scigrant_store::portal::terms;

use crate::App;

/// One article of a bulk fill, already rendered and indexed.
pub struct BulkArticle {
    pub section: Section,
    pub title: String,
    pub publisher: String,
    pub body_md: String,
    pub body_html: String,
    pub important: bool,
    /// The index terms (`portal::search::terms_of`).
    pub terms: Vec<(String, i64)>,
    pub publish_at: i64,
}

/// Writes `batch` as published articles by `editor_id` in one
/// transaction; returns their ids in order.
pub async fn publish_in_bulk(app: &App, editor_id: i64, batch: &[BulkArticle]) -> Vec<i64> {
    let now = app.now();
    let mut c = app.db.begin().await.expect("a transaction");
    let mut ids = Vec::with_capacity(batch.len());
    for p in batch {
        let id = articles::insert(
            &mut c,
            &ArticleText {
                section: p.section.code(),
                title: &p.title,
                publisher: &p.publisher,
                body_md: &p.body_md,
                body_html: &p.body_html,
                important: p.important,
                pinned: false,
                scheduled_at: None,
                editor_id,
                editor_label: "编辑甲",
                now,
            },
        )
        .await
        .expect("insert an article");
        let moved = articles::set_state(
            &mut c,
            &Move {
                id,
                from: ArticleState::Draft,
                to: ArticleState::Published,
                reviewer_label: Some("审核乙"),
                return_reason: None,
                publish_at: Some(p.publish_at),
                now,
            },
        )
        .await
        .expect("publish an article");
        assert!(moved, "article {id} was a draft");
        let at = terms::Posted {
            article_id: id,
            section: p.section.code(),
            publish_at: p.publish_at,
        };
        terms::replace(&mut c, at, &p.terms)
            .await
            .expect("index an article");
        ids.push(id);
    }
    c.commit().await.expect("commit the batch");
    app.cache.portal.changed();
    ids
}
