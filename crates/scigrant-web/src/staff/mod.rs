//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

pub mod accounts;
pub mod appeals;
pub mod call_documents;
pub mod call_eligibility;
pub mod consultations;
pub mod content;
pub mod dictionaries;
pub mod experts;
pub mod experts_import;
pub mod experts_notice;
pub mod funding;
pub mod logs;
pub mod programs;
pub mod realname;
pub mod review;
pub mod reviews;
pub mod security;
pub mod similarity;
pub mod solicitations;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{OkQuery, notice_text};
use crate::http::pages::{PageCtx, render};
use crate::routes::Table;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_app::admin::audit::{AuditEntry, privileged_staff_changes};
use scigrant_app::notify::{Channel, OutboxView, Status, recent};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::permission::Caller;

pub(crate) fn role_of(ctx: &Ctx) -> Option<StaffRole> {
    match ctx.session.as_ref().map(|s| s.caller) {
        Some(Caller::Staff { role, .. }) => Some(role),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub role: &'static str,
    /// 需关注的三员账号变更 (审计管理员 only).
    pub privileged: Vec<AuditEntry>,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    ctx.require(AccountKind::Staff)?;
    let staff_role = role_of(&ctx);
    let role = staff_role.map(|r| r.code()).unwrap_or("");
    let privileged = if staff_role == Some(StaffRole::AuditAdmin) {
        privileged_staff_changes(&state.app).await?
    } else {
        Vec::new()
    };
    Ok(render(&HomePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        role,
        privileged,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/outbox.html")]
pub struct OutboxPage {
    pub ctx: PageCtx,
    pub items: Vec<OutboxView>,
}

/// The SMS outbox (default SMS provider): the roles of
/// `permission::OUTBOX_READERS` read what was sent.
pub async fn outbox(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let items = recent(&state.app, 200).await?;
    Ok(render(&OutboxPage {
        ctx: PageCtx::new(&state, &ctx),
        items,
    })
    .into_response())
}

/// The console's routes, each with the role that may use it.
pub fn routes(t: Table) -> Table {
    use scigrant_domain::identity::account::StaffRole::*;
    use scigrant_domain::permission::OUTBOX_READERS;
    use scigrant_domain::permission::Permission::{Staff, StaffRole};
    let reviewer = StaffRole(AccountReviewer);
    let sysadmin = StaffRole(SystemAdmin);
    let secadmin = StaffRole(SecurityAdmin);
    let auditor = StaffRole(AuditAdmin);
    let manager = StaffRole(ProgramManager);
    t.get("/staff", Staff, get(home))
        .get(
            "/staff/outbox",
            scigrant_domain::permission::Permission::StaffRoles(OUTBOX_READERS),
            get(outbox),
        )
        // 账号审核员: 初审 / 复审
        .get("/staff/units", reviewer, get(reviews::units))
        .get("/staff/units/export", reviewer, get(reviews::units_export))
        .get("/staff/units/{id}", reviewer, get(reviews::unit))
        .post(
            "/staff/units/{id}/review",
            reviewer,
            post(reviews::unit_review),
        )
        // 账号审核员: 实名认证 manual review
        .get("/staff/realname", reviewer, get(realname::list))
        .get("/staff/realname/{kind}/{id}", reviewer, get(realname::case))
        .post(
            "/staff/realname/{kind}/{id}/decide",
            reviewer,
            post(realname::decide),
        )
        .get(
            "/staff/realname/{kind}/{id}/image/{side}",
            reviewer,
            get(realname::image),
        )
        // 账号审核员: 申诉找回密码
        .get("/staff/appeals", reviewer, get(appeals::queue))
        .get("/staff/appeals/{id}", reviewer, get(appeals::show))
        .get(
            "/staff/appeals/{id}/images/{file}",
            reviewer,
            get(appeals::image),
        )
        .post(
            "/staff/appeals/{id}/decide",
            reviewer,
            post(appeals::decide),
        )
        // 系统管理员: staff accounts
        .get("/staff/accounts", sysadmin, get(accounts::accounts))
        .post("/staff/accounts", sysadmin, post(accounts::account_add))
        .get(
            "/staff/accounts/export",
            sysadmin,
            get(accounts::accounts_export),
        )
        .post(
            "/staff/accounts/{id}",
            sysadmin,
            post(accounts::account_update),
        )
        // 系统管理员: 字典管理
        .get("/staff/dictionaries", sysadmin, get(dictionaries::list))
        .post("/staff/dictionaries", sysadmin, post(dictionaries::add))
        .post(
            "/staff/dictionaries/edit",
            sysadmin,
            post(dictionaries::edit),
        )
        .post(
            "/staff/dictionaries/state",
            sysadmin,
            post(dictionaries::set_state),
        )
        // 安全管理员
        .get("/staff/security", secadmin, get(security::security))
        .post("/staff/security", secadmin, post(security::security_submit))
        .post("/staff/security/unlock", secadmin, post(security::unlock))
        .get("/staff/online", secadmin, get(security::online))
        .post("/staff/online/end", secadmin, post(security::end_session))
        // 审计管理员
        .get("/staff/logs", auditor, get(logs::logs))
        .get("/staff/logs/verify", auditor, get(logs::logs_verify))
        .get("/staff/logs/export", auditor, get(logs::logs_export))
        // 项目管理员: 计划管理
        .get("/staff/programs", manager, get(programs::list))
        .post("/staff/programs", manager, post(programs::add_program))
        .post(
            "/staff/programs/{id}/limits",
            manager,
            post(programs::set_limits),
        )
        .get(
            "/staff/programs/{id}/calls/new",
            manager,
            get(programs::new_call),
        )
        .post(
            "/staff/programs/{id}/calls",
            manager,
            post(programs::add_call).layer(DefaultBodyLimit::max(
                crate::http::forms::DEFINITION_MAX + 64 * 1024,
            )),
        )
        .get("/staff/calls/{id}", manager, get(programs::call))
        .get(
            "/staff/calls/{id}/form.json",
            manager,
            get(programs::form_json),
        )
        .post(
            "/staff/calls/{id}/state",
            manager,
            post(programs::call_state),
        )
        .post(
            "/staff/calls/{id}/extension",
            manager,
            post(programs::extension),
        )
        .post("/staff/calls/{id}/export", manager, post(programs::export))
        .post(
            "/staff/calls/{id}/eligibility",
            manager,
            post(call_eligibility::save),
        )
        .post(
            "/staff/calls/{id}/realname",
            manager,
            post(realname::call_requirement),
        )
        .post(
            "/staff/calls/{id}/documents",
            manager,
            post(call_documents::upload).layer(DefaultBodyLimit::max(
                scigrant_domain::grants::documents::DOCUMENT_MAX as usize + crate::routes::MB,
            )),
        )
        .get(
            "/staff/calls/{id}/documents/{file}",
            manager,
            get(call_documents::download),
        )
        .post(
            "/staff/calls/{id}/documents/{file}/remove",
            manager,
            post(call_documents::remove),
        )
        .post(
            "/staff/applications/{id}/decide",
            manager,
            post(programs::decide),
        )
        // 项目管理员: 立项, 立项公示, 异议处理
        .get("/staff/calls/{id}/funding", manager, get(funding::show))
        .post(
            "/staff/calls/{id}/funding/budget",
            manager,
            post(funding::budget),
        )
        .post(
            "/staff/calls/{id}/funding/notice",
            manager,
            post(funding::publish),
        )
        .post("/staff/funding/{id}/decide", manager, post(funding::decide))
        // 项目管理员: 专家公示
        .get(
            "/staff/calls/{id}/experts-notice",
            manager,
            get(experts_notice::show),
        )
        .post(
            "/staff/calls/{id}/experts-notice",
            manager,
            post(experts_notice::publish),
        )
        .get(
            "/staff/notices/{id}/objections",
            manager,
            get(funding::objection_list),
        )
        .post(
            "/staff/objections/{id}/handle",
            manager,
            post(funding::handle),
        )
        .get(
            "/staff/objections/{id}/statement",
            manager,
            get(funding::statement),
        )
        // 项目管理员: 查重
        .get(
            "/staff/calls/{id}/similarity",
            manager,
            get(similarity::call_pairs),
        )
        .get(
            "/staff/similarity/{a}/{b}",
            manager,
            get(similarity::staff_pair),
        )
        // 项目管理员: 专家评审
        .get("/staff/calls/{id}/review", manager, get(review::plan))
        .post("/staff/calls/{id}/review", manager, post(review::save))
        .get(
            "/staff/calls/{id}/review/assign",
            manager,
            get(review::assignments),
        )
        .post(
            "/staff/calls/{id}/review/assign",
            manager,
            post(review::run),
        )
        .post("/staff/calls/{id}/review/add", manager, post(review::add))
        .post(
            "/staff/calls/{id}/review/remind",
            manager,
            post(review::remind),
        )
        .post(
            "/staff/calls/{id}/review/expire",
            manager,
            post(review::expire),
        )
        .post(
            "/staff/calls/{id}/review/assignments/{aid}/pin",
            manager,
            post(review::pin),
        )
        .post(
            "/staff/calls/{id}/review/assignments/{aid}/remove",
            manager,
            post(review::remove),
        )
        .post(
            "/staff/calls/{id}/review/assignments/{aid}/reopen",
            manager,
            post(review::reopen),
        )
        .get(
            "/staff/calls/{id}/review/results",
            manager,
            get(review::results),
        )
        .post(
            "/staff/calls/{id}/review/export",
            manager,
            post(review::export),
        )
        // 项目管理员: 专家管理
        .get("/staff/experts", manager, get(experts::list))
        .get("/staff/experts/export", manager, get(experts::export))
        .get("/staff/experts/import", manager, get(experts_import::form))
        .post(
            "/staff/experts/import",
            manager,
            post(experts_import::submit)
                .layer(DefaultBodyLimit::max(experts_import::MAX_BYTES + 64 * 1024)),
        )
        .get("/staff/experts/{id}", manager, get(experts::expert))
        .post("/staff/experts/{id}/decide", manager, post(experts::decide))
}
