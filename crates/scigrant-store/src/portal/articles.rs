//! Articles of the portal. States are bound from the domain's
//! `ArticleState::code()`; what visitors see is decided in the query by the
//! state and `publish_at <= now`, so a scheduled article appears and a
//! withdrawn one disappears without anything having to run.

use scigrant_domain::portal::article::ArticleState;
use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::files::FileRow;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: i64,
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub body_md: String,
    pub body_html: String,
    pub state: String,
    pub important: i64,
    pub pinned: i64,
    pub scheduled_at: Option<i64>,
    pub publish_at: Option<i64>,
    pub version: i64,
    pub editor_id: i64,
    pub editor_label: String,
    pub reviewer_label: String,
    pub return_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The text of an article as one save writes it.
pub struct ArticleText<'a> {
    pub section: &'a str,
    pub title: &'a str,
    pub publisher: &'a str,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub important: bool,
    pub pinned: bool,
    pub scheduled_at: Option<i64>,
    pub editor_id: i64,
    pub editor_label: &'a str,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, t: &ArticleText<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO articles (section, title, publisher, body_md, body_html, state, important, pinned,
             scheduled_at, version, editor_id, editor_label, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12, $12) RETURNING id",
    )
    .bind(t.section)
    .bind(t.title)
    .bind(t.publisher)
    .bind(t.body_md)
    .bind(t.body_html)
    .bind(ArticleState::Draft.code())
    .bind(i64::from(t.important))
    .bind(i64::from(t.pinned))
    .bind(t.scheduled_at)
    .bind(t.editor_id)
    .bind(t.editor_label)
    .bind(t.now)
    .fetch_one(&mut *c)
    .await?;
    let id: i64 = row.try_get("id")?;
    insert_version(c, id, 1, t).await?;
    Ok(id)
}

/// Saves new text over an editable article (the state is compared and set
/// back to 草稿 in the same statement) and keeps it as the next version.
/// Returns the new version, or `None` when the article was not editable.
pub async fn save(
    c: &mut AnyConnection,
    id: i64,
    from: ArticleState,
    t: &ArticleText<'_>,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "UPDATE articles SET section = $1, title = $2, publisher = $3, body_md = $4, body_html = $5,
             important = $6, pinned = $7, scheduled_at = $8, editor_id = $9, editor_label = $10,
             updated_at = $11, version = version + 1, state = $12, publish_at = NULL
         WHERE id = $13 AND state = $14 RETURNING version",
    )
    .bind(t.section)
    .bind(t.title)
    .bind(t.publisher)
    .bind(t.body_md)
    .bind(t.body_html)
    .bind(i64::from(t.important))
    .bind(i64::from(t.pinned))
    .bind(t.scheduled_at)
    .bind(t.editor_id)
    .bind(t.editor_label)
    .bind(t.now)
    .bind(ArticleState::Draft.code())
    .bind(id)
    .bind(from.code())
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let version: i64 = row.try_get("version")?;
    insert_version(c, id, version, t).await?;
    Ok(Some(version))
}

async fn insert_version(
    c: &mut AnyConnection,
    id: i64,
    version: i64,
    t: &ArticleText<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO article_versions (article_id, version, section, title, publisher, body_md, saved_by, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(version)
    .bind(t.section)
    .bind(t.title)
    .bind(t.publisher)
    .bind(t.body_md)
    .bind(t.editor_label)
    .bind(t.now)
    .execute(c)
    .await?;
    Ok(())
}

/// A change of state, compared and set: `false` when the article was not
/// in `from` (a double click, or someone else acted first).
pub struct Move<'a> {
    pub id: i64,
    pub from: ArticleState,
    pub to: ArticleState,
    pub reviewer_label: Option<&'a str>,
    pub return_reason: Option<&'a str>,
    pub publish_at: Option<i64>,
    pub now: i64,
}

pub async fn set_state(c: &mut AnyConnection, m: &Move<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE articles SET state = $1,
             reviewer_label = COALESCE($2, reviewer_label),
             return_reason = COALESCE($3, return_reason),
             publish_at = COALESCE($4, publish_at),
             updated_at = $5
         WHERE id = $6 AND state = $7",
    )
    .bind(m.to.code())
    .bind(m.reviewer_label)
    .bind(m.return_reason)
    .bind(m.publish_at)
    .bind(m.now)
    .bind(m.id)
    .bind(m.from.code())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<ArticleRow>> {
    Ok(sqlx::query_as("SELECT * FROM articles WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// The article if visitors see it at `now`.
pub async fn get_public(c: &mut AnyConnection, id: i64, now: i64) -> Result<Option<ArticleRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM articles WHERE id = $1 AND state = $2 AND publish_at <= $3")
            .bind(id)
            .bind(ArticleState::Published.code())
            .bind(now)
            .fetch_optional(c)
            .await?,
    )
}

/// A line of a list: no body.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ArticleLine {
    pub id: i64,
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub state: String,
    pub important: i64,
    pub pinned: i64,
    pub scheduled_at: Option<i64>,
    pub publish_at: Option<i64>,
    pub version: i64,
    pub editor_label: String,
    pub updated_at: i64,
}

const LINE: &str = "id, section, title, publisher, state, important, pinned, scheduled_at, publish_at, version, editor_label, updated_at";

/// Public lines of one section (or all when `section` is empty), pinned
/// first, then newest first, and how many there are. Each case has its own
/// statement, so the planner walks `articles_listing` (or
/// `articles_listing_all`) in order and stops at the page instead of
/// sorting every published row.
pub async fn public_lines(
    c: &mut AnyConnection,
    section: &str,
    now: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ArticleLine>, i64)> {
    let rows = listed(&mut *c, section, now, offset, limit).await?;
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM articles WHERE {}",
        public_filter(section)
    ))
    .bind(ArticleState::Published.code())
    .bind(now)
    .bind(section)
    .fetch_one(c)
    .await?
    .try_get("n")?;
    Ok((rows, total))
}

/// The first `limit` lines of [`public_lines`] without the count: the home
/// page's tabs show no total.
pub async fn latest_lines(
    c: &mut AnyConnection,
    section: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<ArticleLine>> {
    listed(c, section, now, 0, limit).await
}

fn public_filter(section: &str) -> &'static str {
    if section.is_empty() {
        "state = $1 AND publish_at <= $2 AND $3 = ''"
    } else {
        "state = $1 AND section = $3 AND publish_at <= $2"
    }
}

async fn listed(
    c: &mut AnyConnection,
    section: &str,
    now: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<ArticleLine>> {
    // `+publish_at` keeps the time out of the index choice (SQLite and
    // PostgreSQL alike), so the planner walks the listing index in order
    // and stops at the page, with or without statistics, instead of
    // reading the range of `articles_public` and sorting it.
    let ordered = public_filter(section).replace("publish_at <=", "+publish_at <=");
    Ok(sqlx::query_as(&format!(
        "SELECT {LINE} FROM articles WHERE {ordered}
         ORDER BY pinned DESC, publish_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(ArticleState::Published.code())
    .bind(now)
    .bind(section)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await?)
}

/// The latest 重要发布 visitors see (`articles_important`, in order).
pub async fn important(c: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<ArticleLine>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINE} FROM articles WHERE state = $1 AND important = 1 AND +publish_at <= $2
         ORDER BY pinned DESC, publish_at DESC, id DESC LIMIT $3"
    ))
    .bind(ArticleState::Published.code())
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// The newest change visitors can see at `now` (publication or a later
/// edit of a public article): the portal's Last-Modified. Two lookups from
/// the newest end of `articles_published_at` and `articles_updated_at`,
/// not a scan of the table.
pub async fn last_public_change(c: &mut AnyConnection, now: i64) -> Result<Option<i64>> {
    let mut newest = None;
    for sql in [
        "SELECT publish_at AS t FROM articles WHERE state = $1 AND publish_at <= $2 ORDER BY publish_at DESC LIMIT 1",
        "SELECT updated_at AS t FROM articles WHERE state = $1 AND publish_at <= $2 ORDER BY updated_at DESC LIMIT 1",
    ] {
        let t: Option<i64> = sqlx::query(sql)
            .bind(ArticleState::Published.code())
            .bind(now)
            .fetch_optional(&mut *c)
            .await?
            .map(|r| r.try_get("t"))
            .transpose()?;
        newest = newest.max(t);
    }
    Ok(newest)
}

/// Staff's list: every article, optionally of one state, newest change first.
pub async fn staff_lines(
    c: &mut AnyConnection,
    state: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ArticleLine>, i64)> {
    let rows = sqlx::query_as(&format!(
        "SELECT {LINE} FROM articles WHERE ($1 = '' OR state = $1)
         ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(state)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM articles WHERE ($1 = '' OR state = $1)")
            .bind(state)
            .fetch_one(c)
            .await?
            .try_get("n")?;
    Ok((rows, total))
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i64,
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub body_md: String,
    pub saved_by: String,
    pub saved_at: i64,
}

/// Every saved version, newest first.
pub async fn versions(c: &mut AnyConnection, id: i64) -> Result<Vec<VersionRow>> {
    Ok(sqlx::query_as(
        "SELECT version, section, title, publisher, body_md, saved_by, saved_at
         FROM article_versions WHERE article_id = $1 ORDER BY version DESC",
    )
    .bind(id)
    .fetch_all(c)
    .await?)
}

pub async fn attach(c: &mut AnyConnection, article_id: i64, file_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO article_files (article_id, file_id) VALUES ($1, $2)")
        .bind(article_id)
        .bind(file_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes an attachment from an article; `false` when it was not there.
pub async fn detach(c: &mut AnyConnection, article_id: i64, file_id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM article_files WHERE article_id = $1 AND file_id = $2")
        .bind(article_id)
        .bind(file_id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The attachments of an article, in the order they were added.
pub async fn files_of(c: &mut AnyConnection, article_id: i64) -> Result<Vec<FileRow>> {
    Ok(sqlx::query_as(
        "SELECT f.* FROM files f JOIN article_files a ON a.file_id = f.id
         WHERE a.article_id = $1 ORDER BY f.id",
    )
    .bind(article_id)
    .fetch_all(c)
    .await?)
}

/// An attachment of an article visitors see at `now`.
pub async fn public_file(
    c: &mut AnyConnection,
    article_id: i64,
    file_id: i64,
    now: i64,
) -> Result<Option<FileRow>> {
    Ok(sqlx::query_as(
        "SELECT f.* FROM files f JOIN article_files a ON a.file_id = f.id
         JOIN articles r ON r.id = a.article_id
         WHERE a.article_id = $1 AND f.id = $2 AND r.state = $3 AND r.publish_at <= $4",
    )
    .bind(article_id)
    .bind(file_id)
    .bind(ArticleState::Published.code())
    .bind(now)
    .fetch_optional(c)
    .await?)
}
