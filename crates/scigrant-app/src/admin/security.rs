//! The separated administrators' work (三员): the 系统管理员 manages staff
//! accounts and roles, the 安全管理员 sets security parameters, unlocks
//! accounts and ends sessions (在线用户), the 审计管理员 reads 操作日志 and
//! 登录日志. Also the first administrator created at first start.

use rand::Rng;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::identity::password::check_password;
use scigrant_store::admin::audit::{Filter, Record};
use scigrant_store::admin::{audit as audit_store, settings};
use scigrant_store::identity::login_guard::LockedAccount;
use scigrant_store::identity::sessions::SessionRow;
use scigrant_store::identity::{accounts, login_guard, sessions};

use crate::identity::auth::new_password_hash;
use crate::{Actor, App, AppError, FieldErrors, Page, audit};

/// Security parameters, with the defaults of the issue (5 failures in 15
/// minutes lock for 30 minutes; sessions idle 30 minutes, at most 12 hours).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityParams {
    pub max_failures: i64,
    pub failure_window_minutes: i64,
    pub lock_minutes: i64,
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Default for SecurityParams {
    fn default() -> Self {
        SecurityParams {
            max_failures: 5,
            failure_window_minutes: 15,
            lock_minutes: 30,
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl SecurityParams {
    pub fn failure_window_ms(&self) -> i64 {
        self.failure_window_minutes * 60_000
    }
    pub fn lock_ms(&self) -> i64 {
        self.lock_minutes * 60_000
    }
    pub fn idle_ms(&self) -> i64 {
        self.idle_minutes * 60_000
    }
    pub fn absolute_ms(&self) -> i64 {
        self.absolute_hours * 3_600_000
    }

    const KEYS: [&'static str; 5] = [
        "security.max_failures",
        "security.failure_window_minutes",
        "security.lock_minutes",
        "security.idle_minutes",
        "security.absolute_hours",
    ];

    fn values(&self) -> [i64; 5] {
        [
            self.max_failures,
            self.failure_window_minutes,
            self.lock_minutes,
            self.idle_minutes,
            self.absolute_hours,
        ]
    }

    /// Bounds an operator may choose within (等保 asks for lockout and
    /// timeouts; these keep them meaningful).
    fn check(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        let bounds: [(&str, i64, i64, i64); 5] = [
            ("max_failures", self.max_failures, 3, 10),
            (
                "failure_window_minutes",
                self.failure_window_minutes,
                5,
                1440,
            ),
            ("lock_minutes", self.lock_minutes, 5, 1440),
            ("idle_minutes", self.idle_minutes, 5, 120),
            ("absolute_hours", self.absolute_hours, 1, 24),
        ];
        for (field, v, lo, hi) in bounds {
            if v < lo || v > hi {
                e.add(field, format!("取值范围为{lo}至{hi}"));
            }
        }
        e
    }
}

/// The parameters in force, re-read at most every 5 seconds per node (a
/// change by the 安全管理员 reaches every node within that time).
#[derive(Debug, Default)]
pub struct ParamsCache(std::sync::RwLock<Option<(i64, SecurityParams)>>);

const PARAMS_TTL_MS: i64 = 5_000;

pub async fn params(app: &App) -> Result<SecurityParams, AppError> {
    let now = app.now();
    if let Ok(guard) = app.cache.params.0.read()
        && let Some((at, p)) = *guard
        && now >= at
        && now - at < PARAMS_TTL_MS
    {
        return Ok(p);
    }
    let p = read_params(app).await?;
    if let Ok(mut guard) = app.cache.params.0.write() {
        *guard = Some((now, p));
    }
    Ok(p)
}

async fn read_params(app: &App) -> Result<SecurityParams, AppError> {
    let mut c = app.db.read().await?;
    let mut p = SecurityParams::default();
    let mut vals = p.values();
    for (i, key) in SecurityParams::KEYS.iter().enumerate() {
        if let Some(v) = settings::get(&mut c, key).await?
            && let Ok(n) = v.parse()
        {
            vals[i] = n;
        }
    }
    p.max_failures = vals[0];
    p.failure_window_minutes = vals[1];
    p.lock_minutes = vals[2];
    p.idle_minutes = vals[3];
    p.absolute_hours = vals[4];
    Ok(p)
}

/// Sets the security parameters (安全管理员). Audit `security.params`.
pub async fn set_params(app: &App, actor: &Actor, p: SecurityParams) -> Result<(), AppError> {
    p.check().into_result()?;
    let mut tx = app.db.begin().await?;
    for (key, v) in SecurityParams::KEYS.iter().zip(p.values()) {
        settings::set(&mut tx, key, &v.to_string()).await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "security.params",
        ("settings", None),
        "success",
        &format!("{p:?}"),
    )
    .await?;
    tx.commit().await?;
    // This node applies the change at once; others within the cache's TTL.
    if let Ok(mut guard) = app.cache.params.0.write() {
        *guard = None;
    }
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct NewStaff {
    pub login: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

/// Creates a staff account that must change its password at first login.
/// Audit `staff.add`.
pub async fn add_staff(app: &App, actor: &Actor, f: &NewStaff) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let login = f.login.trim();
    if login.len() < 3
        || login.len() > 32
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        e.add("login", "登录名为3至32位字母、数字、下划线或点");
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        e.add("name", "请输入姓名（50字以内）");
    }
    let role = StaffRole::from_code(&f.role);
    if role.is_none() {
        e.add("role", "请选择角色");
    }
    if let Err(err) = check_password(&f.password, &[login]) {
        e.add("password", err.to_string());
    }
    e.into_result()?;
    let role = role.ok_or(AppError::Forbidden)?;
    let hash = new_password_hash(app, &f.password);
    let mut tx = app.db.begin().await?;
    let id = match accounts::insert_staff(&mut tx, login, name, role.code(), &hash, true, app.now())
        .await
    {
        Ok(id) => id,
        Err(err) if scigrant_store::is_unique_violation(&err, "staff", "login") => {
            return Err(AppError::field("login", "该登录名已存在"));
        }
        Err(err) => return Err(err.into()),
    };
    audit(
        &mut tx,
        app,
        actor,
        "staff.add",
        ("staff", Some(id)),
        "success",
        &format!("{login} {}", role.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Generates a one-time password that satisfies the policy.
pub fn one_time_password() -> String {
    const SETS: [&str; 4] = [
        "ABCDEFGHJKMNPQRSTUVWXYZ",
        "abcdefghjkmnpqrstuvwxyz",
        "23456789",
        "#%+-=@",
    ];
    let mut rng = rand::rng();
    let mut out = String::new();
    for i in 0..16 {
        let set = SETS[i % 4].as_bytes();
        out.push(set[rng.random_range(0..set.len())] as char);
    }
    out
}

/// At first start, when no staff exists, creates `admin` (系统管理员) with
/// a one-time password to be changed at first login; returns it to print.
pub async fn bootstrap_admin(app: &App) -> Result<Option<(String, String)>, AppError> {
    let mut c = app.db.read().await?;
    if accounts::count_staff(&mut c).await? > 0 {
        return Ok(None);
    }
    drop(c);
    let password = one_time_password();
    let f = NewStaff {
        login: "admin".into(),
        name: "系统管理员".into(),
        role: StaffRole::SystemAdmin.code().into(),
        password: password.clone(),
    };
    add_staff(app, &Actor::system(), &f).await?;
    Ok(Some(("admin".into(), password)))
}

pub async fn list_staff(app: &App) -> Result<Vec<accounts::StaffRow>, AppError> {
    let mut c = app.db.read().await?;
    Ok(accounts::list_staff(&mut c).await?)
}

/// Changes a staff member's role or disables the account (系统管理员);
/// disabling ends the member's sessions. Audit `staff.update`.
pub async fn update_staff(
    app: &App,
    actor: &Actor,
    staff_id: i64,
    role: &str,
    disabled: bool,
) -> Result<(), AppError> {
    let role = StaffRole::from_code(role).ok_or_else(|| AppError::field("role", "请选择角色"))?;
    if actor.kind == Some(AccountKind::Staff) && actor.id == Some(staff_id) {
        return Err(AppError::Refused(
            "不能修改自己的角色或停用自己的账号".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    if !accounts::update_staff(&mut tx, staff_id, role.code(), disabled).await? {
        return Err(AppError::NotFound);
    }
    if disabled {
        sessions::delete_for_account(&mut tx, "staff", staff_id).await?;
    }
    let detail = format!("{}{}", role.label(), if disabled { "，已停用" } else { "" });
    audit(
        &mut tx,
        app,
        actor,
        "staff.update",
        ("staff", Some(staff_id)),
        "success",
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 在线用户: live sessions, newest activity first.
pub async fn online(app: &App) -> Result<Vec<SessionRow>, AppError> {
    let p = params(app).await?;
    let now = app.now();
    let mut c = app.db.read().await?;
    Ok(sessions::active(&mut c, now - p.idle_ms(), now - p.absolute_ms()).await?)
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

pub async fn locked_accounts(app: &App) -> Result<Vec<LockedAccount>, AppError> {
    let mut c = app.db.read().await?;
    Ok(login_guard::locked_accounts(&mut c, app.now()).await?)
}

/// Unlocks an account locked by failed logins (安全管理员). Audit `account.unlock`.
pub async fn unlock(app: &App, actor: &Actor, kind: &str, id: i64) -> Result<(), AppError> {
    let kind = AccountKind::from_code(kind).ok_or(AppError::NotFound)?;
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

/// 操作日志 / 登录日志 search (审计管理员).
pub async fn search_audit(app: &App, filter: &Filter, page: i64) -> Result<Page<Record>, AppError> {
    let per_page = 50;
    let mut c = app.db.read().await?;
    let (rows, total) = audit_store::search(
        &mut c,
        filter,
        per_page,
        Page::<Record>::offset(page, per_page),
    )
    .await?;
    Ok(Page {
        rows,
        total,
        page: page.max(1),
        per_page,
    })
}

/// Seals new audit records into the SM3 chain and verifies it.
pub async fn seal_and_verify_audit(app: &App) -> Result<audit_store::ChainCheck, AppError> {
    audit_store::seal(&app.db).await?;
    let mut c = app.db.read().await?;
    Ok(audit_store::verify(&mut c).await?)
}
