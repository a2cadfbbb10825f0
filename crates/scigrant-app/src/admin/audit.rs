//! The 审计管理员 reads 操作日志 and 登录日志 and verifies the keyed
//! (HMAC-SM3) chain against this node's anchor file; every node seals new
//! records into the chain in the background.

use scigrant_domain::admin::audit::{action_label, outcome_label, target_label};
use scigrant_domain::calendar;
use scigrant_domain::identity::account::AccountKind;
use scigrant_store::admin::audit as audit_store;

use crate::identity::names::{AccountName, account_name};
use crate::{App, AppError, FieldErrors, Page};

/// Which records a search covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogKind {
    /// 登录日志: `login.*` records.
    Logins,
    /// 操作日志: everything else.
    Operations,
    /// Both.
    #[default]
    All,
}

/// Search filters of 操作日志 / 登录日志: times are epoch ms, `to` exclusive.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: String,
    pub action_prefix: String,
    pub kind: LogKind,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl AuditFilter {
    /// Reads the filter as typed on the page: `from` and `to` are days
    /// (YYYY-MM-DD), both included; an impossible date is refused beside
    /// its field.
    pub fn parse(
        actor: &str,
        action: &str,
        kind: LogKind,
        from: &str,
        to: &str,
    ) -> Result<AuditFilter, AppError> {
        let mut e = FieldErrors::new();
        let mut day = |field: &str, value: &str| -> Option<(i64, i64)> {
            if value.trim().is_empty() {
                return None;
            }
            match calendar::day_range(value) {
                Ok(r) => Some(r),
                Err(err) => {
                    e.add(field, err.to_string());
                    None
                }
            }
        };
        let from = day("from", from).map(|(start, _)| start);
        let to = day("to", to).map(|(_, end)| end);
        e.into_result()?;
        Ok(AuditFilter {
            actor: actor.trim().to_string(),
            action_prefix: action.trim().to_string(),
            kind,
            from,
            to,
        })
    }
}

/// One audit record as the auditor reads it.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_label: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    /// The target account's name and login, when the target is an account.
    pub target_name: Option<AccountName>,
    pub outcome: String,
    pub ip: String,
    pub request_id: String,
    pub detail: String,
}

/// 操作日志 / 登录日志 search (审计管理员), 50 records a page.
pub async fn search_audit(
    app: &App,
    filter: &AuditFilter,
    page: i64,
) -> Result<Page<AuditEntry>, AppError> {
    search_page(app, filter, page, 50).await
}

async fn search_page(
    app: &App,
    filter: &AuditFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<AuditEntry>, AppError> {
    let f = audit_store::Filter {
        actor: filter.actor.clone(),
        action_prefix: filter.action_prefix.clone(),
        logins: match filter.kind {
            LogKind::Logins => Some(true),
            LogKind::Operations => Some(false),
            LogKind::All => None,
        },
        from: filter.from,
        to: filter.to,
    };
    let mut c = app.db.read().await?;
    let (rows, total) =
        audit_store::search(&mut c, &f, per_page, Page::<()>::offset(page, per_page)).await?;
    let mut names = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let target_name = match (AccountKind::from_code(&r.target_kind), r.target_id) {
            (Some(kind), Some(id)) => match names.get(&(kind, id)) {
                Some(known) => Option::clone(known),
                None => {
                    let name = account_name(&mut c, app, kind, id).await?;
                    names.insert((kind, id), name.clone());
                    name
                }
            },
            _ => None,
        };
        entries.push(AuditEntry {
            id: r.id,
            at: r.at,
            actor_label: r.actor_label,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            target_name,
            outcome: r.outcome,
            ip: r.ip,
            request_id: r.request_id,
            detail: r.detail,
        });
    }
    let rows = entries;
    Ok(Page::new(rows, total, page, per_page))
}

pub use audit_store::ChainProblem;
pub use scigrant_store::admin::chain_upgrade::Upgraded;

/// Columns of the 操作日志 / 登录日志 export, in their stable order.
pub const AUDIT_COLUMNS: [(&str, &str); 8] = [
    ("at", "时间"),
    ("actor", "操作人"),
    ("action", "操作"),
    ("target", "对象"),
    ("outcome", "结果"),
    ("ip", "IP"),
    ("request", "请求编号"),
    ("detail", "详情"),
];

/// At most this many records go into one file; narrow the filter for more.
pub const EXPORT_LIMIT: i64 = 50_000;

/// The records `filter` finds (newest first, at most [`EXPORT_LIMIT`]) as
/// .xlsx in the chosen columns, worded as 操作日志 shows them. Audit
/// `audit.export`.
pub async fn export_audit(
    app: &App,
    actor: &crate::Actor,
    filter: &AuditFilter,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let page = search_page(app, filter, 1, EXPORT_LIMIT).await?;
    let bytes =
        crate::export::xlsx_of(
            "日志",
            &AUDIT_COLUMNS,
            columns,
            &page.rows,
            |e, key| match key {
                "at" => calendar::format_datetime(e.at),
                "actor" => e.actor_label.clone(),
                "action" => action_label(&e.action).unwrap_or(&e.action).to_string(),
                "target" => {
                    let kind = target_label(&e.target_kind).unwrap_or(&e.target_kind);
                    match (&e.target_name, e.target_id) {
                        (Some(n), _) => format!("{kind} {}（{}）", n.name, n.login),
                        (None, Some(id)) => format!("{kind} #{id}"),
                        (None, None) => kind.to_string(),
                    }
                }
                "outcome" => outcome_label(&e.outcome).unwrap_or(&e.outcome).to_string(),
                "ip" => e.ip.clone(),
                "request" => e.request_id.clone(),
                _ => e.detail.clone(),
            },
        )?;
    let mut tx = app.db.begin().await?;
    crate::audit(
        &mut tx,
        app,
        actor,
        "audit.export",
        ("audit", None),
        "success",
        &format!("{}条", page.rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// What a walk of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Records whose links verify, from the first.
    pub sealed: i64,
    /// Empty when the chain is intact and reaches this node's anchor.
    pub problems: Vec<ChainProblem>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// This node's anchor of the chain, outside the database:
/// `<data_dir>/audit.anchor`.
pub fn anchor_path(app: &App) -> std::path::PathBuf {
    app.config.data_dir.join("audit.anchor")
}

/// Seals new audit records into the keyed chain and moves this node's
/// anchor forward; returns how many.
pub async fn seal(app: &App) -> Result<u64, AppError> {
    Ok(audit_store::seal(&app.db, &app.pii.audit_chain_key(), &anchor_path(app)).await?)
}

/// Moves this node's anchor to the head another node sealed.
pub async fn follow_anchor(app: &App) -> Result<(), AppError> {
    Ok(audit_store::follow_anchor(&app.db, &anchor_path(app)).await?)
}

/// Seals new audit records into the keyed chain and verifies it against
/// this node's anchor.
pub async fn seal_and_verify_audit(app: &App) -> Result<ChainReport, AppError> {
    let key = app.pii.audit_chain_key();
    let path = anchor_path(app);
    audit_store::seal(&app.db, &key, &path).await?;
    let anchor = audit_store::read_anchor(&path)?;
    let mut c = app.db.read().await?;
    let check = audit_store::verify(&mut c, &key, anchor.as_ref()).await?;
    Ok(ChainReport {
        sealed: check.sealed,
        problems: check.problems,
    })
}

/// Takes over a chain an older release sealed with plain SM3 (see
/// `scigrant_store::admin::chain_upgrade`): once, after this node's anchor
/// and every link check out. Audit `audit.chain_upgrade` when done.
pub async fn upgrade_chain(app: &App, actor: &crate::Actor) -> Result<Upgraded, AppError> {
    use scigrant_store::admin::chain_upgrade::upgrade;
    let anchor = audit_store::read_anchor(&anchor_path(app))?;
    let done = upgrade(
        &app.db,
        &app.pii.audit_chain_key(),
        anchor.as_ref(),
        app.now(),
    )
    .await?;
    if let Upgraded::Done { through_seq } = done {
        let mut tx = app.db.begin().await?;
        crate::audit(
            &mut tx,
            app,
            actor,
            "audit.chain_upgrade",
            ("audit", None),
            "success",
            &format!("第 1–{through_seq} 条为旧版（SM3）链，此后为密钥链"),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}

/// The shortest time audit records are kept: 《网络安全法》 Article 21 asks
/// for network logs to be kept no less than six months.
pub const MIN_KEEP_DAYS: u32 = 180;

/// Purges the sealed audit records older than `keep_days` days (at least
/// [`MIN_KEEP_DAYS`]; a shorter period is refused and nothing is removed).
/// The chain must verify first, and it verifies afterwards from the
/// retention checkpoint. Audit `audit.purge`, written after the purge so
/// it is among the kept records.
pub async fn purge_expired(
    app: &App,
    actor: &crate::Actor,
    keep_days: u32,
) -> Result<scigrant_store::admin::retention::Purged, AppError> {
    if keep_days < MIN_KEEP_DAYS {
        return Err(AppError::Refused(format!(
            "审计记录须保留至少{MIN_KEEP_DAYS}天，不能清理{keep_days}天以内的记录"
        )));
    }
    let now = app.now();
    let cutoff = now - i64::from(keep_days) * 86_400_000;
    // Everything written so far is sealed first, so the cut is exact; a
    // chain that does not verify is evidence and is kept whole.
    if !seal_and_verify_audit(app).await?.intact() {
        return Err(AppError::Refused(
            "审计链校验未通过，不能清理：请先由审计管理员核查".into(),
        ));
    }
    let key = app.pii.audit_chain_key();
    let purged = scigrant_store::admin::retention::purge_before(&app.db, &key, cutoff, now).await?;
    let mut tx = app.db.begin().await?;
    crate::audit(
        &mut tx,
        app,
        actor,
        "audit.purge",
        ("audit", None),
        "success",
        &format!(
            "保留{keep_days}天，清理{}条（{}之前）",
            purged.records,
            calendar::format_datetime(cutoff)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(purged)
}

/// 需关注的三员账号变更 for the 审计管理员's home page: the newest changes
/// to 审计管理员 and 安全管理员 accounts (action `staff.privileged`).
pub async fn privileged_staff_changes(app: &App) -> Result<Vec<AuditEntry>, AppError> {
    let filter = AuditFilter {
        action_prefix: "staff.privileged".into(),
        ..AuditFilter::default()
    };
    Ok(search_audit(app, &filter, 1).await?.rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scigrant_domain::calendar::day_start;

    fn refusal(from: &str, to: &str) -> Option<FieldErrors> {
        match AuditFilter::parse("", "", LogKind::All, from, to) {
            Err(AppError::Validation(e)) => Some(e),
            _ => None,
        }
    }

    #[test]
    fn the_log_filter_reads_only_real_days_both_included() {
        let f = AuditFilter::parse(" 李 ", "unit.", LogKind::Logins, "2024-02-29", "2024-02-29")
            .ok()
            .map(|f| (f.actor, f.action_prefix, f.from, f.to));
        let day = day_start((2024, 2, 29));
        assert_eq!(
            f,
            Some((
                "李".to_string(),
                "unit.".to_string(),
                Some(day),
                Some(day + 86_400_000)
            ))
        );
        for bad in ["2023-02-29", "2023-04-31", "2023-13-01"] {
            let e = refusal(bad, "").map(|e| e.0);
            let want = [(
                "from".to_string(),
                format!("日期不存在：{bad}（请检查月份和天数）"),
            )];
            assert_eq!(e, Some(want.into_iter().collect()), "{bad}");
            assert!(
                refusal("", bad).is_some_and(|e| e.get("to").is_some()),
                "{bad}"
            );
        }
        assert!(AuditFilter::parse("", "", LogKind::All, "", "").is_ok());
    }
}
