//! The audit log: append-only (triggers refuse UPDATE and DELETE on both
//! backends) and sealed into an SM3 hash chain. Records are inserted inside
//! the use case's transaction; a sealer later appends each unsealed record
//! to `audit_chain` in one order, under a row lock, so concurrent writers
//! never race for "the previous hash" and the auditor can verify the chain.

use sm3::{Digest, Sm3};
use sqlx::{AnyConnection, Row};

use crate::{Db, Result, like_pattern};

#[derive(Clone, Debug, Default)]
pub struct NewRecord {
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub outcome: String,
    pub ip: String,
    pub request_id: String,
    pub detail: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Record {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub outcome: String,
    pub ip: String,
    pub request_id: String,
    pub detail: String,
}

pub async fn append(c: &mut AnyConnection, r: &NewRecord) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, actor_label, action, target_kind, target_id, outcome, ip, request_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(r.at)
    .bind(&r.actor_kind)
    .bind(r.actor_id)
    .bind(&r.actor_label)
    .bind(&r.action)
    .bind(&r.target_kind)
    .bind(r.target_id)
    .bind(&r.outcome)
    .bind(&r.ip)
    .bind(&r.request_id)
    .bind(&r.detail)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

/// Search filters of 操作日志 / 登录日志.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: String,
    pub action_prefix: String,
    /// Only login records (`login.*`), or only the others.
    pub logins: Option<bool>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub async fn search(
    c: &mut AnyConnection,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Record>, i64)> {
    let where_sql = "WHERE actor_label LIKE $1 ESCAPE '\\'
        AND action LIKE $2 ESCAPE '\\'
        AND ($3 = 0 OR ($3 = 1 AND action LIKE 'login%') OR ($3 = 2 AND action NOT LIKE 'login%'))
        AND at >= $4 AND at < $5";
    let actor = like_pattern(&f.actor);
    let mut action = like_pattern(&f.action_prefix);
    action.remove(0);
    let logins: i64 = match f.logins {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    let from = f.from.unwrap_or(0);
    let to = f.to.unwrap_or(i64::MAX);
    let rows = sqlx::query_as::<_, Record>(&format!(
        "SELECT * FROM audit_log {where_sql} ORDER BY id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(&actor)
    .bind(&action)
    .bind(logins)
    .bind(from)
    .bind(to)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM audit_log {where_sql}"))
        .bind(&actor)
        .bind(&action)
        .bind(logins)
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await?
        .try_get("n")?;
    Ok((rows, total))
}

/// Records about one target (an account's own activity trail).
pub async fn for_target(
    c: &mut AnyConnection,
    target_kind: &str,
    target_id: i64,
    limit: i64,
) -> Result<Vec<Record>> {
    Ok(sqlx::query_as(
        "SELECT * FROM audit_log WHERE target_kind = $1 AND target_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(target_kind)
    .bind(target_id)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

fn link(prev: &str, r: &Record) -> String {
    let mut h = Sm3::new();
    for part in [
        prev.to_string(),
        r.id.to_string(),
        r.at.to_string(),
        r.actor_kind.clone(),
        r.actor_id.map(|v| v.to_string()).unwrap_or_default(),
        r.actor_label.clone(),
        r.action.clone(),
        r.target_kind.clone(),
        r.target_id.map(|v| v.to_string()).unwrap_or_default(),
        r.outcome.clone(),
        r.ip.clone(),
        r.request_id.clone(),
        r.detail.clone(),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

const GENESIS: &str = "scigrant-audit-genesis";

/// Appends every committed, unsealed record to the chain; returns how many.
pub async fn seal(db: &Db) -> Result<u64> {
    let mut tx = db.begin().await?;
    // The row lock on this setting serialises sealers across app nodes.
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('audit_seal', '0') ON CONFLICT (key) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE settings SET value = value WHERE key = 'audit_seal'")
        .execute(&mut *tx)
        .await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    let (mut seq, mut prev): (i64, String) = match head {
        Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
        None => (0, GENESIS.to_string()),
    };
    let pending: Vec<Record> = sqlx::query_as(
        "SELECT a.* FROM audit_log a LEFT JOIN audit_chain ch ON ch.audit_id = a.id
         WHERE ch.audit_id IS NULL ORDER BY a.id LIMIT 5000",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in &pending {
        seq += 1;
        prev = link(&prev, r);
        sqlx::query("INSERT INTO audit_chain (seq, audit_id, hash) VALUES ($1, $2, $3)")
            .bind(seq)
            .bind(r.id)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(pending.len() as u64)
}

/// Result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    pub sealed: i64,
    /// The first sequence number whose hash does not match, if any.
    pub broken_at: Option<i64>,
}

pub async fn verify(c: &mut AnyConnection) -> Result<ChainCheck> {
    let rows = sqlx::query(
        "SELECT ch.seq AS seq, ch.hash AS chain_hash, a.* FROM audit_chain ch
         JOIN audit_log a ON a.id = ch.audit_id ORDER BY ch.seq",
    )
    .fetch_all(c)
    .await?;
    let mut prev = GENESIS.to_string();
    let mut sealed = 0;
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        let stored: String = row.try_get("chain_hash")?;
        let r = Record {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor_kind: row.try_get("actor_kind")?,
            actor_id: row.try_get("actor_id")?,
            actor_label: row.try_get("actor_label")?,
            action: row.try_get("action")?,
            target_kind: row.try_get("target_kind")?,
            target_id: row.try_get("target_id")?,
            outcome: row.try_get("outcome")?,
            ip: row.try_get("ip")?,
            request_id: row.try_get("request_id")?,
            detail: row.try_get("detail")?,
        };
        let expected = link(&prev, &r);
        if expected != stored || seq != sealed + 1 {
            return Ok(ChainCheck {
                sealed,
                broken_at: Some(seq),
            });
        }
        sealed = seq;
        prev = stored;
    }
    Ok(ChainCheck {
        sealed,
        broken_at: None,
    })
}
