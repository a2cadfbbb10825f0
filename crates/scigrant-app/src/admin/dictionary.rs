//! 字典管理: the 系统管理员 keeps the lists the forms offer (单位性质,
//! 证件类型, 学历, 学位, 职称, 所在部门). Each change is one transaction that
//! writes the entry, its history row (who, when, old → new) and the audit
//! record. The forms read the dictionaries through the kernel
//! (`crate::dictionary`).

use scigrant_domain::dictionary::{
    DictChange, DictKind, Dictionary, parse_code, parse_label, parse_position,
};
use scigrant_store::AnyConnection;
use scigrant_store::dictionary::{self as store, NewChange, NewEntry};

use crate::{Actor, App, AppError, FieldErrors, audit};

/// How many changes the history shows.
pub const HISTORY_SHOWN: i64 = 200;

pub use crate::dictionary::dictionary;

/// One change in a dictionary's history.
#[derive(Clone, Debug)]
pub struct ChangeView {
    pub code: String,
    pub change: Option<DictChange>,
    pub old_value: String,
    pub new_value: String,
    pub by: String,
    pub at: i64,
}

/// The latest changes of `kind`, newest first.
pub async fn history(app: &App, kind: DictKind) -> Result<Vec<ChangeView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::history(&mut c, kind.code(), HISTORY_SHOWN).await?;
    Ok(rows
        .into_iter()
        .map(|r| ChangeView {
            change: DictChange::from_code(&r.change),
            code: r.code,
            old_value: r.old_value,
            new_value: r.new_value,
            by: r.actor_label,
            at: r.at,
        })
        .collect())
}

/// What the 字典管理 page shows of one dictionary: its entries in order
/// and its latest changes.
#[derive(Clone, Debug)]
pub struct Board {
    pub dictionary: Dictionary,
    pub history: Vec<ChangeView>,
}

/// The 字典管理 page of `kind`.
pub async fn board(app: &App, kind: DictKind) -> Result<Board, AppError> {
    Ok(Board {
        dictionary: dictionary(app, kind).await?,
        history: history(app, kind).await?,
    })
}

/// An entry's fields as typed (`code` only when adding).
#[derive(Clone, Debug, Default)]
pub struct EntryForm {
    pub code: String,
    pub label: String,
    pub position: String,
}

async fn change(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    kind: DictKind,
    code: &str,
    what: DictChange,
    old_new: (&str, &str),
) -> Result<(), AppError> {
    store::record(
        c,
        &NewChange {
            dict: kind.code(),
            code,
            change: what.code(),
            old_value: old_new.0,
            new_value: old_new.1,
            actor_label: &actor.label,
            at: app.now(),
        },
    )
    .await?;
    Ok(())
}

/// Adds an enabled entry to `kind`. Refused: a code the dictionary has
/// ever had (codes are never reused), a bad code, label or order. Side
/// effects: history `add`, audit `dictionary.add`.
pub async fn add_entry(
    app: &App,
    actor: &Actor,
    kind: DictKind,
    f: &EntryForm,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    let code = parse_code(&f.code).map_err(|m| e.add("code", m)).ok();
    let label = parse_label(&f.label).map_err(|m| e.add("label", m)).ok();
    let position = parse_position(&f.position)
        .map_err(|m| e.add("position", m))
        .ok();
    let (Some(code), Some(label), Some(position)) = (code, label, position) else {
        return Err(AppError::Validation(e));
    };
    let mut tx = app.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewEntry {
            dict: kind.code(),
            code: &code,
            label: &label,
            position,
            now: app.now(),
        },
    )
    .await?;
    let Some(id) = id else {
        return Err(AppError::field(
            "code",
            "该代码已存在（含已停用的项），代码不能重复使用",
        ));
    };
    change(
        &mut tx,
        app,
        actor,
        kind,
        &code,
        DictChange::Add,
        ("", &label),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "dictionary.add",
        ("dictionary", Some(id)),
        "success",
        &format!("{}：{code} {label}（排序{position}）", kind.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames and/or reorders entry `code` of `kind` (its code stays). A
/// change to neither is accepted and records nothing. Side effects: history
/// `rename` and/or `reorder` (old → new), audit `dictionary.edit`.
pub async fn edit_entry(
    app: &App,
    actor: &Actor,
    kind: DictKind,
    code: &str,
    f: &EntryForm,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    let label = parse_label(&f.label).map_err(|m| e.add("label", m)).ok();
    let position = parse_position(&f.position)
        .map_err(|m| e.add("position", m))
        .ok();
    let (Some(label), Some(position)) = (label, position) else {
        return Err(AppError::Validation(e));
    };
    let mut tx = app.db.begin().await?;
    let before = store::entry(&mut tx, kind.code(), code)
        .await?
        .ok_or(AppError::NotFound)?;
    let renamed = before.label != label;
    let moved = before.position != position;
    if !renamed && !moved {
        return Ok(());
    }
    store::update(
        &mut tx,
        before.id,
        &label,
        position,
        before.enabled != 0,
        app.now(),
    )
    .await?;
    let mut detail = Vec::new();
    if renamed {
        change(
            &mut tx,
            app,
            actor,
            kind,
            code,
            DictChange::Rename,
            (&before.label, &label),
        )
        .await?;
        detail.push(format!("名称 {} → {label}", before.label));
    }
    if moved {
        let (old, new) = (before.position.to_string(), position.to_string());
        change(
            &mut tx,
            app,
            actor,
            kind,
            code,
            DictChange::Reorder,
            (&old, &new),
        )
        .await?;
        detail.push(format!("排序 {old} → {new}"));
    }
    audit(
        &mut tx,
        app,
        actor,
        "dictionary.edit",
        ("dictionary", Some(before.id)),
        "success",
        &format!("{}：{code} {}", kind.label(), detail.join("，")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Enables or disables (停用) entry `code` of `kind`. A disabled entry is
/// no longer offered by the forms; records holding it keep it. Setting the
/// state it already has records nothing. Side effects: history `enable` /
/// `disable`, audit `dictionary.enable` / `dictionary.disable`.
pub async fn set_enabled(
    app: &App,
    actor: &Actor,
    kind: DictKind,
    code: &str,
    enabled: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let before = store::entry(&mut tx, kind.code(), code)
        .await?
        .ok_or(AppError::NotFound)?;
    if (before.enabled != 0) == enabled {
        return Ok(());
    }
    store::update(
        &mut tx,
        before.id,
        &before.label,
        before.position,
        enabled,
        app.now(),
    )
    .await?;
    let (what, action) = if enabled {
        (DictChange::Enable, "dictionary.enable")
    } else {
        (DictChange::Disable, "dictionary.disable")
    };
    let state = |on: bool| if on { "启用" } else { "停用" };
    change(
        &mut tx,
        app,
        actor,
        kind,
        code,
        what,
        (state(!enabled), state(enabled)),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        action,
        ("dictionary", Some(before.id)),
        "success",
        &format!("{}：{code} {}", kind.label(), before.label),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
