//! The 账号审核员's 实名认证 queue: accounts waiting for manual review
//! (no provider, or documents uploaded after a failure), each with its
//! details and images; approve (已审核认证) or reject with a reason
//! (认证失败). Every view of an image is audited.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::realname::{RealnameStatus, image_labels};
use scigrant_domain::mask::mask_id;
use scigrant_store::identity::{accounts, realname as store};

use super::{RealnameView, settled, status_on};
use crate::identity::home::Download;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// A row of the queue.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub kind: AccountKind,
    pub id: i64,
    pub name: String,
    pub queued_at: Option<i64>,
    pub has_images: bool,
}

/// The accounts waiting for manual review, first come first (200 at most).
pub async fn queue(app: &App) -> Result<Vec<QueueItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::queue(&mut c, RealnameStatus::Manual.code(), 200).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(kind) = AccountKind::from_code(&r.account_kind) else {
            continue;
        };
        let name = account_name(&mut c, kind, r.account_id).await?;
        out.push(QueueItem {
            kind,
            id: r.account_id,
            name,
            queued_at: r.queued_at,
            has_images: r.front_file_id.is_some() && r.back_file_id.is_some(),
        });
    }
    Ok(out)
}

async fn account_name(
    c: &mut scigrant_store::AnyConnection,
    kind: AccountKind,
    id: i64,
) -> Result<String, AppError> {
    Ok(match kind {
        AccountKind::Person => accounts::person(c, id).await?.map(|p| p.name),
        _ => accounts::unit(c, id).await?.map(|u| u.name),
    }
    .unwrap_or_default())
}

/// One account as the reviewer checks it against the images.
#[derive(Clone, Debug)]
pub struct ReviewCase {
    pub kind: AccountKind,
    pub id: i64,
    pub name: String,
    /// (label, value) lines: 证件类型, 证件号码 (masked) …
    pub details: Vec<(&'static str, String)>,
    /// What the two images are: a person's ID card sides, or a unit's
    /// 统一社会信用代码证 and 法定代表人身份证.
    pub front_label: &'static str,
    pub back_label: &'static str,
    pub realname: RealnameView,
}

pub async fn review_case(app: &App, kind: AccountKind, id: i64) -> Result<ReviewCase, AppError> {
    let mut c = app.db.read().await?;
    let realname = status_on(&mut c, kind, id).await?;
    let (name, details) = match kind {
        AccountKind::Person => {
            let p = accounts::person(&mut c, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let doc = mask_id(&p.doc_no(&app.pii)?);
            let details = vec![
                ("性别", p.gender.clone()),
                ("证件类型", p.doc_type.clone()),
                ("证件号码", doc),
            ];
            (p.name, details)
        }
        AccountKind::Unit => {
            let u = accounts::unit(&mut c, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let (_, doc) = store::unit_legal_rep_doc(&mut c, &app.pii, id).await?;
            let details = vec![
                ("统一社会信用代码", u.uscc.clone()),
                ("法定代表人", u.legal_rep.clone()),
                (
                    "法定代表人证件号码",
                    doc.as_deref().map(mask_id).unwrap_or_default(),
                ),
            ];
            (u.name, details)
        }
        AccountKind::Staff => return Err(AppError::NotFound),
    };
    let (front_label, back_label) = image_labels(kind);
    Ok(ReviewCase {
        kind,
        id,
        name,
        details,
        front_label,
        back_label,
        realname,
    })
}

/// 审核通过 (已审核认证) or 审核不通过 with a reason (认证失败), only while
/// the account waits. Side effects: status, audit `realname.review`, the
/// account notified.
pub async fn decide_realname(
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
    approve: bool,
    reason: &str,
) -> Result<RealnameStatus, AppError> {
    let reason = reason.trim();
    if !approve {
        let mut e = FieldErrors::new();
        if reason.is_empty() {
            e.add("reason", "请填写不通过的原因");
        } else if reason.chars().count() > 200 {
            e.add("reason", "不通过的原因不能超过200个字");
        }
        e.into_result()?;
    }
    let (to, why) = if approve {
        (RealnameStatus::Reviewed, None)
    } else {
        (RealnameStatus::Failed, Some(reason))
    };
    let mut tx = app.db.begin().await?;
    let moved = store::decide(
        &mut tx,
        kind.code(),
        id,
        RealnameStatus::Manual.code(),
        to.code(),
        why,
        &actor.label,
        app.now(),
    )
    .await?;
    if !moved {
        let now = status_on(&mut tx, kind, id).await?.status;
        return Err(AppError::Refused(format!(
            "该账号实名认证状态为“{}”，无需审核",
            now.label()
        )));
    }
    let detail = match why {
        Some(r) => format!("认证失败：{r}"),
        None => "已审核认证".to_string(),
    };
    audit(
        &mut tx,
        app,
        actor,
        "realname.review",
        (kind.code(), Some(id)),
        if approve { "approved" } else { "rejected" },
        &detail,
    )
    .await?;
    settled(&mut tx, app, kind, id, to, why).await?;
    tx.commit().await?;
    Ok(to)
}

/// One of the account's images (`front` or `back`: for a unit its
/// 统一社会信用代码证 and 法定代表人身份证) for the reviewer.
/// Every view is audited (`realname.image.view`).
pub async fn open_image(
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
    front: bool,
) -> Result<Download, AppError> {
    let mut tx = app.db.begin().await?;
    let r = status_on(&mut tx, kind, id).await?;
    let file_id = if front {
        r.front_file_id
    } else {
        r.back_file_id
    }
    .ok_or(AppError::NotFound)?;
    let labels = image_labels(kind);
    let f = scigrant_store::files::get(&mut tx, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &mut tx,
        app,
        actor,
        "realname.image.view",
        (kind.code(), Some(id)),
        "success",
        if front { labels.0 } else { labels.1 },
    )
    .await?;
    tx.commit().await?;
    Download::open(app, f).await
}
