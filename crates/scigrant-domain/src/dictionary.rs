//! 字典管理: the lists the forms offer (单位性质, 证件类型, 学历, 学位, 职称,
//! 所在部门), kept by the 系统管理员 instead of in code. Each entry has a
//! stable code (what records hold), a label (what people read), an order
//! and a state. A code is never reused or deleted: retiring an entry
//! disables it, so it is no longer offered, while records that hold it
//! still show its label and still validate when saved unchanged.

use serde::{Deserialize, Serialize};

/// The dictionaries the product keeps. A fixed set: each is read by the
/// forms named in its doc comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DictKind {
    /// 单位性质: 单位账号注册 and its correction; codes are the `UnitKind`
    /// codes a call's 申报主体 names.
    UnitNature,
    /// 证件类型: 个人账号注册.
    DocType,
    /// 个人学历: 完善个人信息.
    Education,
    /// 最高学位: 完善个人信息.
    Degree,
    /// 个人职称: 完善个人信息.
    Title,
    /// 所在部门: suggestions beside the typed field of 完善个人信息.
    Department,
}

impl DictKind {
    pub const ALL: [DictKind; 6] = [
        Self::UnitNature,
        Self::DocType,
        Self::Education,
        Self::Degree,
        Self::Title,
        Self::Department,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::UnitNature => "unit_nature",
            Self::DocType => "doc_type",
            Self::Education => "education",
            Self::Degree => "degree",
            Self::Title => "title",
            Self::Department => "department",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::UnitNature => "单位性质",
            Self::DocType => "证件类型",
            Self::Education => "个人学历",
            Self::Degree => "最高学位",
            Self::Title => "个人职称",
            Self::Department => "所在部门",
        }
    }
    /// Whether the form only suggests the entries and takes any typed
    /// text (所在部门), rather than requiring one of them.
    pub fn suggests_only(self) -> bool {
        self == Self::Department
    }
}

/// Longest code: records hold it, and a call's 申报主体 joins codes with
/// commas, so it stays short and plain.
pub const CODE_CHARS: usize = 32;
/// Longest label: it must fit a select or a table cell.
pub const LABEL_CHARS: usize = 30;
/// Highest order number.
pub const MAX_POSITION: i64 = 9999;

/// What a code may hold besides letters and digits.
const CODE_MARKS: [char; 3] = ['_', '-', '.'];

/// The refusal of a code with other characters.
pub const CODE_CHARSET: &str = "代码只能由字母、数字、汉字和 _ - . 组成";

/// A checked code: 1–32 letters (of any script: the built-in 学历 codes
/// are Chinese words), digits and `_ - .`; no spaces, commas (a call's
/// 申报主体 joins codes with them) or other marks.
pub fn parse_code(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("请输入代码".into());
    }
    if s.chars().count() > CODE_CHARS {
        return Err(format!("代码不能超过{CODE_CHARS}个字符"));
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || CODE_MARKS.contains(&c))
    {
        return Err(CODE_CHARSET.into());
    }
    Ok(s.to_string())
}

/// A checked label: 1–30 characters, no control characters.
pub fn parse_label(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("请输入名称".into());
    }
    if s.chars().count() > LABEL_CHARS {
        return Err(format!("名称不能超过{LABEL_CHARS}个字"));
    }
    if s.chars().any(char::is_control) {
        return Err("名称不能含控制字符".into());
    }
    Ok(s.to_string())
}

/// A checked order number: 0–9999, smaller first.
pub fn parse_position(s: &str) -> Result<i64, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_POSITION).contains(&n) => Ok(n),
        _ => Err(format!("排序请填写0至{MAX_POSITION}的整数，小的在前")),
    }
}

/// One entry of a dictionary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictEntry {
    pub code: String,
    pub label: String,
    pub position: i64,
    pub enabled: bool,
}

/// A dictionary as read, every entry (enabled or not) in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dictionary {
    pub kind: DictKind,
    pub entries: Vec<DictEntry>,
}

/// One choice a form offers: the code, what it reads, whether it is the
/// current value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// Written after the label of a disabled entry where staff or the record's
/// owner see it.
pub const RETIRED: &str = "（已停用）";

impl Dictionary {
    pub fn entry(&self, code: &str) -> Option<&DictEntry> {
        self.entries.iter().find(|e| e.code == code)
    }

    /// The label a record holding `code` shows: the entry's label, whether
    /// or not it is still enabled; a code the dictionary does not know
    /// (typed text of a suggestion list) reads as itself.
    pub fn label_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.entry(code).map(|e| e.label.as_str()).unwrap_or(code)
    }

    /// As [`Self::label_of`], with "（已停用）" after a disabled entry.
    pub fn marked_label_of(&self, code: &str) -> String {
        match self.entry(code) {
            Some(e) if !e.enabled => format!("{}{RETIRED}", e.label),
            Some(e) => e.label.clone(),
            None => code.to_string(),
        }
    }

    /// What a form offers: the enabled entries in order, and the record's
    /// `current` value where it is no longer enabled, so that saving the
    /// record unchanged keeps it (marked "（已停用）").
    pub fn offered(&self, current: &str) -> Vec<Offered> {
        self.entries
            .iter()
            .filter(|e| e.enabled || (!current.is_empty() && e.code == current))
            .map(|e| Offered {
                code: e.code.clone(),
                label: if e.enabled {
                    e.label.clone()
                } else {
                    format!("{}{RETIRED}", e.label)
                },
                selected: e.code == current,
            })
            .collect()
    }

    /// Whether a record may hold `code`: an enabled entry, or the value the
    /// record already holds (`kept`), which a retired entry does not take
    /// away from it.
    pub fn accepts(&self, code: &str, kept: Option<&str>) -> bool {
        if kept.is_some_and(|k| !k.is_empty() && k == code) {
            return true;
        }
        self.entry(code).is_some_and(|e| e.enabled)
    }
}

/// What a change to an entry did, as its history records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DictChange {
    Add,
    Rename,
    Reorder,
    Enable,
    Disable,
}

impl DictChange {
    pub const ALL: [DictChange; 5] = [
        Self::Add,
        Self::Rename,
        Self::Reorder,
        Self::Enable,
        Self::Disable,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Rename => "rename",
            Self::Reorder => "reorder",
            Self::Enable => "enable",
            Self::Disable => "disable",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Add => "新增",
            Self::Rename => "修改名称",
            Self::Reorder => "调整排序",
            Self::Enable => "启用",
            Self::Disable => "停用",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dict() -> Dictionary {
        let e = |code: &str, label: &str, position, enabled| DictEntry {
            code: code.into(),
            label: label.into(),
            position,
            enabled,
        };
        Dictionary {
            kind: DictKind::Education,
            entries: vec![
                e("博士", "博士研究生", 10, true),
                e("中专", "中专", 20, false),
                e("本科", "本科", 30, true),
            ],
        }
    }

    #[test]
    fn codes_labels_and_positions_are_checked() {
        assert_eq!(parse_code(" social_org ").unwrap(), "social_org");
        assert_eq!(parse_code("博士").unwrap(), "博士");
        assert_eq!(parse_code("").unwrap_err(), "请输入代码");
        assert_eq!(
            parse_code("county_bureau-2.0").unwrap(),
            "county_bureau-2.0"
        );
        for bad in ["a b", "a,b", "a，b", "a<b", "a&b", "a/b", "a\u{7}b"] {
            assert_eq!(parse_code(bad).unwrap_err(), CODE_CHARSET, "{bad}");
        }
        assert_eq!(
            parse_code(&"x".repeat(33)).unwrap_err(),
            "代码不能超过32个字符"
        );
        assert!(parse_code(&"x".repeat(32)).is_ok());
        assert_eq!(parse_label("  社会组织 ").unwrap(), "社会组织");
        assert_eq!(parse_label(" ").unwrap_err(), "请输入名称");
        assert_eq!(
            parse_label(&"字".repeat(31)).unwrap_err(),
            "名称不能超过30个字"
        );
        assert_eq!(parse_position("0").unwrap(), 0);
        assert_eq!(parse_position(" 9999 ").unwrap(), 9999);
        assert!(parse_position("10000").is_err());
        assert!(parse_position("-1").is_err());
        assert!(parse_position("一").is_err());
    }

    #[test]
    fn a_retired_entry_is_offered_only_to_the_record_that_holds_it() {
        let d = dict();
        let codes = |o: Vec<Offered>| o.into_iter().map(|o| o.label).collect::<Vec<_>>();
        assert_eq!(codes(d.offered("")), ["博士研究生", "本科"]);
        assert_eq!(
            codes(d.offered("中专")),
            ["博士研究生", "中专（已停用）", "本科"]
        );
        assert!(
            d.offered("本科")
                .iter()
                .any(|o| o.selected && o.code == "本科")
        );
        assert!(d.accepts("本科", None));
        assert!(!d.accepts("中专", None));
        assert!(!d.accepts("中专", Some("本科")));
        assert!(d.accepts("中专", Some("中专")));
        assert!(!d.accepts("硕士", None));
        assert!(!d.accepts("", Some("")));
        assert_eq!(d.label_of("博士"), "博士研究生");
        assert_eq!(d.label_of("中专"), "中专");
        assert_eq!(d.marked_label_of("中专"), "中专（已停用）");
        assert_eq!(d.label_of("技术部"), "技术部");
    }

    #[test]
    fn kinds_and_changes_round_trip() {
        for k in DictKind::ALL {
            assert_eq!(DictKind::from_code(k.code()), Some(k));
        }
        for c in DictChange::ALL {
            assert_eq!(DictChange::from_code(c.code()), Some(c));
        }
        assert_eq!(DictKind::from_code("nope"), None);
        assert!(DictKind::Department.suggests_only());
        assert!(!DictKind::Education.suggests_only());
    }
}
