//! Attacks on the audit chain (issue 7, finding 5), each run on SQLite and
//! on PostgreSQL. The attacker has the database's own rights: they drop the
//! append-only triggers, change `audit_log` and `audit_chain` with raw SQL
//! and recompute the chain the old way (plain SM3, no key). The keyed chain
//! and the anchor file outside the database must show each change.

use scigrant_app::admin::audit::{ChainProblem, ChainReport, anchor_path, seal_and_verify_audit};
use scigrant_app::testing::TestEnv;
use scigrant_store::Backend;
use scigrant_store::admin::audit::{Anchor, Record, read_anchor};
use scigrant_store::sqlx;
use sm3::{Digest, Sm3};

use super::new_unit;

async fn exec(env: &TestEnv, sql: &str) {
    sqlx::query(sql).execute(&env.app.db.pool).await.unwrap();
}

pub(super) async fn scalar(env: &TestEnv, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_one(&env.app.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// Some records, sealed and verified intact; returns how many.
async fn sealed_records(env: &TestEnv) -> i64 {
    for n in 50..54 {
        new_unit(env, n).await;
    }
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    let n = scalar(env, "SELECT COUNT(*) FROM audit_log").await;
    assert!(n >= 4);
    assert_eq!(
        check,
        ChainReport {
            sealed: n,
            problems: vec![]
        }
    );
    n
}

/// What someone with the database's rights can do: remove the triggers.
async fn drop_triggers(env: &TestEnv) {
    let statements: &[&str] = match env.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP TRIGGER audit_chain_no_update",
            "DROP TRIGGER audit_chain_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER audit_log_no_update ON audit_log",
            "DROP TRIGGER audit_log_no_delete ON audit_log",
            "DROP TRIGGER audit_chain_no_update ON audit_chain",
            "DROP TRIGGER audit_chain_no_delete ON audit_chain",
        ],
    };
    for s in statements {
        exec(env, s).await;
    }
}

/// The chain's link as it was computed before the key: plain SM3.
fn plain_link(prev: &str, r: &Record) -> String {
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

/// Renumbers the chain from 1 over the records left, recomputing every
/// link with plain SM3 from the genesis value.
async fn rewrite_plain_chain(env: &TestEnv) {
    exec(env, "DELETE FROM audit_chain").await;
    let rows: Vec<Record> = sqlx::query_as("SELECT * FROM audit_log ORDER BY id")
        .fetch_all(&env.app.db.pool)
        .await
        .unwrap();
    let mut prev = "scigrant-audit-genesis".to_string();
    for (i, r) in rows.iter().enumerate() {
        prev = plain_link(&prev, r);
        sqlx::query("INSERT INTO audit_chain (seq, audit_id, hash) VALUES ($1, $2, $3)")
            .bind(i as i64 + 1)
            .bind(r.id)
            .bind(&prev)
            .execute(&env.app.db.pool)
            .await
            .unwrap();
    }
}

async fn audit_id_at(env: &TestEnv, seq: i64) -> i64 {
    scalar(
        env,
        &format!("SELECT audit_id FROM audit_chain WHERE seq = {seq}"),
    )
    .await
}

fn anchor(env: &TestEnv) -> Anchor {
    read_anchor(&anchor_path(&env.app)).unwrap().unwrap()
}

async fn audit_chain_intact_is_anchored_outside_the_database(env: TestEnv) {
    let n = sealed_records(&env).await;
    let head: String = {
        use sqlx::Row;
        sqlx::query("SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1")
            .fetch_one(&env.app.db.pool)
            .await
            .unwrap()
            .try_get("hash")
            .unwrap()
    };
    assert_eq!(
        anchor(&env),
        Anchor {
            seq: n,
            hash: head,
            count: n
        }
    );
    let path = anchor_path(&env.app);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Written by rename: no temporary file is left beside it.
    let dir = path.parent().unwrap();
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("audit."))
        .collect();
    assert_eq!(left, vec!["audit.anchor".to_string()]);
    // Later records move the anchor forward and still verify.
    new_unit(&env, 60).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    let m = scalar(&env, "SELECT COUNT(*) FROM audit_log").await;
    assert!(m > n);
    assert_eq!(check.problems, vec![]);
    assert_eq!(check.sealed, m);
    assert_eq!((anchor(&env).seq, anchor(&env).count), (m, m));
}
both!(audit_chain_intact_is_anchored_outside_the_database);

async fn audit_chain_detects_an_edited_row(env: TestEnv) {
    let n = sealed_records(&env).await;
    drop_triggers(&env).await;
    let id = audit_id_at(&env, 2).await;
    exec(
        &env,
        &format!("UPDATE audit_log SET outcome = 'ok', detail = '已篡改' WHERE id = {id}"),
    )
    .await;
    // Edited alone: the keyed link of the row no longer matches.
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: 1,
            problems: vec![ChainProblem::Altered { seq: 2 }]
        }
    );
    // The chain recomputed the old way (plain SM3) no longer passes either.
    rewrite_plain_chain(&env).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: 0,
            problems: vec![
                ChainProblem::Altered { seq: 1 },
                ChainProblem::AnchorMismatch { seq: n }
            ]
        }
    );
}
both!(audit_chain_detects_an_edited_row);

async fn audit_chain_detects_a_deleted_row(env: TestEnv) {
    let n = sealed_records(&env).await;
    drop_triggers(&env).await;
    // Deleted with its link, the numbering left with a gap.
    let id = audit_id_at(&env, 3).await;
    exec(&env, "DELETE FROM audit_chain WHERE seq = 3").await;
    exec(&env, &format!("DELETE FROM audit_log WHERE id = {id}")).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: 2,
            problems: vec![
                ChainProblem::Missing { seq: 3 },
                ChainProblem::Shortened {
                    head: n,
                    count: n - 1,
                    anchor_seq: n,
                    anchor_count: n
                }
            ]
        }
    );
    // Renumbered and recomputed the old way: still shorter than the anchor.
    rewrite_plain_chain(&env).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: 0,
            problems: vec![
                ChainProblem::Altered { seq: 1 },
                ChainProblem::Shortened {
                    head: n - 1,
                    count: n - 1,
                    anchor_seq: n,
                    anchor_count: n
                }
            ]
        }
    );
}
both!(audit_chain_detects_a_deleted_row);

async fn audit_chain_detects_cut_off_newest_rows(env: TestEnv) {
    let n = sealed_records(&env).await;
    drop_triggers(&env).await;
    let ids = [audit_id_at(&env, n).await, audit_id_at(&env, n - 1).await];
    exec(
        &env,
        &format!("DELETE FROM audit_chain WHERE seq >= {}", n - 1),
    )
    .await;
    for id in ids {
        exec(&env, &format!("DELETE FROM audit_log WHERE id = {id}")).await;
    }
    // What is left is a valid chain; only the anchor knows it was longer.
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: n - 2,
            problems: vec![ChainProblem::Shortened {
                head: n - 2,
                count: n - 2,
                anchor_seq: n,
                anchor_count: n
            }]
        }
    );
    // New records sealed over the cut do not move the anchor past it.
    for k in 70..73 {
        new_unit(&env, k).await;
    }
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    let m = scalar(&env, "SELECT COUNT(*) FROM audit_chain").await;
    assert!(m > n);
    assert_eq!(check.sealed, m);
    assert_eq!(
        check.problems,
        vec![ChainProblem::AnchorMismatch { seq: n }]
    );
    assert_eq!(anchor(&env).seq, n);
}
both!(audit_chain_detects_cut_off_newest_rows);

/// Rows written in the seconds before the sealer chains them: each carries
/// its writer's MAC, so one edited or inserted by hand before sealing is
/// named by the check even though the sealer then chained it as found.
async fn audit_chain_detects_rows_changed_before_sealing(env: TestEnv) {
    let n = sealed_records(&env).await;
    for k in 80..82 {
        new_unit(&env, k).await;
    }
    let edited = scalar(&env, "SELECT MAX(id) FROM audit_log").await;
    assert!(edited > n, "written, not sealed yet");
    drop_triggers(&env).await;
    exec(
        &env,
        &format!("UPDATE audit_log SET detail = '已篡改' WHERE id = {edited}"),
    )
    .await;
    // A record the product never wrote, with a made-up MAC and with none.
    for mac in ["'00ff'", "NULL"] {
        exec(
            &env,
            &format!(
                "INSERT INTO audit_log (at, actor_kind, actor_id, actor_label, action, target_kind, target_id, outcome, ip, request_id, detail, mac)
                 VALUES (1, 'staff', 1, 'admin', 'staff.add', 'staff', 9, 'success', '127.0.0.1', 'forged', '伪造', {mac})"
            ),
        )
        .await;
    }
    let forged: Vec<i64> = {
        use sqlx::Row;
        sqlx::query("SELECT id FROM audit_log WHERE request_id = 'forged' ORDER BY id")
            .fetch_all(&env.app.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("id").unwrap())
            .collect()
    };
    // Found while still unsealed …
    let key = env.app.pii.audit_chain_key();
    let mut c = env.app.db.read().await.unwrap();
    let before = scigrant_store::admin::audit::verify(&mut c, &key, None)
        .await
        .unwrap();
    drop(c);
    let expected = vec![
        ChainProblem::Forged { id: edited },
        ChainProblem::Forged { id: forged[0] },
        ChainProblem::Forged { id: forged[1] },
    ];
    assert_eq!(before.problems, expected);
    assert_eq!(before.sealed, n);
    // … and after the sealer chained them as it found them.
    let total = scalar(&env, "SELECT COUNT(*) FROM audit_log").await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: total,
            problems: expected
        }
    );
}
both!(audit_chain_detects_rows_changed_before_sealing);

/// Records written before records carried a MAC (up to `audit_mac_from`,
/// set by the migration) verify without one; a record after it does not.
async fn audit_records_from_before_the_row_mac_still_verify(env: TestEnv) {
    sealed_records(&env).await;
    drop_triggers(&env).await;
    // As the migration finds an older database: no MACs, the last id kept.
    let last = scalar(&env, "SELECT MAX(id) FROM audit_log").await;
    exec(&env, "UPDATE audit_log SET mac = NULL").await;
    exec(
        &env,
        &format!("UPDATE settings SET value = '{last}' WHERE key = 'audit_mac_from'"),
    )
    .await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(check.problems, vec![]);
    new_unit(&env, 90).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(check.problems, vec![]);
    let newest = scalar(&env, "SELECT MAX(id) FROM audit_log").await;
    exec(
        &env,
        &format!("UPDATE audit_log SET mac = NULL WHERE id = {newest}"),
    )
    .await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(check.problems, vec![ChainProblem::Forged { id: newest }]);
}
both!(audit_records_from_before_the_row_mac_still_verify);

/// A chain an older release sealed with plain SM3, with keyed links after
/// it, is taken over once by `upgrade_chain`; afterwards it verifies, and
/// an edit among the old links, the plain chain recomputed, is still found.
async fn audit_chain_sealed_before_the_key_is_taken_over_once(env: TestEnv) {
    use scigrant_app::admin::audit::{Upgraded, seal, upgrade_chain};
    // As the older release left it: records, plain links, no anchor.
    for k in 100..103 {
        new_unit(&env, k).await;
    }
    drop_triggers(&env).await;
    rewrite_plain_chain(&env).await;
    let plain = scalar(&env, "SELECT COUNT(*) FROM audit_chain").await;
    std::fs::remove_file(anchor_path(&env.app)).ok();
    // The keyed release seals on: keyed links after the plain ones.
    new_unit(&env, 103).await;
    seal(&env.app).await.unwrap();
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(check.problems, vec![ChainProblem::Altered { seq: 1 }]);

    let system = scigrant_app::Actor::system();
    assert_eq!(
        upgrade_chain(&env.app, &system).await.unwrap(),
        Upgraded::Done { through_seq: plain }
    );
    assert_eq!(
        upgrade_chain(&env.app, &system).await.unwrap(),
        Upgraded::NotNeeded
    );
    assert_eq!(super::audit_count_of(&env, "audit.chain_upgrade").await, 1);
    let total = scalar(&env, "SELECT COUNT(*) FROM audit_log").await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check,
        ChainReport {
            sealed: total,
            problems: vec![]
        }
    );

    // An old record edited and the plain chain recomputed over everything.
    let id = audit_id_at(&env, 2).await;
    exec(
        &env,
        &format!("UPDATE audit_log SET detail = '已篡改' WHERE id = {id}"),
    )
    .await;
    rewrite_plain_chain(&env).await;
    let check = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        check.problems,
        vec![
            ChainProblem::Forged { id },
            ChainProblem::Altered { seq: plain },
            ChainProblem::AnchorMismatch { seq: total }
        ]
    );
}
both!(audit_chain_sealed_before_the_key_is_taken_over_once);

/// A keyed chain rewritten the old way is evidence: it is not taken over.
async fn audit_chain_rewritten_plain_is_not_taken_over(env: TestEnv) {
    use scigrant_app::admin::audit::{Upgraded, upgrade_chain};
    let n = sealed_records(&env).await;
    drop_triggers(&env).await;
    let id = audit_id_at(&env, 2).await;
    exec(
        &env,
        &format!("UPDATE audit_log SET detail = '已篡改' WHERE id = {id}"),
    )
    .await;
    rewrite_plain_chain(&env).await;
    assert_eq!(
        upgrade_chain(&env.app, &scigrant_app::Actor::system())
            .await
            .unwrap(),
        Upgraded::Refused { seq: n }
    );
    assert_eq!(super::audit_count_of(&env, "audit.chain_upgrade").await, 0);
}
both!(audit_chain_rewritten_plain_is_not_taken_over);
