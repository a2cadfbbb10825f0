//! Units, persons and staff accounts: the rows, their lookups by login
//! name (统一社会信用代码, 联系人手机, 证件号码, 手机号码, staff login) and
//! the state changes the use cases make. ID and phone numbers arrive
//! plain with their blind index and are sealed here for the row they are
//! written to (see `pii`).

use scigrant_domain::identity::account::Membership;
use sqlx::{AnyConnection, Row};

use crate::pii::{PiiCipher, SealedColumn};
use crate::{Result, like_pattern};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub legal_rep: String,
    pub reg_place: String,
    pub uscc: String,
    pub password_hash: String,
    pub contact_name: String,
    pub contact_phone_enc: Vec<u8>,
    pub contact_phone_idx: String,
    pub cert_file_id: Option<i64>,
    pub org_cert_file_id: Option<i64>,
    pub state: String,
    pub reject_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// 1 after an approved appeal set a one-time password.
    pub must_change_password: i64,
}

impl UnitRow {
    /// The 联系人手机号码, opened for this row only.
    pub fn contact_phone(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(
            SealedColumn::UNIT_CONTACT_PHONE.row(self.id),
            &self.contact_phone_enc,
        )
    }
}

/// The registration fields of a unit, as inserted or corrected.
pub struct UnitFields<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub legal_rep: &'a str,
    pub reg_place: &'a str,
    pub uscc: &'a str,
    pub contact_name: &'a str,
    /// Sealed for the row when written.
    pub contact_phone: &'a str,
    pub contact_phone_idx: &'a str,
    pub cert_file_id: Option<i64>,
}

pub async fn insert_unit(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    f: &UnitFields<'_>,
    password_hash: &str,
    state: &str,
    now: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO units (kind, name, legal_rep, reg_place, uscc, password_hash, contact_name,
            contact_phone_enc, contact_phone_idx, cert_file_id, state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(f.kind)
    .bind(f.name)
    .bind(f.legal_rep)
    .bind(f.reg_place)
    .bind(f.uscc)
    .bind(password_hash)
    .bind(f.contact_name)
    .bind(Vec::<u8>::new())
    .bind(f.contact_phone_idx)
    .bind(f.cert_file_id)
    .bind(state)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let id = row.try_get("id")?;
    let at = SealedColumn::UNIT_CONTACT_PHONE.row(id);
    crate::sealed::write(c, pii, at, f.contact_phone).await?;
    Ok(id)
}

/// Corrects a rejected registration and moves it from `from` to `to`;
/// the USCC stays (it is the identity). False when the state moved meanwhile.
pub async fn correct_unit(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    id: i64,
    f: &UnitFields<'_>,
    from: &str,
    to: &str,
    now: i64,
) -> std::result::Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE units SET kind = $1, name = $2, legal_rep = $3, reg_place = $4, contact_name = $5,
            contact_phone_enc = $6, contact_phone_idx = $7, cert_file_id = $8, state = $9,
            reject_reason = NULL, updated_at = $10
         WHERE id = $11 AND state = $12",
    )
    .bind(f.kind)
    .bind(f.name)
    .bind(f.legal_rep)
    .bind(f.reg_place)
    .bind(f.contact_name)
    .bind(pii.seal_at(SealedColumn::UNIT_CONTACT_PHONE.row(id), f.contact_phone))
    .bind(f.contact_phone_idx)
    .bind(f.cert_file_id)
    .bind(to)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_unit_cert(c: &mut AnyConnection, id: i64, file_id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE units SET cert_file_id = $1, updated_at = $2 WHERE id = $3")
        .bind(file_id)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn unit(c: &mut AnyConnection, id: i64) -> Result<Option<UnitRow>> {
    Ok(sqlx::query_as("SELECT * FROM units WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn unit_by_uscc(c: &mut AnyConnection, uscc: &str) -> Result<Option<UnitRow>> {
    Ok(sqlx::query_as("SELECT * FROM units WHERE uscc = $1")
        .bind(uscc)
        .fetch_optional(c)
        .await?)
}

pub async fn unit_by_phone_idx(c: &mut AnyConnection, idx: &str) -> Result<Option<UnitRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM units WHERE contact_phone_idx = $1")
            .bind(idx)
            .fetch_optional(c)
            .await?,
    )
}

/// Moves a unit from `from` to `to` only if it is still in `from`, so two
/// reviewers deciding at once cannot both succeed.
pub async fn move_unit(
    c: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE units SET state = $1, reject_reason = $2, updated_at = $3 WHERE id = $4 AND state = $5",
    )
    .bind(to)
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_unit_org_cert(
    c: &mut AnyConnection,
    id: i64,
    file_id: i64,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE units SET org_cert_file_id = $1, updated_at = $2 WHERE id = $3")
        .bind(file_id)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Units in `states` whose name contains `term`, newest first.
pub async fn list_units(
    c: &mut AnyConnection,
    states: &[&str],
    term: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UnitRow>, i64)> {
    // The state list is short and made of our own codes: a fixed IN list
    // keeps one query text for both backends.
    let mut placeholders = Vec::new();
    for i in 0..states.len() {
        placeholders.push(format!("${}", i + 2));
    }
    let in_list = if placeholders.is_empty() {
        "state = state".to_string()
    } else {
        format!("state IN ({})", placeholders.join(", "))
    };
    let where_sql = format!("WHERE name LIKE $1 ESCAPE '\\' AND {in_list}");
    let n = states.len();
    let sql = format!(
        "SELECT * FROM units {where_sql} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    );
    let pattern = like_pattern(term);
    let mut q = sqlx::query_as::<_, UnitRow>(&sql).bind(&pattern);
    for s in states {
        q = q.bind(*s);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *c).await?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM units {where_sql}");
    let mut q = sqlx::query(&count_sql).bind(&pattern);
    for s in states {
        q = q.bind(*s);
    }
    let total: i64 = q.fetch_one(c).await?.try_get("n")?;
    Ok((rows, total))
}

/// Sets a unit's password chosen by its holder (the one-time flag goes).
pub async fn set_unit_password(c: &mut AnyConnection, id: i64, hash: &str) -> Result<()> {
    sqlx::query("UPDATE units SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub doc_type: String,
    pub doc_no_enc: Vec<u8>,
    pub doc_no_idx: String,
    pub name: String,
    pub email: String,
    pub region_code: i64,
    pub gender: String,
    pub password_hash: String,
    pub phone_enc: Vec<u8>,
    pub phone_idx: String,
    pub unit_id: Option<i64>,
    pub department: Option<String>,
    pub education: Option<String>,
    pub degree: Option<String>,
    pub title: Option<String>,
    pub id_proof_file_id: Option<i64>,
    pub title_proof_file_id: Option<i64>,
    pub membership: String,
    pub membership_reason: Option<String>,
    pub member_locked: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// 1 after an approved appeal set a one-time password.
    pub must_change_password: i64,
}

impl PersonRow {
    /// The 手机号码, opened for this row only.
    pub fn phone(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(SealedColumn::PERSON_PHONE.row(self.id), &self.phone_enc)
    }

    /// The 证件号码, opened for this row only.
    pub fn doc_no(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(SealedColumn::PERSON_DOC_NO.row(self.id), &self.doc_no_enc)
    }
}

pub struct NewPerson<'a> {
    pub doc_type: &'a str,
    /// Sealed for the row on insert, as `phone`.
    pub doc_no: &'a str,
    pub doc_no_idx: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub region_code: i64,
    pub gender: &'a str,
    pub phone: &'a str,
    pub phone_idx: &'a str,
}

pub async fn insert_person(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    p: &NewPerson<'_>,
    password_hash: &str,
    membership: &str,
    now: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO persons (doc_type, doc_no_enc, doc_no_idx, name, email, region_code, gender,
            password_hash, phone_enc, phone_idx, membership, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(p.doc_type)
    .bind(Vec::<u8>::new())
    .bind(p.doc_no_idx)
    .bind(p.name)
    .bind(p.email)
    .bind(p.region_code)
    .bind(p.gender)
    .bind(password_hash)
    .bind(Vec::<u8>::new())
    .bind(p.phone_idx)
    .bind(membership)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let id = row.try_get("id")?;
    crate::sealed::write(c, pii, SealedColumn::PERSON_DOC_NO.row(id), p.doc_no).await?;
    crate::sealed::write(c, pii, SealedColumn::PERSON_PHONE.row(id), p.phone).await?;
    Ok(id)
}

pub async fn person(c: &mut AnyConnection, id: i64) -> Result<Option<PersonRow>> {
    Ok(sqlx::query_as("SELECT * FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn person_by_doc_idx(c: &mut AnyConnection, idx: &str) -> Result<Option<PersonRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM persons WHERE doc_no_idx = $1")
            .bind(idx)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn person_by_phone_idx(c: &mut AnyConnection, idx: &str) -> Result<Option<PersonRow>> {
    Ok(sqlx::query_as("SELECT * FROM persons WHERE phone_idx = $1")
        .bind(idx)
        .fetch_optional(c)
        .await?)
}

/// 完善个人信息: the profile, and the request to join `unit_id`.
pub struct Profile<'a> {
    pub unit_id: i64,
    pub region_code: i64,
    pub department: &'a str,
    pub education: &'a str,
    pub degree: &'a str,
    pub title: &'a str,
    pub email: &'a str,
    pub id_proof_file_id: i64,
    pub title_proof_file_id: i64,
}

pub async fn save_profile(
    c: &mut AnyConnection,
    person_id: i64,
    p: &Profile<'_>,
    membership: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE persons SET unit_id = $1, region_code = $2, department = $3, education = $4,
            degree = $5, title = $6, email = $7, id_proof_file_id = $8, title_proof_file_id = $9,
            membership = $10, membership_reason = NULL, member_locked = 0, updated_at = $11
         WHERE id = $12",
    )
    .bind(p.unit_id)
    .bind(p.region_code)
    .bind(p.department)
    .bind(p.education)
    .bind(p.degree)
    .bind(p.title)
    .bind(p.email)
    .bind(p.id_proof_file_id)
    .bind(p.title_proof_file_id)
    .bind(membership)
    .bind(now)
    .bind(person_id)
    .execute(c)
    .await?;
    Ok(())
}

/// Sets the membership decision, only for a member of `unit_id`.
pub async fn decide_membership(
    c: &mut AnyConnection,
    person_id: i64,
    unit_id: i64,
    membership: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE persons SET membership = $1, membership_reason = $2, updated_at = $3
         WHERE id = $4 AND unit_id = $5",
    )
    .bind(membership)
    .bind(reason)
    .bind(now)
    .bind(person_id)
    .bind(unit_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_member_locked(
    c: &mut AnyConnection,
    person_id: i64,
    unit_id: i64,
    locked: bool,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE persons SET member_locked = $1, updated_at = $2 WHERE id = $3 AND unit_id = $4",
    )
    .bind(i64::from(locked))
    .bind(now)
    .bind(person_id)
    .bind(unit_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Filters of 单位从属用户管理. The search box matches names only: the
/// unit sees ID and phone numbers masked, so no search may confirm a
/// guessed full number (issue 7, finding 4).
#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    pub name: String,
    pub membership: Option<String>,
    pub locked: Option<bool>,
}

pub async fn list_members(
    c: &mut AnyConnection,
    unit_id: i64,
    f: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PersonRow>, i64)> {
    // Optional filters are written as "$n IS NULL OR column = $n" so the
    // query text stays fixed. Persons without a membership are left out,
    // by the domain's own code for that state so the query and the state
    // machine cannot drift apart.
    let where_sql = format!(
        "WHERE unit_id = $1 AND membership <> '{none}'
        AND name LIKE $2 ESCAPE '\\'
        AND ($3 = '' OR membership = $3)
        AND ($4 < 0 OR member_locked = $4)",
        none = Membership::None.code()
    );
    let name_pattern = like_pattern(&f.name);
    let membership = f.membership.clone().unwrap_or_default();
    let locked: i64 = f.locked.map(i64::from).unwrap_or(-1);
    let rows = sqlx::query_as::<_, PersonRow>(&format!(
        "SELECT * FROM persons {where_sql} ORDER BY updated_at DESC, id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(unit_id)
    .bind(&name_pattern)
    .bind(&membership)
    .bind(locked)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM persons {where_sql}"))
        .bind(unit_id)
        .bind(&name_pattern)
        .bind(&membership)
        .bind(locked)
        .fetch_one(c)
        .await?
        .try_get("n")?;
    Ok((rows, total))
}

/// Sets a person's password chosen by its holder (the one-time flag goes).
pub async fn set_person_password(c: &mut AnyConnection, id: i64, hash: &str) -> Result<()> {
    sqlx::query("UPDATE persons SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub must_change_password: i64,
    pub disabled: i64,
    pub created_at: i64,
}

pub async fn insert_staff(
    c: &mut AnyConnection,
    login: &str,
    name: &str,
    role: &str,
    password_hash: &str,
    must_change_password: bool,
    now: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO staff (login, name, role, password_hash, must_change_password, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(login)
    .bind(name)
    .bind(role)
    .bind(password_hash)
    .bind(i64::from(must_change_password))
    .bind(now)
    .fetch_one(c)
    .await?;
    row.try_get("id")
}

pub async fn staff(c: &mut AnyConnection, id: i64) -> Result<Option<StaffRow>> {
    Ok(sqlx::query_as("SELECT * FROM staff WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn staff_by_login(c: &mut AnyConnection, login: &str) -> Result<Option<StaffRow>> {
    Ok(sqlx::query_as("SELECT * FROM staff WHERE login = $1")
        .bind(login)
        .fetch_optional(c)
        .await?)
}

pub async fn list_staff(c: &mut AnyConnection) -> Result<Vec<StaffRow>> {
    Ok(sqlx::query_as("SELECT * FROM staff ORDER BY id")
        .fetch_all(c)
        .await?)
}

pub async fn count_staff(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM staff")
        .fetch_one(c)
        .await?
        .try_get("n")?)
}

pub async fn set_staff_password(
    c: &mut AnyConnection,
    id: i64,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    sqlx::query("UPDATE staff SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(hash)
        .bind(i64::from(must_change))
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn update_staff(
    c: &mut AnyConnection,
    id: i64,
    role: &str,
    disabled: bool,
) -> Result<bool> {
    let done = sqlx::query("UPDATE staff SET role = $1, disabled = $2 WHERE id = $3")
        .bind(role)
        .bind(i64::from(disabled))
        .bind(id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}
