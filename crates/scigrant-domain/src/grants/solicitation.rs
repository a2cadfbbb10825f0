//! 指南征集: the authority asks persons and units for 指南建议 over a
//! period, through a declared form (the same engine as applications; the
//! built-in 科技计划项目指南建议表 unless staff import their own). A
//! suggestion is a draft until submitted (autosaved, kept as typed), then
//! frozen with a number and an SM3 digest; the 项目管理员 handles each one
//! (采纳, 部分采纳, 未采纳, or 合并 into another as a duplicate) with tags
//! and a reply the author reads. The phase comes from the clock, as for
//! 征求意见 ([`crate::portal::consultation::phase`]).

use std::sync::OnceLock;

use crate::grants::form::FormSpec;
use crate::portal::consultation::{self, Phase};

/// One account keeps at most this many suggestions in a solicitation.
pub const SUGGESTIONS_MAX: i64 = 20;
/// The longest reply to a suggestion.
pub const REPLY_MAX: usize = 1000;
/// At most this many tags, each at most `TAG_MAX` characters.
pub const TAGS_MAX: usize = 5;
pub const TAG_MAX: usize = 12;
/// The field whose value names a suggestion in lists.
pub const TITLE_KEY: &str = "guide_name";
/// The field whose value is a suggestion's 领域.
pub const FIELD_KEY: &str = "field";

const STANDARD_JSON: &str = include_str!("../../forms/guide-suggestion.json");

/// The built-in 指南建议表.
pub fn standard_form() -> FormSpec {
    static SPEC: OnceLock<FormSpec> = OnceLock::new();
    SPEC.get_or_init(|| {
        FormSpec::from_json(STANDARD_JSON).unwrap_or_else(|e| panic!("guide-suggestion.json: {e}"))
    })
    .clone()
}

/// Where a solicitation stands: the phases of a consultation, worded for
/// suggestions.
pub fn phase(opens_at: i64, closes_at: i64, closed: bool, now: i64) -> Phase {
    consultation::phase(opens_at, closes_at, closed, now)
}

/// The words of a phase on a solicitation's pages.
pub fn phase_label(p: Phase) -> &'static str {
    match p {
        Phase::Scheduled => "未开始",
        Phase::Open => "征集中",
        Phase::Handling => "已截止，处理中",
        Phase::Closed => "已结束",
    }
}

/// A suggestion's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SuggestionState {
    /// 草稿: its author's only.
    Draft,
    /// 已提交: frozen, waiting for staff.
    Submitted,
    /// 已采纳
    Adopted,
    /// 部分采纳
    PartlyAdopted,
    /// 未采纳
    NotAdopted,
    /// 已合并: a duplicate folded into another suggestion.
    Merged,
}

impl SuggestionState {
    pub const ALL: [SuggestionState; 6] = [
        SuggestionState::Draft,
        SuggestionState::Submitted,
        SuggestionState::Adopted,
        SuggestionState::PartlyAdopted,
        SuggestionState::NotAdopted,
        SuggestionState::Merged,
    ];
    /// What staff may decide (合并 is chosen by naming the other one).
    pub const DECIDED: [SuggestionState; 3] = [
        SuggestionState::Adopted,
        SuggestionState::PartlyAdopted,
        SuggestionState::NotAdopted,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SuggestionState::Draft => "draft",
            SuggestionState::Submitted => "submitted",
            SuggestionState::Adopted => "adopted",
            SuggestionState::PartlyAdopted => "partly",
            SuggestionState::NotAdopted => "not_adopted",
            SuggestionState::Merged => "merged",
        }
    }
    pub fn from_code(s: &str) -> Option<SuggestionState> {
        SuggestionState::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            SuggestionState::Draft => "草稿",
            SuggestionState::Submitted => "已提交",
            SuggestionState::Adopted => "已采纳",
            SuggestionState::PartlyAdopted => "部分采纳",
            SuggestionState::NotAdopted => "未采纳",
            SuggestionState::Merged => "已合并",
        }
    }
    /// Whether staff have dealt with it.
    pub fn handled(self) -> bool {
        !matches!(self, SuggestionState::Draft | SuggestionState::Submitted)
    }
    /// Whether staff may handle it: submitted or handled, never a draft.
    pub fn staff_sees(self) -> bool {
        self != SuggestionState::Draft
    }
}

/// Staff's tags as typed, separated by commas, 、 or spaces: each trimmed,
/// none twice, at most `TAGS_MAX` of at most `TAG_MAX` characters.
pub fn parse_tags(text: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for t in text.split([',', '，', '、', ' ', '　', ';', '；']) {
        let t = t.trim();
        if t.is_empty() || tags.iter().any(|x| x == t) {
            continue;
        }
        if t.chars().count() > TAG_MAX {
            return Err(format!("标签“{t}”超过{TAG_MAX}个字"));
        }
        tags.push(t.to_string());
    }
    if tags.len() > TAGS_MAX {
        return Err(format!("标签不能超过{TAGS_MAX}个"));
    }
    Ok(tags)
}

/// A reply: needed for every decision but plain adoption (a merge is
/// answered by naming the suggestion kept), at most `REPLY_MAX` characters.
pub fn check_reply(state: SuggestionState, reply: &str) -> Result<(), String> {
    let n = reply.trim().chars().count();
    if n > REPLY_MAX {
        return Err(format!("答复不能超过{REPLY_MAX}字（当前{n}字）"));
    }
    if n == 0 && !matches!(state, SuggestionState::Adopted | SuggestionState::Merged) {
        return Err(format!("“{}”须填写答复意见", state.label()));
    }
    Ok(())
}

/// The receipt number: `ZJ` + the solicitation's id (3 digits) + the
/// submission's sequence in it (4 digits), e.g. `ZJ007-0012`.
pub fn number(solicitation_id: i64, seq: i64) -> String {
    format!("ZJ{solicitation_id:03}-{seq:04}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::form::{FieldKind, Item};

    #[test]
    fn the_standard_form_asks_what_the_notice_asks() {
        let s = standard_form();
        let labels: Vec<String> = s
            .sections
            .iter()
            .flat_map(|x| x.items.iter())
            .filter_map(|i| match i {
                Item::Field(f) => Some(f.label.clone()),
                _ => None,
            })
            .collect();
        for want in [
            "建议指南名称",
            "所属领域",
            "需求背景",
            "研究内容",
            "考核指标",
            "建议经费（万元）",
            "建议单位",
            "联系人",
            "联系电话",
        ] {
            assert!(labels.iter().any(|l| l == want), "{want} missing");
        }
        let title = s.entry(TITLE_KEY).unwrap();
        assert_eq!(title.label(), "建议指南名称");
        let Some(crate::grants::form::Entry::Field(f)) = s.entry(FIELD_KEY) else {
            panic!("no 领域 field");
        };
        assert!(matches!(f.kind, FieldKind::Choice { .. }));
        assert!(s.check().is_ok());
    }

    #[test]
    fn tags_are_split_trimmed_and_bounded() {
        assert_eq!(
            parse_tags(" 农牧业，高原 、农牧业  生态").unwrap(),
            vec!["农牧业", "高原", "生态"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_tags("a,b,c,d,e,f").unwrap_err(), "标签不能超过5个");
        assert_eq!(
            parse_tags("一二三四五六七八九十一二三").unwrap_err(),
            "标签“一二三四五六七八九十一二三”超过12个字"
        );
    }

    #[test]
    fn a_reply_is_needed_unless_adopted() {
        assert!(check_reply(SuggestionState::Adopted, "").is_ok());
        assert_eq!(
            check_reply(SuggestionState::NotAdopted, " ").unwrap_err(),
            "“未采纳”须填写答复意见"
        );
        assert!(check_reply(SuggestionState::PartlyAdopted, "已并入指南第三条").is_ok());
        assert_eq!(
            check_reply(SuggestionState::Adopted, &"字".repeat(1001)).unwrap_err(),
            "答复不能超过1000字（当前1001字）"
        );
    }

    #[test]
    fn states_round_trip_and_numbers_read_well() {
        for s in SuggestionState::ALL {
            assert_eq!(SuggestionState::from_code(s.code()), Some(s));
        }
        assert!(!SuggestionState::Draft.staff_sees());
        assert!(SuggestionState::Merged.handled());
        assert_eq!(number(7, 12), "ZJ007-0012");
        assert_eq!(phase_label(phase(10, 20, false, 15)), "征集中");
        assert_eq!(phase_label(phase(10, 20, false, 21)), "已截止，处理中");
    }
}
