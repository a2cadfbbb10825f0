//! Audit retention (issue 7, finding 14): sealed records older than a
//! cutoff are purged, never younger ones, and the chain stays verifiable.
//! A purge first verifies the whole chain under the key (a tampered chain
//! is evidence and is never purged), then records one checkpoint: the last
//! purged link's sequence number and hash and the running count of purged
//! links, with an HMAC-SM3 over them under the chain key, so nobody without
//! the key can move the checkpoint to hide a deletion. Verification starts
//! from the checkpoint instead of the genesis. The migration's triggers
//! admit exactly these deletes and no others.

use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;
use sqlx::{AnyConnection, Row};

use crate::admin::audit::{self, ChainKey};
use crate::{Db, Result, StoreError};

/// Where the remaining chain starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last purged link; the chain goes on at `before_seq + 1`.
    pub before_seq: i64,
    /// Its hash: the "previous hash" of the first remaining link.
    pub base_hash: String,
    /// Links purged so far, all purges together.
    pub purged: i64,
    /// Records older than this (ms) may be gone.
    pub cutoff_at: i64,
    pub purged_at: i64,
    pub mac: String,
}

impl Checkpoint {
    fn expected_mac(&self, key: &ChainKey) -> String {
        let mut h =
            <Hmac<Sm3> as KeyInit>::new_from_slice(&key.0).expect("HMAC takes any key length");
        let text = format!(
            "scigrant-audit-checkpoint\x1f{}\x1f{}\x1f{}\x1f{}",
            self.before_seq, self.base_hash, self.purged, self.cutoff_at
        );
        h.update(text.as_bytes());
        hex::encode(h.finalize().into_bytes())
    }

    /// Whether the checkpoint was written by someone holding the key.
    pub fn verifies(&self, key: &ChainKey) -> bool {
        self.mac == self.expected_mac(key)
    }
}

pub async fn checkpoint(c: &mut AnyConnection) -> Result<Option<Checkpoint>> {
    let row = sqlx::query(
        "SELECT before_seq, base_hash, purged, cutoff_at, purged_at, mac FROM audit_retention WHERE id = 1",
    )
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        Ok(Checkpoint {
            before_seq: r.try_get("before_seq")?,
            base_hash: r.try_get("base_hash")?,
            purged: r.try_get("purged")?,
            cutoff_at: r.try_get("cutoff_at")?,
            purged_at: r.try_get("purged_at")?,
            mac: r.try_get("mac")?,
        })
    })
    .transpose()
}

/// What a purge removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purged {
    /// Records (and their links) removed by this purge.
    pub records: u64,
    /// The checkpoint's sequence number afterwards (0: nothing ever purged).
    pub before_seq: i64,
}

/// Purges every sealed record older than `cutoff_at`, up to the first one
/// that is not (the chain is cut at one point, so a young record sealed
/// between old ones keeps everything after it). Refuses when the chain
/// does not verify under `key`.
pub async fn purge_before(db: &Db, key: &ChainKey, cutoff_at: i64, now: i64) -> Result<Purged> {
    let mut tx = db.begin().await?;
    audit::lock_chain(&mut tx).await?;
    let check = audit::verify(&mut tx, key, None).await?;
    if !check.problems.is_empty() {
        return Err(StoreError::Key(
            "审计链校验未通过，不能清理：请先由审计管理员核查".into(),
        ));
    }
    let old = checkpoint(&mut tx).await?;
    let from = old.as_ref().map_or(0, |c| c.before_seq);
    let first_young: Option<i64> = sqlx::query(
        "SELECT MIN(ch.seq) AS s FROM audit_chain ch JOIN audit_log a ON a.id = ch.audit_id
         WHERE a.at >= $1",
    )
    .bind(cutoff_at)
    .fetch_one(&mut *tx)
    .await?
    .try_get("s")?;
    let head: Option<i64> = sqlx::query("SELECT MAX(seq) AS s FROM audit_chain")
        .fetch_one(&mut *tx)
        .await?
        .try_get("s")?;
    let last = match (first_young, head) {
        (Some(young), _) => young - 1,
        (None, Some(head)) => head,
        (None, None) => from,
    };
    if last <= from {
        return Ok(Purged {
            records: 0,
            before_seq: from,
        });
    }
    let (base_hash, last_id): (String, i64) = {
        let r = sqlx::query("SELECT hash, audit_id FROM audit_chain WHERE seq = $1")
            .bind(last)
            .fetch_one(&mut *tx)
            .await?;
        (r.try_get("hash")?, r.try_get("audit_id")?)
    };
    let mut cp = Checkpoint {
        before_seq: last,
        base_hash,
        purged: old.as_ref().map_or(0, |c| c.purged) + (last - from),
        cutoff_at,
        purged_at: now,
        mac: String::new(),
    };
    cp.mac = cp.expected_mac(key);
    sqlx::query(
        "INSERT INTO audit_retention (id, before_seq, base_hash, purged, cutoff_at, purged_at, mac)
         VALUES (1, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET before_seq = excluded.before_seq,
            base_hash = excluded.base_hash, purged = excluded.purged,
            cutoff_at = excluded.cutoff_at, purged_at = excluded.purged_at, mac = excluded.mac",
    )
    .bind(cp.before_seq)
    .bind(&cp.base_hash)
    .bind(cp.purged)
    .bind(cp.cutoff_at)
    .bind(cp.purged_at)
    .bind(&cp.mac)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM audit_chain WHERE seq <= $1")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    // Records are sealed in id order, so the purged ones have ids up to the
    // last purged link's; one committed late and sealed after a young
    // record is still held by its link and stays.
    // The index of what was done in a unit's name (代办) goes with them.
    sqlx::query(
        "DELETE FROM delegated_actions WHERE audit_id IN (SELECT id FROM audit_log WHERE id <= $1 AND at < $2
         AND NOT EXISTS (SELECT 1 FROM audit_chain ch WHERE ch.audit_id = audit_log.id))",
    )
    .bind(last_id)
    .bind(cutoff_at)
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query(
        "DELETE FROM audit_log WHERE id <= $1 AND at < $2
         AND NOT EXISTS (SELECT 1 FROM audit_chain ch WHERE ch.audit_id = audit_log.id)",
    )
    .bind(last_id)
    .bind(cutoff_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Purged {
        records: removed,
        before_seq: last,
    })
}
