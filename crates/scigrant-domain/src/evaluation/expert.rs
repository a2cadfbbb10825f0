//! The life of an expert in the library (专家库) and of an assignment.
//! A person applies (申请), staff approve or reject; an approved expert can
//! be paused (暂停) and resumed, or retired (退出) for good. Only approved
//! experts are assigned applications.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpertState {
    /// Applied or imported, waiting for staff.
    Applied,
    Approved,
    Rejected,
    /// Temporarily out of assignment (暂停).
    Paused,
    /// Left the library (退出); final.
    Retired,
}

impl ExpertState {
    pub const ALL: [ExpertState; 5] = [
        Self::Applied,
        Self::Approved,
        Self::Rejected,
        Self::Paused,
        Self::Retired,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Paused => "paused",
            Self::Retired => "retired",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Applied => "待审核",
            Self::Approved => "已入库",
            Self::Rejected => "未通过",
            Self::Paused => "已暂停",
            Self::Retired => "已退出",
        }
    }
    /// Whether the expert may be given new assignments.
    pub fn assignable(self) -> bool {
        self == Self::Approved
    }
    /// The transitions staff and the expert may make.
    pub fn can_move_to(self, next: ExpertState) -> bool {
        use ExpertState::*;
        matches!(
            (self, next),
            (Applied, Approved)
                | (Applied, Rejected)
                | (Rejected, Applied)
                | (Approved, Paused)
                | (Paused, Approved)
                | (Approved | Paused, Retired)
        )
    }
}

/// 职称 as an expert declares it (科技项目专家申请).
pub const TITLES: [&str; 4] = ["正高级", "副高级", "中级", "其他"];

/// Most 研究方向 keywords an expert gives.
pub const MAX_KEYWORDS: usize = 5;
/// Longest single keyword, in characters.
pub const KEYWORD_CHARS: usize = 20;
/// 研究领域 summary length, in characters (least, most).
pub const SUMMARY_CHARS: (usize, usize) = (20, 500);
/// Most 回避单位 / 回避人员 rows of each kind.
pub const MAX_AVOIDS: usize = 5;

/// The 研究方向 keywords of a text box: separated by new lines or by
/// commas, semicolons or 顿号 (half- or full-width), trimmed, empty ones
/// and repeats dropped, in the order typed.
pub fn parse_keywords(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in text.split(['\n', '\r', ',', '，', ';', '；', '、']) {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

/// An assignment of one expert to one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignmentState {
    /// Made by the solver or by hand; the expert has not answered yet.
    Proposed,
    /// The expert accepted and confirmed 无利益冲突.
    Accepted,
    /// The expert declined (with a reason) or declared a conflict.
    Declined,
    /// Removed by staff, or the acceptance deadline passed unanswered.
    Released,
}

impl AssignmentState {
    pub const ALL: [AssignmentState; 4] = [
        Self::Proposed,
        Self::Accepted,
        Self::Declined,
        Self::Released,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Released => "released",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "待接受",
            Self::Accepted => "已接受",
            Self::Declined => "已谢绝",
            Self::Released => "已撤销",
        }
    }
    /// Whether the assignment still counts towards the expert's load and
    /// the application's reviewers.
    pub fn active(self) -> bool {
        matches!(self, Self::Proposed | Self::Accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in ExpertState::ALL {
            assert_eq!(ExpertState::from_code(s.code()), Some(s));
        }
        for s in AssignmentState::ALL {
            assert_eq!(AssignmentState::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn keywords_split_on_any_usual_separator() {
        assert_eq!(
            parse_keywords("机器学习，数据挖掘;图像识别、 机器学习\n知识图谱,"),
            ["机器学习", "数据挖掘", "图像识别", "知识图谱"]
        );
        assert!(parse_keywords(" ，\n").is_empty());
    }

    #[test]
    fn a_retired_expert_stays_retired() {
        for next in ExpertState::ALL {
            assert!(!ExpertState::Retired.can_move_to(next));
        }
        assert!(ExpertState::Approved.can_move_to(ExpertState::Paused));
        assert!(!ExpertState::Applied.can_move_to(ExpertState::Paused));
    }
}
