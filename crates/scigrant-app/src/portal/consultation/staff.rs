//! What the 内容编辑 does with a consultation: open it on a published
//! guide, read the comments per section, mark and answer each, export
//! them (phones masked), and close it with a 处理情况说明 once the period
//! is over and every comment is handled. Each change is audited.

use scigrant_domain::calendar::{DayPart, format_datetime, parse_moment};
use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::article::{ArticleState, Section};
use scigrant_domain::portal::consultation::{
    CommentState, EXPLANATION_MAX, Phase, REPLY_MAX, check_period, parse_sections, phase,
};
use scigrant_store::portal::articles;
use scigrant_store::portal::consultations::{self as store, GuideChoice};

use super::{
    CommentView, ConsultationLineView, ConsultationView, SectionComments, by_section, line_of,
};
use crate::export::{Columns, xlsx_of};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The form that opens a consultation, as typed.
#[derive(Clone, Debug, Default)]
pub struct OpenForm {
    /// The guide article's id.
    pub article: String,
    /// "2026-07-01" (from 00:00:00) or "2026-07-01 09:00".
    pub opens: String,
    /// "2026-07-15" (to 23:59:59) or "2026-07-15 18:00".
    pub closes: String,
    /// Visitors without an account may comment.
    pub anonymous: bool,
    /// The guide's section headings, one per line.
    pub sections: String,
}

/// Every consultation (newest first) and the published guides that have
/// none yet, for the form that opens one.
pub async fn consultations(
    app: &App,
) -> Result<(Vec<ConsultationLineView>, Vec<(ArticleId, String)>), AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let lines = store::lines(&mut c).await?;
    let guides = store::guides_without(
        &mut c,
        Section::Guides.code(),
        ArticleState::Published.code(),
    )
    .await?;
    Ok((
        lines.into_iter().map(|l| line_of(l, now)).collect(),
        guides
            .into_iter()
            .map(|GuideChoice { id, title }| (ArticleId(id), title))
            .collect(),
    ))
}

/// 发起征求意见 on a published 申报指南: a period that ends after it
/// starts and has not ended yet, and the guide's sections. One per
/// guide. Audit `consultation.open`. Returns the consultation's id.
pub async fn open_consultation(app: &App, actor: &Actor, f: &OpenForm) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let article = f.article.trim().parse::<i64>().ok();
    if article.is_none() {
        e.add("article", "请选择要征求意见的申报指南");
    }
    let moment = |e: &mut FieldErrors, field: &str, s: &str, part: DayPart| {
        if s.trim().is_empty() {
            e.add(field, "请填写时间");
            return None;
        }
        parse_moment(s, part)
            .map_err(|_| e.add(field, "时间格式应为 2026-07-01 或 2026-07-01 09:00"))
            .ok()
    };
    let opens_at = moment(&mut e, "opens", &f.opens, DayPart::Start);
    let closes_at = moment(&mut e, "closes", &f.closes, DayPart::End);
    if let (Some(o), Some(c)) = (opens_at, closes_at) {
        if let Err(r) = check_period(o, c) {
            e.add(r.field, r.message);
        } else if c <= app.now() {
            e.add("closes", "截止时间已过，请重新填写");
        }
    }
    let sections = parse_sections(&f.sections)
        .map_err(|r| e.add(r.field, r.message))
        .ok();
    let mut tx = app.db.begin().await?;
    if let Some(id) = article {
        match articles::get(&mut tx, id).await? {
            Some(a)
                if a.section == Section::Guides.code()
                    && a.state == ArticleState::Published.code() =>
            {
                if store::of_article(&mut tx, id).await?.is_some() {
                    e.add("article", "该申报指南已发起过征求意见");
                }
            }
            _ => e.add("article", "只能对已发布的申报指南征求意见"),
        }
    }
    e.into_result()?;
    let (Some(article), Some(opens_at), Some(closes_at), Some(sections)) =
        (article, opens_at, closes_at, sections)
    else {
        return Err(AppError::Internal("form checked above".into()));
    };
    let id = store::insert(
        &mut tx,
        &store::NewConsultation {
            article_id: article,
            opens_at,
            closes_at,
            anonymous: f.anonymous,
            sections: &sections.join("\n"),
            opened_by: &actor.label,
            now: app.now(),
        },
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "consultation.open",
        ("consultation", Some(id)),
        "success",
        &format!(
            "文章 {article} {} 至 {}，{}",
            format_datetime(opens_at),
            format_datetime(closes_at),
            if f.anonymous {
                "公众可提意见"
            } else {
                "仅登录用户"
            }
        ),
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(id)
}

/// A consultation with its comments under each section, for staff.
pub async fn staff_consultation(
    app: &App,
    id: i64,
) -> Result<(ConsultationView, Vec<SectionComments>), AppError> {
    let mut c = app.db.read().await?;
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let title = articles::get(&mut c, r.article_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    let rows = store::comments(&mut c, id).await?;
    let v = ConsultationView::new(r, title, &rows, app.now());
    let comments = rows
        .into_iter()
        .map(CommentView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let sections = by_section(&v.sections, comments);
    Ok((v, sections))
}

/// Marks a comment (`state`, a posted code other than 待处理) with a
/// reply (required unless 已采纳), while its consultation is not closed;
/// a later mark replaces an earlier one. Audit `consultation.handle`.
/// Returns the consultation's id.
pub async fn handle_comment(
    app: &App,
    actor: &Actor,
    comment_id: i64,
    state: &str,
    reply: &str,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let state = CommentState::from_code(state).filter(|s| *s != CommentState::Pending);
    if state.is_none() {
        e.add("state", "请选择处理结果");
    }
    let reply = reply.trim();
    if reply.chars().count() > REPLY_MAX {
        e.add("reply", format!("处理意见不能超过{REPLY_MAX}字"));
    } else if reply.is_empty() && state.is_some_and(CommentState::needs_reply) {
        e.add("reply", "请填写处理意见（采纳以外的处理须说明理由）");
    }
    e.into_result()?;
    let Some(state) = state else {
        return Err(AppError::Internal("state checked above".into()));
    };
    let mut tx = app.db.begin().await?;
    let c = store::comment(&mut tx, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let handled = store::handle(
        &mut tx,
        &store::Handling {
            id: comment_id,
            state,
            reply,
            by: &actor.label,
            now: app.now(),
        },
    )
    .await?;
    if !handled {
        return Err(AppError::Refused(
            "征求意见已结束，意见处理结果不能再修改".into(),
        ));
    }
    audit(
        &mut tx,
        app,
        actor,
        "consultation.handle",
        ("comment", Some(comment_id)),
        "success",
        &format!("征求意见 {} {}", c.consultation_id, state.label()),
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(c.consultation_id)
}

/// Columns of the export, in their stable order.
pub const EXPORT_COLUMNS: Columns = &[
    ("no", "序号"),
    ("section", "指南章节"),
    ("body", "意见内容"),
    ("name", "姓名"),
    ("unit", "工作单位"),
    ("phone", "联系电话"),
    ("at", "提交时间"),
    ("state", "处理结果"),
    ("reply", "处理意见"),
    ("by", "处理人"),
    ("replied_at", "处理时间"),
];

/// Every comment as .xlsx, by section, phones masked as on screen; the
/// file name's stem is the guide's title. Audit `consultation.export`.
pub async fn export_comments(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let (v, sections) = staff_consultation(app, id).await?;
    let rows: Vec<(usize, &str, &CommentView)> = sections
        .iter()
        .flat_map(|s| s.comments.iter().map(move |c| (s.title.as_str(), c)))
        .enumerate()
        .map(|(i, (section, c))| (i + 1, section, c))
        .collect();
    let bytes = xlsx_of(
        "指南意见",
        EXPORT_COLUMNS,
        &[],
        &rows,
        |&(n, section, c), key| match key {
            "no" => n.to_string(),
            "section" => section.to_string(),
            "body" => c.body.clone(),
            "name" => c.name.clone(),
            "unit" => c.unit.clone(),
            "phone" => c.phone_masked.clone(),
            "at" => format_datetime(c.at),
            "state" => c.state.label().to_string(),
            "reply" => c.reply.clone(),
            "by" => c.replied_by.clone(),
            _ => c.replied_at.map(format_datetime).unwrap_or_default(),
        },
    )?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "consultation.export",
        ("consultation", Some(id)),
        "success",
        &format!("{} 条意见", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok((v.title, bytes))
}

/// 结束征求意见: after the period, with every comment handled, staff
/// close the consultation with a 处理情况说明, which the portal then shows
/// with the counts per state. Once. Audit `consultation.close`.
pub async fn close_consultation(
    app: &App,
    actor: &Actor,
    id: i64,
    explanation: &str,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    e.require("explanation", explanation, "处理情况说明", EXPLANATION_MAX);
    e.into_result()?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    match phase(r.opens_at, r.closes_at, r.closed_at.is_some(), now) {
        Phase::Closed => return Err(AppError::Refused("该征求意见已结束".into())),
        Phase::Scheduled | Phase::Open => {
            return Err(AppError::Refused(format!(
                "征求意见期至 {} 截止，截止后方可结束并公布处理情况",
                format_datetime(r.closes_at)
            )));
        }
        Phase::Handling => {}
    }
    let pending = store::pending_count(&mut tx, id).await?;
    if pending > 0 {
        return Err(AppError::Refused(format!(
            "尚有 {pending} 条意见未处理，请处理后再结束"
        )));
    }
    if !store::close(&mut tx, id, explanation.trim(), &actor.label, now).await? {
        return Err(AppError::Refused("该征求意见已结束".into()));
    }
    audit(
        &mut tx,
        app,
        actor,
        "consultation.close",
        ("consultation", Some(id)),
        "success",
        "公布处理情况",
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(())
}
