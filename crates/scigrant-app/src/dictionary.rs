//! The dictionaries the forms offer (单位性质, 证件类型, 学历, 学位, 职称,
//! 所在部门), read for the forms of every area; the 系统管理员 changes them
//! in `admin::dictionary`. They are read on each request, not cached: the
//! table is tiny, and reading it keeps every node current at once.

use scigrant_domain::dictionary::{DictEntry, DictKind, Dictionary};
use scigrant_store::AnyConnection;
use scigrant_store::dictionary::{self as store, EntryRow};

use crate::{App, AppError};

fn entry_of(r: EntryRow) -> DictEntry {
    DictEntry {
        code: r.code,
        label: r.label,
        position: r.position,
        enabled: r.enabled != 0,
    }
}

/// `kind` with every entry, enabled or not, in order, on `c`.
pub(crate) async fn read(c: &mut AnyConnection, kind: DictKind) -> Result<Dictionary, AppError> {
    let entries = store::entries(c, kind.code()).await?;
    Ok(Dictionary {
        kind,
        entries: entries.into_iter().map(entry_of).collect(),
    })
}

/// The dictionary `kind` as the forms and the 字典管理 page read it.
pub async fn dictionary(app: &App, kind: DictKind) -> Result<Dictionary, AppError> {
    let mut c = app.db.read().await?;
    read(&mut c, kind).await
}

/// The dictionaries of 完善个人信息.
#[derive(Clone, Debug)]
pub struct ProfileChoices {
    pub education: Dictionary,
    pub degree: Dictionary,
    pub title: Dictionary,
    /// Suggestions only: the field takes any text.
    pub department: Dictionary,
}

/// Reads the dictionaries of 完善个人信息 on one connection.
pub async fn profile_choices(app: &App) -> Result<ProfileChoices, AppError> {
    let mut c = app.db.read().await?;
    profile_choices_on(&mut c).await
}

pub(crate) async fn profile_choices_on(c: &mut AnyConnection) -> Result<ProfileChoices, AppError> {
    Ok(ProfileChoices {
        education: read(c, DictKind::Education).await?,
        degree: read(c, DictKind::Degree).await?,
        title: read(c, DictKind::Title).await?,
        department: read(c, DictKind::Department).await?,
    })
}
