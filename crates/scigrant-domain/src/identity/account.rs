//! Accounts and their life cycles: the kinds of account, unit natures, the
//! unit registration state machine (初审 → 完善信息 → 复审 → 注册完成), a
//! person's membership of a unit (单位从属用户) and the staff roles,
//! including the three separated administrators of 等保 (三员).

use serde::{Deserialize, Serialize};

/// Who is behind a session or an audit record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountKind {
    Person,
    Unit,
    Staff,
}

impl AccountKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Unit => "unit",
            Self::Staff => "staff",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Person, Self::Unit, Self::Staff]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Person => "个人用户",
            Self::Unit => "单位用户",
            Self::Staff => "后台人员",
        }
    }
}

/// 单位性质, the seed's five choices: the built-in entries (and codes) of
/// the 单位性质 dictionary, which the 系统管理员 may rename, retire or add
/// to (`crate::dictionary`); records and calls hold the codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKind {
    Enterprise,
    University,
    Institute,
    CountyBureau,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        Self::Enterprise,
        Self::University,
        Self::Institute,
        Self::CountyBureau,
        Self::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::University => "university",
            Self::Institute => "institute",
            Self::CountyBureau => "county_bureau",
            Self::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Enterprise => "企业",
            Self::University => "大专院校",
            Self::Institute => "科研院所",
            Self::CountyBureau => "市县科技局",
            Self::Other => "其他",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The unit registration flow of the Tibet guide:
/// 单位注册 → 后台初审 → 完善信息（上传组织机构代码证）→ 后台复审 → 注册完成.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitState {
    /// 待初审: registered, waiting for staff.
    PendingInitial,
    /// 初审不通过: the unit corrects its data and resubmits.
    InitialRejected,
    /// 账号已开通，待完善信息: may enter the project platform and upload the PDF.
    Opened,
    /// 待复审.
    PendingSecond,
    /// 复审不通过: the unit uploads again and resubmits.
    SecondRejected,
    /// 注册完成.
    Complete,
}

/// A review decision a staff member can take on a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitTransition {
    ApproveInitial,
    RejectInitial,
    ResubmitInitial,
    SubmitSecond,
    ApproveSecond,
    RejectSecond,
}

impl UnitState {
    /// Waiting for a reviewer: 初审 or 复审.
    pub fn awaits_review(self) -> bool {
        matches!(self, Self::PendingInitial | Self::PendingSecond)
    }
    pub const ALL: [UnitState; 6] = [
        Self::PendingInitial,
        Self::InitialRejected,
        Self::Opened,
        Self::PendingSecond,
        Self::SecondRejected,
        Self::Complete,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::PendingInitial => "pending_initial",
            Self::InitialRejected => "initial_rejected",
            Self::Opened => "opened",
            Self::PendingSecond => "pending_second",
            Self::SecondRejected => "second_rejected",
            Self::Complete => "complete",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PendingInitial => "待初审",
            Self::InitialRejected => "初审不通过",
            Self::Opened => "账号已开通，待完善信息",
            Self::PendingSecond => "待复审",
            Self::SecondRejected => "复审不通过",
            Self::Complete => "注册完成",
        }
    }

    /// The state after `t`, or `None` when `t` is not allowed from here.
    pub fn apply(self, t: UnitTransition) -> Option<UnitState> {
        use UnitState::*;
        use UnitTransition::*;
        match (self, t) {
            (PendingInitial, ApproveInitial) => Some(Opened),
            (PendingInitial, RejectInitial) => Some(InitialRejected),
            (InitialRejected, ResubmitInitial) => Some(PendingInitial),
            (Opened | SecondRejected, SubmitSecond) => Some(PendingSecond),
            (PendingSecond, ApproveSecond) => Some(Complete),
            (PendingSecond, RejectSecond) => Some(SecondRejected),
            _ => None,
        }
    }

    /// Whether the unit may enter the project platform (科技项目申报);
    /// before 初审 passes the seed shows "账号未开通，请联系我们".
    pub fn platform_open(self) -> bool {
        matches!(
            self,
            Self::Opened | Self::PendingSecond | Self::SecondRejected | Self::Complete
        )
    }

    /// Whether persons may choose this unit as 所在单位: only a unit whose
    /// registration is complete (复审 passed), so nobody joins a unit that
    /// may still be refused.
    pub fn accepts_members(self) -> bool {
        self == Self::Complete
    }
}

/// A person's membership of a unit (单位从属用户管理 → 审核状态).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// No unit chosen yet (完善个人信息 not done).
    None,
    Pending,
    Approved,
    Rejected,
}

impl Membership {
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::None, Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "未完善信息",
            Self::Pending => "待审核",
            Self::Approved => "通过",
            Self::Rejected => "不通过",
        }
    }
}

/// Staff roles. The first three are the separated administrators of 等保
/// 2.0 (三员分立); one account holds exactly one role so no person can both
/// act and erase the trace of acting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffRole {
    /// 系统管理员: staff accounts and roles.
    SystemAdmin,
    /// 安全管理员: unlocks accounts, ends sessions, sets security parameters.
    SecurityAdmin,
    /// 审计管理员: reads the logs, nothing else.
    AuditAdmin,
    /// 账号审核员: 初审 / 复审 of unit registrations.
    AccountReviewer,
    /// 项目管理员: calls, forms, acceptance (形式审查), paper copies.
    ProgramManager,
    /// 内容编辑: writes the portal's articles and submits them for review.
    ContentEditor,
    /// 内容审核: approves (or returns) articles before publication, and
    /// withdraws published ones.
    ContentReviewer,
}

impl StaffRole {
    pub const ALL: [StaffRole; 7] = [
        Self::SystemAdmin,
        Self::SecurityAdmin,
        Self::AuditAdmin,
        Self::AccountReviewer,
        Self::ProgramManager,
        Self::ContentEditor,
        Self::ContentReviewer,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "sysadmin",
            Self::SecurityAdmin => "secadmin",
            Self::AuditAdmin => "auditor",
            Self::AccountReviewer => "reviewer",
            Self::ProgramManager => "manager",
            Self::ContentEditor => "editor",
            Self::ContentReviewer => "content_reviewer",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::SystemAdmin => "系统管理员",
            Self::SecurityAdmin => "安全管理员",
            Self::AuditAdmin => "审计管理员",
            Self::AccountReviewer => "账号审核员",
            Self::ProgramManager => "项目管理员",
            Self::ContentEditor => "内容编辑",
            Self::ContentReviewer => "内容审核",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_flow_follows_the_seed() {
        use UnitTransition::*;
        let s = UnitState::PendingInitial;
        assert!(!s.platform_open());
        let rejected = s.apply(RejectInitial).unwrap();
        assert_eq!(rejected, UnitState::InitialRejected);
        assert_eq!(rejected.apply(ApproveInitial), None);
        let s = rejected.apply(ResubmitInitial).unwrap();
        let s = s.apply(ApproveInitial).unwrap();
        assert!(s.platform_open());
        let s = s.apply(SubmitSecond).unwrap();
        assert_eq!(s.apply(ApproveInitial), None);
        let s = s.apply(RejectSecond).unwrap();
        let s = s.apply(SubmitSecond).unwrap();
        assert_eq!(s.apply(ApproveSecond), Some(UnitState::Complete));
    }

    #[test]
    fn codes_round_trip() {
        for s in UnitState::ALL {
            assert_eq!(UnitState::from_code(s.code()), Some(s));
        }
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::from_code(r.code()), Some(r));
        }
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::from_code(k.code()), Some(k));
        }
    }
}
