//! The 系统管理员 manages staff accounts and roles; the first administrator
//! is created at first start.

use rand::Rng;
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::identity::password::check_password;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::ids::StaffId;
use scigrant_domain::mask::mask_phone;
use scigrant_store::identity::activation::{self, NewActivation};
use scigrant_store::identity::{accounts, sessions};
use scigrant_store::pii::SealedColumn;

use crate::identity::hasher::{check_password as verify_hash, new_password_hash};
use crate::notify::queue_sms;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// How long an activation code stays valid unused: 72 hours.
pub const ACTIVATION_TTL_MS: i64 = 72 * 3600 * 1000;
/// Wrong codes tolerated before the code is burnt.
pub const ACTIVATION_MAX_TRIES: i64 = 5;
/// The refusal for a wrong, used, expired or burnt code (one text for all).
pub const ACTIVATION_REFUSED: &str = "登录名或激活码不正确，或激活码已失效";

/// Whether changes to an account of `role` are raised to the auditor:
/// the 审计管理员 and 安全管理员 accounts, which the 系统管理员 could
/// otherwise take over unseen.
pub fn is_privileged(role: StaffRole) -> bool {
    matches!(role, StaffRole::AuditAdmin | StaffRole::SecurityAdmin)
}

/// A staff account to create by invitation: the new member receives a
/// one-time activation code by SMS and chooses the password themselves.
#[derive(Clone, Debug, Default)]
pub struct StaffInvite {
    pub login: String,
    pub name: String,
    pub role: String,
    pub mobile: String,
}

fn activation_code() -> String {
    const DIGITS: &[u8] = b"0123456789";
    // rand's thread RNG is a CSPRNG (ChaCha12, reseeded from the OS).
    let mut rng = rand::rng();
    (0..10)
        .map(|_| DIGITS[rng.random_range(0..DIGITS.len())] as char)
        .collect()
}

fn check_login_name_role(e: &mut FieldErrors, login: &str, name: &str, role: &str) {
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
    if name.is_empty() || name.chars().count() > 50 {
        e.add("name", "请输入姓名（50字以内）");
    }
    if StaffRole::from_code(role).is_none() {
        e.add("role", "请选择角色");
    }
}

/// Creates a staff account with no usable password and sends a one-time
/// activation code (valid 72 hours) to the new member's mobile through the
/// outbox, which the 系统管理员 cannot read. The creator never sees or
/// chooses the password. Audit `staff.invite`, and `staff.privileged` for
/// a 审计管理员 or 安全管理员 account.
pub async fn invite_staff(app: &App, actor: &Actor, f: &StaffInvite) -> Result<StaffId, AppError> {
    let mut e = FieldErrors::new();
    let login = f.login.trim();
    let name = f.name.trim();
    check_login_name_role(&mut e, login, name, &f.role);
    let phone = match Phone::parse(&f.mobile) {
        Ok(p) => Some(p),
        Err(err) => {
            e.add("mobile", err.to_string());
            None
        }
    };
    e.into_result()?;
    let role = StaffRole::from_code(&f.role).ok_or(AppError::Forbidden)?;
    let phone = phone.ok_or(AppError::Forbidden)?;
    // The password hash is of 32 random bytes nobody keeps: no password
    // signs in until the member activates the account.
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    let unusable = new_password_hash(app, &hex::encode(secret)).await?;
    let code = activation_code();
    let code_hash = new_password_hash(app, &code).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = match accounts::insert_staff(&mut tx, login, name, role.code(), &unusable, false, now)
        .await
    {
        Ok(id) => id,
        Err(err) if scigrant_store::is_unique_violation(&err, "staff", "login") => {
            return Err(AppError::field("login", "该登录名已存在"));
        }
        Err(err) => return Err(err.into()),
    };
    let masked = mask_phone(phone.as_str());
    activation::insert(
        &mut tx,
        &NewActivation {
            staff_id: id,
            mobile_enc: &app.pii.seal_at(
                SealedColumn::STAFF_ACTIVATION_MOBILE.row(id),
                phone.as_str(),
            ),
            mobile_masked: &masked,
            code_hash: &code_hash,
            expires_at: now + ACTIVATION_TTL_MS,
            now,
        },
    )
    .await?;
    queue_sms(
        &mut tx,
        app,
        phone.as_str(),
        &format!(
            "您的后台账号 {login}（{}）已创建。激活码：{code}，72小时内有效。请访问 {}/staff/activate 设置密码后登录。请勿告诉他人，包括创建账号的管理员。",
            role.label(),
            app.config.public_url
        ),
    )
    .await?;
    let detail = format!("{login} {}，激活码已发送至 {masked}", role.label());
    audit(
        &mut tx,
        app,
        actor,
        "staff.invite",
        ("staff", Some(id)),
        "success",
        &detail,
    )
    .await?;
    if is_privileged(role) {
        let what = format!("新增{}账号 {login}", role.label());
        raise_to_auditor(&mut tx, app, actor, id, &what).await?;
    }
    tx.commit().await?;
    Ok(StaffId(id))
}

/// What the new member types at `/staff/activate`.
#[derive(Clone, Debug, Default)]
pub struct Activation {
    pub login: String,
    pub code: String,
    pub password: String,
    pub confirm: String,
}

/// The new member activates their account with the code sent to their
/// mobile and chooses the password. The code works once, within 72 hours,
/// and is burnt after five wrong tries (each try is reserved before the
/// code is checked). Audit `staff.activate`.
pub async fn activate_staff(app: &App, from: &Actor, f: &Activation) -> Result<StaffId, AppError> {
    let login = f.login.trim();
    let mut e = FieldErrors::new();
    if let Err(err) = check_password(&f.password, &[login]) {
        e.add("password", err.to_string());
    } else if f.password != f.confirm {
        e.add("confirm", "两次输入的密码不一致");
    }
    e.into_result()?;
    let refused = || AppError::Refused(ACTIVATION_REFUSED.into());
    let mut c = app.db.read().await?;
    let staff = accounts::staff_by_login(&mut c, login).await?;
    let pending = match &staff {
        Some(s) => activation::get(&mut c, s.id).await?,
        None => None,
    };
    let (Some(staff), Some(pending)) = (staff, pending) else {
        drop(c);
        crate::identity::hasher::check_against_dummy(app, &f.code).await?;
        return Err(refused());
    };
    drop(c);
    let mut tx = app.db.begin().await?;
    let open = activation::take_try(&mut tx, staff.id, ACTIVATION_MAX_TRIES, app.now()).await?;
    tx.commit().await?;
    if !open {
        crate::identity::hasher::check_against_dummy(app, &f.code).await?;
        return Err(refused());
    }
    if !verify_hash(app, f.code.trim(), &pending.code_hash).await? {
        return Err(refused());
    }
    let hash = new_password_hash(app, &f.password).await?;
    let mut tx = app.db.begin().await?;
    if !activation::mark_used(&mut tx, staff.id, app.now()).await? {
        return Err(refused());
    }
    accounts::set_staff_password(&mut tx, staff.id, &hash, false).await?;
    let actor = Actor {
        kind: Some(AccountKind::Staff),
        id: Some(staff.id),
        label: staff.login.clone(),
        ..from.clone()
    };
    audit(
        &mut tx,
        app,
        &actor,
        "staff.activate",
        ("staff", Some(staff.id)),
        "success",
        &format!("{login} 已激活"),
    )
    .await?;
    tx.commit().await?;
    Ok(StaffId(staff.id))
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
    if is_privileged(role) {
        let what = format!("新增{}账号 {login}", role.label());
        raise_to_auditor(&mut tx, app, actor, id, &what).await?;
    }
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
/// Nodes starting together on an empty database: the one that takes the
/// `bootstrap.admin` lease creates the administrator, the others see none
/// to create.
pub async fn bootstrap_admin(app: &App) -> Result<Option<(String, String)>, AppError> {
    let configured = app.config.admin_login.clone();
    let ttl = std::time::Duration::from_secs(60);
    crate::jobs::run_if_leader(app, "bootstrap.admin", ttl, || {
        bootstrap_admin_as(app, configured.as_deref())
    })
    .await
    .map(Option::flatten)
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
    /// Not yet activated by its member: `Some(true)` while the code is
    /// valid, `Some(false)` once it expired unused.
    pub activation_open: Option<bool>,
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
            activation_open: None,
        }
    }
}

/// Every staff account, in creation order.
pub async fn list_staff(app: &App) -> Result<Vec<StaffView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = accounts::list_staff(&mut c).await?;
    let unused = activation::unused(&mut c).await?;
    let now = app.now();
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut v = StaffView::from(r);
            v.activation_open = unused
                .iter()
                .find(|(id, _)| *id == v.id.0)
                .map(|(_, expires)| *expires > now);
            v
        })
        .collect())
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
    let before = accounts::staff(&mut tx, staff_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
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
    let old_role = StaffRole::from_code(&before.role);
    let changed = old_role != Some(role) || (before.disabled != 0) != disabled;
    if changed && (old_role.is_some_and(is_privileged) || is_privileged(role)) {
        let old_label = old_role.map(|r| r.label()).unwrap_or("未知角色");
        let what = format!("{} 由{old_label}改为{detail}", before.login);
        raise_to_auditor(&mut tx, app, actor, staff_id.0, &what).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A change to a 审计管理员 or 安全管理员 account, recorded as
/// `staff.privileged` so the auditor's home page raises it.
async fn raise_to_auditor(
    c: &mut scigrant_store::AnyConnection,
    app: &App,
    actor: &Actor,
    staff_id: i64,
    what: &str,
) -> Result<(), AppError> {
    audit(
        c,
        app,
        actor,
        "staff.privileged",
        ("staff", Some(staff_id)),
        "success",
        what,
    )
    .await
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
