//! 专家导入: staff bring a list of experts into the library from an .xlsx
//! sheet, first as a dry run that reports every row, then for real. Each
//! row names an existing 个人用户 by 证件号码 and 姓名 (both must match: the
//! expert signs in with that account) and carries the same fields as the
//! 科技项目专家申请, checked by the same rules. Imported experts enter the
//! library approved (staff vouch for the list); rows with errors are
//! skipped and reported, so a second run of the same file imports nothing
//! twice ("已在专家库").
//!
//! The sheet: the first worksheet, a header row with exactly
//! [`IMPORT_COLUMNS`], then one expert per row; 学科代码 lists GB/T 13745
//! codes separated by 、 , ， ; or spaces, the first being the 主学科.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use scigrant_domain::evaluation::expert::ExpertState;
use scigrant_domain::mask::mask_id;
use scigrant_store::evaluation::experts::{self as store};
use scigrant_store::identity::accounts;

use super::experts::{ExpertForm, check, new_expert};
use crate::{Actor, App, AppError, audit};
use scigrant_domain::evaluation::conflict::email_domain;

/// The header row, in order.
pub const IMPORT_COLUMNS: [&str; 7] = [
    "证件号码",
    "姓名",
    "学科代码",
    "研究方向",
    "职称",
    "工作单位",
    "研究领域",
];

/// At most this many experts per file.
pub const MAX_ROWS: usize = 2000;

/// What happened to one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    /// Dry run: the row would be imported.
    Ready,
    Imported,
    /// Skipped, with every reason.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// The sheet's row number (the header is row 1).
    pub row: usize,
    /// 证件号码, masked.
    pub id_masked: String,
    pub name: String,
    pub outcome: RowOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    pub fn ready(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Ready))
    }
    pub fn imported(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Imported))
    }
    pub fn refused(&self) -> usize {
        self.count(|o| matches!(o, RowOutcome::Refused(_)))
    }
    fn count(&self, f: impl Fn(&RowOutcome) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.outcome)).count()
    }
}

fn cell(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        // Codes and numbers typed into number cells come back as floats.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
    .trim()
    .to_string()
}

/// The rows of the first worksheet, header checked.
fn read_sheet(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    let unreadable = || AppError::field("file", "无法读取该文件，请上传 .xlsx 格式的 Excel 文件");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(unreadable)?
        .map_err(|_| unreadable())?;
    let mut rows = range.rows().map(|r| r.iter().map(cell).collect::<Vec<_>>());
    let header = rows.next().unwrap_or_default();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    if header.get(..IMPORT_COLUMNS.len()) != Some(&IMPORT_COLUMNS[..]) {
        return Err(AppError::field(
            "file",
            format!("第1行应为表头：{}", IMPORT_COLUMNS.join("、")),
        ));
    }
    let rows: Vec<Vec<String>> = rows.filter(|r| r.iter().any(|c| !c.is_empty())).collect();
    if rows.is_empty() {
        return Err(AppError::field("file", "表中没有专家数据"));
    }
    if rows.len() > MAX_ROWS {
        return Err(AppError::field(
            "file",
            format!("每次最多导入{MAX_ROWS}名专家，本表有{}行", rows.len()),
        ));
    }
    Ok(rows)
}

fn form_of(r: &[String]) -> ExpertForm {
    let get = |i: usize| r.get(i).cloned().unwrap_or_default();
    let disciplines: Vec<String> = get(2)
        .split(['、', ',', '，', ';', '；', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    ExpertForm {
        primary: if disciplines.is_empty() {
            Vec::new()
        } else {
            vec!["0".into()]
        },
        disciplines,
        keywords: get(3),
        title: get(4),
        unit_name: get(5),
        summary: get(6),
        avoid_units: Vec::new(),
        avoid_persons: Vec::new(),
        available: true,
    }
}

/// 专家导入 of `bytes` (.xlsx). A dry run writes nothing; the real run
/// stores every valid row as an approved expert (source `imported`) with
/// audit `expert.import` each, all in one transaction.
pub async fn import_experts(
    app: &App,
    actor: &Actor,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let rows = read_sheet(bytes)?;
    let mut tx = app.db.begin().await?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut report = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let row = i + 2;
        let doc = r.first().cloned().unwrap_or_default().to_uppercase();
        let name = r.get(1).cloned().unwrap_or_default();
        let mut problems = Vec::new();
        if let Some(first) = seen.insert(doc.clone(), row) {
            problems.push(format!("与第{first}行证件号码重复"));
        }
        let idx = app.pii.index("doc", &doc);
        let person = match accounts::person_by_doc_idx(&mut tx, &idx).await? {
            Some(p) if !doc.is_empty() && p.name == name => Some(p),
            _ => {
                problems.push("未找到证件号码与姓名均相符的个人用户，请其先在本平台注册".into());
                None
            }
        };
        if let Some(p) = &person
            && let Some(e) = store::expert_of_person(&mut tx, p.id).await?
        {
            let state = e.state().map(ExpertState::label).unwrap_or("");
            problems.push(format!("已在专家库（{state}）"));
        }
        let form = form_of(r);
        let checked = match check(&mut tx, &form).await {
            Ok(c) => Some(c),
            Err(AppError::Validation(errors)) => {
                let label = |k: &str| match k {
                    "disciplines" => "学科代码",
                    "keywords" => "研究方向",
                    "title" => "职称",
                    "unit_name" => "工作单位",
                    "summary" => "研究领域",
                    _ => "",
                };
                problems.extend(
                    errors
                        .0
                        .iter()
                        .map(|(k, msg)| format!("{}：{msg}", label(k))),
                );
                None
            }
            Err(e) => return Err(e),
        };
        let outcome = match (problems.is_empty(), person, checked) {
            (true, Some(p), Some(c)) if !dry_run => {
                let keywords = c.keywords.join("\n");
                let email_domain = email_domain(&p.email).unwrap_or_default();
                let new = new_expert(
                    &p,
                    &form,
                    &keywords,
                    &email_domain,
                    ExpertState::Approved,
                    "imported",
                );
                let id = store::insert_expert(&mut tx, &new, &c.disciplines, app.now()).await?;
                audit(
                    &mut tx,
                    app,
                    actor,
                    "expert.import",
                    ("expert", Some(id)),
                    "success",
                    &format!("导入第{row}行"),
                )
                .await?;
                RowOutcome::Imported
            }
            (true, _, _) => RowOutcome::Ready,
            (false, _, _) => RowOutcome::Refused(problems.join("；")),
        };
        report.push(ImportRow {
            row,
            id_masked: mask_id(&doc),
            name,
            outcome,
        });
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(ImportReport {
        dry_run,
        rows: report,
    })
}
