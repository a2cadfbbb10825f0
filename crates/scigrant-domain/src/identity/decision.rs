//! The history of decisions on an account (单位注册, 初审, 复审, joining a
//! unit): what was decided at which stage. The account sees each one on its
//! home screen with who decided, when and why.

/// The stage a decision belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionStage {
    /// 单位注册: the unit's registration was submitted.
    Register,
    /// 初审.
    Initial,
    /// 复审.
    Second,
    /// 单位审核: a person's membership of a unit.
    Membership,
}

impl DecisionStage {
    const ALL: [DecisionStage; 4] = [
        DecisionStage::Register,
        DecisionStage::Initial,
        DecisionStage::Second,
        DecisionStage::Membership,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DecisionStage::Register => "register",
            DecisionStage::Initial => "initial",
            DecisionStage::Second => "second",
            DecisionStage::Membership => "membership",
        }
    }
    pub fn from_code(code: &str) -> Option<DecisionStage> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            DecisionStage::Register => "单位注册",
            DecisionStage::Initial => "初审",
            DecisionStage::Second => "复审",
            DecisionStage::Membership => "单位审核",
        }
    }
}

/// What happened at that stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionOutcome {
    Submitted,
    Resubmitted,
    Requested,
    Approved,
    Rejected,
}

impl DecisionOutcome {
    const ALL: [DecisionOutcome; 5] = [
        DecisionOutcome::Submitted,
        DecisionOutcome::Resubmitted,
        DecisionOutcome::Requested,
        DecisionOutcome::Approved,
        DecisionOutcome::Rejected,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DecisionOutcome::Submitted => "submitted",
            DecisionOutcome::Resubmitted => "resubmitted",
            DecisionOutcome::Requested => "requested",
            DecisionOutcome::Approved => "approved",
            DecisionOutcome::Rejected => "rejected",
        }
    }
    pub fn from_code(code: &str) -> Option<DecisionOutcome> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            DecisionOutcome::Submitted => "已提交",
            DecisionOutcome::Resubmitted => "修改后重新提交",
            DecisionOutcome::Requested => "申请加入单位",
            DecisionOutcome::Approved => "通过",
            DecisionOutcome::Rejected => "不通过",
        }
    }
    /// 通过 or 不通过.
    pub fn of_verdict(approved: bool) -> DecisionOutcome {
        if approved {
            DecisionOutcome::Approved
        } else {
            DecisionOutcome::Rejected
        }
    }
}

/// 通过 (`approve`) or 不通过 (`reject`) as a review form posts it; any
/// other value is no decision at all and must be refused, never read as one
/// of the two.
pub fn parse_verdict(code: &str) -> Option<bool> {
    match code {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => None,
    }
}

/// The refusal shown when a posted verdict is neither.
pub const NO_VERDICT: &str = "请选择审核结果（通过或不通过）";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in DecisionStage::ALL {
            assert_eq!(DecisionStage::from_code(s.code()), Some(s));
        }
        for o in DecisionOutcome::ALL {
            assert_eq!(DecisionOutcome::from_code(o.code()), Some(o));
        }
        assert_eq!(DecisionStage::from_code("withdrawn"), None);
        assert_eq!(DecisionOutcome::of_verdict(false).label(), "不通过");
        assert_eq!(parse_verdict("approve"), Some(true));
        assert_eq!(parse_verdict("reject"), Some(false));
        assert_eq!(parse_verdict("Approve"), None);
        assert_eq!(parse_verdict(""), None);
    }
}
