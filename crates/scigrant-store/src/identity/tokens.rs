//! Personal access tokens of the integration API: only the SM3 hash of a
//! token is stored (as with session ids), with its owner, scopes, expiry,
//! last use and revocation.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub account_kind: String,
    pub account_id: i64,
    pub name: String,
    pub prefix: String,
    pub token_hash: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A token to store; its id comes back.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub account_kind: &'a str,
    pub account_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert(c: &mut AnyConnection, t: &NewToken<'_>) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO api_tokens (account_kind, account_id, name, prefix, token_hash, scopes, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(t.account_kind)
    .bind(t.account_id)
    .bind(t.name)
    .bind(t.prefix)
    .bind(t.token_hash)
    .bind(t.scopes)
    .bind(t.created_at)
    .bind(t.expires_at)
    .fetch_one(c)
    .await?;
    Ok(id)
}

pub async fn by_hash(c: &mut AnyConnection, token_hash: &str) -> Result<Option<TokenRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(c)
            .await?,
    )
}

/// An account's tokens, newest first.
pub async fn of_account(c: &mut AnyConnection, kind: &str, id: i64) -> Result<Vec<TokenRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM api_tokens WHERE account_kind = $1 AND account_id = $2 ORDER BY id DESC",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(c)
    .await?)
}

/// Revokes the account's token `id` unless already revoked; whether a row changed.
pub async fn revoke(
    c: &mut AnyConnection,
    kind: &str,
    account_id: i64,
    id: i64,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1
         WHERE id = $2 AND account_kind = $3 AND account_id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(kind)
    .bind(account_id)
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

pub async fn touch(c: &mut AnyConnection, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}
