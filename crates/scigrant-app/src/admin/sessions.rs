//! The 安全管理员's view of access: 在线用户 with forced logout, and the
//! accounts locked by failed logins with unlock.

use scigrant_domain::identity::account::AccountKind;
use scigrant_store::identity::{login_guard, sessions};

use crate::identity::names::{AccountName, account_name};
use crate::params::params;
use crate::{Actor, App, AppError, audit};

/// One live session in 在线用户.
#[derive(Clone, Debug)]
pub struct OnlineSession {
    /// The session's handle for forced logout (a hash, never the token).
    pub id_hash: String,
    pub account: Option<AccountKind>,
    pub account_id: i64,
    /// The account's name and login, when it still exists.
    pub name: Option<AccountName>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// 在线用户: live sessions, newest activity first.
pub async fn online(app: &App) -> Result<Vec<OnlineSession>, AppError> {
    let p = params(app).await?;
    let now = app.now();
    let mut c = app.db.read().await?;
    let rows = sessions::active(&mut c, now - p.idle_ms(), now - p.absolute_ms()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let account = AccountKind::from_code(&s.account_kind);
        let name = match account {
            Some(kind) => account_name(&mut c, app, kind, s.account_id).await?,
            None => None,
        };
        out.push(OnlineSession {
            account,
            name,
            id_hash: s.id_hash,
            account_id: s.account_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            ip: s.ip,
            user_agent: s.user_agent,
        });
    }
    Ok(out)
}

/// Forced logout of one session (安全管理员). Audit `session.end`.
pub async fn end_session(app: &App, actor: &Actor, id_hash: &str) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let s = sessions::get(&mut tx, id_hash)
        .await?
        .ok_or(AppError::NotFound)?;
    sessions::delete(&mut tx, id_hash).await?;
    audit(
        &mut tx,
        app,
        actor,
        "session.end",
        (&s.account_kind, Some(s.account_id)),
        "success",
        "强制下线",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An account locked by failed logins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedAccount {
    pub account: AccountKind,
    pub account_id: i64,
    pub name: Option<AccountName>,
    pub failures: i64,
    pub locked_until: i64,
}

/// The accounts locked now.
pub async fn locked_accounts(app: &App) -> Result<Vec<LockedAccount>, AppError> {
    let mut c = app.db.read().await?;
    let rows = login_guard::locked_accounts(&mut c, app.now()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for l in rows {
        let Some(account) = AccountKind::from_code(&l.account_kind) else {
            continue;
        };
        out.push(LockedAccount {
            account,
            name: account_name(&mut c, app, account, l.account_id).await?,
            account_id: l.account_id,
            failures: l.failures,
            locked_until: l.locked_until,
        });
    }
    Ok(out)
}

/// Unlocks an account locked by failed logins (安全管理员). Audit `account.unlock`.
pub async fn unlock(app: &App, actor: &Actor, kind: AccountKind, id: i64) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    login_guard::clear(&mut tx, kind.code(), id).await?;
    audit(
        &mut tx,
        app,
        actor,
        "account.unlock",
        (kind.code(), Some(id)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
