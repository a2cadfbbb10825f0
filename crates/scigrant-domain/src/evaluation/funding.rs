//! 立项 and 立项公示: which accepted applications of a call are funded and
//! with how much, the limits a selection must stay within (the call's
//! 立项数量, its budget, the per-project cap and what each application
//! requested), and the public notice period with its objections (异议).
//! Pure rules: amounts are [`Money`] (hundredths of 万元), times epoch
//! milliseconds, and every refusal names the limit in Chinese.

use crate::grants::form::Money;

/// The decision on one accepted application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 立项, with an approved amount.
    Fund,
    /// 不予立项, with a reason.
    Decline,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Fund => "fund",
            Verdict::Decline => "decline",
        }
    }
    pub fn from_code(code: &str) -> Option<Verdict> {
        match code {
            "fund" => Some(Verdict::Fund),
            "decline" => Some(Verdict::Decline),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Fund => "立项",
            Verdict::Decline => "不予立项",
        }
    }
}

/// What a call allows: its 立项数量, its budget (set by staff; none yet
/// means nothing can be funded) and the cap per project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub quota: i64,
    pub budget: Option<Money>,
    pub cap: Money,
}

/// A refusal of a funding decision: the form field it belongs beside and
/// the message naming the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(field: &'static str, message: String) -> Refusal {
        Refusal { field, message }
    }
}

/// The longest reason kept with a decision, an objection or its outcome.
pub const MAX_REASON_CHARS: usize = 500;

/// The amount of one 立项: more than zero, at most the call's cap (named
/// first: it binds every project) and at most what the application
/// requested (申请经费).
pub fn check_amount(amount: Money, requested: Option<Money>, cap: Money) -> Result<(), Refusal> {
    if amount <= Money::ZERO {
        return Err(Refusal::new("amount", "资助金额须大于 0 万元".into()));
    }
    if amount > cap {
        return Err(Refusal::new(
            "amount",
            format!("资助金额不得超过单项资助上限 {cap} 万元"),
        ));
    }
    if let Some(req) = requested
        && amount > req
    {
        return Err(Refusal::new(
            "amount",
            format!("资助金额不得超过申请经费 {req} 万元"),
        ));
    }
    Ok(())
}

/// The reason of a decision: required for 不予立项 (the applicant reads
/// it), optional for 立项; at most [`MAX_REASON_CHARS`].
pub fn check_reason(verdict: Verdict, reason: &str) -> Result<(), Refusal> {
    let r = reason.trim();
    if verdict == Verdict::Decline && r.is_empty() {
        return Err(Refusal::new("reason", "不予立项须填写理由".into()));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(Refusal::new(
            "reason",
            format!("理由不能超过{MAX_REASON_CHARS}字"),
        ));
    }
    Ok(())
}

/// The whole selection of a call (the approved amounts of every 立项,
/// the one being decided included) against its quota and budget.
pub fn check_selection(limits: &Limits, funded: &[Money]) -> Result<(), Refusal> {
    let Some(budget) = limits.budget else {
        return Err(Refusal::new(
            "amount",
            "请先设置本计划类别的资助预算".into(),
        ));
    };
    if funded.len() as i64 > limits.quota {
        return Err(Refusal::new(
            "verdict",
            format!("立项数量已达上限 {} 项", limits.quota),
        ));
    }
    let total = funded
        .iter()
        .fold(Money::ZERO, |acc, m| acc.saturating_add(*m));
    if total > budget {
        return Err(Refusal::new(
            "amount",
            format!("资助总额 {total} 万元 超出预算 {budget} 万元"),
        ));
    }
    Ok(())
}

/// The budget staff set for a call: positive, and at least what is
/// already funded (a budget below the selection would make it invalid).
pub fn check_budget(budget: Money, funded_total: Money) -> Result<(), Refusal> {
    if budget <= Money::ZERO {
        return Err(Refusal::new("budget", "资助预算须大于 0 万元".into()));
    }
    if budget < funded_total {
        return Err(Refusal::new(
            "budget",
            format!("资助预算不得低于已立项资助总额 {funded_total} 万元"),
        ));
    }
    Ok(())
}

/// What a notice publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// 立项公示: project, unit, 负责人, amount.
    Funding,
    /// 专家公示: the experts of a review.
    Experts,
}

impl NoticeKind {
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Funding => "funding",
            NoticeKind::Experts => "experts",
        }
    }
    pub fn from_code(code: &str) -> Option<NoticeKind> {
        match code {
            "funding" => Some(NoticeKind::Funding),
            "experts" => Some(NoticeKind::Experts),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Funding => "立项公示",
            NoticeKind::Experts => "专家公示",
        }
    }
}

/// The stored state of a notice. A notice is published with its period at
/// once (the form is the draft: nothing is stored until staff publish);
/// an upheld objection withdraws it, and the decisions go back to staff.
/// Finality is not stored: it follows from the clock ([`NoticePhase`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeState {
    Published,
    /// 异议成立: the notice no longer stands; staff decide again and
    /// publish a new notice with a new period.
    Withdrawn,
}

impl NoticeState {
    pub fn code(self) -> &'static str {
        match self {
            NoticeState::Published => "published",
            NoticeState::Withdrawn => "withdrawn",
        }
    }
    pub fn from_code(code: &str) -> Option<NoticeState> {
        match code {
            "published" => Some(NoticeState::Published),
            "withdrawn" => Some(NoticeState::Withdrawn),
            _ => None,
        }
    }
    /// Whether an objection being handled may move the notice to `to`.
    pub fn can_move_to(self, to: NoticeState) -> bool {
        matches!((self, to), (NoticeState::Published, NoticeState::Withdrawn))
    }
}

/// Where a notice stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticePhase {
    /// Published for a period that has not begun (公示未开始).
    Scheduled,
    /// Within its period: objections are taken (公示中).
    Open,
    /// Period over, objections still to be handled (异议处理中).
    Pending,
    /// Period over, every objection handled and none upheld: the decisions
    /// are final (公示期满，决定生效).
    Final,
    /// An objection was upheld (异议成立，重新决定).
    Withdrawn,
}

impl NoticePhase {
    pub fn label(self) -> &'static str {
        match self {
            NoticePhase::Scheduled => "公示未开始",
            NoticePhase::Open => "公示中",
            NoticePhase::Pending => "公示期满，异议处理中",
            NoticePhase::Final => "公示期满，决定生效",
            NoticePhase::Withdrawn => "异议成立，重新决定",
        }
    }
}

/// The phase of a notice at `now`: its period is `[starts_at, ends_at]`
/// to the second, both ends included (a period "至 5月10日" ends at
/// 23:59:59 that day). `unhandled` counts objections not yet handled.
pub fn phase(
    state: NoticeState,
    starts_at: i64,
    ends_at: i64,
    unhandled: i64,
    now: i64,
) -> NoticePhase {
    if state == NoticeState::Withdrawn {
        return NoticePhase::Withdrawn;
    }
    if now < starts_at {
        NoticePhase::Scheduled
    } else if now <= ends_at {
        NoticePhase::Open
    } else if unhandled > 0 {
        NoticePhase::Pending
    } else {
        NoticePhase::Final
    }
}

/// Whether an objection lodged at `now` is taken.
pub fn objection_window_open(state: NoticeState, starts_at: i64, ends_at: i64, now: i64) -> bool {
    phase(state, starts_at, ends_at, 0, now) == NoticePhase::Open
}

/// The allowed length of a 公示 period in calendar days, both ends
/// counted. Provincial and city programs publish for 5 to 10 days; the
/// bounds are configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodRule {
    pub min_days: i64,
    pub max_days: i64,
}

impl Default for PeriodRule {
    fn default() -> PeriodRule {
        PeriodRule {
            min_days: 5,
            max_days: 10,
        }
    }
}

const DAY_MS: i64 = 86_400_000;

impl PeriodRule {
    /// Checks a period from the start of its first day (`first_day_start`)
    /// to the start of its last day (`last_day_start`), both CST midnights.
    pub fn check(&self, first_day_start: i64, last_day_start: i64) -> Result<(), Refusal> {
        if last_day_start < first_day_start {
            return Err(Refusal::new("ends", "公示结束日期不能早于开始日期".into()));
        }
        let days = (last_day_start - first_day_start) / DAY_MS + 1;
        if days < self.min_days || days > self.max_days {
            return Err(Refusal::new(
                "ends",
                format!(
                    "公示期为 {} 至 {} 天（当前 {days} 天）",
                    self.min_days, self.max_days
                ),
            ));
        }
        Ok(())
    }
}

/// How staff dispose of an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectionOutcome {
    /// 不予受理: out of scope, late in substance, or without grounds.
    NotAccepted,
    /// 异议不成立: examined and dismissed; the decision stands.
    Dismissed,
    /// 异议成立: the decision on that application goes back to staff and
    /// the notice is withdrawn.
    Upheld,
}

impl ObjectionOutcome {
    pub const ALL: [ObjectionOutcome; 3] = [
        ObjectionOutcome::NotAccepted,
        ObjectionOutcome::Dismissed,
        ObjectionOutcome::Upheld,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ObjectionOutcome::NotAccepted => "not_accepted",
            ObjectionOutcome::Dismissed => "dismissed",
            ObjectionOutcome::Upheld => "upheld",
        }
    }
    pub fn from_code(code: &str) -> Option<ObjectionOutcome> {
        ObjectionOutcome::ALL.into_iter().find(|o| o.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            ObjectionOutcome::NotAccepted => "不予受理",
            ObjectionOutcome::Dismissed => "异议不成立",
            ObjectionOutcome::Upheld => "异议成立",
        }
    }
    /// Whether this outcome sends the decision back to staff.
    pub fn reopens_decision(self) -> bool {
        self == ObjectionOutcome::Upheld
    }
}

/// Names that are no names: an objection must be lodged under a real name.
const NOT_A_NAME: [&str; 8] = [
    "匿名",
    "无名",
    "无",
    "不详",
    "某某",
    "群众",
    "知情人",
    "anonymous",
];

/// The objector's name: required, 2 to 30 characters, not a stand-in
/// for anonymity.
pub fn check_objector_name(name: &str) -> Result<(), Refusal> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Refusal::new(
            "name",
            "请填写真实姓名（不受理匿名异议）".into(),
        ));
    }
    let lowered = n.to_lowercase();
    if NOT_A_NAME.iter().any(|x| lowered == *x) || lowered.starts_with("匿名") {
        return Err(Refusal::new(
            "name",
            "不受理匿名异议，请填写真实姓名".into(),
        ));
    }
    let count = n.chars().count();
    if !(2..=30).contains(&count) {
        return Err(Refusal::new("name", "姓名应为2至30个字".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wan(w: i64) -> Money {
        Money::from_cents(w * 100)
    }

    #[test]
    fn amounts_stay_within_request_and_cap() {
        assert_eq!(check_amount(wan(55), Some(wan(55)), wan(60)), Ok(()));
        assert_eq!(
            check_amount(Money::from_cents(5501), Some(wan(55)), wan(60))
                .unwrap_err()
                .message,
            "资助金额不得超过申请经费 55.00 万元"
        );
        assert_eq!(
            check_amount(wan(61), Some(wan(55)), wan(60))
                .unwrap_err()
                .message,
            "资助金额不得超过单项资助上限 60.00 万元"
        );
        assert_eq!(
            check_amount(Money::ZERO, Some(wan(55)), wan(60))
                .unwrap_err()
                .message,
            "资助金额须大于 0 万元"
        );
    }

    #[test]
    fn selection_names_quota_and_budget() {
        let limits = Limits {
            quota: 3,
            budget: Some(wan(100)),
            cap: wan(60),
        };
        assert_eq!(
            check_selection(&limits, &[wan(40), wan(30), wan(30)]),
            Ok(())
        );
        let e = check_selection(&limits, &[wan(10), wan(10), wan(10), wan(10)]).unwrap_err();
        assert_eq!(e.message, "立项数量已达上限 3 项");
        let e = check_selection(&limits, &[wan(60), wan(60)]).unwrap_err();
        assert_eq!(e.message, "资助总额 120.00 万元 超出预算 100.00 万元");
        let none = Limits {
            budget: None,
            ..limits
        };
        assert_eq!(
            check_selection(&none, &[]).unwrap_err().message,
            "请先设置本计划类别的资助预算"
        );
        assert_eq!(
            check_budget(wan(50), wan(60)).unwrap_err().message,
            "资助预算不得低于已立项资助总额 60.00 万元"
        );
        assert_eq!(check_budget(wan(60), wan(60)), Ok(()));
    }

    #[test]
    fn declining_needs_a_reason() {
        assert_eq!(
            check_reason(Verdict::Decline, "  ").unwrap_err().message,
            "不予立项须填写理由"
        );
        assert_eq!(check_reason(Verdict::Fund, ""), Ok(()));
        assert!(check_reason(Verdict::Fund, &"理".repeat(501)).is_err());
        assert_eq!(check_reason(Verdict::Decline, &"理".repeat(500)), Ok(()));
    }

    #[test]
    fn the_period_is_exact_to_the_second() {
        let (start, end) = (1_000_000_000_000, 1_000_000_864_000);
        let p = NoticeState::Published;
        assert_eq!(
            phase(p, start, end, 0, start - 1000),
            NoticePhase::Scheduled
        );
        assert_eq!(phase(p, start, end, 0, start), NoticePhase::Open);
        assert_eq!(phase(p, start, end, 0, end - 1000), NoticePhase::Open);
        assert_eq!(phase(p, start, end, 0, end), NoticePhase::Open);
        assert_eq!(phase(p, start, end, 0, end + 1000), NoticePhase::Final);
        assert_eq!(phase(p, start, end, 1, end + 1000), NoticePhase::Pending);
        assert!(objection_window_open(p, start, end, end - 1000));
        assert!(!objection_window_open(p, start, end, end + 1000));
        assert!(!objection_window_open(p, start, end, start - 1000));
        let w = NoticeState::Withdrawn;
        assert_eq!(phase(w, start, end, 0, end + 1000), NoticePhase::Withdrawn);
        assert!(!objection_window_open(w, start, end, end - 1000));
        assert!(p.can_move_to(w));
        assert!(!w.can_move_to(p));
    }

    #[test]
    fn periods_of_five_to_ten_days() {
        let rule = PeriodRule::default();
        let d0 = 1_682_870_400_000;
        assert_eq!(rule.check(d0, d0 + 4 * DAY_MS), Ok(()));
        assert_eq!(rule.check(d0, d0 + 9 * DAY_MS), Ok(()));
        assert_eq!(
            rule.check(d0, d0 + 3 * DAY_MS).unwrap_err().message,
            "公示期为 5 至 10 天（当前 4 天）"
        );
        assert_eq!(
            rule.check(d0, d0 + 10 * DAY_MS).unwrap_err().message,
            "公示期为 5 至 10 天（当前 11 天）"
        );
        assert!(rule.check(d0, d0 - DAY_MS).is_err());
        let custom = PeriodRule {
            min_days: 7,
            max_days: 15,
        };
        assert!(custom.check(d0, d0 + 4 * DAY_MS).is_err());
    }

    #[test]
    fn objections_need_a_real_name() {
        assert_eq!(check_objector_name("王芳"), Ok(()));
        for bad in ["", "  ", "匿名", "匿名群众", "Anonymous", "无"] {
            assert!(check_objector_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_objector_name("").unwrap_err().message,
            "请填写真实姓名（不受理匿名异议）"
        );
        assert!(check_objector_name("王").is_err());
    }

    #[test]
    fn codes_round_trip() {
        for o in ObjectionOutcome::ALL {
            assert_eq!(ObjectionOutcome::from_code(o.code()), Some(o));
        }
        assert!(ObjectionOutcome::Upheld.reopens_decision());
        assert!(!ObjectionOutcome::Dismissed.reopens_decision());
        assert_eq!(ObjectionOutcome::NotAccepted.label(), "不予受理");
        for v in [Verdict::Fund, Verdict::Decline] {
            assert_eq!(Verdict::from_code(v.code()), Some(v));
        }
        assert_eq!(Verdict::from_code("approve"), None);
        for k in [NoticeKind::Funding, NoticeKind::Experts] {
            assert_eq!(NoticeKind::from_code(k.code()), Some(k));
        }
        for s in [NoticeState::Published, NoticeState::Withdrawn] {
            assert_eq!(NoticeState::from_code(s.code()), Some(s));
        }
    }
}
