//! 完善个人信息 (a person chooses 所在单位 and completes the profile) and
//! 单位从属用户管理 (the unit approves, rejects, locks its members). A unit
//! only ever sees and decides on persons who chose that very unit.

use scigrant_domain::identity::account::{AccountKind, Membership, UnitState};
use scigrant_domain::identity::decision::{DecisionOutcome, DecisionStage, NO_VERDICT};
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::id_number::DocumentType;
use scigrant_domain::identity::region;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_domain::mask::{mask_id, mask_phone};
use scigrant_domain::permission::{unit_manages_member, unit_may_decide_member};
use scigrant_store::identity::accounts::{self, MemberFilter, PersonRow, Profile};
use scigrant_store::identity::sessions;

use crate::dictionary::profile_choices_on;
use crate::identity::register::{Uploaded, discard, parse_region, record_file};
use crate::record::{AccountDecision, AuditEvent, record_decision};
use crate::{Actor, App, AppError, FieldErrors, Page, audit};

/// A row of the 选择单位 list.
#[derive(Clone, Debug)]
pub struct UnitChoice {
    pub id: UnitId,
    pub name: String,
    pub registered_at: i64,
    pub org_code_last4: String,
}

/// 选择单位: units that passed 初审, searched by name or by exact 统一社会信用代码.
pub async fn search_units(app: &App, term: &str, page: i64) -> Result<Page<UnitChoice>, AppError> {
    let per_page = 20;
    let open: Vec<&str> = UnitState::ALL
        .into_iter()
        .filter(|s| s.accepts_members())
        .map(|s| s.code())
        .collect();
    let mut c = app.db.read().await?;
    let (rows, total) = match Uscc::parse(term) {
        Ok(u) => {
            let found = accounts::unit_by_uscc(&mut c, u.as_str())
                .await?
                .filter(|r| open.contains(&r.state.as_str()));
            let n = i64::from(found.is_some());
            (found.into_iter().collect(), n)
        }
        Err(_) => {
            accounts::list_units(
                &mut c,
                &open,
                term.trim(),
                per_page,
                Page::<UnitChoice>::offset(page, per_page),
            )
            .await?
        }
    };
    let rows = rows
        .into_iter()
        .map(|u| UnitChoice {
            id: UnitId(u.id),
            registered_at: u.created_at,
            org_code_last4: Uscc::parse(&u.uscc)
                .map(|x| x.org_code_last4().to_string())
                .unwrap_or_default(),
            name: u.name,
        })
        .collect();
    Ok(Page::new(rows, total, page, per_page))
}

/// The 完善个人信息 form, as typed.
#[derive(Clone, Debug, Default)]
pub struct ProfileForm {
    pub unit_id: String,
    pub region_code: String,
    pub department: String,
    pub email: String,
    pub education: String,
    pub degree: String,
    pub title: String,
}

/// A person's own profile, for the form and the user centre (ID and phone
/// masked: the owner sees them masked too, as on the seed's screens).
#[derive(Clone, Debug)]
pub struct PersonView {
    pub id: PersonId,
    pub name: String,
    pub gender: String,
    pub doc_type: Option<DocumentType>,
    pub doc_no_masked: String,
    pub phone_masked: String,
    pub email: String,
    pub region_code: i64,
    pub region_label: String,
    pub unit_id: Option<UnitId>,
    pub unit_name: Option<String>,
    pub department: String,
    pub education: String,
    pub degree: String,
    pub title: String,
    pub id_proof_file_id: Option<i64>,
    pub title_proof_file_id: Option<i64>,
    pub membership: Membership,
    pub membership_reason: Option<String>,
    pub locked: bool,
}

async fn person_view(
    app: &App,
    p: PersonRow,
    c: &mut scigrant_store::AnyConnection,
) -> Result<PersonView, AppError> {
    let unit_name = match p.unit_id {
        Some(uid) => accounts::unit(c, uid).await?.map(|u| u.name),
        None => None,
    };
    let doc_no = p.doc_no(&app.pii)?;
    let phone = p.phone(&app.pii)?;
    Ok(PersonView {
        id: PersonId(p.id),
        gender: p.gender,
        doc_type: DocumentType::from_code(&p.doc_type),
        doc_no_masked: mask_id(&doc_no),
        phone_masked: mask_phone(&phone),
        email: p.email,
        region_code: p.region_code,
        region_label: region::display(p.region_code as u32).unwrap_or_default(),
        unit_id: p.unit_id.map(UnitId),
        unit_name,
        department: p.department.unwrap_or_default(),
        education: p.education.unwrap_or_default(),
        degree: p.degree.unwrap_or_default(),
        title: p.title.unwrap_or_default(),
        id_proof_file_id: p.id_proof_file_id,
        title_proof_file_id: p.title_proof_file_id,
        membership: Membership::from_code(&p.membership).unwrap_or(Membership::None),
        membership_reason: p.membership_reason,
        locked: p.member_locked != 0,
        name: p.name,
    })
}

pub async fn person(app: &App, person_id: PersonId) -> Result<PersonView, AppError> {
    let mut c = app.db.read().await?;
    let p = accounts::person(&mut c, person_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    person_view(app, p, &mut c).await
}

/// 完善个人信息 / 修改单位: saves the profile and asks the chosen unit to
/// approve. Side effects: proof files recorded, membership 待审核 (a new
/// unit starts over), decision `membership/requested`, audit
/// `member.request`. On refusal the uploads are deleted.
pub async fn save_profile(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    f: &ProfileForm,
    id_proof: Option<&Uploaded>,
    title_proof: Option<&Uploaded>,
) -> Result<(), AppError> {
    let result = save_profile_inner(app, actor, person_id, f, id_proof, title_proof).await;
    if result.is_err() {
        discard(app, &[id_proof, title_proof]).await;
    }
    result
}

async fn save_profile_inner(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    f: &ProfileForm,
    id_proof: Option<&Uploaded>,
    title_proof: Option<&Uploaded>,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    let mut c = app.db.read().await?;
    let p = accounts::person(&mut c, person_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = match f.unit_id.trim().parse::<i64>() {
        Ok(id) => accounts::unit(&mut c, id).await?,
        Err(_) => None,
    };
    let choices = profile_choices_on(&mut c).await?;
    drop(c);
    let unit = unit.filter(|u| UnitState::from_code(&u.state).is_some_and(|s| s.accepts_members()));
    if unit.is_none() {
        e.add(
            "unit_id",
            "请选择所在单位；如未找到本单位，请联系单位进行注册及完善信息",
        );
    }
    let region_code = parse_region(&mut e, "region_code", &f.region_code);
    e.require("department", &f.department, "所在部门", 50);
    let email = Email::parse(&f.email)
        .map_err(|m| e.add("email", m.to_string()))
        .ok();
    // An enabled entry, or the one the profile holds (kept when re-saved
    // unchanged, even if retired since).
    for (field, value, dict, kept, label) in [
        (
            "education",
            &f.education,
            &choices.education,
            &p.education,
            "个人学历",
        ),
        ("degree", &f.degree, &choices.degree, &p.degree, "最高学位"),
        ("title", &f.title, &choices.title, &p.title, "个人职称"),
    ] {
        if !dict.accepts(value, kept.as_deref()) {
            e.add(field, format!("请选择{label}"));
        }
    }
    if id_proof.is_none() && p.id_proof_file_id.is_none() {
        e.add(
            "id_proof",
            "请以PDF的形式上传身份证证明片（正反面合为一页，不超过2MB）",
        );
    }
    if title_proof.is_none() && p.title_proof_file_id.is_none() {
        e.add("title_proof", "请以PDF的形式上传职称证明（不超过10MB）");
    }
    let (Some(unit), Some(email)) = (unit, email) else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let now = app.now();
    let owner = (AccountKind::Person, person_id.0);
    let mut tx = app.db.begin().await?;
    let id_proof_id = match id_proof {
        Some(u) => record_file(&mut tx, app, owner, "id_proof", u).await?,
        None => p.id_proof_file_id.ok_or(AppError::NotFound)?,
    };
    let title_proof_id = match title_proof {
        Some(u) => record_file(&mut tx, app, owner, "title_proof", u).await?,
        None => p.title_proof_file_id.ok_or(AppError::NotFound)?,
    };
    let profile = Profile {
        unit_id: unit.id,
        region_code,
        department: f.department.trim(),
        education: &f.education,
        degree: &f.degree,
        title: &f.title,
        email: email.as_str(),
        id_proof_file_id: id_proof_id,
        title_proof_file_id: title_proof_id,
    };
    accounts::save_profile(
        &mut tx,
        person_id.0,
        &profile,
        Membership::Pending.code(),
        now,
    )
    .await?;
    record_decision(
        &mut tx,
        app,
        actor,
        AccountDecision {
            subject: (AccountKind::Person, person_id.0),
            stage: DecisionStage::Membership,
            outcome: DecisionOutcome::Requested,
            reason: Some(&unit.name),
            by: &actor.label,
        },
        AuditEvent {
            action: "member.request",
            target: ("unit", Some(unit.id)),
            outcome: "success",
            detail: &format!("{} 申请加入 {}", p.name, unit.name),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A row of 单位从属用户管理: 姓名, 身份证号, 手机号 (masked), 所在单位,
/// 所在部门, 状态, 锁定, 审核状态.
#[derive(Clone, Debug)]
pub struct MemberRow {
    pub person_id: PersonId,
    pub name: String,
    pub doc_no_masked: String,
    pub phone_masked: String,
    pub unit_name: String,
    pub department: String,
    pub locked: bool,
    pub membership: Membership,
    pub reason: Option<String>,
    pub id_proof_file_id: Option<i64>,
    pub title_proof_file_id: Option<i64>,
    pub education: String,
    pub degree: String,
    pub title: String,
}

/// The search of 单位从属用户管理, built by [`member_filter`].
#[derive(Clone, Debug, Default)]
pub struct MemberSearch(MemberFilter);

/// Turns the search box into filters. The text matches names only, never
/// an ID or phone number: the unit sees those masked, and an exact-number
/// match would let it confirm a guessed full number one request at a time
/// (issue 7, finding 4). The masked numbers stay on screen to tell rows apart.
pub fn member_filter(term: &str, membership: &str, locked: &str) -> MemberSearch {
    MemberSearch(MemberFilter {
        name: term.trim().to_string(),
        membership: Membership::from_code(membership).map(|m| m.code().to_string()),
        locked: match locked {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
    })
}

pub async fn list_members(
    app: &App,
    unit_id: UnitId,
    filter: &MemberSearch,
    page: i64,
    per_page: i64,
) -> Result<Page<MemberRow>, AppError> {
    let mut c = app.db.read().await?;
    let unit = accounts::unit(&mut c, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let (rows, total) = accounts::list_members(
        &mut c,
        unit_id.0,
        &filter.0,
        per_page,
        Page::<MemberRow>::offset(page, per_page),
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(|p| member_row(app, &unit.name, p))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Page::new(rows, total, page, per_page))
}

fn member_row(app: &App, unit_name: &str, p: PersonRow) -> Result<MemberRow, AppError> {
    Ok(MemberRow {
        person_id: PersonId(p.id),
        doc_no_masked: mask_id(&p.doc_no(&app.pii)?),
        phone_masked: mask_phone(&p.phone(&app.pii)?),
        unit_name: unit_name.to_string(),
        department: p.department.unwrap_or_default(),
        locked: p.member_locked != 0,
        membership: Membership::from_code(&p.membership).unwrap_or(Membership::None),
        reason: p.membership_reason,
        id_proof_file_id: p.id_proof_file_id,
        title_proof_file_id: p.title_proof_file_id,
        education: p.education.unwrap_or_default(),
        degree: p.degree.unwrap_or_default(),
        title: p.title.unwrap_or_default(),
        name: p.name,
    })
}

/// One member of the unit as 单位从属用户管理 shows it (学历, 学位 and 职称
/// by their dictionary labels); a person who never chose this unit is
/// `NotFound`.
pub async fn member(
    app: &App,
    unit_id: UnitId,
    person_id: PersonId,
) -> Result<MemberRow, AppError> {
    let mut c = app.db.read().await?;
    let unit = accounts::unit(&mut c, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = accounts::person(&mut c, person_id.0)
        .await?
        .filter(|p| p.unit_id == Some(unit_id.0) && p.membership != Membership::None.code())
        .ok_or(AppError::NotFound)?;
    let choices = profile_choices_on(&mut c).await?;
    let mut row = member_row(app, &unit.name, p)?;
    // The labels of the codes held, retired entries included.
    row.education = choices.education.label_of(&row.education).to_string();
    row.degree = choices.degree.label_of(&row.degree).to_string();
    row.title = choices.title.label_of(&row.title).to_string();
    Ok(row)
}

/// The unit's decision on a member: 通过 or 不通过 with a reason. Side
/// effects: membership updated, decision history, SMS to the person,
/// audit `member.approve|reject`. Another unit's person is `NotFound`, and
/// only then is a missing verdict (`None`: neither 通过 nor 不通过 was
/// posted) refused, so the refusal tells nothing about other units.
pub async fn decide_member(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    person_id: PersonId,
    approve: Option<bool>,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    let mut tx = app.db.begin().await?;
    let p = accounts::person(&mut tx, person_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if !unit_manages_member(unit_id.0, p.unit_id) {
        return Err(AppError::NotFound);
    }
    let approve = approve.ok_or_else(|| AppError::Refused(NO_VERDICT.into()))?;
    if !approve && reason.is_empty() {
        return Err(AppError::field("reason", "请填写不通过的原因"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::field("reason", "原因不能超过200个字"));
    }
    let m = Membership::from_code(&p.membership).unwrap_or(Membership::None);
    if !unit_may_decide_member(m) {
        return Err(AppError::Refused("该用户尚未提交信息".into()));
    }
    let (next, action) = if approve {
        (Membership::Approved, "member.approve")
    } else {
        (Membership::Rejected, "member.reject")
    };
    let now = app.now();
    let reason_opt = if approve { None } else { Some(reason) };
    accounts::decide_membership(
        &mut tx,
        person_id.0,
        unit_id.0,
        next.code(),
        reason_opt,
        now,
    )
    .await?;
    record_decision(
        &mut tx,
        app,
        actor,
        AccountDecision {
            subject: (AccountKind::Person, person_id.0),
            stage: DecisionStage::Membership,
            outcome: DecisionOutcome::of_verdict(approve),
            reason: reason_opt,
            by: &actor.label,
        },
        AuditEvent {
            action,
            target: ("person", Some(person_id.0)),
            outcome: "success",
            detail: reason,
        },
    )
    .await?;
    // A delegate decides in the unit's name: the person hears the unit's.
    let unit_name = actor
        .on_behalf
        .as_ref()
        .map_or(actor.label.as_str(), |on| on.unit_name.as_str());
    let body = if approve {
        format!("您加入“{unit_name}”的申请已通过审核。")
    } else {
        format!("您加入“{unit_name}”的申请未通过审核，原因：{reason}。")
    };
    let phone = p.phone(&app.pii)?;
    crate::notify::notify_account(
        &mut tx,
        app,
        &crate::notify::Recipient {
            kind: scigrant_domain::identity::account::AccountKind::Person,
            id: p.id,
            phone: &phone,
            email: None,
        },
        "加入单位审核结果",
        &body,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 锁定 / 解锁 a member; locking ends the member's sessions. Audit
/// `member.lock|unlock`.
pub async fn lock_member(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    person_id: PersonId,
    locked: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    if !accounts::set_member_locked(&mut tx, person_id.0, unit_id.0, locked, app.now()).await? {
        return Err(AppError::NotFound);
    }
    if locked {
        sessions::delete_for_account(&mut tx, "person", person_id.0).await?;
    }
    let action = if locked {
        "member.lock"
    } else {
        "member.unlock"
    };
    audit(
        &mut tx,
        app,
        actor,
        action,
        ("person", Some(person_id.0)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The member list as an .xlsx file, masked as on screen. Audit `member.export`.
pub async fn export_members(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    filter: &MemberSearch,
) -> Result<Vec<u8>, AppError> {
    let page = list_members(app, unit_id, filter, 1, 100_000).await?;
    let rows: Vec<Vec<String>> = page
        .rows
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.doc_no_masked.clone(),
                m.phone_masked.clone(),
                m.unit_name.clone(),
                m.department.clone(),
                "正常".to_string(),
                if m.locked { "锁定" } else { "未锁定" }.to_string(),
                m.membership.label().to_string(),
            ]
        })
        .collect();
    let bytes = crate::export::xlsx(
        "单位从属用户",
        &[
            "姓名",
            "身份证号",
            "手机号",
            "所在单位",
            "所在部门",
            "状态",
            "锁定",
            "审核状态",
        ],
        &rows,
    )?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "member.export",
        ("unit", Some(unit_id.0)),
        "success",
        &format!("{}条", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// Whether a member may use the project platform: approved and not locked.
pub fn member_active(v: &PersonView) -> bool {
    v.membership == Membership::Approved && !v.locked
}

/// The person registered with this mobile number, if any (staff tools).
pub async fn person_by_phone(app: &App, phone: &str) -> Result<Option<i64>, AppError> {
    let Ok(p) = scigrant_domain::identity::phone::Phone::parse(phone) else {
        return Ok(None);
    };
    let mut c = app.db.read().await?;
    let idx = app.pii.index("phone", p.as_str());
    Ok(accounts::person_by_phone_idx(&mut c, &idx)
        .await?
        .map(|r| r.id))
}
