//! `scigrant import accounts FILE`: a predecessor system's accounts (CSV or
//! .xlsx, the columns of [`COLUMNS`]) become accounts here, each decided as
//! one of the seed's cases (see the module above). Personal data is sealed
//! and indexed by the store's own insert paths, as registration does it;
//! bcrypt hashes are kept as they are and replaced by PBKDF2-HMAC-SM3 at
//! the first successful login; an empty hash leaves an account that only
//! 忘记密码 opens.
//!
//! The whole file runs in one transaction: a dry run rolls it back, so its
//! counts are exactly what the real run will do (two rows of one file that
//! collide included), and a real run imports all of it or nothing. Each
//! imported row is recorded under its legacy key, so a second run changes
//! nothing. Every imported account gets its own audit record
//! (`account.import`): its history then starts with where it came from,
//! which one summary record per run could not tell.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use scigrant_domain::identity::account::{AccountKind, Membership, UnitState};
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::id_number::parse_document_code_number;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_store::AnyConnection;
use scigrant_store::identity::accounts::{self, NewPerson, UnitFields};
use scigrant_store::identity::legacy::{self, NewLegacy};

use super::{Case, Lookup, PERSON_PREFIX, UNIT_PREFIX, legacy_key};
use crate::identity::hasher::is_legacy_hash;
use crate::{Actor, App, AppError, audit};

/// The header row (any order; every column present).
pub const COLUMNS: [&str; 9] = [
    "类型",
    "登录名",
    "单位名称",
    "统一社会信用代码",
    "姓名",
    "证件号码",
    "手机号",
    "电子邮箱",
    "密码哈希",
];

/// At most this many accounts per file.
pub const MAX_ROWS: usize = 100_000;

/// What happened to one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Imported (or, in a dry run, would be) as this case of this lookup.
    Case(Lookup, Case),
    /// Imported by an earlier run (or an earlier row with the same login).
    Already,
    /// Not imported, with the reason.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowReport {
    /// The row number in the file (the header is row 1).
    pub line: usize,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    /// Rows of `lookup` decided as `case`.
    pub fn count(&self, lookup: Lookup, case: Case) -> usize {
        self.rows
            .iter()
            .filter(|r| r.outcome == Outcome::Case(lookup, case))
            .count()
    }
    pub fn already(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.outcome == Outcome::Already)
            .count()
    }
    pub fn refused(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Refused(_)))
            .count()
    }
}

fn cell(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        // Phone numbers typed into number cells come back as floats.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
    .trim()
    .to_string()
}

fn unreadable() -> AppError {
    AppError::field(
        "file",
        "无法读取该文件，请使用 UTF-8 编码的 .csv 或 .xlsx 文件",
    )
}

/// The rows of `bytes` (an .xlsx when `name` says so, else CSV), each with
/// its line number and its cells in the order of [`COLUMNS`].
fn read_table(name: &str, bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, AppError> {
    let raw: Vec<Vec<String>> = if name.to_lowercase().ends_with(".xlsx") {
        let mut book: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(unreadable)?
            .map_err(|_| unreadable())?;
        range.rows().map(|r| r.iter().map(cell).collect()).collect()
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| unreadable())?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|_| unreadable())?;
            rows.push(record.iter().map(|c| c.trim().to_string()).collect());
        }
        rows
    };
    let mut rows = raw.into_iter().enumerate();
    let header = rows.next().map(|(_, h)| h).unwrap_or_default();
    let mut at = Vec::with_capacity(COLUMNS.len());
    for col in COLUMNS {
        match header.iter().position(|h| h == col) {
            Some(i) => at.push(i),
            None => {
                return Err(AppError::field(
                    "file",
                    format!("第1行应为表头，须含：{}", COLUMNS.join("、")),
                ));
            }
        }
    }
    let rows: Vec<(usize, Vec<String>)> = rows
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| {
            let cells = at
                .iter()
                .map(|&j| r.get(j).cloned().unwrap_or_default())
                .collect();
            (i + 1, cells)
        })
        .collect();
    if rows.len() > MAX_ROWS {
        return Err(AppError::field(
            "file",
            format!("每次最多导入{MAX_ROWS}个账号，本文件有{}行", rows.len()),
        ));
    }
    Ok(rows)
}

/// One row, checked.
enum Entry {
    Unit {
        uscc: String,
        name: String,
        contact: String,
        phone: Option<String>,
        hash: String,
    },
    Person {
        /// The predecessor's login when it was a unit's 统一社会信用代码.
        unit_login: Option<String>,
        name: String,
        doc: Option<String>,
        phone: String,
        email: String,
        hash: String,
    },
}

fn entry(app: &App, r: &[String]) -> Result<Entry, String> {
    let get = |i: usize| r.get(i).map(String::as_str).unwrap_or("");
    let hash = get(8).to_string();
    if !hash.is_empty() && !is_legacy_hash(&hash) {
        return Err("密码哈希应为 bcrypt 格式（$2a$、$2b$ 或 $2y$，成本4–14）或留空".into());
    }
    let phone = match get(6) {
        "" => None,
        p => Some(
            Phone::parse(p)
                .map_err(|_| "手机号不正确".to_string())?
                .as_str()
                .to_string(),
        ),
    };
    match get(0).to_lowercase().as_str() {
        "unit" | "单位" | "法人" => {
            let uscc = Uscc::parse(get(3))
                .map_err(|_| "统一社会信用代码不正确".to_string())?
                .as_str()
                .to_string();
            if !get(1).is_empty() && get(1).to_uppercase() != uscc {
                return Err("单位账号的登录名应为其统一社会信用代码".into());
            }
            if get(2).is_empty() {
                return Err("请填写单位名称".into());
            }
            Ok(Entry::Unit {
                uscc,
                name: get(2).into(),
                contact: get(4).into(),
                phone,
                hash,
            })
        }
        "person" | "个人" | "自然人" => {
            let phone = phone.ok_or_else(|| "请填写手机号".to_string())?;
            if get(4).is_empty() {
                return Err("请填写姓名".into());
            }
            let unit_login = match get(1) {
                "" => None,
                l if Phone::parse(l).is_ok_and(|p| p.as_str() == phone) => None,
                l => Some(
                    Uscc::parse(l)
                        .map_err(|_| "个人账号的登录名应为其手机号或统一社会信用代码".to_string())?
                        .as_str()
                        .to_string(),
                ),
            };
            let doc = match get(5) {
                "" => None,
                d => Some(
                    parse_document_code_number("mainland_id", d, app.today())
                        .map_err(|_| "证件号码不正确".to_string())?,
                ),
            };
            let email = match get(7) {
                "" => String::new(),
                e => Email::parse(e)
                    .map_err(|_| "电子邮箱不正确".to_string())?
                    .as_str()
                    .to_string(),
            };
            Ok(Entry::Person {
                unit_login,
                name: get(4).into(),
                doc,
                phone,
                email,
                hash,
            })
        }
        _ => Err("类型应为 unit（单位）或 person（个人）".into()),
    }
}

/// Imports the accounts in `bytes` (a file called `name`); with `dry_run`
/// nothing is kept. Side effects of a real run: units and persons created
/// (units opened as 账号已开通，待完善信息), login names HJ_…/HJ-… given,
/// one `legacy_accounts` row and one audit `account.import` per imported
/// row.
pub async fn import_accounts(
    app: &App,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let rows = read_table(name, bytes)?;
    let mut tx = app.db.begin().await?;
    let mut report = ImportReport {
        dry_run,
        rows: Vec::with_capacity(rows.len()),
    };
    for (line, r) in rows {
        let outcome = match entry(app, &r) {
            Err(why) => Outcome::Refused(why),
            Ok(e) => {
                let done = match &e {
                    Entry::Unit { .. } => import_unit(&mut tx, app, &e).await?,
                    Entry::Person { .. } => import_person(&mut tx, app, &e).await?,
                };
                match done {
                    None => Outcome::Already,
                    Some(d) => {
                        record(&mut tx, app, actor, &d, dry_run).await?;
                        Outcome::Case(d.lookup, d.case)
                    }
                }
            }
        };
        report.rows.push(RowReport { line, outcome });
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// How a row was decided, to be recorded.
struct Decided {
    key: String,
    lookup: Lookup,
    case: Case,
    kind: AccountKind,
    id: i64,
    created: bool,
}

async fn record(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    d: &Decided,
    dry_run: bool,
) -> Result<(), AppError> {
    legacy::insert(
        c,
        &NewLegacy {
            legacy_key: &d.key,
            lookup: d.lookup.code(),
            case_no: d.case.number(),
            account_kind: d.kind.code(),
            account_id: d.id,
            created: d.created,
        },
        app.now(),
    )
    .await?;
    // A dry run is rolled back; it writes no audit record at all, so it
    // leaves no gap in the audit log's numbering either.
    if dry_run {
        return Ok(());
    }
    let who = match d.lookup {
        Lookup::Unit => "企业账号",
        Lookup::Person => "个人账号",
    };
    let how = if d.created {
        "新建账号"
    } else {
        "关联已有账号"
    };
    let detail = format!(
        "火炬中心账号迁移：{who}第{}种情况（{how}）",
        ["一", "二", "三", "四"][(d.case.number() - 1) as usize]
    );
    audit(
        c,
        app,
        actor,
        "account.import",
        (d.kind.code(), Some(d.id)),
        "success",
        &detail,
    )
    .await
}

/// A unit row: 第一种 (new), 第二种 (the USCC is registered here and the
/// row has no password to keep) or 第三种 (HJ_ + USCC). `None` when the
/// row was imported before.
async fn import_unit(
    c: &mut AnyConnection,
    app: &App,
    e: &Entry,
) -> Result<Option<Decided>, AppError> {
    let Entry::Unit {
        uscc,
        name,
        contact,
        phone,
        hash,
    } = e
    else {
        return Ok(None);
    };
    let key = legacy_key(app, Lookup::Unit, uscc);
    if legacy::by_key(c, &key).await?.is_some() {
        return Ok(None);
    }
    let decided = |case, id, created| Decided {
        key: key.clone(),
        lookup: Lookup::Unit,
        case,
        kind: AccountKind::Unit,
        id,
        created,
    };
    let (case, login) = match accounts::unit_by_uscc(c, uscc).await? {
        None => (Case::First, uscc.clone()),
        Some(u) if hash.is_empty() => return Ok(Some(decided(Case::Second, u.id, false))),
        Some(_) => (Case::Third, format!("{UNIT_PREFIX}{uscc}")),
    };
    // The contact phone is a login of its own: kept only when no unit here
    // has it, else the row is indexed under its legacy key alone.
    let mut phone_idx = app.pii.index("unit_phone", &format!("legacy|{key}"));
    if let Some(p) = phone {
        let idx = app.pii.index("unit_phone", p);
        if accounts::unit_by_phone_idx(c, &idx).await?.is_none() {
            phone_idx = idx;
        }
    }
    let fields = UnitFields {
        kind: "enterprise",
        name,
        legal_rep: "",
        reg_place: "",
        // 第三种: the 统一社会信用代码 column is unique, and the unit
        // registered here holds it; the HJ_ account carries its login name.
        uscc: &login,
        contact_name: contact,
        contact_phone: phone.as_deref().unwrap_or(""),
        contact_phone_idx: &phone_idx,
        cert_file_id: None,
    };
    let state = UnitState::Opened.code();
    let id = accounts::insert_unit(c, &app.pii, &fields, hash, state, app.now()).await?;
    if case == Case::Third {
        legacy::set_unit_login_name(c, id, &login).await?;
    }
    Ok(Some(decided(case, id, true)))
}

/// A person row: see the module above for the four cases; a row whose
/// login was a unit's 统一社会信用代码 is the unit lookup's 第四种.
async fn import_person(
    c: &mut AnyConnection,
    app: &App,
    e: &Entry,
) -> Result<Option<Decided>, AppError> {
    let Entry::Person {
        unit_login,
        name,
        doc,
        phone,
        email,
        hash,
    } = e
    else {
        return Ok(None);
    };
    let (lookup, key) = match unit_login {
        Some(u) => (Lookup::Unit, legacy_key(app, Lookup::Unit, u)),
        None => (Lookup::Person, legacy_key(app, Lookup::Person, phone)),
    };
    if legacy::by_key(c, &key).await?.is_some() {
        return Ok(None);
    }
    let decided = |case, id, created| Decided {
        key: key.clone(),
        lookup,
        case,
        kind: AccountKind::Person,
        id,
        created,
    };
    let real_phone_idx = app.pii.index("phone", phone);
    let real_doc_idx = doc.as_ref().map(|d| app.pii.index("doc", d));
    let phone_owner = accounts::person_by_phone_idx(c, &real_phone_idx).await?;
    let doc_owner = match &real_doc_idx {
        Some(idx) => accounts::person_by_doc_idx(c, idx).await?,
        None => None,
    };
    let (case, login_name) = match (unit_login, &doc_owner, &phone_owner) {
        (Some(u), _, _) => (Case::Fourth, Some(u.clone())),
        (None, Some(o), Some(p)) if o.id == p.id => {
            return Ok(Some(decided(Case::Second, o.id, false)));
        }
        (None, Some(o), _) => return Ok(Some(decided(Case::Fourth, o.id, false))),
        (None, None, None) => (Case::First, None),
        (None, None, Some(p)) if hash.is_empty() => {
            return Ok(Some(decided(Case::Second, p.id, false)));
        }
        (None, None, Some(_)) => (Case::Third, Some(format!("{PERSON_PREFIX}{phone}"))),
    };
    // Phone and ID number are logins too: each is indexed as itself only
    // when nobody here has it, else under the legacy key alone (the sealed
    // value is kept either way, for display and for 忘记密码).
    let phone_idx = if phone_owner.is_none() {
        real_phone_idx
    } else {
        app.pii.index("phone", &format!("legacy|{key}"))
    };
    let doc_idx = match real_doc_idx {
        Some(idx) if doc_owner.is_none() => idx,
        _ => app.pii.index("doc", &format!("legacy|{key}")),
    };
    let p = NewPerson {
        doc_type: if doc.is_some() { "mainland_id" } else { "" },
        doc_no: doc.as_deref().unwrap_or(""),
        doc_no_idx: &doc_idx,
        name,
        email,
        region_code: 0,
        gender: "",
        phone,
        phone_idx: &phone_idx,
    };
    let membership = Membership::None.code();
    let id = accounts::insert_person(c, &app.pii, &p, hash, membership, app.now()).await?;
    if let Some(login) = &login_name {
        legacy::set_person_login_name(c, id, login).await?;
    }
    Ok(Some(decided(case, id, true)))
}
