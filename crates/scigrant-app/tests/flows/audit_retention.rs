//! Audit retention (issue 7, finding 14), on SQLite and PostgreSQL:
//! records older than the kept period are purged and the chain still
//! verifies from the purge's checkpoint; a period under 180 days is
//! refused; the triggers refuse deleting a young record even to the
//! database's own SQL; a moved checkpoint is detected.

use scigrant_app::AppError;
use scigrant_app::admin::audit::{ChainProblem, purge_expired, seal_and_verify_audit};
use scigrant_app::testing::{TestEnv, staff_actor};
use scigrant_store::sqlx;

use super::audit_chain::scalar;
use super::new_unit;

const DAY: i64 = 86_400_000;

async fn old_records_are_purged_young_ones_kept(env: TestEnv) {
    let start = env.app.now();
    for n in 60..63 {
        new_unit(&env, n).await;
    }
    let old = scalar(&env, "SELECT COUNT(*) FROM audit_log").await;
    assert!(old >= 3);
    seal_and_verify_audit(&env.app).await.unwrap();
    env.clock.set(start + 200 * DAY);
    for n in 63..65 {
        new_unit(&env, n).await;
    }
    let total = scalar(&env, "SELECT COUNT(*) FROM audit_log").await;
    let auditor = staff_actor(7);

    // Under 180 days is refused, and nothing is removed.
    match purge_expired(&env.app, &auditor, 179).await {
        Err(AppError::Refused(m)) => {
            assert_eq!(m, "审计记录须保留至少180天，不能清理179天以内的记录")
        }
        other => panic!("a 179-day purge: {other:?}"),
    }
    assert_eq!(scalar(&env, "SELECT COUNT(*) FROM audit_log").await, total);

    // 180 days: the first 200-day-old records go, the young ones stay.
    let purged = purge_expired(&env.app, &auditor, 180).await.unwrap();
    assert_eq!(purged.records, old as u64);
    assert_eq!(purged.before_seq, old);
    let cutoff = env.app.now() - 180 * DAY;
    let left_old = scalar(
        &env,
        &format!("SELECT COUNT(*) FROM audit_log WHERE at < {cutoff}"),
    )
    .await;
    assert_eq!(left_old, 0);
    // The young records and the purge's own record remain.
    assert_eq!(
        scalar(&env, "SELECT COUNT(*) FROM audit_log").await,
        total - old + 1
    );
    assert_eq!(
        scalar(
            &env,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.purge'"
        )
        .await,
        1
    );
    let report = seal_and_verify_audit(&env.app).await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.sealed, total + 1);
    // Again: nothing more is old enough.
    assert_eq!(
        purge_expired(&env.app, &auditor, 180)
            .await
            .unwrap()
            .records,
        0
    );
    assert!(seal_and_verify_audit(&env.app).await.unwrap().intact());

    // The triggers still refuse deleting a young record, and any update.
    let young = scalar(&env, "SELECT MAX(id) FROM audit_log").await;
    for sql in [
        format!("DELETE FROM audit_log WHERE id = {young}"),
        format!("DELETE FROM audit_chain WHERE audit_id = {young}"),
        format!("UPDATE audit_log SET detail = 'x' WHERE id = {young}"),
    ] {
        let refused = sqlx::query(&sql).execute(&env.app.db.pool).await;
        assert!(refused.is_err(), "{sql} must be refused");
    }

    // Moving the checkpoint forward (to hide a deleted record) is seen.
    sqlx::query("UPDATE audit_retention SET before_seq = before_seq + 1")
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    let report = seal_and_verify_audit(&env.app).await.unwrap();
    assert_eq!(
        report.problems.first(),
        Some(&ChainProblem::Checkpoint { seq: old + 1 })
    );
    // And a chain that does not verify is never purged.
    env.clock.advance_ms(400 * DAY);
    match purge_expired(&env.app, &auditor, 180).await {
        Err(AppError::Refused(m)) => assert!(m.starts_with("审计链校验未通过"), "{m}"),
        other => panic!("a purge of a broken chain: {other:?}"),
    }
}
both!(old_records_are_purged_young_ones_kept);
