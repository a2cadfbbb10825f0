//! The audit log: append-only (triggers refuse UPDATE and DELETE on both
//! backends) and sealed into a keyed hash chain. Records are inserted inside
//! the use case's transaction; a sealer later appends each unsealed record
//! to `audit_chain` in one order, under a row lock, so concurrent writers
//! never race for "the previous hash" and the auditor can verify the chain.
//!
//! The triggers stop the application, not someone with the database's own
//! rights, so the chain does not rely on them: each link is
//! HMAC-SM3(key, prev ‖ record) under a key kept outside the database
//! ([`ChainKey`], derived from the PII master key), and after each seal the
//! head (sequence number, hash, count) is written to an anchor file outside
//! the database. An edited row no longer verifies without the key, and a
//! deleted or cut-off row leaves the chain shorter than its anchor.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;
use sqlx::{AnyConnection, FromRow, Row};

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
    /// The record's own HMAC-SM3 ([`row_mac`]); `None` only for records
    /// written before it was kept.
    pub mac: Option<String>,
}

/// Writes `r` with its own MAC under `key`, so it is protected before the
/// sealer chains it.
pub async fn append(c: &mut AnyConnection, key: &ChainKey, r: &NewRecord) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, actor_label, action, target_kind, target_id, outcome, ip, request_id, detail, mac)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
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
    .bind(row_mac(key, r))
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

/// The key of the chain's HMAC-SM3; it never enters the database.
#[derive(Clone)]
pub struct ChainKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(<redacted>)")
    }
}

pub(crate) fn link(key: &ChainKey, prev: &str, r: &Record) -> String {
    mac_of(
        key,
        [prev.to_string(), r.id.to_string()]
            .into_iter()
            .chain(content(&r.content())),
    )
}

/// A record's own MAC, written with it: its content without the id (which
/// the database assigns), under a label of its own so it can never stand
/// for a link.
pub fn row_mac(key: &ChainKey, r: &NewRecord) -> String {
    mac_of(
        key,
        std::iter::once(ROW_LABEL.to_string()).chain(content(r)),
    )
}

const ROW_LABEL: &str = "scigrant-audit-row";

/// The fields a record is chained and MACed by, in order.
pub(crate) fn content(r: &NewRecord) -> [String; 11] {
    [
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
    ]
}

pub(crate) fn mac_of(key: &ChainKey, parts: impl Iterator<Item = String>) -> String {
    let mut h = <Hmac<Sm3> as KeyInit>::new_from_slice(&key.0).expect("HMAC takes any key length");
    for part in parts {
        h.update(part.as_bytes());
        h.update(&[0x1f]);
    }
    hex::encode(h.finalize().into_bytes())
}

impl Record {
    pub(crate) fn content(&self) -> NewRecord {
        NewRecord {
            at: self.at,
            actor_kind: self.actor_kind.clone(),
            actor_id: self.actor_id,
            actor_label: self.actor_label.clone(),
            action: self.action.clone(),
            target_kind: self.target_kind.clone(),
            target_id: self.target_id,
            outcome: self.outcome.clone(),
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
            detail: self.detail.clone(),
        }
    }

    /// Whether the record is as its writer MACed it: a record after
    /// `mac_from` (the last written before MACs were kept) must carry a
    /// matching one.
    fn as_written(&self, key: &ChainKey, mac_from: i64) -> bool {
        match &self.mac {
            Some(m) => *m == row_mac(key, &self.content()),
            None => self.id <= mac_from,
        }
    }
}

pub(crate) const GENESIS: &str = "scigrant-audit-genesis";

/// The chain's head as last sealed on this node, kept outside the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
    /// Links in the chain when it was written (equal to `seq` while intact).
    pub count: i64,
}

impl Anchor {
    fn to_text(&self) -> String {
        format!(
            "seq={}\nhash={}\ncount={}\n",
            self.seq, self.hash, self.count
        )
    }

    fn parse(text: &str) -> Option<Anchor> {
        let mut seq = None;
        let mut hash = None;
        let mut count = None;
        for line in text.lines() {
            match line.split_once('=') {
                Some(("seq", v)) => seq = v.trim().parse().ok(),
                Some(("hash", v)) => hash = Some(v.trim().to_string()),
                Some(("count", v)) => count = v.trim().parse().ok(),
                _ => {}
            }
        }
        Some(Anchor {
            seq: seq?,
            hash: hash?,
            count: count?,
        })
    }
}

/// Reads the anchor file; `None` when there is none yet.
pub fn read_anchor(path: &Path) -> Result<Option<Anchor>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Anchor::parse(&text)
            .map(Some)
            .ok_or_else(|| crate::StoreError::Key("审计链锚点文件格式不正确".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes the anchor atomically: a new 0600 file beside it, then a rename.
fn write_anchor(path: &Path, a: &Anchor) -> std::io::Result<()> {
    use std::io::Write;
    let mut suffix = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut suffix);
    let tmp = path.with_extension(format!("anchor.{}.tmp", hex::encode(suffix)));
    let written = (|| {
        let mut f = crate::private::new_file().open(&tmp)?;
        f.write_all(a.to_text().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// One writer of anchor files per process (a node's sealer and its
/// auditor's verify may seal at once).
static ANCHOR_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Moves the anchor forward to `head`, only when the chain still holds the
/// anchored link: a chain found shorter or rewritten keeps its old anchor,
/// so new records cannot paper over a truncation before it is verified.
async fn advance_anchor(db: &Db, path: &Path, head: &Anchor) -> Result<()> {
    let old = read_anchor(path)?;
    if let Some(old) = &old {
        if head.seq <= old.seq {
            return Ok(());
        }
        let mut c = db.read().await?;
        let at: Option<String> = sqlx::query("SELECT hash FROM audit_chain WHERE seq = $1")
            .bind(old.seq)
            .fetch_optional(&mut *c)
            .await?
            .map(|r| r.try_get("hash"))
            .transpose()?;
        // An anchored link a retention purge removed is vouched for by the
        // checkpoint (verified under the key by the purge).
        let purged_past = match crate::admin::retention::checkpoint(&mut c).await? {
            Some(cp) if old.seq < cp.before_seq => true,
            Some(cp) if old.seq == cp.before_seq => cp.base_hash == old.hash,
            _ => false,
        };
        if !purged_past && at.as_deref() != Some(old.hash.as_str()) {
            tracing::error!(
                anchor = old.seq,
                "audit chain no longer holds its anchored link"
            );
            return Ok(());
        }
    }
    let _guard = ANCHOR_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    // Another sealer of this process may have written a newer head meanwhile.
    if read_anchor(path)?.is_some_and(|now| now.seq >= head.seq) {
        return Ok(());
    }
    write_anchor(path, head)?;
    Ok(())
}

/// Appends every committed, unsealed record to the chain and moves the
/// anchor file at `anchor` forward; returns how many were sealed.
/// Takes the row lock that serialises sealers and purges across app nodes.
pub(crate) async fn lock_chain(c: &mut AnyConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('audit_seal', '0') ON CONFLICT (key) DO NOTHING",
    )
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE settings SET value = value WHERE key = 'audit_seal'")
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The chain's head: its last link, or the retention checkpoint when every
/// link was purged, or nothing yet.
async fn chain_head(c: &mut AnyConnection) -> Result<Option<(i64, String)>> {
    let head = sqlx::query("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *c)
        .await?;
    Ok(match head {
        Some(r) => Some((r.try_get("seq")?, r.try_get("hash")?)),
        None => crate::admin::retention::checkpoint(c)
            .await?
            .map(|cp| (cp.before_seq, cp.base_hash)),
    })
}

/// Links ever sealed: those in the table and those purged.
async fn links(c: &mut AnyConnection) -> Result<i64> {
    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_chain")
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
    let purged = crate::admin::retention::checkpoint(c)
        .await?
        .map_or(0, |cp| cp.purged);
    Ok(count + purged)
}

pub async fn seal(db: &Db, key: &ChainKey, anchor: &Path) -> Result<u64> {
    let mut tx = db.begin().await?;
    lock_chain(&mut tx).await?;
    let (mut seq, mut prev): (i64, String) = chain_head(&mut tx)
        .await?
        .unwrap_or((0, GENESIS.to_string()));
    let pending: Vec<Record> = sqlx::query_as(
        "SELECT a.* FROM audit_log a LEFT JOIN audit_chain ch ON ch.audit_id = a.id
         WHERE ch.audit_id IS NULL ORDER BY a.id LIMIT 5000",
    )
    .fetch_all(&mut *tx)
    .await?;
    for r in &pending {
        seq += 1;
        prev = link(key, &prev, r);
        sqlx::query("INSERT INTO audit_chain (seq, audit_id, hash) VALUES ($1, $2, $3)")
            .bind(seq)
            .bind(r.id)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
    }
    let count = links(&mut tx).await?;
    tx.commit().await?;
    if seq > 0 {
        let head = Anchor {
            seq,
            hash: prev,
            count,
        };
        advance_anchor(db, anchor, &head).await?;
    }
    Ok(pending.len() as u64)
}

/// Moves this node's anchor to the chain's sealed head without sealing:
/// on a node that does not hold the sealing lease, the anchor still follows
/// what the leader sealed.
pub async fn follow_anchor(db: &Db, anchor: &Path) -> Result<()> {
    let head = {
        let mut c = db.read().await?;
        let count = links(&mut c).await?;
        match chain_head(&mut c).await? {
            Some((seq, hash)) => Anchor { seq, hash, count },
            None => return Ok(()),
        }
    };
    advance_anchor(db, anchor, &head).await
}

/// What a walk of the chain found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// The link at `seq` does not match its record under the key: the
    /// record was edited or the chain recomputed without the key.
    Altered { seq: i64 },
    /// The sealed record at `seq` is gone, or the numbering skips `seq`.
    Missing { seq: i64 },
    /// The chain is shorter than its anchor: rows were deleted, or the
    /// newest cut off.
    Shortened {
        head: i64,
        count: i64,
        anchor_seq: i64,
        anchor_count: i64,
    },
    /// The link at the anchor's sequence number is not the anchored one.
    AnchorMismatch { seq: i64 },
    /// The retention checkpoint (where the chain starts after a purge) does
    /// not verify under the key: it was moved to hide deleted records.
    Checkpoint { seq: i64 },
    /// The record `id` does not match the MAC its writer gave it (or has
    /// none): changed or inserted by hand, sealed or not.
    Forged { id: i64 },
    /// The record of where the plain links of an older release end does
    /// not verify under the key: it was moved to hide a change.
    Upgrade { seq: i64 },
}

/// Result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    /// Links whose records verify, from the first.
    pub sealed: i64,
    /// Empty when the chain is intact and reaches its anchor.
    pub problems: Vec<ChainProblem>,
}

pub async fn verify(
    c: &mut AnyConnection,
    key: &ChainKey,
    anchor: Option<&Anchor>,
) -> Result<ChainCheck> {
    let checkpoint = crate::admin::retention::checkpoint(&mut *c).await?;
    let mac_from = crate::admin::chain_upgrade::mac_from(&mut *c).await?;
    // Links through `plain_through` were made before the key (plain SM3).
    let upgrade = crate::admin::chain_upgrade::upgrade_of(&mut *c).await?;
    let plain_through = upgrade.as_ref().map_or(0, |u| u.through_seq);
    let rows = sqlx::query(
        "SELECT ch.seq AS seq, ch.hash AS chain_hash, a.* FROM audit_chain ch
         LEFT JOIN audit_log a ON a.id = ch.audit_id ORDER BY ch.seq",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut sealed = 0;
    let mut broken = false;
    let mut head = 0;
    let mut at_anchor: Option<String> = None;
    let mut count = rows.len() as i64;
    // After a retention purge the chain goes on from the checkpoint.
    if let Some(cp) = &checkpoint {
        prev = cp.base_hash.clone();
        sealed = cp.before_seq;
        head = cp.before_seq;
        count += cp.purged;
        if anchor.is_some_and(|a| a.seq == cp.before_seq) {
            at_anchor = Some(cp.base_hash.clone());
        }
        if !cp.verifies(key) {
            problems.push(ChainProblem::Checkpoint { seq: cp.before_seq });
            broken = true;
        }
    }
    if let Some(u) = upgrade.as_ref().filter(|u| !u.verifies(key)) {
        problems.push(ChainProblem::Upgrade { seq: u.through_seq });
        broken = true;
    }
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        let stored: String = row.try_get("chain_hash")?;
        head = seq;
        if anchor.is_some_and(|a| a.seq == seq) {
            at_anchor = Some(stored.clone());
        }
        if broken {
            continue;
        }
        let id: Option<i64> = row.try_get("id")?;
        if id.is_none() || seq != sealed + 1 {
            problems.push(ChainProblem::Missing { seq: sealed + 1 });
            broken = true;
            continue;
        }
        let r = Record::from_row(&row)?;
        let expected = if seq <= plain_through {
            crate::admin::chain_upgrade::plain_link(&prev, &r)
        } else {
            link(key, &prev, &r)
        };
        let plain_head_moved =
            seq == plain_through && upgrade.as_ref().is_some_and(|u| u.plain_head != stored);
        if expected != stored || plain_head_moved {
            problems.push(ChainProblem::Altered { seq });
            broken = true;
            continue;
        }
        // Sealed as it was found, but not as it was written: changed (or
        // forged) in the seconds before the sealer chained it.
        if !r.as_written(key, mac_from) {
            problems.push(ChainProblem::Forged { id: r.id });
        }
        sealed = seq;
        prev = stored;
    }
    // The records not sealed yet are checked against their own MACs.
    let pending: Vec<Record> = sqlx::query_as(
        "SELECT a.* FROM audit_log a LEFT JOIN audit_chain ch ON ch.audit_id = a.id
         WHERE ch.audit_id IS NULL ORDER BY a.id",
    )
    .fetch_all(&mut *c)
    .await?;
    problems.extend(
        pending
            .iter()
            .filter(|r| !r.as_written(key, mac_from))
            .map(|r| ChainProblem::Forged { id: r.id }),
    );
    let anchor_purged = |a: &Anchor| checkpoint.as_ref().is_some_and(|cp| a.seq < cp.before_seq);
    if let Some(a) = anchor {
        if head < a.seq || count < a.count {
            problems.push(ChainProblem::Shortened {
                head,
                count,
                anchor_seq: a.seq,
                anchor_count: a.count,
            });
        } else if !anchor_purged(a) && at_anchor.as_deref() != Some(a.hash.as_str()) {
            problems.push(ChainProblem::AnchorMismatch { seq: a.seq });
        }
    }
    Ok(ChainCheck { sealed, problems })
}
