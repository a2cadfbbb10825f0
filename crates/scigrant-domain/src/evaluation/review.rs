//! 评审方案 and 评审意见表: the settings a program manager gives a call's
//! review (reviewers per application, expert loads, deadlines, hidden
//! identities) and the scoring form, declared with the application form
//! engine ([`FormSpec`]): criteria are [`FieldKind::Score`] fields with a
//! range and a weight, 综合评价 and 资助意见 are choice fields under fixed
//! keys, and 评审意见 is a long text with a minimum and maximum length.
//! The built-in template (`forms/review-standard.json`) follows the usual
//! national practice: 创新性 30, 科学性与可行性 25, 研究基础与条件 20,
//! 预期成果与效益 15, 经费预算合理性 10.

use super::score::{Grade, Opinion};
use crate::grants::form::{Entry, FieldKind, FormData, FormSpec, Value};

/// The key of 综合评价 in a scoring form.
pub const GRADE_KEY: &str = "grade";
/// The key of 资助意见.
pub const FUNDING_KEY: &str = "funding";
/// The key of 评审意见.
pub const COMMENT_KEY: &str = "comment";

/// What an expert's decline reason starts with when they declared a
/// conflict of interest rather than simply declining: the assignment row
/// keeps one reason text, and this marks the conflict for the next
/// computation of exclusions.
pub const CONFLICT_PREFIX: &str = "利益冲突：";

/// Limits a review plan is held to.
pub const MAX_REVIEWERS: u32 = 15;
pub const MAX_LOAD: u32 = 500;

const STANDARD_JSON: &str = include_str!("../../forms/review-standard.json");

/// The built-in scoring form (项目评审意见表).
pub fn standard_sheet() -> FormSpec {
    // A unit test guarantees the shipped JSON parses and passes `check_sheet`.
    FormSpec::from_json(STANDARD_JSON).unwrap_or_else(|e| panic!("review-standard.json: {e}"))
}

/// One scored criterion of a scoring form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub key: String,
    pub label: String,
    pub min: u32,
    pub max: u32,
    pub weight: u32,
}

/// The criteria of a scoring form, in form order.
pub fn criteria(spec: &FormSpec) -> Vec<Criterion> {
    spec.entries()
        .filter_map(|e| match e {
            Entry::Field(f) => match f.kind {
                FieldKind::Score { min, max, weight } => Some(Criterion {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    min,
                    max,
                    weight,
                }),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The highest total a scoring form allows.
pub fn max_total(spec: &FormSpec) -> u32 {
    criteria(spec).iter().map(|c| c.max * c.weight).sum()
}

/// Whether `spec` can serve as a scoring form: at least one criterion,
/// and 综合评价 / 资助意见 (when present) offer the fixed choices.
pub fn check_sheet(spec: &FormSpec) -> Result<(), String> {
    spec.check()?;
    if criteria(spec).is_empty() {
        return Err("评审意见表至少需要一个评分项".into());
    }
    for (key, codes) in [
        (GRADE_KEY, Grade::ALL.map(Grade::label).to_vec()),
        (FUNDING_KEY, Opinion::ALL.map(Opinion::label).to_vec()),
    ] {
        if let Some(Entry::Field(f)) = spec.entry(key) {
            match &f.kind {
                FieldKind::Choice { options }
                    if options.iter().all(|o| codes.contains(&o.as_str())) => {}
                _ => return Err(format!("评审意见表中“{}”的选项不正确", f.label)),
            }
        }
    }
    Ok(())
}

/// How an applicant reads the `n`-th (from 1) of the experts who reviewed
/// their application: "专家一", "专家二"…, never a name.
pub fn anonymous_expert(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let units = match n % 10 {
        0 => "",
        u => DIGITS[u],
    };
    let numeral = match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{units}"),
        20..=99 => format!("{}十{units}", DIGITS[n / 10]),
        _ => n.to_string(),
    };
    format!("专家{numeral}")
}

/// The grade a form option stands for ("A 优" → A).
pub fn grade_of(option: &str) -> Option<Grade> {
    Grade::ALL.into_iter().find(|g| g.label() == option.trim())
}

/// The opinion a form option stands for ("优先资助" → Priority).
pub fn opinion_of(option: &str) -> Option<Opinion> {
    Opinion::ALL
        .into_iter()
        .find(|o| o.label() == option.trim())
}

/// What a (partly) filled scoring form adds up to, as shown live while
/// the expert types: the weighted sum of the criteria filled with a valid
/// score, whether every criterion is, and the grade and funding chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub total: u32,
    pub max_total: u32,
    pub scored: usize,
    pub criteria: usize,
    pub grade: Option<Grade>,
    pub opinion: Option<Opinion>,
}

impl Tally {
    pub fn complete(&self) -> bool {
        self.scored == self.criteria
    }
}

/// Adds up `data` against the scoring form `spec`.
pub fn tally(spec: &FormSpec, data: &FormData) -> Tally {
    let text = |k: &str| match data.get(k) {
        Some(Value::Text(s)) => s.trim().to_string(),
        _ => String::new(),
    };
    let all = criteria(spec);
    let mut total = 0;
    let mut scored = 0;
    for c in &all {
        if let Ok(n) = text(&c.key).parse::<u32>()
            && (c.min..=c.max).contains(&n)
        {
            total += n * c.weight;
            scored += 1;
        }
    }
    Tally {
        total,
        max_total: all.iter().map(|c| c.max * c.weight).sum(),
        scored,
        criteria: all.len(),
        grade: grade_of(&text(GRADE_KEY)),
        opinion: opinion_of(&text(FUNDING_KEY)),
    }
}

/// A review's life: autosaved as a draft, locked once submitted; staff
/// may reopen a submitted one with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewState {
    Draft,
    Submitted,
}

impl ReviewState {
    pub fn code(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::Submitted => "submitted",
        }
    }
    pub fn from_code(s: &str) -> Option<ReviewState> {
        [ReviewState::Draft, ReviewState::Submitted]
            .into_iter()
            .find(|r| r.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ReviewState::Draft => "评审中",
            ReviewState::Submitted => "已提交",
        }
    }
}

/// A review plan's state: open while experts are assigned and review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanState {
    Open,
}

impl PlanState {
    pub fn code(self) -> &'static str {
        "open"
    }
}

/// What replaces a hidden value.
pub const HIDDEN: &str = "（已隐去）";

/// Fields and table columns that name the applicant side beyond their
/// kind: units, posts, addresses and joint units.
const IDENTIFYING_KEYS: [&str; 9] = [
    "applicant",
    "unit_name",
    "leader_post",
    "chief_expert_post",
    "contact_post",
    "contact_address",
    "partner_units",
    "post_title",
    "contact",
];

fn identifying(f: &crate::grants::form::FieldSpec) -> bool {
    matches!(
        f.kind,
        FieldKind::Name | FieldKind::Phone | FieldKind::Tel | FieldKind::Email | FieldKind::Uscc
    ) || IDENTIFYING_KEYS.contains(&f.key.as_str())
}

/// The application as experts read it when the plan hides identities:
/// names, units, phones, e-mails, 统一社会信用代码, posts and addresses
/// replaced by [`HIDDEN`], in fields and table cells alike.
pub fn hide_identity(spec: &FormSpec, data: &mut FormData) {
    for e in spec.entries() {
        match e {
            Entry::Field(f) if identifying(f) => {
                if let Some(Value::Text(t)) = data.get_mut(&f.key)
                    && !t.trim().is_empty()
                {
                    *t = HIDDEN.to_string();
                }
            }
            Entry::Table(t) => {
                if let Some(Value::Rows(rows)) = data.get_mut(&t.key) {
                    for row in rows {
                        for c in t.columns.iter().filter(|c| identifying(c)) {
                            if let Some(v) = row.get_mut(&c.key)
                                && !v.trim().is_empty()
                            {
                                *v = HIDDEN.to_string();
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Review rounds: 函评 (remote review, round 1) and 会评 (panel, round 2).
pub const ROUND_REMOTE: i64 = 1;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_standard_sheet_adds_up_to_one_hundred() {
        let spec = standard_sheet();
        check_sheet(&spec).unwrap();
        assert_eq!(max_total(&spec), 100);
        let labels: Vec<_> = criteria(&spec)
            .into_iter()
            .map(|c| (c.label, c.max))
            .collect();
        assert_eq!(
            labels,
            [
                ("创新性".to_string(), 30),
                ("科学性与可行性".to_string(), 25),
                ("研究基础与条件".to_string(), 20),
                ("预期成果与效益".to_string(), 15),
                ("经费预算合理性".to_string(), 10),
            ]
        );
    }

    #[test]
    fn a_tally_counts_only_valid_scores() {
        let spec = standard_sheet();
        let data: FormData = BTreeMap::from([
            ("innovation".into(), Value::Text("28".into())),
            ("feasibility".into(), Value::Text("26".into())),
            ("foundation".into(), Value::Text(" 18 ".into())),
            ("grade".into(), Value::Text("A 优".into())),
        ]);
        let t = tally(&spec, &data);
        assert_eq!((t.total, t.scored, t.criteria), (46, 2, 5));
        assert_eq!(t.grade, Some(Grade::A));
        assert_eq!(t.opinion, None);
        assert!(!t.complete());
    }

    #[test]
    fn experts_are_named_by_chinese_ordinals() {
        let names: Vec<String> = [1, 2, 9, 10, 11, 15, 20, 21, 100]
            .into_iter()
            .map(anonymous_expert)
            .collect();
        assert_eq!(
            names,
            [
                "专家一",
                "专家二",
                "专家九",
                "专家十",
                "专家十一",
                "专家十五",
                "专家二十",
                "专家二十一",
                "专家100"
            ]
        );
    }
}
