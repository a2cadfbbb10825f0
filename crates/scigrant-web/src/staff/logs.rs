//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::pages::{Errs, PageCtx, Pager, qv, render, xlsx_download};
use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::audit::{
    AUDIT_COLUMNS, AuditEntry, AuditFilter, ChainProblem, ChainReport, LogKind, export_audit,
    seal_and_verify_audit, search_audit,
};
use scigrant_app::{AppError, FieldErrors, Page};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogsQuery {
    kind: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "staff/logs.html")]
pub struct LogsPage {
    pub ctx: PageCtx,
    pub kind: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub items: Vec<AuditEntry>,
    pub pager: Pager,
    pub chain: Option<ChainReport>,
    /// What the chain check found wrong, worded for the auditor.
    pub chain_problems: Vec<String>,
    pub errs: Errs,
    /// The export's columns: (key, header).
    pub columns: &'static [(&'static str, &'static str)],
}

/// One finding of the audit chain check, for the page and the command line.
pub fn chain_problem_text(p: &ChainProblem) -> String {
    match p {
        ChainProblem::Altered { seq } => {
            format!("第 {seq} 条记录与密钥哈希链不符：记录被修改，或哈希链被重新计算")
        }
        ChainProblem::Missing { seq } => {
            format!("第 {seq} 条已封存的记录缺失：记录被删除或序号不连续")
        }
        ChainProblem::Shortened {
            head,
            count,
            anchor_seq,
            anchor_count,
        } => format!(
            "审计链现有 {count} 条、最新为第 {head} 条，少于链外锚点记录的 {anchor_count} 条（第 {anchor_seq} 条）：记录被删除，或最新的记录被截去"
        ),
        ChainProblem::AnchorMismatch { seq } => {
            format!("第 {seq} 条的哈希与链外锚点不符：审计链被改写")
        }
        ChainProblem::Checkpoint { seq } => {
            format!("保留期清理的检查点（第 {seq} 条）与密钥不符：检查点被改动，以掩盖删除的记录")
        }
        ChainProblem::Upgrade { seq } => {
            format!("旧版审计链的接管记录（至第 {seq} 条）与密钥不符：接管记录被改动")
        }
        ChainProblem::Forged { id } => {
            format!(
                "编号 {id} 的审计记录与写入时的校验码不符：记录在封存前被修改，或不是本系统写入的"
            )
        }
    }
}

async fn logs_page(
    state: &AppState,
    ctx: &Ctx,
    q: LogsQuery,
    chain: Option<ChainReport>,
) -> Result<(StatusCode, LogsPage), WebError> {
    let kind = if q.kind == "login" {
        LogKind::Logins
    } else {
        LogKind::Operations
    };
    let (status, page, errs) = match AuditFilter::parse(&q.actor, &q.action, kind, &q.from, &q.to) {
        Ok(filter) => (
            StatusCode::OK,
            search_audit(&state.app, &filter, q.page.max(1)).await?,
            FieldErrors::new(),
        ),
        Err(AppError::Validation(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Page::empty(50), e),
        Err(e) => return Err(e.into()),
    };
    let base = format!(
        "kind={}&actor={}&action={}&from={}&to={}&",
        qv(&q.kind),
        qv(&q.actor),
        qv(&q.action),
        qv(&q.from),
        qv(&q.to)
    );
    let page = LogsPage {
        ctx: PageCtx::new(state, ctx),
        pager: Pager::new(&page, base),
        kind: if kind == LogKind::Logins {
            "login".into()
        } else {
            "op".into()
        },
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        items: page.rows,
        chain_problems: chain
            .iter()
            .flat_map(|c| c.problems.iter().map(chain_problem_text))
            .collect(),
        chain,
        errs: Errs(errs),
        columns: &AUDIT_COLUMNS,
    };
    Ok((status, page))
}

/// 操作日志 / 登录日志.
pub async fn logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogsQuery>,
) -> Result<Response, WebError> {
    let (status, page) = logs_page(&state, &ctx, q, None).await?;
    Ok((status, render(&page)).into_response())
}

/// Seals pending records and verifies the SM3 chain.
pub async fn logs_verify(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let check = seal_and_verify_audit(&state.app).await?;
    let (status, page) = logs_page(&state, &ctx, LogsQuery::default(), Some(check)).await?;
    Ok((status, render(&page)).into_response())
}

/// 操作日志 / 登录日志 as .xlsx: the same filter as the page, the columns
/// ticked on it (`col`, repeated), newest first.
pub async fn logs_export(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let q = Posted::parse(query.unwrap_or_default().as_bytes());
    let kind = if q.get("kind") == "login" {
        LogKind::Logins
    } else {
        LogKind::Operations
    };
    let filter = AuditFilter::parse(
        &q.get("actor"),
        &q.get("action"),
        kind,
        &q.get("from"),
        &q.get("to"),
    )?;
    let bytes = export_audit(&state.app, &ctx.actor(), &filter, &q.all("col")).await?;
    let (ascii, name) = if kind == LogKind::Logins {
        ("login-log.xlsx", "登录日志.xlsx")
    } else {
        ("operation-log.xlsx", "操作日志.xlsx")
    };
    Ok(xlsx_download(ascii, name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_findings_are_worded_for_the_auditor() {
        assert_eq!(
            chain_problem_text(&ChainProblem::Altered { seq: 2 }),
            "第 2 条记录与密钥哈希链不符：记录被修改，或哈希链被重新计算"
        );
        assert_eq!(
            chain_problem_text(&ChainProblem::Missing { seq: 3 }),
            "第 3 条已封存的记录缺失：记录被删除或序号不连续"
        );
        assert_eq!(
            chain_problem_text(&ChainProblem::Shortened {
                head: 8,
                count: 8,
                anchor_seq: 10,
                anchor_count: 10
            }),
            "审计链现有 8 条、最新为第 8 条，少于链外锚点记录的 10 条（第 10 条）：记录被删除，或最新的记录被截去"
        );
        assert_eq!(
            chain_problem_text(&ChainProblem::AnchorMismatch { seq: 10 }),
            "第 10 条的哈希与链外锚点不符：审计链被改写"
        );
    }
}
