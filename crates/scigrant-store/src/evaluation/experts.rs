//! The expert library (专家库): one row per expert with their 学科 codes
//! and declared avoidances. State codes are bound from [`ExpertState`],
//! never written into the SQL text.

use scigrant_domain::evaluation::expert::ExpertState;
use sqlx::{AnyConnection, Row};

use crate::{Result, like_pattern};

/// What an expert's application (or an imported row) stores.
#[derive(Clone, Debug)]
pub struct NewExpert<'a> {
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    /// 研究方向, one per line.
    pub keywords: &'a str,
    pub email_domain: &'a str,
    pub region_code: i64,
    pub available: bool,
    pub state: ExpertState,
    /// `applied` or `imported`.
    pub source: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpertRow {
    pub id: i64,
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    pub keywords: String,
    pub email_domain: String,
    pub region_code: i64,
    pub available: i64,
    pub state: String,
    pub state_reason: String,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ExpertRow {
    pub fn state(&self) -> Option<ExpertState> {
        ExpertState::from_code(&self.state)
    }
}

/// Stores a new expert and their 学科 codes (`primary` first is not
/// required; exactly one should be marked primary by the caller).
pub async fn insert_expert(
    c: &mut AnyConnection,
    e: &NewExpert<'_>,
    disciplines: &[(&str, bool)],
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO experts (person_id, unit_id, unit_name, title, summary, keywords, email_domain, region_code, available, state, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(e.person_id)
    .bind(e.unit_id)
    .bind(e.unit_name)
    .bind(e.title)
    .bind(e.summary)
    .bind(e.keywords)
    .bind(e.email_domain)
    .bind(e.region_code)
    .bind(i64::from(e.available))
    .bind(e.state.code())
    .bind(e.source)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let id: i64 = row.try_get("id")?;
    set_disciplines(c, id, disciplines).await?;
    Ok(id)
}

/// Replaces an expert's 学科 codes.
pub async fn set_disciplines(
    c: &mut AnyConnection,
    expert_id: i64,
    disciplines: &[(&str, bool)],
) -> Result<()> {
    sqlx::query("DELETE FROM expert_disciplines WHERE expert_id = $1")
        .bind(expert_id)
        .execute(&mut *c)
        .await?;
    for (code, primary) in disciplines {
        sqlx::query(
            "INSERT INTO expert_disciplines (expert_id, code, is_primary) VALUES ($1, $2, $3)",
        )
        .bind(expert_id)
        .bind(*code)
        .bind(i64::from(*primary))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

pub async fn expert(c: &mut AnyConnection, id: i64) -> Result<Option<ExpertRow>> {
    Ok(sqlx::query_as("SELECT * FROM experts WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn expert_of_person(c: &mut AnyConnection, person_id: i64) -> Result<Option<ExpertRow>> {
    Ok(sqlx::query_as("SELECT * FROM experts WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(c)
        .await?)
}

/// An expert's 学科 codes, the primary one first.
pub async fn disciplines(c: &mut AnyConnection, expert_id: i64) -> Result<Vec<(String, bool)>> {
    let rows = sqlx::query(
        "SELECT code, is_primary FROM expert_disciplines WHERE expert_id = $1 ORDER BY is_primary DESC, code",
    )
    .bind(expert_id)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get::<i64, _>("is_primary")? != 0)))
        .collect()
}

/// Moves an expert to `next` with a reason; the caller has checked the
/// transition with [`ExpertState::can_move_to`].
pub async fn set_state(
    c: &mut AnyConnection,
    id: i64,
    next: ExpertState,
    reason: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE experts SET state = $1, state_reason = $2, updated_at = $3 WHERE id = $4")
        .bind(next.code())
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Moves an expert from `from` to `to` only if it is still in `from`
/// (so two staff members cannot both decide); false when it had moved.
pub async fn move_state(
    c: &mut AnyConnection,
    id: i64,
    from: ExpertState,
    to: ExpertState,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE experts SET state = $1, state_reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to.code())
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from.code())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces what a person's application says (a correction, or a
/// resubmission after 未通过): profile fields, state and source as given,
/// the earlier reason cleared. The 学科 and avoidances are replaced apart.
pub async fn update_expert(
    c: &mut AnyConnection,
    id: i64,
    e: &NewExpert<'_>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE experts SET unit_id = $1, unit_name = $2, title = $3, summary = $4, keywords = $5, \
         email_domain = $6, region_code = $7, available = $8, state = $9, state_reason = '', updated_at = $10 \
         WHERE id = $11",
    )
    .bind(e.unit_id)
    .bind(e.unit_name)
    .bind(e.title)
    .bind(e.summary)
    .bind(e.keywords)
    .bind(e.email_domain)
    .bind(e.region_code)
    .bind(i64::from(e.available))
    .bind(e.state.code())
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// One declared avoidance (回避). A unit row names a unit registered on
/// the platform (`unit_id` set: only such units apply); a person row has
/// no unit and is matched by name.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AvoidRow {
    pub id: i64,
    pub expert_id: i64,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub name: String,
    pub reason: String,
}

/// What an expert declares to avoid.
#[derive(Clone, Debug)]
pub struct NewAvoid<'a> {
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub name: &'a str,
    pub reason: &'a str,
}

/// Replaces an expert's avoidances.
pub async fn set_avoids(
    c: &mut AnyConnection,
    expert_id: i64,
    avoids: &[NewAvoid<'_>],
) -> Result<()> {
    sqlx::query("DELETE FROM expert_avoids WHERE expert_id = $1")
        .bind(expert_id)
        .execute(&mut *c)
        .await?;
    for a in avoids {
        sqlx::query(
            "INSERT INTO expert_avoids (expert_id, unit_id, person_id, name, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(expert_id)
        .bind(a.unit_id)
        .bind(a.person_id)
        .bind(a.name)
        .bind(a.reason)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// An expert's avoidances, units first, in the order declared.
pub async fn avoids(c: &mut AnyConnection, expert_id: i64) -> Result<Vec<AvoidRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM expert_avoids WHERE expert_id = $1 ORDER BY CASE WHEN unit_id IS NULL THEN 1 ELSE 0 END, id",
    )
    .bind(expert_id)
    .fetch_all(c)
    .await?)
}

/// The registered unit of exactly this name, for a 回避单位 row.
pub async fn unit_id_by_name(c: &mut AnyConnection, name: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM units WHERE name = $1 ORDER BY id LIMIT 1")
        .bind(name)
        .fetch_optional(c)
        .await?;
    row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
}

/// The search of the 专家管理 list; empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct ExpertFilter<'a> {
    /// A 学科 code or its prefix (`52` finds 520 and every 520xx).
    pub discipline: &'a str,
    /// Found in the 研究方向, the 研究领域 summary or the name.
    pub keyword: &'a str,
    pub title: &'a str,
    /// Part of the 工作单位 name.
    pub unit: &'a str,
    /// A GB/T 2260 code or its prefix (`54` a province, `5401` a city).
    pub region: &'a str,
    pub state: Option<ExpertState>,
}

/// One row of the list: the expert with the person's name and phone
/// (sealed; the caller masks it) and the primary 学科.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpertListRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub phone_enc: Vec<u8>,
    pub unit_name: String,
    pub title: String,
    pub keywords: String,
    pub region_code: i64,
    pub available: i64,
    pub state: String,
    pub state_reason: String,
    pub updated_at: i64,
    pub primary_code: Option<String>,
}

/// The inclusive range of 6-digit codes a region prefix covers.
fn region_range(prefix: &str) -> (i64, i64) {
    let digits: String = prefix
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    if digits.is_empty() {
        return (0, 999_999);
    }
    let pad = |fill: char| {
        let mut s = digits.clone();
        while s.len() < 6 {
            s.push(fill);
        }
        s.parse::<i64>().unwrap_or(0)
    };
    (pad('0'), pad('9'))
}

/// Experts matching `f`, most recently changed first, and the total.
pub async fn search(
    c: &mut AnyConnection,
    f: &ExpertFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ExpertListRow>, i64)> {
    // One query text for both backends: an empty filter binds a pattern
    // that matches everything rather than changing the SQL.
    let where_sql = "FROM experts e JOIN persons p ON p.id = e.person_id \
        WHERE ($1 = '' OR EXISTS (SELECT 1 FROM expert_disciplines d WHERE d.expert_id = e.id AND d.code LIKE $2 ESCAPE '\\')) \
        AND (e.keywords LIKE $3 ESCAPE '\\' OR e.summary LIKE $3 ESCAPE '\\' OR p.name LIKE $3 ESCAPE '\\') \
        AND ($4 = '' OR e.title = $4) \
        AND e.unit_name LIKE $5 ESCAPE '\\' \
        AND e.region_code BETWEEN $6 AND $7 \
        AND ($8 = '' OR e.state = $8)";
    let discipline = f.discipline.trim();
    let mut prefix = like_pattern(discipline);
    prefix.remove(0);
    let (lo, hi) = region_range(f.region);
    let state = f.state.map(|s| s.code()).unwrap_or("");
    let values = FilterValues {
        discipline: discipline.to_string(),
        prefix,
        keyword: like_pattern(f.keyword.trim()),
        title: f.title.trim().to_string(),
        unit: like_pattern(f.unit.trim()),
        lo,
        hi,
        state,
    };
    let count_sql = format!("SELECT COUNT(*) AS n {where_sql}");
    let total: i64 = values
        .bind(sqlx::query(&count_sql))
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
    let sql = format!(
        "SELECT e.id, e.person_id, p.name, p.phone_enc, e.unit_name, e.title, e.keywords, e.region_code, \
         e.available, e.state, e.state_reason, e.updated_at, \
         (SELECT d.code FROM expert_disciplines d WHERE d.expert_id = e.id AND d.is_primary = 1) AS primary_code \
         {where_sql} ORDER BY e.updated_at DESC, e.id DESC LIMIT $9 OFFSET $10"
    );
    let rows = values
        .bind(sqlx::query(&sql))
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *c)
        .await?;
    let rows = rows
        .iter()
        .map(<ExpertListRow as sqlx::FromRow<_>>::from_row)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// The bound values of an [`ExpertFilter`], in placeholder order.
struct FilterValues {
    discipline: String,
    prefix: String,
    keyword: String,
    title: String,
    unit: String,
    lo: i64,
    hi: i64,
    state: &'static str,
}

impl FilterValues {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        q.bind(self.discipline.clone())
            .bind(self.prefix.clone())
            .bind(self.keyword.clone())
            .bind(self.title.clone())
            .bind(self.unit.clone())
            .bind(self.lo)
            .bind(self.hi)
            .bind(self.state)
    }
}
