//! 内容管理: a 内容编辑 writes an article (Markdown body rendered and
//! cleaned before storage, attachments checked by content and name),
//! every save keeping a version; a different staff member, a 内容审核,
//! approves it (published at its scheduled time, indexed for search) or
//! returns it with a reason, and may withdraw it later (off the portal
//! and out of search at once). Every change of state is audited.

use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::ids::{ArticleId, FileId};
use scigrant_domain::portal::article::{
    ATTACHMENTS_PER_ARTICLE, ArticleAction, ArticleState, BODY_MAX, PUBLISHER_MAX, Section,
    TITLE_MAX, may_review,
};
use scigrant_domain::portal::markup::{plain_title, render_body};
use scigrant_domain::upload::extension_fits;
use scigrant_store::AnyConnection;
use scigrant_store::files::{self, NewFile};
use scigrant_store::portal::articles::{self as store, ArticleText, Move};
use scigrant_store::portal::terms;

use super::{ArticleLineView, ArticleView, VersionView};
use crate::identity::register::Uploaded;
use crate::{Actor, App, AppError, FieldErrors, Page, audit};

/// The article form as typed.
#[derive(Clone, Debug, Default)]
pub struct ArticleForm {
    pub section: String,
    pub title: String,
    pub publisher: String,
    pub body: String,
    pub important: bool,
    pub pinned: bool,
    /// "2026-07-01 09:00" or a date; empty: on approval.
    pub publish_at: String,
    /// Attachments to remove (on edit).
    pub remove: Vec<FileId>,
}

struct Checked {
    section: Section,
    title: String,
    publisher: String,
    body_html: String,
    scheduled_at: Option<i64>,
}

fn check(f: &ArticleForm, uploads: &[Uploaded]) -> Result<Checked, AppError> {
    let mut e = FieldErrors::new();
    let section = Section::from_code(&f.section);
    if section.is_none() {
        e.add("section", "请选择栏目");
    }
    let title = plain_title(&f.title);
    e.require("title", &title, "标题", TITLE_MAX);
    e.require("publisher", &f.publisher, "发布单位", PUBLISHER_MAX);
    if f.body.trim().is_empty() {
        e.add("body", "请输入正文");
    } else if f.body.chars().count() > BODY_MAX {
        e.add("body", format!("正文不能超过{BODY_MAX}个字"));
    }
    let scheduled_at = if f.publish_at.trim().is_empty() {
        None
    } else {
        match parse_moment(&f.publish_at, DayPart::Start) {
            Ok(t) => Some(t),
            Err(_) => {
                e.add(
                    "publish_at",
                    "发布时间格式应为 2026-07-01 或 2026-07-01 09:00",
                );
                None
            }
        }
    };
    for u in uploads {
        if !extension_fits(u.stored.kind, &u.original_name) {
            e.add(
                "attachments",
                format!(
                    "附件《{}》的文件名与内容不符（内容为{}）",
                    u.original_name,
                    u.stored.kind.label()
                ),
            );
        }
    }
    e.into_result()?;
    Ok(Checked {
        section: section.ok_or(AppError::Forbidden)?,
        title,
        publisher: f.publisher.trim().to_string(),
        body_html: render_body(&f.body),
        scheduled_at,
    })
}

fn staff_id(actor: &Actor) -> Result<i64, AppError> {
    actor.id.ok_or(AppError::Forbidden)
}

async fn attach_all(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    article: i64,
    uploads: &[Uploaded],
) -> Result<(), AppError> {
    for u in uploads {
        let name: String = u.original_name.chars().take(200).collect();
        let file_id = files::insert(
            c,
            NewFile {
                owner_kind: "staff",
                owner_id: staff_id(actor)?,
                purpose: "article_attachment",
                original_name: &name,
                stored: &u.stored,
                now: app.now(),
            },
        )
        .await?;
        store::attach(c, article, file_id).await?;
    }
    Ok(())
}

/// 新建文章: a draft, version 1. Audited as `article.create`.
pub async fn create_article(
    app: &App,
    actor: &Actor,
    f: &ArticleForm,
    uploads: &[Uploaded],
) -> Result<ArticleId, AppError> {
    let ok = check(f, uploads)?;
    if uploads.len() > ATTACHMENTS_PER_ARTICLE {
        return Err(AppError::field(
            "attachments",
            format!("附件不能超过{ATTACHMENTS_PER_ARTICLE}个"),
        ));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &ArticleText {
            section: ok.section.code(),
            title: &ok.title,
            publisher: &ok.publisher,
            body_md: &f.body,
            body_html: &ok.body_html,
            important: f.important,
            pinned: f.pinned,
            scheduled_at: ok.scheduled_at,
            editor_id: staff_id(actor)?,
            editor_label: &actor.label,
            now,
        },
    )
    .await?;
    attach_all(&mut tx, app, actor, id, uploads).await?;
    audit(
        &mut tx,
        app,
        actor,
        "article.create",
        ("article", Some(id)),
        "success",
        &format!("{} 《{}》", ok.section.label(), ok.title),
    )
    .await?;
    tx.commit().await?;
    Ok(ArticleId(id))
}

/// 保存修改: new text for a draft, returned or withdrawn article (it becomes
/// a draft again), kept as the next version; attachments added or removed.
/// Audited as `article.save`. Returns the new version number.
pub async fn save_article(
    app: &App,
    actor: &Actor,
    id: ArticleId,
    f: &ArticleForm,
    uploads: &[Uploaded],
) -> Result<i64, AppError> {
    let ok = check(f, uploads)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    let from = ArticleState::from_code(&row.state).ok_or(AppError::NotFound)?;
    if !from.editable() {
        return Err(AppError::Refused(
            "待审核或已发布的文章不能修改；已发布的文章请先撤回".into(),
        ));
    }
    let kept = store::files_of(&mut tx, id.0)
        .await?
        .len()
        .saturating_sub(f.remove.len());
    if kept + uploads.len() > ATTACHMENTS_PER_ARTICLE {
        return Err(AppError::field(
            "attachments",
            format!("附件不能超过{ATTACHMENTS_PER_ARTICLE}个"),
        ));
    }
    let version = store::save(
        &mut tx,
        id.0,
        from,
        &ArticleText {
            section: ok.section.code(),
            title: &ok.title,
            publisher: &ok.publisher,
            body_md: &f.body,
            body_html: &ok.body_html,
            important: f.important,
            pinned: f.pinned,
            scheduled_at: ok.scheduled_at,
            editor_id: staff_id(actor)?,
            editor_label: &actor.label,
            now,
        },
    )
    .await?
    .ok_or_else(|| AppError::Refused("文章状态已变化，请刷新后重试".into()))?;
    let mut removed = 0;
    for file in &f.remove {
        if store::detach(&mut tx, id.0, file.0).await? {
            removed += 1;
        }
    }
    attach_all(&mut tx, app, actor, id.0, uploads).await?;
    audit(
        &mut tx,
        app,
        actor,
        "article.save",
        ("article", Some(id.0)),
        "success",
        &format!(
            "《{}》第{version}版，新增附件{}个，移除附件{removed}个",
            ok.title,
            uploads.len()
        ),
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(version)
}

/// 提交审核. Audited as `article.submit`.
pub async fn submit_article(app: &App, actor: &Actor, id: ArticleId) -> Result<(), AppError> {
    act(app, actor, id, ArticleAction::Submit, "").await
}

/// 审核通过 (published from its scheduled time, or now) or 退回 with a
/// reason. Nobody reviews an article whose text they last saved. Audited
/// as `article.approve` / `article.return`.
pub async fn review_article(
    app: &App,
    actor: &Actor,
    id: ArticleId,
    approve: bool,
    reason: &str,
) -> Result<(), AppError> {
    if approve {
        act(app, actor, id, ArticleAction::Approve, reason).await
    } else {
        if reason.trim().is_empty() {
            return Err(AppError::field("reason", "请填写退回理由"));
        }
        act(app, actor, id, ArticleAction::Return, reason).await
    }
}

/// 撤回: off the portal and out of search at once. Audited as
/// `article.withdraw`.
pub async fn withdraw_article(
    app: &App,
    actor: &Actor,
    id: ArticleId,
    reason: &str,
) -> Result<(), AppError> {
    act(app, actor, id, ArticleAction::Withdraw, reason).await
}

async fn act(
    app: &App,
    actor: &Actor,
    id: ArticleId,
    action: ArticleAction,
    reason: &str,
) -> Result<(), AppError> {
    let reason: String = reason.trim().chars().take(500).collect();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    let from = ArticleState::from_code(&row.state).ok_or(AppError::NotFound)?;
    let to = action
        .apply(from)
        .ok_or_else(|| AppError::Refused(action.refusal().into()))?;
    let reviewing = matches!(action, ArticleAction::Approve | ArticleAction::Return);
    if reviewing && !may_review(staff_id(actor)?, row.editor_id) {
        return Err(AppError::Refused(
            "不能审核自己编辑的文章，请由其他内容审核人员审核".into(),
        ));
    }
    let publish_at =
        (action == ArticleAction::Approve).then(|| row.scheduled_at.map_or(now, |t| t.max(now)));
    let moved = store::set_state(
        &mut tx,
        &Move {
            id: id.0,
            from,
            to,
            reviewer_label: reviewing.then_some(actor.label.as_str()),
            return_reason: (action == ArticleAction::Return).then_some(reason.as_str()),
            publish_at,
            now,
        },
    )
    .await?;
    if !moved {
        return Err(AppError::Refused("文章状态已变化，请刷新后重试".into()));
    }
    match action {
        ArticleAction::Approve => {
            let index = super::search::terms_of(&row.title, &row.body_html);
            let at = terms::Posted {
                article_id: id.0,
                section: &row.section,
                publish_at: publish_at.unwrap_or(now),
            };
            terms::replace(&mut tx, at, &index).await?;
        }
        ArticleAction::Withdraw => terms::remove(&mut tx, id.0).await?,
        _ => {}
    }
    let (code, outcome) = match action {
        ArticleAction::Submit => ("article.submit", "success"),
        ArticleAction::Approve => ("article.approve", "approved"),
        ArticleAction::Return => ("article.return", "rejected"),
        ArticleAction::Withdraw => ("article.withdraw", "success"),
    };
    let mut detail = format!("《{}》第{}版", row.title, row.version);
    if let Some(t) = publish_at {
        detail.push_str(&format!(
            " 发布时间 {}",
            scigrant_domain::calendar::format_datetime(t)
        ));
    }
    if !reason.is_empty() {
        detail.push_str(&format!(" 理由：{reason}"));
    }
    audit(
        &mut tx,
        app,
        actor,
        code,
        ("article", Some(id.0)),
        outcome,
        &detail,
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(())
}

/// 内容管理's list: every article, optionally of one state.
pub async fn staff_articles(
    app: &App,
    state: Option<ArticleState>,
    page: i64,
) -> Result<Page<ArticleLineView>, AppError> {
    const PER_PAGE: i64 = 20;
    let mut c = app.db.read().await?;
    let (rows, total) = store::staff_lines(
        &mut c,
        state.map_or("", |s| s.code()),
        Page::<()>::offset(page, PER_PAGE),
        PER_PAGE,
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(ArticleLineView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(rows, total, page, PER_PAGE))
}

/// One article as staff see it, whatever its state, with every version.
pub async fn staff_article(
    app: &App,
    id: ArticleId,
) -> Result<(ArticleView, Vec<VersionView>), AppError> {
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    let files = store::files_of(&mut c, id.0).await?;
    let versions = store::versions(&mut c, id.0).await?;
    Ok((
        ArticleView::new(row, files)?,
        versions.into_iter().map(VersionView::from).collect(),
    ))
}
