//! What the 项目管理员 does with a solicitation: open it on a published
//! notice (period, the built-in 指南建议表 or an imported form), read the
//! submitted suggestions, decide each (采纳, 部分采纳, 未采纳) or merge a
//! duplicate into another, with tags and a reply, and export them all to
//! Excel (every field of the form, contacts as typed by the suggester for
//! this purpose). Each change is audited.

use scigrant_domain::calendar::{DayPart, format_datetime};
use scigrant_domain::grants::form::{Entry, FormSpec, Value};
use scigrant_domain::grants::solicitation::{
    SuggestionState, check_reply, parse_tags, standard_form,
};
use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::article::ArticleState;
use scigrant_store::grants::calls;
use scigrant_store::grants::solicitations::{self as store, Handling, NewSolicitation};
use scigrant_store::portal::articles;

use super::{SolicitationLineView, SolicitationView, SuggestionView, line_of, view_of, views};
use crate::grants::calls::moment_field;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The form that opens a solicitation, as typed.
#[derive(Clone, Debug, Default)]
pub struct OpenForm {
    /// The announcing notice's id.
    pub article: String,
    pub opens: String,
    pub closes: String,
    /// An imported form's JSON; blank for the built-in 指南建议表.
    pub form_json: String,
}

/// Every solicitation (newest first) and the published articles that
/// announce none yet.
pub async fn solicitations(
    app: &App,
) -> Result<(Vec<SolicitationLineView>, Vec<(ArticleId, String)>), AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let lines = store::lines(&mut c, SuggestionState::Draft.code()).await?;
    let free = store::articles_without(&mut c, ArticleState::Published.code()).await?;
    Ok((
        lines.into_iter().map(|l| line_of(l, now)).collect(),
        free.into_iter().map(|(id, t)| (ArticleId(id), t)).collect(),
    ))
}

const MOMENT_HINT: &str = "时间格式应为 2026-07-01 或 2026-07-01 09:00";

/// 发起指南征集 on a published notice: a period that ends after it starts
/// and has not ended, the form (checked as a call's form is). One per
/// notice. Audit `solicitation.open`. Returns the solicitation's id.
pub async fn open_solicitation(app: &App, actor: &Actor, f: &OpenForm) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let article = f.article.trim().parse::<i64>().ok();
    if article.is_none() {
        e.add("article", "请选择发布征集通知的文章");
    }
    let opens_at = moment_field(&mut e, "opens", &f.opens, DayPart::Start, MOMENT_HINT);
    let closes_at = moment_field(&mut e, "closes", &f.closes, DayPart::End, MOMENT_HINT);
    if let (Some(o), Some(c)) = (opens_at, closes_at) {
        if c <= o {
            e.add("closes", "截止时间应晚于开始时间");
        } else if c <= app.now() {
            e.add("closes", "截止时间已过，请重新填写");
        }
    }
    let spec = if f.form_json.trim().is_empty() {
        Some(standard_form())
    } else {
        FormSpec::from_json(&f.form_json)
            .map_err(|m| e.add("form_json", m))
            .ok()
    };
    let mut tx = app.db.begin().await?;
    if let Some(id) = article {
        match articles::get(&mut tx, id).await? {
            Some(a) if a.state == ArticleState::Published.code() => {
                if store::of_article(&mut tx, id).await?.is_some() {
                    e.add("article", "该通知已发起过指南征集");
                }
            }
            _ => e.add("article", "只能在已发布的通知上发起指南征集"),
        }
    }
    e.into_result()?;
    let (Some(article), Some(opens_at), Some(closes_at), Some(spec)) =
        (article, opens_at, closes_at, spec)
    else {
        return Err(AppError::Internal("form checked above".into()));
    };
    let now = app.now();
    let spec_id = calls::insert_form_spec(
        &mut tx,
        &spec.code,
        &spec.title,
        &spec.to_json_pretty(),
        now,
    )
    .await?;
    let id = store::insert(
        &mut tx,
        &NewSolicitation {
            article_id: article,
            form_spec_id: spec_id,
            opens_at,
            closes_at,
            opened_by: &actor.label,
            now,
        },
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "solicitation.open",
        ("solicitation", Some(id)),
        "success",
        &format!(
            "文章 {article} {} 至 {}，{}",
            format_datetime(opens_at),
            format_datetime(closes_at),
            spec.title
        ),
    )
    .await?;
    tx.commit().await?;
    app.cache.portal.changed();
    Ok(id)
}

/// A solicitation with its submitted suggestions in submission order.
pub async fn staff_solicitation(
    app: &App,
    id: i64,
) -> Result<(SolicitationView, Vec<SuggestionView>), AppError> {
    let mut c = app.db.read().await?;
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let s = view_of(app, &mut c, r).await?;
    let rows = store::of_solicitation(&mut c, id, SuggestionState::Draft.code()).await?;
    Ok((s, views(&mut c, &app.pii, rows).await?))
}

/// Staff's handling of one suggestion, as typed.
#[derive(Clone, Debug, Default)]
pub struct HandleForm {
    /// A decided state's code, or "merged".
    pub state: String,
    pub tags: String,
    pub reply: String,
    /// For 合并: the number of the suggestion it duplicates.
    pub merge_into: String,
}

/// Decides a submitted suggestion, or merges it into another of the same
/// solicitation (which must not itself be merged). Handling may be
/// changed later. Audit `suggestion.handle`. Returns the solicitation's id.
pub async fn handle_suggestion(
    app: &App,
    actor: &Actor,
    id: i64,
    f: &HandleForm,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let state = SuggestionState::from_code(&f.state).filter(|s| s.handled());
    if state.is_none() {
        e.add("state", "请选择处理结果");
    }
    let tags = parse_tags(&f.tags).map_err(|m| e.add("tags", m)).ok();
    if let Some(s) = state
        && let Err(m) = check_reply(s, &f.reply)
    {
        e.add("reply", m);
    }
    let mut tx = app.db.begin().await?;
    let r = store::suggestion(&mut tx, id)
        .await?
        .filter(|r| r.state != SuggestionState::Draft.code())
        .ok_or(AppError::NotFound)?;
    let mut merged_into = None;
    if state == Some(SuggestionState::Merged) {
        let target =
            store::of_solicitation(&mut tx, r.solicitation_id, SuggestionState::Draft.code())
                .await?
                .into_iter()
                .find(|t| t.number.as_deref() == Some(f.merge_into.trim()));
        match target {
            None => e.add("merge_into", "请填写本次征集中被合并到的建议编号"),
            Some(t) if t.id == id => e.add("merge_into", "不能合并到自身"),
            Some(t) if t.state == SuggestionState::Merged.code() => e.add(
                "merge_into",
                "该建议已合并到其他建议，请填写最终保留的建议编号",
            ),
            Some(t) => merged_into = Some(t.id),
        }
    }
    e.into_result()?;
    let (Some(state), Some(tags)) = (state, tags) else {
        return Err(AppError::Internal("form checked above".into()));
    };
    let reply = match f.reply.trim() {
        "" if merged_into.is_some() => format!("与建议{}重复，已合并处理", f.merge_into.trim()),
        r => r.to_string(),
    };
    let done = store::handle(
        &mut tx,
        &Handling {
            id,
            state: state.code(),
            tags: &tags.join("、"),
            reply: &reply,
            merged_into,
            by: &actor.label,
            now: app.now(),
            draft: SuggestionState::Draft.code(),
        },
    )
    .await?;
    if !done {
        return Err(AppError::NotFound);
    }
    audit(
        &mut tx,
        app,
        actor,
        "suggestion.handle",
        ("suggestion", Some(id)),
        "success",
        &format!(
            "{} {}{}",
            r.number.unwrap_or_default(),
            state.label(),
            if merged_into.is_some() {
                format!(" 合并到 {}", f.merge_into.trim())
            } else {
                String::new()
            }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(r.solicitation_id)
}

/// The export's header: number, the form's own fields in order, then the
/// suggester and the handling.
fn headers(spec: &FormSpec) -> Vec<String> {
    let mut h = vec!["建议编号".to_string()];
    h.extend(fields(spec).into_iter().map(|(_, l)| l));
    h.extend(
        [
            "提交人",
            "提交时间",
            "处理结果",
            "标签",
            "合并到",
            "答复意见",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

fn fields(spec: &FormSpec) -> Vec<(String, String)> {
    spec.entries()
        .filter_map(|e| match e {
            Entry::Field(f) => Some((f.key.clone(), f.label.clone())),
            _ => None,
        })
        .collect()
}

/// Every submitted suggestion as .xlsx; the file name's stem is the
/// notice's title. Audit `solicitation.export`.
pub async fn export_suggestions(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let (s, items) = staff_solicitation(app, id).await?;
    let keys = fields(&s.spec);
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|g| {
            let mut row = vec![g.number.clone()];
            row.extend(keys.iter().map(|(k, _)| match g.data.get(k) {
                Some(Value::Text(t)) => t.trim().to_string(),
                _ => String::new(),
            }));
            row.extend([
                g.author.clone(),
                g.submitted_at.map(format_datetime).unwrap_or_default(),
                g.state.label().to_string(),
                g.tags_text(),
                g.merged_into.clone(),
                g.reply.clone(),
            ]);
            row
        })
        .collect();
    let h = headers(&s.spec);
    let header_refs: Vec<&str> = h.iter().map(String::as_str).collect();
    let bytes = crate::export::xlsx("指南建议", &header_refs, &rows)?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "solicitation.export",
        ("solicitation", Some(id)),
        "success",
        &format!("{} 条", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok((s.title, bytes))
}
