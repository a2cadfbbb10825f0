//! Turns a declared form and its data into what the templates render, and
//! a posted form back into data. Field inputs are named `f:<key>` and
//! table cells `t:<table>:<row>:<column>`, so one generic template serves
//! every form a call declares.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;

use scigrant_domain::grants::form::{
    self, FieldKind, FieldSpec, FormData, FormSpec, Item, Money, Problem, Value,
};

#[derive(Clone, Debug)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// "text", "textarea", "select", "date", "tel", "email", "money".
    pub input: &'static str,
    pub value: String,
    pub options: Vec<String>,
    pub max_chars: u32,
    pub required: bool,
    pub hint: String,
    pub error: String,
    pub anchor: String,
    /// Fixed by the call (项目编号, 项目类别, 项目子类): shown, not chosen.
    pub fixed: bool,
    /// In a table, its column and row ("阶段（第1行）"): the name assistive
    /// technology reads, as a cell has no label of its own. Empty elsewhere.
    pub cell_label: String,
}

impl FieldView {
    /// The value as a read-only copy prints it: an amount the way [`Money`]
    /// displays it (`30` → `30.00`), anything else as typed. An amount that
    /// does not parse (never so in a submitted application) stays as typed.
    pub fn printed(&self) -> String {
        match Money::parse(&self.value) {
            Ok(amount) if self.input == "money" => amount.to_string(),
            _ => self.value.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct TableView {
    pub key: String,
    pub label: String,
    pub note: String,
    pub row_number_label: String,
    pub headers: Vec<String>,
    /// The header row as shown: each label with the columns it spans
    /// (时间进度 over 开始日期 and 结束日期).
    pub header_cells: Vec<(String, usize)>,
    /// Columns printed as one cell: (index of the first among the row's
    /// cells, label, what goes between the two values).
    pub joined: Vec<(usize, String, String)>,
    pub rows: Vec<Vec<FieldView>>,
    pub total_label: String,
    pub total: String,
    /// Index of the total column among `headers`, for the 合计 row.
    pub total_col: usize,
    pub error: String,
    pub can_add: bool,
}

impl TableView {
    /// The rows with something typed in them (read-only views).
    pub fn filled_rows(&self) -> Vec<&Vec<FieldView>> {
        self.rows
            .iter()
            .filter(|r| r.iter().any(|c| !c.value.trim().is_empty()))
            .collect()
    }
}

#[derive(Clone, Debug)]
pub enum ItemView {
    Field(FieldView),
    Table(TableView),
    Computed {
        key: String,
        label: String,
        value: String,
        /// The references summed, space separated, for the live total.
        sum_of: String,
    },
}

#[derive(Clone, Debug)]
pub struct SectionView {
    pub title: String,
    pub note: String,
    pub items: Vec<ItemView>,
}

#[derive(Clone, Debug)]
pub struct FormView {
    pub title: String,
    pub cover: Vec<FieldView>,
    pub sections: Vec<SectionView>,
}

fn input_of(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::LongText => "textarea",
        FieldKind::Choice { .. } => "select",
        FieldKind::Date => "date",
        FieldKind::Phone | FieldKind::Tel => "tel",
        FieldKind::Email => "email",
        FieldKind::Money => "money",
        FieldKind::Score { .. } => "score",
        _ => "text",
    }
}

fn field_view(f: &FieldSpec, name: String, value: &str, error: &str, anchor: String) -> FieldView {
    FieldView {
        name,
        label: f.label.clone(),
        input: input_of(&f.kind),
        value: value.to_string(),
        options: match &f.kind {
            FieldKind::Choice { options } => options.clone(),
            _ => vec![],
        },
        max_chars: f.max_chars.unwrap_or(0),
        required: f.required,
        hint: f.hint.clone().unwrap_or_default(),
        error: error.to_string(),
        anchor,
        fixed: false,
        cell_label: String::new(),
    }
}

/// `anchor` ids are the problem paths with `[]` and `.` made id-safe.
pub fn anchor(path: &str) -> String {
    format!("p-{}", path.replace(['[', ']', '.'], "-"))
}

/// The render model of an application to the call with `code`; the cover
/// fields the call fixes show the call's values and cannot be changed;
/// `extra_rows` adds spare rows to the named table.
pub fn view(
    spec: &FormSpec,
    data: &FormData,
    problems: &[Problem],
    extra_row: &str,
    code: &str,
) -> FormView {
    let fixed = form::fixed_by_call(spec, code);
    let mut pinned = data.clone();
    form::pin(spec, code, &mut pinned);
    let data = &pinned;
    let errors: BTreeMap<&str, &str> = problems
        .iter()
        .map(|p| (p.path.as_str(), p.message.as_str()))
        .collect();
    let err = |path: &str| errors.get(path).copied().unwrap_or("").to_string();
    let text = |key: &str| match data.get(key) {
        Some(Value::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let computed = form::computed(spec, data);
    let cover = spec
        .cover
        .iter()
        .map(|f| FieldView {
            fixed: fixed.iter().any(|(k, _)| *k == f.key),
            ..field_view(
                f,
                format!("f:{}", f.key),
                &text(&f.key),
                &err(&f.key),
                anchor(&f.key),
            )
        })
        .collect();
    let mut sections = Vec::new();
    for s in &spec.sections {
        let mut items = Vec::new();
        for item in &s.items {
            items.push(match item {
                Item::Field(f) => ItemView::Field(field_view(
                    f,
                    format!("f:{}", f.key),
                    &text(&f.key),
                    &err(&f.key),
                    anchor(&f.key),
                )),
                Item::Computed(c) => ItemView::Computed {
                    sum_of: c.sum_of.join(" "),
                    key: c.key.clone(),
                    label: c.label.clone(),
                    value: computed
                        .get(&c.key)
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "0.00".into()),
                },
                Item::Table(t) => {
                    let stored: Vec<BTreeMap<String, String>> = match data.get(&t.key) {
                        Some(Value::Rows(r)) => r.clone(),
                        _ => vec![],
                    };
                    // Typed rows, then one spare row (and one more on request).
                    let mut n = stored.len().max(t.min_rows as usize);
                    if n < t.max_rows as usize {
                        n += 1;
                    }
                    if extra_row == t.key && n < t.max_rows as usize {
                        n += 1;
                    }
                    let rows = (0..n)
                        .map(|i| {
                            t.columns
                                .iter()
                                .map(|col| {
                                    let v = stored
                                        .get(i)
                                        .and_then(|r| r.get(&col.key))
                                        .cloned()
                                        .unwrap_or_default();
                                    let path = format!("{}[{i}].{}", t.key, col.key);
                                    let e = err(&path);
                                    FieldView {
                                        cell_label: format!("{}（第{}行）", col.label, i + 1),
                                        ..field_view(
                                            col,
                                            format!("t:{}:{i}:{}", t.key, col.key),
                                            &v,
                                            &e,
                                            anchor(&path),
                                        )
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    let mut headers: Vec<String> = Vec::new();
                    if let Some(l) = &t.row_number_label {
                        headers.push(l.clone());
                    }
                    headers.extend(t.columns.iter().map(|c| c.label.clone()));
                    let offset = usize::from(t.row_number_label.is_some());
                    let joined: Vec<(usize, String, String)> = t
                        .joined
                        .iter()
                        .filter_map(|j| {
                            let at = t.columns.iter().position(|c| c.key == j.first)?;
                            Some((at, j.label.clone(), j.between.clone()))
                        })
                        .collect();
                    let mut header_cells: Vec<(String, usize)> = Vec::new();
                    let mut skip = false;
                    for (i, h) in headers.iter().enumerate() {
                        if std::mem::take(&mut skip) {
                            continue;
                        }
                        match joined.iter().find(|(at, ..)| at + offset == i) {
                            Some((_, label, _)) => {
                                header_cells.push((label.clone(), 2));
                                skip = true;
                            }
                            None => header_cells.push((h.clone(), 1)),
                        }
                    }
                    let (total_label, total, total_col) = match &t.total_column {
                        Some(col) => {
                            let idx = t.columns.iter().position(|c| &c.key == col).unwrap_or(0);
                            let key = format!("{}.{col}", t.key);
                            (
                                "合计".to_string(),
                                computed
                                    .get(&key)
                                    .map(|m| m.to_string())
                                    .unwrap_or_else(|| "0.00".into()),
                                idx + offset,
                            )
                        }
                        None => (String::new(), String::new(), 0),
                    };
                    ItemView::Table(TableView {
                        key: t.key.clone(),
                        label: t.label.clone(),
                        note: t.note.clone().unwrap_or_default(),
                        row_number_label: t.row_number_label.clone().unwrap_or_default(),
                        headers,
                        header_cells,
                        joined,
                        can_add: n < t.max_rows as usize,
                        rows,
                        total_label,
                        total,
                        total_col,
                        error: err(&t.key),
                    })
                }
            });
        }
        sections.push(SectionView {
            title: s.title.clone(),
            note: s.note.clone().unwrap_or_default(),
            items,
        });
    }
    FormView {
        title: spec.title.clone(),
        cover,
        sections,
    }
}

/// The posted pairs' reading is a domain rule (`f:`/`t:` names back into data).
pub use scigrant_domain::grants::form::data_from_pairs;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_pairs_round_trip_through_the_view() {
        let spec = form::builtin("kczg2023-fj4").unwrap();
        let data = form::samples::sample_fj4();
        let v = view(&spec, &data, &[], "", "KJFWT2023-01");
        let mut pairs = Vec::new();
        for f in &v.cover {
            pairs.push((f.name.clone(), f.value.clone()));
        }
        for s in &v.sections {
            for i in &s.items {
                match i {
                    ItemView::Field(f) => pairs.push((f.name.clone(), f.value.clone())),
                    ItemView::Table(t) => {
                        for r in &t.rows {
                            for c in r {
                                pairs.push((c.name.clone(), c.value.clone()));
                            }
                        }
                    }
                    ItemView::Computed { .. } => {}
                }
            }
        }
        pairs.push(("f:not_declared".into(), "x".into()));
        pairs.push(("t:phases:99:stage".into(), "x".into()));
        let back = data_from_pairs(&spec, &pairs);
        assert_eq!(
            form::digest_input(&spec, &back),
            form::digest_input(&spec, &data)
        );
        assert!(!back.contains_key("not_declared"));
    }
}

#[derive(serde::Serialize)]
struct Saved {
    saved_at: String,
}

/// The answer to the form script's autosave: the server's time it was
/// kept as JSON, or 409 with the reason it no longer is (submitted, past
/// the deadline); the page then keeps its copy in the browser.
pub fn autosave_answer(
    saved: Result<i64, AppError>,
) -> Result<Response, crate::http::error::WebError> {
    match saved {
        Ok(at) => Ok(Json(Saved {
            saved_at: scigrant_domain::calendar::format_time(at),
        })
        .into_response()),
        Err(AppError::Refused(m)) => Ok((StatusCode::CONFLICT, m).into_response()),
        Err(e) => Err(e.into()),
    }
}
