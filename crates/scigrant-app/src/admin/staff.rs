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
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        e.add("name", "请输入姓名（50字以内）");
    }
    let role = StaffRole::from_code(&f.role);
    if role.is_none() {
        e.add("role", "请选择角色");
    }
    if let Err(err) = check_password(&f.password, &[login, name]) {
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

/// Columns of the staff account export, in their stable order.
pub const STAFF_COLUMNS: [(&str, &str); 5] = [
    ("login", "登录名"),
    ("name", "姓名"),
    ("role", "角色"),
    ("status", "状态"),
    ("created", "创建时间"),
];

/// Every staff account as .xlsx in the chosen columns, worded as 后台账号
/// shows them. Audit `staff.export`.
pub async fn export_staff(
    app: &App,
    actor: &Actor,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let staff = list_staff(app).await?;
    let bytes = crate::export::xlsx_of(
        "后台账号",
        &STAFF_COLUMNS,
        columns,
        &staff,
        |s, key| match key {
            "login" => s.login.clone(),
            "name" => s.name.clone(),
            "role" => s.role.map(|r| r.label()).unwrap_or("").to_string(),
            "status" => {
                let state = if s.disabled { "已停用" } else { "正常" };
                let first = if s.must_change_password {
                    "（待改初始密码）"
                } else {
                    ""
                };
                format!("{state}{first}")
            }
            _ => scigrant_domain::calendar::format_datetime(s.created_at),
        },
    )?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "staff.export",
        ("staff", None),
        "success",
        &format!("{}条", staff.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}
