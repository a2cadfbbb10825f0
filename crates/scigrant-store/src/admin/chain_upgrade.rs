//! What releases before the keyed chain left (issue 7, finding 5): records
//! without their own MAC (ids up to the setting `audit_mac_from`), and a
//! chain sealed with plain SM3, taken over here once. Releases
//! before the keyed chain linked records with plain SM3; a database they
//! sealed holds plain links first and, once a keyed release sealed on it,
//! keyed links after them. `scigrant audit upgrade-chain` checks the plain
//! links from the genesis, the keyed ones after them and this node's
//! anchor, then records once where the plain links end and their head hash,
//! with an HMAC-SM3 under the chain key. Verification then checks the plain
//! links as plain and the head against that record, so an edit among them
//! that recomputes the plain chain changes the head and is found.

use sm3::{Digest, Sm3};
use sqlx::{AnyConnection, FromRow, Row};

use crate::admin::audit::{Anchor, ChainKey, GENESIS, Record, content, link, lock_chain, mac_of};
use crate::{Db, Result};

/// Where the plain links end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upgrade {
    pub through_seq: i64,
    pub plain_head: String,
    pub upgraded_at: i64,
    pub mac: String,
}

impl Upgrade {
    fn expected_mac(&self, key: &ChainKey) -> String {
        mac_of(
            key,
            [
                "scigrant-audit-upgrade".to_string(),
                self.through_seq.to_string(),
                self.plain_head.clone(),
            ]
            .into_iter(),
        )
    }

    /// Whether the record was written by someone holding the key.
    pub fn verifies(&self, key: &ChainKey) -> bool {
        self.mac == self.expected_mac(key)
    }
}

/// A link as releases before the key made it: SM3(prev ‖ id ‖ record).
pub(crate) fn plain_link(prev: &str, r: &Record) -> String {
    let mut h = Sm3::new();
    for part in [prev.to_string(), r.id.to_string()]
        .into_iter()
        .chain(content(&r.content()))
    {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

pub async fn upgrade_of(c: &mut AnyConnection) -> Result<Option<Upgrade>> {
    let row = sqlx::query(
        "SELECT through_seq, plain_head, upgraded_at, mac FROM audit_chain_upgrade WHERE id = 1",
    )
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        Ok(Upgrade {
            through_seq: r.try_get("through_seq")?,
            plain_head: r.try_get("plain_head")?,
            upgraded_at: r.try_get("upgraded_at")?,
            mac: r.try_get("mac")?,
        })
    })
    .transpose()
}

/// What `upgrade` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upgraded {
    /// Links 1 to `through_seq` are plain and now vouched for.
    Done { through_seq: i64 },
    /// Nothing to take over: the chain is keyed from its start, is empty,
    /// or was taken over before.
    NotNeeded,
    /// The chain does not verify either way at `seq`, or no longer holds
    /// this node's anchored link: it is evidence, not taken over.
    Refused { seq: i64 },
}

/// Takes over a chain whose first links are plain SM3; see the module.
pub async fn upgrade(
    db: &Db,
    key: &ChainKey,
    anchor: Option<&Anchor>,
    now: i64,
) -> Result<Upgraded> {
    let mut tx = db.begin().await?;
    lock_chain(&mut tx).await?;
    if upgrade_of(&mut tx).await?.is_some()
        || crate::admin::retention::checkpoint(&mut tx)
            .await?
            .is_some()
    {
        return Ok(Upgraded::NotNeeded);
    }
    let rows = sqlx::query(
        "SELECT ch.seq AS seq, ch.hash AS chain_hash, a.* FROM audit_chain ch
         LEFT JOIN audit_log a ON a.id = ch.audit_id ORDER BY ch.seq",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut prev = GENESIS.to_string();
    let mut through = 0;
    let mut plain = true;
    for (i, row) in rows.iter().enumerate() {
        let seq: i64 = row.try_get("seq")?;
        let stored: String = row.try_get("chain_hash")?;
        let id: Option<i64> = row.try_get("id")?;
        if id.is_none() || seq != i as i64 + 1 {
            return Ok(Upgraded::Refused { seq: i as i64 + 1 });
        }
        let r = Record::from_row(row)?;
        if plain && plain_link(&prev, &r) == stored {
            through = seq;
        } else if link(key, &prev, &r) == stored {
            plain = false;
        } else {
            return Ok(Upgraded::Refused { seq });
        }
        if anchor.is_some_and(|a| a.seq == seq && a.hash != stored) {
            return Ok(Upgraded::Refused { seq });
        }
        prev = stored;
    }
    if anchor.is_some_and(|a| a.seq > rows.len() as i64) {
        return Ok(Upgraded::Refused {
            seq: rows.len() as i64 + 1,
        });
    }
    if through == 0 {
        return Ok(Upgraded::NotNeeded);
    }
    let plain_head: String = rows[through as usize - 1].try_get("chain_hash")?;
    let mut u = Upgrade {
        through_seq: through,
        plain_head,
        upgraded_at: now,
        mac: String::new(),
    };
    u.mac = u.expected_mac(key);
    sqlx::query(
        "INSERT INTO audit_chain_upgrade (id, through_seq, plain_head, upgraded_at, mac)
         VALUES (1, $1, $2, $3, $4)",
    )
    .bind(u.through_seq)
    .bind(&u.plain_head)
    .bind(u.upgraded_at)
    .bind(&u.mac)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Upgraded::Done {
        through_seq: through,
    })
}

/// The last record written before records carried their own MAC (set by
/// the migration that added it); a missing setting trusts none.
pub(crate) async fn mac_from(c: &mut AnyConnection) -> Result<i64> {
    let v: Option<String> = sqlx::query("SELECT value FROM settings WHERE key = 'audit_mac_from'")
        .fetch_optional(c)
        .await?
        .map(|r| r.try_get("value"))
        .transpose()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}
