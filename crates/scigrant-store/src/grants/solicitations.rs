//! 指南征集: solicitations (one per announcing article) and the suggestions
//! made to them. States are bound from the domain's
//! `SuggestionState::code()`; the phase is never stored.

use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SolicitationRow {
    pub id: i64,
    pub article_id: i64,
    pub form_spec_id: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub seq: i64,
    pub opened_by: String,
    pub created_at: i64,
}

/// A solicitation with its article's title and its submitted count.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SolicitationLine {
    pub id: i64,
    pub article_id: i64,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub submitted: i64,
}

pub struct NewSolicitation<'a> {
    pub article_id: i64,
    pub form_spec_id: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub opened_by: &'a str,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, n: &NewSolicitation<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO solicitations (article_id, form_spec_id, opens_at, closes_at, opened_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.article_id)
    .bind(n.form_spec_id)
    .bind(n.opens_at)
    .bind(n.closes_at)
    .bind(n.opened_by)
    .bind(n.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<SolicitationRow>> {
    Ok(sqlx::query_as("SELECT * FROM solicitations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn of_article(c: &mut AnyConnection, article_id: i64) -> Result<Option<SolicitationRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM solicitations WHERE article_id = $1")
            .bind(article_id)
            .fetch_optional(c)
            .await?,
    )
}

/// The next receipt sequence of a solicitation; one statement, so two
/// submissions never share a number.
pub async fn next_seq(c: &mut AnyConnection, id: i64) -> Result<i64> {
    let row = sqlx::query("UPDATE solicitations SET seq = seq + 1 WHERE id = $1 RETURNING seq")
        .bind(id)
        .fetch_one(c)
        .await?;
    Ok(row.try_get("seq")?)
}

const LINE: &str = "SELECT s.id, s.article_id, a.title, s.opens_at, s.closes_at,
        (SELECT COUNT(*) FROM suggestions g WHERE g.solicitation_id = s.id AND g.state <> $1) AS submitted
     FROM solicitations s JOIN articles a ON a.id = s.article_id";

/// Every solicitation, newest first (staff). `draft` is the draft state's
/// code, left out of the counts.
pub async fn lines(c: &mut AnyConnection, draft: &str) -> Result<Vec<SolicitationLine>> {
    Ok(sqlx::query_as(&format!("{LINE} ORDER BY s.id DESC"))
        .bind(draft)
        .fetch_all(c)
        .await?)
}

/// The solicitations visitors see at `now`: opened already, announced by
/// a public article; newest first.
pub async fn public_lines(
    c: &mut AnyConnection,
    draft: &str,
    now: i64,
    published: &str,
) -> Result<Vec<SolicitationLine>> {
    Ok(sqlx::query_as(&format!(
        "{LINE} WHERE s.opens_at <= $2 AND a.state = $3 AND a.publish_at <= $2
         ORDER BY s.closes_at DESC, s.id DESC"
    ))
    .bind(draft)
    .bind(now)
    .bind(published)
    .fetch_all(c)
    .await?)
}

/// Published articles that announce no solicitation yet, newest first.
pub async fn articles_without(
    c: &mut AnyConnection,
    published: &str,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.title FROM articles a
         WHERE a.state = $1 AND NOT EXISTS (SELECT 1 FROM solicitations s WHERE s.article_id = a.id)
         ORDER BY a.id DESC LIMIT 200",
    )
    .bind(published)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("title")?)))
        .collect()
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SuggestionRow {
    pub id: i64,
    pub solicitation_id: i64,
    pub account_kind: String,
    pub account_id: i64,
    pub unit_id: Option<i64>,
    pub author: String,
    pub title: String,
    pub data_json: String,
    pub state: String,
    pub number: Option<String>,
    pub digest: Option<String>,
    pub created_at: i64,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub tags: String,
    pub reply: String,
    pub handled_by: String,
    pub handled_at: Option<i64>,
    pub merged_into: Option<i64>,
}

pub struct NewSuggestion<'a> {
    pub solicitation_id: i64,
    pub account_kind: &'a str,
    pub account_id: i64,
    pub unit_id: Option<i64>,
    pub author: &'a str,
    pub data_json: &'a str,
    pub state: &'a str,
    pub now: i64,
}

pub async fn insert_suggestion(c: &mut AnyConnection, n: &NewSuggestion<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO suggestions (solicitation_id, account_kind, account_id, unit_id, author, data_json, state, created_at, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(n.solicitation_id)
    .bind(n.account_kind)
    .bind(n.account_id)
    .bind(n.unit_id)
    .bind(n.author)
    .bind(n.data_json)
    .bind(n.state)
    .bind(n.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn suggestion(c: &mut AnyConnection, id: i64) -> Result<Option<SuggestionRow>> {
    Ok(sqlx::query_as("SELECT * FROM suggestions WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// How many suggestions an account has in a solicitation.
pub async fn count_of(
    c: &mut AnyConnection,
    solicitation_id: i64,
    kind: &str,
    account_id: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM suggestions WHERE solicitation_id = $1 AND account_kind = $2 AND account_id = $3",
    )
    .bind(solicitation_id)
    .bind(kind)
    .bind(account_id)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("n")?)
}

/// Keeps a draft's text; `false` when it is no longer a draft (the state
/// is checked by the write itself).
pub async fn save_draft(
    c: &mut AnyConnection,
    id: i64,
    draft: &str,
    title: &str,
    data_json: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE suggestions SET title = $1, data_json = $2, saved_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(title)
    .bind(data_json)
    .bind(now)
    .bind(id)
    .bind(draft)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Freeze<'a> {
    pub id: i64,
    pub draft: &'a str,
    pub submitted: &'a str,
    pub number: &'a str,
    pub digest: &'a str,
    pub unit_id: Option<i64>,
    pub now: i64,
}

/// Submits a draft once (compare-and-set on the state).
pub async fn freeze(c: &mut AnyConnection, f: &Freeze<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE suggestions SET state = $1, number = $2, digest = $3, unit_id = $4, submitted_at = $5
         WHERE id = $6 AND state = $7",
    )
    .bind(f.submitted)
    .bind(f.number)
    .bind(f.digest)
    .bind(f.unit_id)
    .bind(f.now)
    .bind(f.id)
    .bind(f.draft)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Handling<'a> {
    pub id: i64,
    pub state: &'a str,
    pub tags: &'a str,
    pub reply: &'a str,
    pub merged_into: Option<i64>,
    pub by: &'a str,
    pub now: i64,
    /// The draft state's code: a draft is never handled.
    pub draft: &'a str,
}

pub async fn handle(c: &mut AnyConnection, h: &Handling<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE suggestions SET state = $1, tags = $2, reply = $3, merged_into = $4, handled_by = $5, handled_at = $6
         WHERE id = $7 AND state <> $8",
    )
    .bind(h.state)
    .bind(h.tags)
    .bind(h.reply)
    .bind(h.merged_into)
    .bind(h.by)
    .bind(h.now)
    .bind(h.id)
    .bind(h.draft)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An account's suggestions, newest first.
pub async fn of_account(
    c: &mut AnyConnection,
    kind: &str,
    account_id: i64,
) -> Result<Vec<SuggestionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM suggestions WHERE account_kind = $1 AND account_id = $2 ORDER BY id DESC",
    )
    .bind(kind)
    .bind(account_id)
    .fetch_all(c)
    .await?)
}

/// The submitted suggestions of a unit and its members, newest first.
pub async fn of_unit(
    c: &mut AnyConnection,
    unit_id: i64,
    draft: &str,
) -> Result<Vec<SuggestionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM suggestions WHERE unit_id = $1 AND state <> $2 ORDER BY submitted_at DESC, id DESC",
    )
    .bind(unit_id)
    .bind(draft)
    .fetch_all(c)
    .await?)
}

/// The submitted suggestions of a solicitation in submission order.
pub async fn of_solicitation(
    c: &mut AnyConnection,
    solicitation_id: i64,
    draft: &str,
) -> Result<Vec<SuggestionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM suggestions WHERE solicitation_id = $1 AND state <> $2 ORDER BY submitted_at, id",
    )
    .bind(solicitation_id)
    .bind(draft)
    .fetch_all(c)
    .await?)
}

/// The stored form of one suggestion, for the personal-data upgrade.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredSuggestionRow {
    pub id: i64,
    pub form_spec_id: i64,
    pub data_json: String,
}

/// Up to `limit` suggestions after id `after`, in id order, with the form
/// they are filled against.
pub async fn suggestion_forms_after(
    c: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredSuggestionRow>> {
    Ok(sqlx::query_as(
        "SELECT g.id, s.form_spec_id, g.data_json FROM suggestions g
         JOIN solicitations s ON s.id = g.solicitation_id
         WHERE g.id > $1 ORDER BY g.id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// Replaces a suggestion's stored form with its sealed form,
/// compare-and-set on what was read; `saved_at` does not move.
pub async fn reseal_suggestion(
    c: &mut AnyConnection,
    read: &StoredSuggestionRow,
    data_json: &str,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE suggestions SET data_json = $1 WHERE id = $2 AND data_json = $3")
            .bind(data_json)
            .bind(read.id)
            .bind(&read.data_json)
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}
