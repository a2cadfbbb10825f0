//! 单位用户管理 (附件6): a unit takes in an existing account as its user
//! (添加用户) and lets one go (删除).

use sqlx::AnyConnection;

use crate::Result;

/// Binds person `person_id` to `unit_id`, approved and unlocked, when the
/// account was never bound to a unit or its membership was rejected;
/// false otherwise.
pub async fn adopt(c: &mut AnyConnection, person_id: i64, unit_id: i64, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE persons SET unit_id = $1, membership = 'approved', membership_reason = NULL,
             member_locked = 0, updated_at = $2
         WHERE id = $3 AND (unit_id IS NULL OR membership = 'rejected')",
    )
    .bind(unit_id)
    .bind(now)
    .bind(person_id)
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Unbinds person `person_id` from `unit_id` (no unit, no membership);
/// false when the person is not the unit's.
pub async fn release(
    c: &mut AnyConnection,
    person_id: i64,
    unit_id: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE persons SET unit_id = NULL, membership = 'none', membership_reason = NULL,
             member_locked = 0, updated_at = $1
         WHERE id = $2 AND unit_id = $3",
    )
    .bind(now)
    .bind(person_id)
    .bind(unit_id)
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}
