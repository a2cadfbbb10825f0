//! The search index of the portal: one row per (term, article) with the
//! term's weight, written when an article is published and deleted when it
//! is withdrawn, in the same transaction. Being rows of the database, the
//! index is the same on every node and on both backends.

use scigrant_domain::portal::article::ArticleState;
use sqlx::{AnyConnection, Row};

use crate::Result;

/// Replaces the terms of an article.
pub async fn replace(
    c: &mut AnyConnection,
    article_id: i64,
    terms: &[(String, i64)],
) -> Result<()> {
    remove(c, article_id).await?;
    // Several rows per statement: one round trip per 200 terms.
    for chunk in terms.chunks(200) {
        let mut sql = String::from("INSERT INTO article_terms (term, article_id, weight) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
        }
        let mut q = sqlx::query(&sql);
        for (term, weight) in chunk {
            q = q.bind(term.as_str()).bind(article_id).bind(*weight);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Deletes the terms of an article: it no longer appears in any result.
pub async fn remove(c: &mut AnyConnection, article_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM article_terms WHERE article_id = $1")
        .bind(article_id)
        .execute(c)
        .await?;
    Ok(())
}

/// What a search asks for: every term must occur; the rest narrows.
pub struct Query<'a> {
    pub terms: &'a [String],
    pub section: &'a str,
    /// Published at or after (ms), and before.
    pub from: i64,
    pub until: i64,
    pub now: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Hit {
    pub id: i64,
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub body_html: String,
    pub publish_at: Option<i64>,
    pub score: i64,
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The search's query text with its common parameters bound.
fn bind_all<'q>(sql: &'q str, q: &Query<'_>) -> AnyQuery<'q> {
    let mut query = sqlx::query(sql);
    for t in q.terms {
        query = query.bind(t.clone());
    }
    query
        .bind(ArticleState::Published.code())
        .bind(q.now)
        .bind(q.section.to_string())
        .bind(q.from)
        .bind(q.until)
}

/// Public articles holding every term, best first, and how many there are.
pub async fn search(c: &mut AnyConnection, q: &Query<'_>) -> Result<(Vec<Hit>, i64)> {
    if q.terms.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let n = q.terms.len();
    let list = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let p = |k: usize| format!("${}", n + k);
    let core = format!(
        "FROM articles a JOIN (SELECT article_id, CAST(SUM(weight) AS BIGINT) AS score FROM article_terms
             WHERE term IN ({list}) GROUP BY article_id HAVING COUNT(*) = {n}) s ON s.article_id = a.id
         WHERE a.state = {} AND a.publish_at <= {} AND ({} = '' OR a.section = {})
           AND a.publish_at >= {} AND a.publish_at < {}",
        p(1),
        p(2),
        p(3),
        p(3),
        p(4),
        p(5),
    );
    let count_sql = format!("SELECT COUNT(*) AS n {core}");
    let total: i64 = bind_all(&count_sql, q)
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
    let sql = format!(
        "SELECT a.id, a.section, a.title, a.publisher, a.body_html, a.publish_at, s.score {core}
         ORDER BY s.score DESC, a.publish_at DESC, a.id DESC LIMIT {} OFFSET {}",
        p(6),
        p(7)
    );
    let rows = bind_all(&sql, q)
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(c)
        .await?;
    let mut hits = Vec::with_capacity(rows.len());
    for r in rows {
        hits.push(Hit {
            id: r.try_get("id")?,
            section: r.try_get("section")?,
            title: r.try_get("title")?,
            publisher: r.try_get("publisher")?,
            body_html: r.try_get("body_html")?,
            publish_at: r.try_get("publish_at")?,
            score: r.try_get("score")?,
        });
    }
    Ok((hits, total))
}
