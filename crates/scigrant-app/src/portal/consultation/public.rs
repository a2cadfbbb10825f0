//! What visitors do with a consultation: read the list and one
//! consultation (its sections, its period, and after closing the
//! 处理情况), and comment on a section while it is open.

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::ids::ArticleId;
use scigrant_domain::mask::mask_phone;
use scigrant_domain::portal::article::ArticleState;
use scigrant_domain::portal::consultation::{NAME_MAX, Phase, UNIT_MAX, check_body};
use scigrant_store::portal::articles;
use scigrant_store::portal::consultations as store;

use super::{ConsultationLineView, ConsultationView, line_of};
use crate::identity::captcha::take_captcha;
use crate::portal::ArticleView;
use crate::portal::public::public_article;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The comment form as typed.
#[derive(Clone, Debug, Default)]
pub struct CommentForm {
    /// The section's number (1-based), as posted.
    pub section: String,
    pub body: String,
    pub name: String,
    pub unit: String,
    pub phone: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// The consultations visitors see: opened, on a public guide; newest
/// period first.
pub async fn public_consultations(app: &App) -> Result<Vec<ConsultationLineView>, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let rows = store::public_lines(&mut c, now, ArticleState::Published.code()).await?;
    Ok(rows.into_iter().map(|l| line_of(l, now)).collect())
}

/// One consultation for visitors; `NotFound` before it opens or when its
/// guide is not public.
pub async fn public_consultation(app: &App, id: i64) -> Result<ConsultationView, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let a = articles::get_public(&mut c, r.article_id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let comments = store::comments(&mut c, id).await?;
    let v = ConsultationView::new(r, a.title, &comments, now);
    if v.phase == Phase::Scheduled {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// A public article with its consultation, if one has opened (the guide's
/// page says 征求意见中 and links to the form).
pub async fn guide_article(
    app: &App,
    id: ArticleId,
) -> Result<(ArticleView, Option<ConsultationView>), AppError> {
    let a = public_article(app, id).await?;
    let now = app.now();
    let mut c = app.db.read().await?;
    let consultation = match store::of_article(&mut c, id.0).await? {
        Some(r) => {
            let comments = store::comments(&mut c, r.id).await?;
            Some(ConsultationView::new(
                r,
                a.line.title.clone(),
                &comments,
                now,
            ))
            .filter(|v| v.phase != Phase::Scheduled)
        }
        None => None,
    };
    Ok((a, consultation))
}

/// Takes a comment on a section of consultation `id`. `NotFound` before
/// the period or when the guide is not public; `Refused` after the period
/// (to the second) or, when only signed-in accounts may comment, for a
/// visitor. Field errors for the section, the text (≤ 1000 characters),
/// name, unit, phone and the captcha (taken once, right or wrong, even
/// when other fields are wrong). Side effects: the comment (phone sealed,
/// a masked copy for display), audit `consultation.comment`. Returns the
/// comment's id.
pub async fn comment(app: &App, actor: &Actor, id: i64, f: &CommentForm) -> Result<i64, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if articles::get_public(&mut tx, r.article_id, now)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    match scigrant_domain::portal::consultation::phase(
        r.opens_at,
        r.closes_at,
        r.closed_at.is_some(),
        now,
    ) {
        Phase::Scheduled => return Err(AppError::NotFound),
        Phase::Open => {}
        Phase::Handling | Phase::Closed => {
            return Err(AppError::Refused(format!(
                "征求意见已于 {} 截止，不再受理意见",
                format_datetime(r.closes_at)
            )));
        }
    }
    if r.anonymous == 0 && actor.kind.is_none() {
        return Err(AppError::Refused(
            "本次征求意见仅受理登录用户的意见，请先登录后再提交".into(),
        ));
    }
    let mut e = FieldErrors::new();
    let sections = r.sections.lines().count() as i64;
    let section = f
        .section
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=sections).contains(n));
    if section.is_none() {
        e.add("section", "请选择意见针对的指南章节");
    }
    if let Err(refusal) = check_body(&f.body) {
        e.add(refusal.field, refusal.message);
    }
    e.require("name", &f.name, "姓名", NAME_MAX);
    e.require("unit", &f.unit, "工作单位", UNIT_MAX);
    let phone = match Phone::parse(&f.phone) {
        Ok(p) => Some(p),
        Err(err) => {
            e.add("phone", err.to_string());
            None
        }
    };
    // The captcha is taken last and always, so a form with other errors
    // still costs its one attempt.
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        e.add("captcha", "图形验证码不正确或已过期，请重新输入");
    }
    let (Some(section), Some(phone)) = (section, phone) else {
        tx.commit().await?;
        return Err(AppError::Validation(e));
    };
    if !e.is_empty() {
        tx.commit().await?;
        return Err(AppError::Validation(e));
    }
    let comment_id = store::insert_comment(
        &mut tx,
        &app.pii,
        &store::NewComment {
            consultation_id: id,
            section_no: section,
            body: f.body.trim(),
            name: f.name.trim(),
            unit: f.unit.trim(),
            phone: phone.as_str(),
            phone_masked: &mask_phone(phone.as_str()),
            account_kind: actor.kind.map_or("", |k| k.code()),
            account_id: actor.id,
            now,
        },
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "consultation.comment",
        ("comment", Some(comment_id)),
        "success",
        &format!("征求意见 {id} 第{section}章节"),
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(comment_id)
}
