//! 字典管理 (系统管理员): choose a dictionary, see its entries in order
//! with their state, add an entry, change an entry's label or order,
//! disable or enable it (after a confirmation), and read its history.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::dictionary::{
    Board, EntryForm, add_entry, board, edit_entry, set_enabled,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::dictionary::{DictEntry, DictKind};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, qv, render};

/// The entry being edited, its fields as typed and their errors.
pub struct Editing {
    pub entry: DictEntry,
    pub form: EntryForm,
    pub errs: Errs,
}

#[derive(Template)]
#[template(path = "staff/dictionaries.html")]
pub struct DictionariesPage {
    pub ctx: PageCtx,
    /// Every dictionary: (code, label, chosen).
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub kind: DictKind,
    pub board: Board,
    pub add: EntryForm,
    pub add_errs: Errs,
    pub editing: Option<Editing>,
}

impl DictionariesPage {
    /// Where a form of this page sends the staff member back to.
    pub fn back(&self) -> String {
        format!("/staff/dictionaries?kind={}", self.kind.code())
    }
    /// The next free order number, offered to a new entry: after the last.
    pub fn next_position(&self) -> i64 {
        let last = self
            .board
            .dictionary
            .entries
            .iter()
            .map(|e| e.position)
            .max()
            .unwrap_or(0);
        (last / 10 + 1) * 10
    }
    /// The edit link of one entry (codes may hold any letters).
    pub fn edit_href(&self, code: &str) -> String {
        format!("{}&edit={}#edit", self.back(), qv(code))
    }
}

fn kind_of(code: &str) -> Result<DictKind, WebError> {
    if code.is_empty() {
        return Ok(DictKind::UnitNature);
    }
    DictKind::from_code(code).ok_or_else(|| AppError::NotFound.into())
}

/// Builds the page; `add` and `editing` carry what was typed and refused.
async fn page(
    state: &AppState,
    ctx: &Ctx,
    kind: DictKind,
    add: Option<(EntryForm, FieldErrors)>,
    editing: Option<(String, Option<(EntryForm, FieldErrors)>)>,
    ok: &str,
) -> Result<DictionariesPage, WebError> {
    let board = board(&state.app, kind).await?;
    let editing = match editing {
        Some((code, typed)) => {
            let entry = board
                .dictionary
                .entry(&code)
                .cloned()
                .ok_or(AppError::NotFound)?;
            let (form, errs) = typed.unwrap_or_else(|| {
                let form = EntryForm {
                    code: entry.code.clone(),
                    label: entry.label.clone(),
                    position: entry.position.to_string(),
                };
                (form, FieldErrors::new())
            });
            Some(Editing {
                entry,
                form,
                errs: Errs(errs),
            })
        }
        None => None,
    };
    let (add, add_errs) = add.unwrap_or_default();
    let mut page = DictionariesPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(ok)),
        kinds: DictKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), *k == kind))
            .collect(),
        kind,
        board,
        add,
        add_errs: Errs(add_errs),
        editing,
    };
    if page.add.position.is_empty() {
        page.add.position = page.next_position().to_string();
    }
    Ok(page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DictQuery {
    kind: String,
    /// The code of the entry to edit.
    edit: String,
    ok: String,
}

/// 字典管理: one dictionary (单位性质 first), with the edit form of an entry
/// when `edit` names one.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DictQuery>,
) -> Result<Response, WebError> {
    let kind = kind_of(&q.kind)?;
    let editing = (!q.edit.is_empty()).then(|| (q.edit.clone(), None));
    let page = page(&state, &ctx, kind, None, editing, &q.ok).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EntryPost {
    kind: String,
    code: String,
    label: String,
    position: String,
}

fn form_of(p: EntryPost) -> EntryForm {
    EntryForm {
        code: p.code,
        label: p.label,
        position: p.position,
    }
}

fn done(kind: DictKind, ok: &str) -> Response {
    see_other(&format!("/staff/dictionaries?kind={}&ok={ok}", kind.code()))
}

/// 新增字典项.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<EntryPost>,
) -> Result<Response, WebError> {
    let kind = DictKind::from_code(&p.kind).ok_or(AppError::NotFound)?;
    let f = form_of(p);
    match add_entry(&state.app, &ctx.actor(), kind, &f).await {
        Ok(()) => Ok(done(kind, "dict_added")),
        Err(AppError::Validation(e)) => {
            let page = page(&state, &ctx, kind, Some((f, e)), None, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 修改字典项: its label and order (the code never changes).
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<EntryPost>,
) -> Result<Response, WebError> {
    let kind = DictKind::from_code(&p.kind).ok_or(AppError::NotFound)?;
    let f = form_of(p);
    match edit_entry(&state.app, &ctx.actor(), kind, &f.code, &f).await {
        Ok(()) => Ok(done(kind, "dict_saved")),
        Err(AppError::Validation(e)) => {
            let code = f.code.clone();
            let page = page(&state, &ctx, kind, None, Some((code, Some((f, e)))), "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatePost {
    kind: String,
    code: String,
    /// "1" enables, "0" disables; anything else is refused.
    enabled: String,
}

/// 停用 / 启用 a dictionary entry (the page asks for confirmation first).
pub async fn set_state(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<StatePost>,
) -> Result<Response, WebError> {
    let kind = DictKind::from_code(&p.kind).ok_or(AppError::NotFound)?;
    let enabled = match p.enabled.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::Refused("请选择启用或停用".into()).into()),
    };
    set_enabled(&state.app, &ctx.actor(), kind, &p.code, enabled).await?;
    Ok(done(
        kind,
        if enabled {
            "dict_enabled"
        } else {
            "dict_disabled"
        },
    ))
}
