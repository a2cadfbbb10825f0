//! 个人访问令牌: a person, a unit or a staff member creates tokens for the
//! integration API with chosen scopes and a lifetime, sees each once, lists
//! them with their last use, and revokes them. A request carrying a token
//! acts as its account, limited to the token's scopes.

use std::collections::BTreeSet;

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::token::{
    LIFETIME_DAYS, Scope, expiry, join_scopes, split_scopes, usable,
};
use scigrant_store::identity::sessions::hash_token;
use scigrant_store::identity::tokens::{self as store, NewToken, TokenRow};

use crate::identity::auth::{SessionInfo, caller_of, random_token};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// What every token starts with, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "sgp_";

/// A token as its owner's list shows it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Whether it works now (neither expired nor revoked).
    pub usable: bool,
}

fn view(row: TokenRow, now: i64) -> TokenView {
    TokenView {
        usable: usable(now, row.expires_at, row.revoked_at),
        id: row.id,
        scopes: split_scopes(&row.scopes),
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// The token form as typed: a name, the scope codes ticked, the lifetime.
#[derive(Clone, Debug, Default)]
pub struct TokenForm {
    pub name: String,
    pub scopes: Vec<String>,
    pub days: String,
}

/// A token just created: `token` is shown once and never again.
#[derive(Clone, Debug)]
pub struct CreatedToken {
    pub token: String,
    pub view: TokenView,
}

/// The tokens of the signed-in account, newest first.
pub async fn tokens(app: &App, session: &SessionInfo) -> Result<Vec<TokenView>, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    Ok(
        store::of_account(&mut c, session.kind.code(), session.account_id)
            .await?
            .into_iter()
            .map(|r| view(r, now))
            .collect(),
    )
}

/// Creates a token for the signed-in account. Only the SM3 hash of the
/// token is stored. Side effects: audit `token.create` (name, scopes and
/// expiry in the detail, never the token). A scope the account's kind may
/// not grant, an unknown lifetime or an empty name is a field error.
pub async fn create_token(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    form: &TokenForm,
) -> Result<CreatedToken, AppError> {
    if session.caller.must_change_password() {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    errs.require("name", &form.name, "令牌名称", 40);
    let mut chosen = BTreeSet::new();
    for code in &form.scopes {
        match Scope::from_code(code) {
            Some(s) if s.grantable_by(session.kind) => {
                chosen.insert(s);
            }
            _ => errs.add("scopes", "所选权限范围无效"),
        }
    }
    if chosen.is_empty() {
        errs.add("scopes", "请至少选择一项权限范围");
    }
    let now = app.now();
    let expires_at = form
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|d| expiry(now, d));
    if expires_at.is_none() {
        errs.add(
            "days",
            format!(
                "请选择有效期（{}天）",
                LIFETIME_DAYS.map(|d| d.to_string()).join("、")
            ),
        );
    }
    errs.into_result()?;
    let expires_at = expires_at.unwrap_or(now);
    let scopes: Vec<Scope> = chosen.into_iter().collect();
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let stored_scopes = join_scopes(&scopes);
    let name = form.name.trim();
    let mut tx = app.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewToken {
            account_kind: session.kind.code(),
            account_id: session.account_id,
            name,
            prefix: &prefix,
            token_hash: &hash_token(&token),
            scopes: &stored_scopes,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "token.create",
        ("api_token", Some(id)),
        "success",
        &format!("{name} [{stored_scopes}] {prefix}…"),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken {
        view: TokenView {
            id,
            name: name.to_string(),
            prefix,
            scopes,
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
            usable: true,
        },
        token,
    })
}

/// Revokes one of the signed-in account's tokens: the next request
/// carrying it is refused. Side effects: audit `token.revoke`. Another
/// account's token, or one already revoked, is `NotFound`.
pub async fn revoke_token(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    id: i64,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    if !store::revoke(
        &mut tx,
        session.kind.code(),
        session.account_id,
        id,
        app.now(),
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    audit(
        &mut tx,
        app,
        actor,
        "token.revoke",
        ("api_token", Some(id)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The account a request's bearer token acts as.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    pub token_id: i64,
    pub scopes: Vec<Scope>,
    /// The account, as a session would describe it (no CSRF token: a
    /// bearer token is not sent by the browser on its own).
    pub session: SessionInfo,
}

impl TokenGrant {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// The grant of a bearer token, `None` when it is unknown, expired,
/// revoked or its account is gone or disabled. Marks its last use (at
/// most once a minute, like sessions).
pub async fn authenticate_token(app: &App, token: &str) -> Result<Option<TokenGrant>, AppError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
        return Ok(None);
    }
    let now = app.now();
    let hash = hash_token(token);
    let mut c = app.db.read().await?;
    let Some(row) = store::by_hash(&mut c, &hash).await? else {
        return Ok(None);
    };
    if !usable(now, row.expires_at, row.revoked_at) {
        return Ok(None);
    }
    let Some(kind) = AccountKind::from_code(&row.account_kind) else {
        return Ok(None);
    };
    let Some((caller, label)) = caller_of(&mut c, kind, row.account_id).await? else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|at| now - at > 60_000) {
        store::touch(&mut c, row.id, now).await?;
    }
    Ok(Some(TokenGrant {
        token_id: row.id,
        scopes: split_scopes(&row.scopes),
        session: SessionInfo {
            id_hash: String::new(),
            kind,
            account_id: row.account_id,
            csrf: String::new(),
            caller,
            label,
            created_at: row.created_at,
            // An API call renders no header.
            unread_messages: 0,
            // A token acts for its own account only, never for a unit.
            acting: None,
        },
    }))
}
