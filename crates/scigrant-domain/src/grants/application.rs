//! The life of an application (申报书) and of a call. An application is
//! drafted by a member, submitted to its unit, recommended (推荐) or
//! returned (退回修改) by the unit, then accepted (形式审查通过) or returned
//! by staff. A returned application is edited and submitted again before
//! the deadline. A call moves draft → published → closed.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationState {
    Draft,
    /// Submitted, waiting for the unit.
    Submitted,
    /// Returned by the unit or by staff with comments; editable again.
    Returned,
    /// 推荐: the unit recommended it to the authority.
    Recommended,
    /// 形式审查通过.
    Accepted,
}

impl ApplicationState {
    pub const ALL: [ApplicationState; 5] = [
        Self::Draft,
        Self::Submitted,
        Self::Returned,
        Self::Recommended,
        Self::Accepted,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Recommended => "recommended",
            Self::Accepted => "accepted",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "已提交，待单位审核",
            Self::Returned => "已退回修改",
            Self::Recommended => "单位已推荐，待形式审查",
            Self::Accepted => "形式审查通过（已受理）",
        }
    }
    /// Whether the applicant may edit (and autosave) it.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
    /// The transitions the process allows.
    pub fn can_move_to(self, next: ApplicationState) -> bool {
        use ApplicationState::*;
        matches!(
            (self, next),
            (Draft | Returned, Submitted)
                | (Submitted, Recommended | Returned)
                | (Recommended, Accepted | Returned)
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallState {
    Draft,
    Published,
    Closed,
}

impl CallState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::Closed]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Published => "已发布",
            Self::Closed => "已截止",
        }
    }
}

/// Whether a call takes applications at `now`: published, and between
/// its opening and closing times (both included). An applicant's own
/// extension is checked separately ([`in_time`]).
pub fn call_open(state: CallState, opens_at: i64, closes_at: i64, now: i64) -> bool {
    state == CallState::Published && now >= opens_at && now <= closes_at
}

/// The state a call shows at `now`: a published call whose close time has
/// passed reads 已截止 everywhere, whether or not staff closed it yet.
pub fn shown_call_state(state: CallState, closes_at: i64, now: i64) -> CallState {
    if state == CallState::Published && now > closes_at {
        CallState::Closed
    } else {
        state
    }
}

/// What happened to an application, as its history (办理记录) records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplicationEvent {
    /// 创建申报书.
    Created,
    /// 提交 (also a resubmission after a return).
    Submitted,
    /// 单位推荐.
    Recommended,
    /// 单位退回修改.
    UnitReturned,
    /// 形式审查通过.
    Accepted,
    /// 形式审查退回.
    StaffReturned,
    /// 纸质材料登记.
    Paper,
    /// 延期 granted to the applicant.
    Extension,
    /// 撤回: the applicant took it back before the unit decided.
    Withdrawn,
    /// 变更经办人: the unit gave the application to another of its users.
    HandlerChanged,
}

impl ApplicationEvent {
    pub const ALL: [ApplicationEvent; 10] = [
        Self::Created,
        Self::Submitted,
        Self::Recommended,
        Self::UnitReturned,
        Self::Accepted,
        Self::StaffReturned,
        Self::Paper,
        Self::Extension,
        Self::Withdrawn,
        Self::HandlerChanged,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Submitted => "submitted",
            Self::Recommended => "recommended",
            Self::UnitReturned => "unit_returned",
            Self::Accepted => "accepted",
            Self::StaffReturned => "staff_returned",
            Self::Paper => "paper",
            Self::Extension => "extension",
            Self::Withdrawn => "withdrawn",
            Self::HandlerChanged => "handler_changed",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// What staff post from an application's page: 形式审查 (受理 or 退回) or
/// 纸质材料登记. Any other value is refused, never taken for one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffDecision {
    Accept,
    Return,
    Paper,
}

impl StaffDecision {
    pub fn code(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Return => "return",
            Self::Paper => "paper",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Accept, Self::Return, Self::Paper]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// What a unit posts from a member's submitted application: 推荐 or 退回修改.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitDecision {
    Recommend,
    Return,
}

impl UnitDecision {
    pub fn code(self) -> &'static str {
        match self {
            Self::Recommend => "recommend",
            Self::Return => "return",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Recommend, Self::Return]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// Whether a submission at `now` is in time: before the close time, or
/// before the applicant's own extension. The server's clock decides.
pub fn in_time(now: i64, closes_at: i64, extension_until: Option<i64>) -> bool {
    now <= closes_at.max(extension_until.unwrap_or(i64::MIN))
}

/// The three ineligibility conditions of the CAST call (四、有关要求 3),
/// which a unit confirms do not apply when it recommends.
pub const INELIGIBILITY: [&str; 3] = [
    "两年内未受到相关行政主管部门行政处罚",
    "两年内未被中国科协通报并限期整改",
    "两年内不存在在非不可抗力条件下未按要求完成中国科协科学技术创新部（原学会学术部）有关项目的情形",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_call_past_its_close_reads_closed() {
        let close = 1_682_438_399_000;
        assert_eq!(
            shown_call_state(CallState::Published, close, close),
            CallState::Published
        );
        assert_eq!(
            shown_call_state(CallState::Published, close, close + 1000),
            CallState::Closed
        );
        assert_eq!(
            shown_call_state(CallState::Closed, close, close - 1000),
            CallState::Closed
        );
        assert_eq!(
            shown_call_state(CallState::Draft, close, close + 1000),
            CallState::Draft
        );
        assert_eq!(
            shown_call_state(CallState::Published, close, close + 1000).label(),
            "已截止"
        );
    }
    use ApplicationState::*;

    #[test]
    fn the_process_allows_only_its_transitions() {
        assert!(Draft.can_move_to(Submitted));
        assert!(Submitted.can_move_to(Recommended));
        assert!(Submitted.can_move_to(Returned));
        assert!(Returned.can_move_to(Submitted));
        assert!(Recommended.can_move_to(Accepted));
        assert!(Recommended.can_move_to(Returned));
        assert!(!Draft.can_move_to(Recommended));
        assert!(!Submitted.can_move_to(Accepted));
        assert!(!Accepted.can_move_to(Returned));
        assert!(Draft.editable() && Returned.editable() && !Submitted.editable());
    }

    #[test]
    fn calls_take_applications_only_while_published_and_open() {
        let (opens, closes) = (1_000, 2_000);
        assert!(call_open(CallState::Published, opens, closes, opens));
        assert!(call_open(CallState::Published, opens, closes, closes));
        assert!(!call_open(CallState::Published, opens, closes, opens - 1));
        assert!(!call_open(CallState::Published, opens, closes, closes + 1));
        assert!(!call_open(CallState::Draft, opens, closes, 1_500));
        assert!(!call_open(CallState::Closed, opens, closes, 1_500));
    }

    #[test]
    fn posted_decisions_are_read_exactly() {
        assert_eq!(
            StaffDecision::from_code("accept"),
            Some(StaffDecision::Accept)
        );
        assert_eq!(
            StaffDecision::from_code("return"),
            Some(StaffDecision::Return)
        );
        assert_eq!(
            StaffDecision::from_code("paper"),
            Some(StaffDecision::Paper)
        );
        for s in ["", "Accept", "recommend", "paper "] {
            assert_eq!(StaffDecision::from_code(s), None, "{s:?}");
        }
        assert_eq!(
            UnitDecision::from_code("recommend"),
            Some(UnitDecision::Recommend)
        );
        assert_eq!(
            UnitDecision::from_code("return"),
            Some(UnitDecision::Return)
        );
        assert_eq!(UnitDecision::from_code("accept"), None);
        for e in ApplicationEvent::ALL {
            assert_eq!(ApplicationEvent::from_code(e.code()), Some(e));
        }
        assert_eq!(ApplicationEvent::from_code("deleted"), None);
    }

    #[test]
    fn deadline_is_inclusive_and_extensions_extend_it() {
        let close = 1_000_000;
        assert!(in_time(close - 1000, close, None));
        assert!(in_time(close, close, None));
        assert!(!in_time(close + 1000, close, None));
        assert!(in_time(close + 1000, close, Some(close + 3_600_000)));
        assert!(!in_time(close + 1000, close, Some(close - 5)));
    }
}
