//! The 系统管理员 manages staff accounts and roles; the first administrator
//! is created at first start.

use rand::Rng;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::identity::password::check_password;
use scigrant_domain::ids::StaffId;
use scigrant_store::identity::{accounts, sessions};

use crate::identity::hasher::new_password_hash;
use crate::{Actor, App, AppError, FieldErrors, audit};

#[derive(Clone, Debug, Default)]
pub struct NewStaff {
    pub login: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

/// Creates a staff account that must change its password at first login.
/// Audit `staff.add`.
pub async fn add_staff(app: &App, actor: &Actor, f: &NewStaff) -> Result<StaffId, AppError> {
    let mut e = FieldErrors::new();
    let login = f.login.trim();
    if login.len() < 3
        || login.len() > 32
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        e.add("login", "登录名为3至32位字母、数字、下划线或点");
    } else if is_reserved_login(login) {
        e.add("login", "不得使用 admin 作为登录名");
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
    let hash = new_password_hash(app, &f.password).await?;
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
    Ok(StaffId(id))
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

/// `admin` (in any case) is a predictable name an attacker guesses first;
/// no staff account may be called so.
pub fn is_reserved_login(login: &str) -> bool {
    login.trim().eq_ignore_ascii_case("admin")
}

/// A login name for the first administrator when the configuration names
/// none: `sysadmin_` and six random lowercase letters.
pub fn generated_admin_login() -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let mut out = String::from("sysadmin_");
    for _ in 0..6 {
        out.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
    }
    out
}

/// At first start, when no staff exists, creates the first 系统管理员 with
/// a one-time password to be changed at first login; returns the login
/// name and the password to print. The login name comes from the
/// configuration (`admin_login`), else it is generated; `admin` is refused.
pub async fn bootstrap_admin(app: &App) -> Result<Option<(String, String)>, AppError> {
    let configured = app.config.admin_login.clone();
    bootstrap_admin_as(app, configured.as_deref()).await
}

/// [`bootstrap_admin`] with the login name given (`None`: generated).
pub async fn bootstrap_admin_as(
    app: &App,
    login: Option<&str>,
) -> Result<Option<(String, String)>, AppError> {
    let mut c = app.db.read().await?;
    if accounts::count_staff(&mut c).await? > 0 {
        return Ok(None);
    }
    drop(c);
    let login = match login {
        Some(l) => l.trim().to_string(),
        None => generated_admin_login(),
    };
    let password = one_time_password();
    let f = NewStaff {
        login: login.clone(),
        name: "系统管理员".into(),
        role: StaffRole::SystemAdmin.code().into(),
        password: password.clone(),
    };
    add_staff(app, &Actor::system(), &f).await?;
    Ok(Some((login, password)))
}

/// A staff account as the 系统管理员 sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffView {
    pub id: StaffId,
    pub login: String,
    pub name: String,
    pub role: Option<StaffRole>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
}

impl From<accounts::StaffRow> for StaffView {
    fn from(r: accounts::StaffRow) -> StaffView {
        StaffView {
            id: StaffId(r.id),
            role: StaffRole::from_code(&r.role),
            login: r.login,
            name: r.name,
            must_change_password: r.must_change_password != 0,
            disabled: r.disabled != 0,
            created_at: r.created_at,
        }
    }
}

/// Every staff account, in creation order.
pub async fn list_staff(app: &App) -> Result<Vec<StaffView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = accounts::list_staff(&mut c).await?;
    Ok(rows.into_iter().map(StaffView::from).collect())
}

/// Changes a staff member's role or disables the account (系统管理员);
/// disabling ends the member's sessions. Audit `staff.update`.
pub async fn update_staff(
    app: &App,
    actor: &Actor,
    staff_id: StaffId,
    role: &str,
    disabled: bool,
) -> Result<(), AppError> {
    let role = StaffRole::from_code(role).ok_or_else(|| AppError::field("role", "请选择角色"))?;
    if actor.kind == Some(AccountKind::Staff) && actor.id == Some(staff_id.0) {
        return Err(AppError::Refused(
            "不能修改自己的角色或停用自己的账号".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    if !accounts::update_staff(&mut tx, staff_id.0, role.code(), disabled).await? {
        return Err(AppError::NotFound);
    }
    if disabled {
        sessions::delete_for_account(&mut tx, "staff", staff_id.0).await?;
    }
    let detail = format!("{}{}", role.label(), if disabled { "，已停用" } else { "" });
    audit(
        &mut tx,
        app,
        actor,
        "staff.update",
        ("staff", Some(staff_id.0)),
        "success",
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
