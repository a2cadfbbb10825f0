//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::clock::{format_datetime, parse_date};
use scigrant_app::review::{Queue, UnitView, Verdict, queue, review_unit};
use scigrant_app::security::{
    NewStaff, SecurityParams, add_staff, end_session as end, list_staff, locked_accounts,
    online as online_sessions, params, seal_and_verify_audit, search_audit, set_params,
    unlock as unlock_account, update_staff,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::account::{AccountKind, StaffRole};
use scigrant_domain::permission::Caller;
use scigrant_store::audit::{ChainCheck, Filter};
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::handlers::{notice_text, see_other};
use crate::pages::{Errs, Opt, PageCtx, Pager, options, qv, render};

fn role_of(ctx: &Ctx) -> Option<StaffRole> {
    match ctx.session.as_ref().map(|s| s.caller) {
        Some(Caller::Staff { role, .. }) => Some(role),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    ok: String,
}

#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub role: &'static str,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    ctx.require(AccountKind::Staff)?;
    let role = role_of(&ctx).map(|r| r.code()).unwrap_or("");
    Ok(render(&HomePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        role,
    })
    .into_response())
}

pub struct OutboxItem {
    pub at: String,
    pub channel: &'static str,
    pub recipient: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "staff/outbox.html")]
pub struct OutboxPage {
    pub ctx: PageCtx,
    pub items: Vec<OutboxItem>,
}

/// The SMS outbox (default SMS provider): staff read what was sent.
pub async fn outbox(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let rows = scigrant_app::notify::recent(&state.app, 200).await?;
    let items = rows
        .into_iter()
        .map(|r| OutboxItem {
            at: format_datetime(r.created_at),
            channel: if r.channel == "sms" {
                "短信"
            } else {
                "邮件"
            },
            recipient: r.recipient_masked,
            body: r.body,
        })
        .collect();
    Ok(render(&OutboxPage {
        ctx: PageCtx::new(&state, &ctx),
        items,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitsQuery {
    queue: String,
    q: String,
    page: i64,
    ok: String,
}

#[derive(Template)]
#[template(path = "staff/units.html")]
pub struct UnitsPage {
    pub ctx: PageCtx,
    pub queue: String,
    pub q: String,
    pub rows: Vec<UnitView>,
    pub pager: Pager,
}

pub async fn units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitsQuery>,
) -> Result<Response, WebError> {
    let which = match q.queue.as_str() {
        "second" => Queue::Second,
        "all" => Queue::All,
        _ => Queue::Initial,
    };
    let page = queue(&state.app, which, &q.q, q.page.max(1)).await?;
    let queue_code = match which {
        Queue::Initial => "initial",
        Queue::Second => "second",
        Queue::All => "all",
    };
    Ok(render(&UnitsPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        pager: Pager::new(&page, format!("queue={queue_code}&q={}&", qv(&q.q))),
        queue: queue_code.into(),
        q: q.q,
        rows: page.rows,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/unit.html")]
pub struct UnitPage {
    pub ctx: PageCtx,
    pub unit: UnitView,
    pub history: Vec<scigrant_app::console::DecisionView>,
    pub waiting: bool,
    pub errs: Errs,
    pub reason: String,
}

async fn unit_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errs: FieldErrors,
    reason: String,
) -> Result<UnitPage, WebError> {
    let unit = scigrant_app::review::unit(&state.app, id).await?;
    let history = scigrant_app::console::history(&state.app, AccountKind::Unit, id).await?;
    let waiting = matches!(
        unit.state,
        scigrant_domain::account::UnitState::PendingInitial
            | scigrant_domain::account::UnitState::PendingSecond
    );
    Ok(UnitPage {
        ctx: PageCtx::new(state, ctx),
        unit,
        history,
        waiting,
        errs: Errs(errs),
        reason,
    })
}

pub async fn unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let page = unit_page(&state, &ctx, id, FieldErrors::new(), String::new()).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewPost {
    decision: String,
    reason: String,
}

pub async fn unit_review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<ReviewPost>,
) -> Result<Response, WebError> {
    let verdict = if p.decision == "approve" {
        Verdict::Approve
    } else {
        Verdict::Reject(p.reason.clone())
    };
    match review_unit(&state.app, &ctx.actor(), id, &verdict).await {
        Ok(_) => Ok(see_other("/staff/units?ok=reviewed")),
        Err(AppError::Validation(e)) => {
            let page = unit_page(&state, &ctx, id, e, p.reason).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(WebError::from(e).with_request(&ctx.request_id)),
    }
}

pub struct StaffItem {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub roles: Vec<Opt>,
    pub disabled: bool,
    pub must_change: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
pub struct AccountsPage {
    pub ctx: PageCtx,
    pub items: Vec<StaffItem>,
    pub form: NewStaff,
    pub roles: Vec<Opt>,
    pub errs: Errs,
}

fn role_options(current: &str) -> Vec<Opt> {
    let items: Vec<(&str, &str)> = StaffRole::ALL
        .iter()
        .map(|r| (r.code(), r.label()))
        .collect();
    options(&items, current)
}

async fn accounts_page(
    state: &AppState,
    ctx: &Ctx,
    form: NewStaff,
    errs: FieldErrors,
    ok: &str,
) -> Result<AccountsPage, WebError> {
    let rows = list_staff(&state.app).await?;
    let items = rows
        .into_iter()
        .map(|s| StaffItem {
            id: s.id,
            roles: role_options(&s.role),
            role: StaffRole::from_code(&s.role)
                .map(|r| r.label())
                .unwrap_or("")
                .into(),
            login: s.login,
            name: s.name,
            disabled: s.disabled != 0,
            must_change: s.must_change_password != 0,
            created: format_datetime(s.created_at),
        })
        .collect();
    Ok(AccountsPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(ok)),
        items,
        roles: role_options(&form.role),
        form,
        errs: Errs(errs),
    })
}

pub async fn accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = accounts_page(&state, &ctx, NewStaff::default(), FieldErrors::new(), &q.ok).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffPost {
    login: String,
    name: String,
    role: String,
    password: String,
}

pub async fn account_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<StaffPost>,
) -> Result<Response, WebError> {
    let f = NewStaff {
        login: p.login,
        name: p.name,
        role: p.role,
        password: p.password,
    };
    match add_staff(&state.app, &ctx.actor(), &f).await {
        Ok(_) => Ok(see_other("/staff/accounts?ok=staff_added")),
        Err(AppError::Validation(e)) => {
            let form = NewStaff {
                password: String::new(),
                ..f
            };
            let page = accounts_page(&state, &ctx, form, e, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffUpdatePost {
    role: String,
    disabled: String,
}

pub async fn account_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<StaffUpdatePost>,
) -> Result<Response, WebError> {
    update_staff(&state.app, &ctx.actor(), id, &p.role, p.disabled == "1")
        .await
        .map_err(|e| WebError::from(e).with_request(&ctx.request_id))?;
    Ok(see_other("/staff/accounts?ok=staff_updated"))
}

pub struct LockedItem {
    pub kind: String,
    pub kind_label: &'static str,
    pub id: i64,
    pub failures: i64,
    pub until: String,
}

#[derive(Template)]
#[template(path = "staff/security.html")]
pub struct SecurityPage {
    pub ctx: PageCtx,
    pub p: SecurityParams,
    pub locked: Vec<LockedItem>,
    pub errs: Errs,
}

async fn security_page(
    state: &AppState,
    ctx: &Ctx,
    p: Option<SecurityParams>,
    errs: FieldErrors,
    ok: &str,
) -> Result<SecurityPage, WebError> {
    let p = match p {
        Some(p) => p,
        None => params(&state.app).await?,
    };
    let locked = locked_accounts(&state.app)
        .await?
        .into_iter()
        .map(|l| LockedItem {
            kind_label: AccountKind::from_code(&l.account_kind)
                .map(|k| k.label())
                .unwrap_or(""),
            kind: l.account_kind,
            id: l.account_id,
            failures: l.failures,
            until: format_datetime(l.locked_until),
        })
        .collect();
    Ok(SecurityPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(ok)),
        p,
        locked,
        errs: Errs(errs),
    })
}

pub async fn security(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = security_page(&state, &ctx, None, FieldErrors::new(), &q.ok).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParamsPost {
    max_failures: String,
    failure_window_minutes: String,
    lock_minutes: String,
    idle_minutes: String,
    absolute_hours: String,
}

pub async fn security_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ParamsPost>,
) -> Result<Response, WebError> {
    let n = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let p = SecurityParams {
        max_failures: n(&f.max_failures),
        failure_window_minutes: n(&f.failure_window_minutes),
        lock_minutes: n(&f.lock_minutes),
        idle_minutes: n(&f.idle_minutes),
        absolute_hours: n(&f.absolute_hours),
    };
    match set_params(&state.app, &ctx.actor(), p).await {
        Ok(()) => Ok(see_other("/staff/security?ok=params")),
        Err(AppError::Validation(e)) => {
            let page = security_page(&state, &ctx, Some(p), e, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnlockPost {
    kind: String,
    id: i64,
}

pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<UnlockPost>,
) -> Result<Response, WebError> {
    unlock_account(&state.app, &ctx.actor(), &p.kind, p.id).await?;
    Ok(see_other("/staff/security?ok=unlocked"))
}

pub struct OnlineItem {
    pub id_hash: String,
    pub kind: &'static str,
    pub account_id: i64,
    pub since: String,
    pub last_seen: String,
    pub ip: String,
    pub agent: String,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "staff/online.html")]
pub struct OnlinePage {
    pub ctx: PageCtx,
    pub items: Vec<OnlineItem>,
}

/// 在线用户.
pub async fn online(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let mine = ctx
        .session
        .as_ref()
        .map(|s| s.id_hash.clone())
        .unwrap_or_default();
    let items = online_sessions(&state.app)
        .await?
        .into_iter()
        .map(|s| OnlineItem {
            me: s.id_hash == mine,
            kind: AccountKind::from_code(&s.account_kind)
                .map(|k| k.label())
                .unwrap_or(""),
            account_id: s.account_id,
            since: format_datetime(s.created_at),
            last_seen: format_datetime(s.last_seen_at),
            ip: s.ip,
            agent: s.user_agent.chars().take(60).collect(),
            id_hash: s.id_hash,
        })
        .collect();
    Ok(render(&OnlinePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        items,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndPost {
    id: String,
}

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<EndPost>,
) -> Result<Response, WebError> {
    end(&state.app, &ctx.actor(), &p.id).await?;
    Ok(see_other("/staff/online?ok=session_ended"))
}

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

pub struct LogItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub ip: String,
    pub request_id: String,
    pub detail: String,
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
    pub items: Vec<LogItem>,
    pub pager: Pager,
    pub chain: Option<ChainCheck>,
}

async fn logs_page(
    state: &AppState,
    ctx: &Ctx,
    q: LogsQuery,
    chain: Option<ChainCheck>,
) -> Result<LogsPage, WebError> {
    let filter = Filter {
        actor: q.actor.trim().to_string(),
        action_prefix: q.action.trim().to_string(),
        logins: Some(q.kind == "login"),
        from: parse_date(&q.from),
        to: parse_date(&q.to).map(|d| d + 86_400_000),
    };
    let page = search_audit(&state.app, &filter, q.page.max(1)).await?;
    let items = page
        .rows
        .iter()
        .map(|r| LogItem {
            at: format_datetime(r.at),
            actor: r.actor_label.clone(),
            action: r.action.clone(),
            target: match r.target_id {
                Some(id) => format!("{} #{id}", r.target_kind),
                None => r.target_kind.clone(),
            },
            outcome: r.outcome.clone(),
            ip: r.ip.clone(),
            request_id: r.request_id.clone(),
            detail: r.detail.clone(),
        })
        .collect();
    let base = format!(
        "kind={}&actor={}&action={}&from={}&to={}&",
        qv(&q.kind),
        qv(&q.actor),
        qv(&q.action),
        qv(&q.from),
        qv(&q.to)
    );
    Ok(LogsPage {
        ctx: PageCtx::new(state, ctx),
        pager: Pager::new(&page, base),
        kind: if q.kind == "login" {
            "login".into()
        } else {
            "op".into()
        },
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        items,
        chain,
    })
}

/// 操作日志 / 登录日志.
pub async fn logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogsQuery>,
) -> Result<Response, WebError> {
    let page = logs_page(&state, &ctx, q, None).await?;
    Ok(render(&page).into_response())
}

/// Seals pending records and verifies the SM3 chain.
pub async fn logs_verify(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let check = seal_and_verify_audit(&state.app).await?;
    let page = logs_page(&state, &ctx, LogsQuery::default(), Some(check)).await?;
    Ok(render(&page).into_response())
}
