//! What each account sees about itself: the home screens' status, the
//! history of decisions on the account (who, when, why) and downloads of
//! stored documents, which only those allowed may read (and reading
//! someone else's document is audited).

use scigrant_domain::identity::account::{AccountKind, Membership};
use scigrant_domain::identity::decision::{DecisionOutcome, DecisionStage};
use scigrant_domain::ids::{FileId, PersonId, UnitId};
use scigrant_domain::permission::{Caller, is_foreign_read, may_read_file};
use scigrant_store::files::Reader;
use scigrant_store::identity::accounts;
use scigrant_store::{decisions, files};

use crate::identity::auth::SessionInfo;
use crate::identity::members::{PersonView, person};
use crate::identity::review::{UnitView, unit};
use crate::{Actor, App, AppError, audit};

/// One entry of an account's decision history.
#[derive(Clone, Debug)]
pub struct DecisionView {
    pub at: i64,
    pub stage: Option<DecisionStage>,
    pub outcome: Option<DecisionOutcome>,
    pub reason: Option<String>,
    /// Who decided, as the account sees it.
    pub by: String,
}

/// The decisions on an account, newest first.
pub async fn history(app: &App, kind: AccountKind, id: i64) -> Result<Vec<DecisionView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = decisions::for_subject(&mut c, kind.code(), id).await?;
    Ok(rows
        .into_iter()
        .map(|d| DecisionView {
            at: d.at,
            stage: DecisionStage::from_code(&d.stage),
            outcome: DecisionOutcome::from_code(&d.outcome),
            reason: d.reason,
            by: d.actor_label,
        })
        .collect())
}

#[derive(Clone, Debug)]
pub struct UnitHome {
    pub unit: UnitView,
    pub history: Vec<DecisionView>,
    pub pending_members: i64,
}

pub async fn unit_home(app: &App, unit_id: UnitId) -> Result<UnitHome, AppError> {
    let unit = unit(app, unit_id).await?;
    let history = history(app, AccountKind::Unit, unit_id.0).await?;
    let filter = accounts::MemberFilter {
        membership: Some(Membership::Pending.code().into()),
        locked: None,
        ..Default::default()
    };
    let mut c = app.db.read().await?;
    let (_, pending_members) = accounts::list_members(&mut c, unit_id.0, &filter, 1, 0).await?;
    Ok(UnitHome {
        unit,
        history,
        pending_members,
    })
}

#[derive(Clone, Debug)]
pub struct PersonHome {
    pub person: PersonView,
    pub history: Vec<DecisionView>,
    /// An approved expert of the library (已入库): the home links to the
    /// expert's 评审任务.
    pub is_expert: bool,
}

pub async fn person_home(app: &App, person_id: PersonId) -> Result<PersonHome, AppError> {
    let is_expert = {
        let mut c = app.db.read().await?;
        scigrant_store::evaluation::experts::expert_of_person(&mut c, person_id.0)
            .await?
            .is_some_and(|e| {
                e.state() == Some(scigrant_domain::evaluation::expert::ExpertState::Approved)
            })
    };
    Ok(PersonHome {
        person: person(app, person_id).await?,
        history: history(app, AccountKind::Person, person_id.0).await?,
        is_expert,
    })
}

/// A stored document on its way to the reader.
pub struct Download {
    pub id: FileId,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub content: Reader,
}

impl Download {
    /// The stored file of `f`, opened for reading. A row whose content is
    /// gone from storage reads as `NotFound`, as a file the reader may not
    /// see does.
    pub(crate) async fn open(
        app: &App,
        f: scigrant_store::files::FileRow,
    ) -> Result<Download, AppError> {
        let content = app.files.open(&f.storage_key).await.map_err(|e| {
            tracing::warn!(file = f.id, error = %e, "stored file cannot be opened");
            AppError::NotFound
        })?;
        Ok(Download {
            id: FileId(f.id),
            original_name: f.original_name,
            content_type: f.content_type,
            size: f.size,
            content,
        })
    }
}

/// Opens a stored document for `session`. Others' files are `NotFound`
/// (no hint that they exist); reading someone else's document is audited
/// as `file.read`.
pub async fn open_file(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    file_id: FileId,
) -> Result<Download, AppError> {
    let mut c = app.db.read().await?;
    let f = files::get(&mut c, file_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner_kind = AccountKind::from_code(&f.owner_kind).ok_or(AppError::NotFound)?;
    let owner_unit = if owner_kind == AccountKind::Person {
        accounts::person(&mut c, f.owner_id)
            .await?
            .and_then(|p| p.unit_id)
    } else {
        None
    };
    drop(c);
    let caller: &Caller = &session.caller;
    if !may_read_file(
        caller,
        session.account_id,
        (owner_kind, f.owner_id),
        owner_unit,
    ) {
        return Err(AppError::NotFound);
    }
    if is_foreign_read(session.kind, session.account_id, (owner_kind, f.owner_id)) {
        let mut tx = app.db.begin().await?;
        audit(
            &mut tx,
            app,
            actor,
            "file.read",
            (owner_kind.code(), Some(f.owner_id)),
            "success",
            &format!("{} {}", f.purpose, f.original_name),
        )
        .await?;
        tx.commit().await?;
    }
    Download::open(app, f).await
}
