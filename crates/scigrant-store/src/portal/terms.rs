//! The search index of the portal: one row per (term, article) with the
//! term's weight and the article's section and publication time, written
//! when an article is published and deleted when it is withdrawn, in the
//! same transaction (a published article's section and time never change,
//! so the copies hold). Being rows of the database, the index is the same
//! on every node and on both backends.

use scigrant_domain::portal::article::ArticleState;
use sqlx::{AnyConnection, Row};

use crate::Result;

/// Where a published article is listed: what its postings carry.
#[derive(Clone, Copy, Debug)]
pub struct Posted<'a> {
    pub article_id: i64,
    pub section: &'a str,
    pub publish_at: i64,
}

/// Replaces the terms of an article.
pub async fn replace(c: &mut AnyConnection, at: Posted<'_>, terms: &[(String, i64)]) -> Result<()> {
    let article_id = at.article_id;
    remove(c, article_id).await?;
    // Several rows per statement: one round trip per 200 terms.
    for chunk in terms.chunks(200) {
        // The article's three values are bound once, after the terms.
        let n = chunk.len() * 2;
        let mut sql = String::from(
            "INSERT INTO article_terms (term, weight, article_id, section, publish_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${})",
                i * 2 + 1,
                i * 2 + 2,
                n + 1,
                n + 2,
                n + 3
            ));
        }
        let mut q = sqlx::query(&sql);
        for (term, weight) in chunk {
            q = q.bind(term.as_str()).bind(*weight);
        }
        q = q.bind(article_id).bind(at.section).bind(at.publish_at);
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

#[derive(Clone, Debug)]
pub struct Hit {
    pub id: i64,
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub body_html: String,
    pub publish_at: Option<i64>,
    pub score: i64,
}

/// The most articles a search ranks: the newest that hold its rarest term
/// and pass its filters. A query whose rarest term is in more articles
/// than this is ranked among these (and says so); every other query is
/// ranked exactly. It bounds a search's work however large the portal grows.
pub const CANDIDATES: i64 = 2000;

/// What a search found: a page of hits, how many articles were ranked,
/// and whether the candidates stopped at [`CANDIDATES`] (older articles
/// holding every term may then exist beyond them).
#[derive(Clone, Debug, Default)]
pub struct Ranked {
    pub hits: Vec<Hit>,
    pub total: i64,
    pub capped: bool,
}

/// Public articles holding every term, best first (score, then newest):
/// three statements whatever the size of the index. First how often each
/// term occurs, counted no further than just past [`CANDIDATES`]; then the
/// ranking, which walks the rarest term's postings from the newest article
/// down through the filters, stops at [`CANDIDATES`], and sums the weights
/// of the other terms for those articles only; then the page's articles.
pub async fn search(c: &mut AnyConnection, q: &Query<'_>) -> Result<Ranked> {
    if q.terms.is_empty() {
        return Ok(Ranked::default());
    }
    let n = q.terms.len();
    let counts = (1..=n)
        .map(|i| {
            format!(
                "SELECT CAST({} AS BIGINT) AS i, COUNT(*) AS n FROM
                 (SELECT 1 AS one FROM article_terms WHERE term = ${i} LIMIT ${}) p{i}",
                i - 1,
                n + 1
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut query = sqlx::query(&counts);
    for t in q.terms {
        query = query.bind(t.as_str());
    }
    let mut rarest: Option<(usize, i64)> = None;
    for r in query.bind(CANDIDATES + 1).fetch_all(&mut *c).await? {
        let (i, count): (i64, i64) = (r.try_get("i")?, r.try_get("n")?);
        if rarest.is_none_or(|(_, least)| count < least) {
            rarest = Some((i as usize, count));
        }
    }
    let Some((rarest, postings)) = rarest.filter(|(_, count)| *count > 0) else {
        return Ok(Ranked::default());
    };
    // The other terms' placeholders: the rarest term's weight comes with
    // each candidate already.
    let others = (1..=n)
        .filter(|&i| i != rarest + 1)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let p = |k: usize| format!("${}", n + k);
    let rare = format!("${}", rarest + 1);
    // The candidates are read from the rarest term's postings alone,
    // newest first: a posting exists only while its article is published
    // and carries its section and time, so no article is read to filter
    // them (the page's articles are read, and their state checked, below).
    // The other terms' weights are summed by looking up each (term,
    // candidate) pair in the primary key, never by reading a common term's
    // whole postings.
    let matched = if others.is_empty() {
        "m AS (SELECT id, at, CAST(w AS BIGINT) AS score FROM cand)".to_string()
    } else {
        format!(
            "m AS (
               SELECT c.id, c.at, CAST(c.w AS BIGINT) + CAST(SUM(t.weight) AS BIGINT) AS score
               FROM cand c JOIN article_terms t ON t.term IN ({others}) AND t.article_id = c.id
               GROUP BY c.id, c.at, c.w
               HAVING COUNT(*) = {})",
            n - 1
        )
    };
    let sql = format!(
        "WITH cand AS (
           SELECT article_id AS id, publish_at AS at, weight AS w
           FROM article_terms
           WHERE term = {rare} AND publish_at <= {now}
             AND ({section} = '' OR section = {section})
             AND publish_at >= {from} AND publish_at < {until}
           ORDER BY article_id DESC LIMIT {cap}),
         {matched}
         SELECT id, score, at AS publish_at, (SELECT COUNT(*) FROM cand) AS candidates
         FROM m
         ORDER BY score DESC, at DESC, id DESC",
        now = p(1),
        section = p(2),
        from = p(3),
        until = p(4),
        cap = p(5),
    );
    let mut query = sqlx::query(&sql);
    for t in q.terms {
        query = query.bind(t.as_str());
    }
    let ranked = query
        .bind(q.now)
        .bind(q.section)
        .bind(q.from)
        .bind(q.until)
        .bind(CANDIDATES)
        .fetch_all(&mut *c)
        .await?;
    let capped = match ranked.first() {
        Some(r) => r.try_get::<i64, _>("candidates")? >= CANDIDATES,
        None => postings > CANDIDATES,
    };
    let total = ranked.len() as i64;
    let skip = usize::try_from(q.offset.max(0)).unwrap_or(usize::MAX);
    let take = usize::try_from(q.limit.max(0)).unwrap_or(0);
    let mut page = Vec::new();
    for r in ranked.iter().skip(skip).take(take) {
        page.push((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("score")?));
    }
    if page.is_empty() {
        return Ok(Ranked {
            hits: Vec::new(),
            total,
            capped,
        });
    }
    let ids = (1..=page.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, section, title, publisher, body_html, publish_at FROM articles
         WHERE id IN ({ids}) AND state = ${}",
        page.len() + 1
    );
    let mut query = sqlx::query(&sql);
    for (id, _) in &page {
        query = query.bind(*id);
    }
    let mut rows = std::collections::HashMap::new();
    for r in query
        .bind(ArticleState::Published.code())
        .fetch_all(c)
        .await?
    {
        rows.insert(r.try_get::<i64, _>("id")?, r);
    }
    let mut hits = Vec::with_capacity(page.len());
    for (id, score) in page {
        // Withdrawn between the two statements: left out of this page.
        let Some(r) = rows.remove(&id) else { continue };
        hits.push(Hit {
            id,
            section: r.try_get("section")?,
            title: r.try_get("title")?,
            publisher: r.try_get("publisher")?,
            body_html: r.try_get("body_html")?,
            publish_at: r.try_get("publish_at")?,
            score,
        });
    }
    Ok(Ranked {
        hits,
        total,
        capped,
    })
}
