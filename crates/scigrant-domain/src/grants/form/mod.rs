//! Declared application forms (申报书): a form is data, not code. This module owns the
//! form description ([`FormSpec`]: cover block, numbered sections with text fields,
//! structured fields, repeating tables and computed totals, plus cross-field [`Rule`]s),
//! its readable JSON import/export with consistency checks, the built-in templates of
//! the 2023 “科创中国” call (附件4 and 附件5, in `forms/*.json`), the filled form
//! ([`FormData`], stored as typed, valid or not, so autosave never loses input), the
//! validation of a filled form against its description ([`validate`]), the computed
//! totals ([`computed`]), the character-counter table for the browser ([`counters`]) and
//! the canonical serialisation that the submission receipt hashes ([`digest_input`]).
//!
//! Addressing: every field, table and computed value has a key that is unique within
//! the form (`[a-z][a-z0-9_]*`). A table column is referred to as `table.column` (in
//! rules, counters and computed totals) and one cell as `table[row].column` (in
//! [`Problem::path`], `row` counting from 0 over the rows as stored).

mod digest;
mod money;
mod phones;
#[doc(hidden)]
mod pinned;
mod posted;
pub mod samples;
mod validate;

pub use digest::digest_input;
pub use money::{MONEY_ERROR, Money, MoneyError};
pub use phones::{for_each_phone, for_each_text, holds_phone, mentions_mobile};
pub use pinned::{CODE_KEY, fixed_by_call, pin};
pub use posted::{data_from_pairs, pairs_of};
pub use validate::{Problem, ValidationContext, computed, validate};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A complete form description. `version` is bumped whenever a published template
/// changes, so a stored application (and its receipt digest) always names the exact
/// description it was filled against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    pub code: String,
    pub title: String,
    pub version: u32,
    /// 填报说明, printed after the cover page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instructions: Vec<String>,
    /// The cover page (项目编号, 项目类别 … 申报日期).
    pub cover: Vec<FieldSpec>,
    /// The lines at the foot of the cover (“中国科协科学技术创新部制表”, “2023年4月”).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issued_by: Vec<String>,
    pub sections: Vec<SectionSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// One numbered part of the form; `title` is printed exactly as in the official form.
/// A section may have no items (十、项目申报单位意见 is signed on paper only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub key: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub items: Vec<Item>,
}

/// What a section holds, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    Field(FieldSpec),
    Table(TableSpec),
    Computed(ComputedSpec),
}

/// One input. `max_chars` counts characters (Unicode scalar values), not bytes: the
/// forms' “300字以内” is about what a reader sees. `label` is used in messages
/// (“请填写{label}”), so it names the field unambiguously (“团长姓名”, not “姓名”).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// The fewest characters a filled value must have (an expert's 评审意见
    /// of at least 200 字); counted as `max_chars` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_chars: Option<u32>,
    /// Guidance shown under the input, e.g. the form's own “（主要工作思路、内容等）”.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// How a field's text is checked (after trimming; an empty value is only ever
/// “required or not”).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of free text.
    Text,
    /// A paragraph of free text (a textarea).
    LongText,
    /// A person's name: letters of any script, spaces, `·` and similar separators.
    Name,
    /// A mainland mobile number ([`crate::identity::phone::Phone`]).
    Phone,
    /// A landline or mobile number as people write them (`010-62121916`, `转` extensions).
    Tel,
    /// [`crate::identity::email::Email`].
    Email,
    /// `YYYY-MM-DD`, a real calendar date from 1900 on.
    Date,
    /// 万元 with at most two decimals ([`Money`]).
    Money,
    /// A non-negative whole number.
    Integer,
    /// Exactly one of `options`.
    Choice { options: Vec<String> },
    /// 统一社会信用代码 ([`crate::identity::uscc::Uscc`]).
    Uscc,
    /// A whole-number score from `min` to `max` (an expert's score on one
    /// criterion, e.g. 创新性 0–30), counted `weight` times in the total.
    Score { min: u32, max: u32, weight: u32 },
}

/// A repeating table. Its value is a list of rows, each a map column key → text.
/// Rows whose declared cells are all blank are ignored everywhere (the page always
/// offers a spare empty row, which must not count as a row nor be reported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub key: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Header of the automatic 1, 2, 3 … column (“序号”, “编号”). Row numbers are not
    /// data: users would only mistype them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_number_label: Option<String>,
    pub columns: Vec<FieldSpec>,
    pub min_rows: u32,
    pub max_rows: u32,
    /// A money column summed into a 合计 row, addressed as `table.column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_column: Option<String>,
    /// Two adjacent columns under one header, printed as one cell (时间进度:
    /// 开始日期 至 结束日期, as the paper form's “年 月 日至 年 月 日”).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<JoinedColumns>,
}

/// See [`TableSpec::joined`]; dates in such a cell print as “2023年5月1日”.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinedColumns {
    pub label: String,
    pub first: String,
    pub second: String,
    /// Printed between the two values (“至”).
    pub between: String,
}

/// A value derived from others, never typed: the sum of money references (money field
/// keys or `table.column` totals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputedSpec {
    pub key: String,
    pub label: String,
    pub sum_of: Vec<String>,
}

/// The two fields that identify a person for [`Rule::DifferentPeople`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    pub name: String,
    pub phone: String,
}

/// A cross-field rule. Each is checked only when the values it needs are present and
/// well-formed: a missing or malformed value is already reported on its own field, and a
/// second message about the same mistake would only confuse. In `message`, `{cap}`,
/// `{end}`, `{left}`, `{right}` and `{row}` (1-based) are replaced where they apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// The two people must differ: refused when the names are equal (ignoring spaces
    /// and Latin case) or the mobile numbers are equal. Either alone identifies the same
    /// person in practice, and checking both stops the trivial evasion of changing one.
    /// Reported on the second person.
    DifferentPeople {
        first: PersonRef,
        second: PersonRef,
        message: String,
    },
    /// Two choice fields that must agree: when `first` has an entry in `pairs`, `second`
    /// must be one of the values paired with it (项目编号 ↔ 项目子类).
    Correspond {
        first: String,
        second: String,
        pairs: Vec<[String; 2]>,
        message: String,
    },
    /// A money reference must not exceed [`ValidationContext::category_cap_wan`].
    MoneyWithinCap { key: String, message: String },
    /// Two money references must be equal (reported on `left`).
    MoneyEquals {
        left: String,
        right: String,
        message: String,
    },
    /// `start` ≤ `end`, both date references. Two columns of one table compare within each
    /// row; a column and a field compare every row's cell with the field.
    DateOrder {
        start: String,
        end: String,
        message: String,
    },
    /// A date reference must not be after [`ValidationContext::period_end`].
    DateWithinPeriodEnd { key: String, message: String },
}

impl Rule {
    pub fn message(&self) -> &str {
        match self {
            Rule::DifferentPeople { message, .. }
            | Rule::Correspond { message, .. }
            | Rule::MoneyWithinCap { message, .. }
            | Rule::MoneyEquals { message, .. }
            | Rule::DateOrder { message, .. }
            | Rule::DateWithinPeriodEnd { message, .. } => message,
        }
    }
}

/// A stored value: the text of a field, or the rows of a table. Untagged so the JSON is
/// natural (`"unit_name": "…"`, `"phases": [{"stage": "…"}]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Rows(Vec<BTreeMap<String, String>>),
}

/// A filled (or partly filled) form: key → value, exactly as the user typed it.
pub type FormData = BTreeMap<String, Value>;

/// One entry of a form in display order (cover first), borrowed from the spec.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Field(&'a FieldSpec),
    Table(&'a TableSpec),
    Computed(&'a ComputedSpec),
}

impl<'a> Entry<'a> {
    pub fn key(self) -> &'a str {
        match self {
            Entry::Field(f) => &f.key,
            Entry::Table(t) => &t.key,
            Entry::Computed(c) => &c.key,
        }
    }

    pub fn label(self) -> &'a str {
        match self {
            Entry::Field(f) => &f.label,
            Entry::Table(t) => &t.label,
            Entry::Computed(c) => &c.label,
        }
    }
}

/// What a reference (`key` or `table.column`) points at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    Entry(Entry<'a>),
    Column(&'a TableSpec, &'a FieldSpec),
}

impl FormSpec {
    /// Parses and checks a form description; errors are in Chinese for the staff member
    /// importing it.
    pub fn from_json(s: &str) -> Result<FormSpec, String> {
        let spec: FormSpec =
            serde_json::from_str(s).map_err(|e| format!("表单定义格式错误：{e}"))?;
        spec.check()?;
        Ok(spec)
    }

    /// Readable JSON (two-space indent, Chinese unescaped); [`FormSpec::from_json`] reads
    /// it back unchanged.
    pub fn to_json_pretty(&self) -> String {
        // Cannot fail: the spec holds only strings, integers, booleans and lists.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Cover fields, then every section's items, in display order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.cover.iter().map(Entry::Field).chain(
            self.sections
                .iter()
                .flat_map(|s| s.items.iter())
                .map(|item| match item {
                    Item::Field(f) => Entry::Field(f),
                    Item::Table(t) => Entry::Table(t),
                    Item::Computed(c) => Entry::Computed(c),
                }),
        )
    }

    /// The entry with this key.
    pub fn entry(&self, key: &str) -> Option<Entry<'_>> {
        self.entries().find(|e| e.key() == key)
    }

    pub(crate) fn target(&self, reference: &str) -> Option<Target<'_>> {
        match reference.split_once('.') {
            None => self.entry(reference).map(Target::Entry),
            Some((table, column)) => match self.entry(table)? {
                Entry::Table(t) => t
                    .columns
                    .iter()
                    .find(|c| c.key == column)
                    .map(|c| Target::Column(t, c)),
                _ => None,
            },
        }
    }

    /// The consistency checks behind [`FormSpec::from_json`]: well-formed and unique keys,
    /// sensible tables and choices, and rules and sums that point at fields of the right
    /// kind. A description that passes cannot make [`validate`] misbehave.
    pub fn check(&self) -> Result<(), String> {
        if self.code.trim().is_empty() || self.title.trim().is_empty() {
            return Err("表单定义缺少编号或名称".into());
        }
        let mut sections = BTreeSet::new();
        for s in &self.sections {
            check_key(&s.key)?;
            if !sections.insert(s.key.as_str()) {
                return Err(format!("表单定义中栏目键“{}”重复", s.key));
            }
        }
        let mut keys = BTreeSet::new();
        for e in self.entries() {
            check_key(e.key())?;
            if !keys.insert(e.key()) {
                return Err(format!("表单定义中字段键“{}”重复", e.key()));
            }
            match e {
                Entry::Field(f) => check_field(f)?,
                Entry::Table(t) => self.check_table(t)?,
                Entry::Computed(c) => {
                    if c.sum_of.is_empty() {
                        return Err(format!("计算项“{}”没有加数", c.key));
                    }
                    for r in &c.sum_of {
                        self.money_ref(r)?;
                    }
                }
            }
        }
        self.rules.iter().try_for_each(|r| self.check_rule(r))
    }

    fn check_table(&self, t: &TableSpec) -> Result<(), String> {
        if t.columns.is_empty() || t.max_rows == 0 || t.min_rows > t.max_rows {
            return Err(format!("表格“{}”的列或行数设置不正确", t.key));
        }
        let mut cols = BTreeSet::new();
        for c in &t.columns {
            check_key(&c.key)?;
            if !cols.insert(c.key.as_str()) {
                return Err(format!("表格“{}”中列键“{}”重复", t.key, c.key));
            }
            check_field(c)?;
        }
        if let Some(total) = &t.total_column {
            match t.columns.iter().find(|c| &c.key == total) {
                Some(c) if c.kind == FieldKind::Money => {}
                _ => return Err(format!("表格“{}”的合计列“{total}”不是金额列", t.key)),
            }
        }
        let at = |k: &str| t.columns.iter().position(|c| c.key == k);
        let mut used = BTreeSet::new();
        for j in &t.joined {
            match (at(&j.first), at(&j.second)) {
                (Some(a), Some(b)) if b == a + 1 && used.insert(a) && used.insert(b) => {}
                _ => {
                    return Err(format!(
                        "表格“{}”合并显示的“{}”须为相邻且未合并过的两列",
                        t.key, j.label
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_rule(&self, rule: &Rule) -> Result<(), String> {
        match rule {
            Rule::DifferentPeople { first, second, .. } => {
                for p in [first, second] {
                    self.field_ref(&p.name)?;
                    let phone = self.field_ref(&p.phone)?;
                    if phone.kind != FieldKind::Phone {
                        return Err(format!("规则引用的“{}”不是手机字段", p.phone));
                    }
                }
            }
            Rule::Correspond {
                first,
                second,
                pairs,
                ..
            } => {
                let (a, b) = (self.choice_ref(first)?, self.choice_ref(second)?);
                for [x, y] in pairs {
                    if !a.contains(x) || !b.contains(y) {
                        return Err(format!("对应规则中的“{x}”“{y}”不在选项中"));
                    }
                }
            }
            Rule::MoneyWithinCap { key, .. } => self.money_ref(key)?,
            Rule::MoneyEquals { left, right, .. } => {
                self.money_ref(left)?;
                self.money_ref(right)?;
            }
            Rule::DateOrder { start, end, .. } => {
                let (a, b) = (self.date_ref(start)?, self.date_ref(end)?);
                if let (Some(x), Some(y)) = (a, b)
                    && x != y
                {
                    return Err(format!("规则比较的“{start}”与“{end}”不在同一表格"));
                }
            }
            Rule::DateWithinPeriodEnd { key, .. } => {
                self.date_ref(key)?;
            }
        }
        Ok(())
    }

    fn field_ref(&self, r: &str) -> Result<&FieldSpec, String> {
        match self.target(r) {
            Some(Target::Entry(Entry::Field(f))) => Ok(f),
            _ => Err(format!("规则引用了不存在的字段“{r}”")),
        }
    }

    fn choice_ref(&self, r: &str) -> Result<&[String], String> {
        match &self.field_ref(r)?.kind {
            FieldKind::Choice { options } => Ok(options),
            _ => Err(format!("规则引用的“{r}”不是选择字段")),
        }
    }

    fn money_ref(&self, r: &str) -> Result<(), String> {
        match self.target(r) {
            Some(Target::Entry(Entry::Field(f))) if f.kind == FieldKind::Money => Ok(()),
            Some(Target::Entry(Entry::Computed(_))) => Ok(()),
            Some(Target::Column(_, c)) if c.kind == FieldKind::Money => Ok(()),
            Some(_) => Err(format!("引用的“{r}”不是金额")),
            None => Err(format!("引用了不存在的字段“{r}”")),
        }
    }

    /// `Ok(Some(table))` for a date column, `Ok(None)` for a date field.
    fn date_ref(&self, r: &str) -> Result<Option<&str>, String> {
        match self.target(r) {
            Some(Target::Entry(Entry::Field(f))) if f.kind == FieldKind::Date => Ok(None),
            Some(Target::Column(t, c)) if c.kind == FieldKind::Date => Ok(Some(&t.key)),
            Some(_) => Err(format!("规则引用的“{r}”不是日期")),
            None => Err(format!("规则引用了不存在的字段“{r}”")),
        }
    }
}

/// Keys become HTML ids, paths and digest lines, so they are kept to a plain alphabet
/// that cannot collide with the `table[row].column` syntax.
fn check_key(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && k.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "表单定义中的键“{k}”不合规（小写字母开头，仅含小写字母、数字、下划线）"
        ))
    }
}

fn check_field(f: &FieldSpec) -> Result<(), String> {
    if f.label.trim().is_empty() {
        return Err(format!("字段“{}”缺少名称", f.key));
    }
    if f.max_chars == Some(0) {
        return Err(format!("字段“{}”的字数上限不能为0", f.key));
    }
    if let (Some(min), Some(max)) = (f.min_chars, f.max_chars)
        && min > max
    {
        return Err(format!("字段“{}”的字数下限大于上限", f.key));
    }
    if let FieldKind::Score { min, max, weight } = &f.kind
        && (min >= max || *weight == 0)
    {
        return Err(format!("评分项“{}”的分值范围或权重不正确", f.key));
    }
    if let FieldKind::Choice { options } = &f.kind {
        let distinct: BTreeSet<&String> = options.iter().collect();
        if options.is_empty() || distinct.len() != options.len() {
            return Err(format!("选择字段“{}”的选项为空或重复", f.key));
        }
    }
    Ok(())
}

const FJ4_JSON: &str = include_str!("../../../forms/kczg2023-fj4.json");
const FJ5_JSON: &str = include_str!("../../../forms/kczg2023-fj5.json");

const BUILTIN: [(&str, &str, &str); 2] = [
    (
        "kczg2023-fj4",
        "2023年“科创中国”科技服务团示范项目申报书",
        FJ4_JSON,
    ),
    (
        "kczg2023-fj5",
        "2023年“科创中国”试点城市系列品牌活动项目申报书",
        FJ5_JSON,
    ),
];

const BUILTIN_CODES: [(&str, &str); 2] =
    [(BUILTIN[0].0, BUILTIN[0].1), (BUILTIN[1].0, BUILTIN[1].1)];

/// (code, title) of the built-in templates, in the order of the call's attachments.
pub fn builtin_codes() -> &'static [(&'static str, &'static str)] {
    &BUILTIN_CODES
}

/// A built-in template by code. The JSON is compiled in and parsed once; a unit test
/// guarantees both parse, so `None` only ever means an unknown code.
pub fn builtin(code: &str) -> Option<FormSpec> {
    static PARSED: OnceLock<Vec<Option<FormSpec>>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(_, _, json)| FormSpec::from_json(json).ok())
            .collect()
    });
    let i = BUILTIN.iter().position(|(c, _, _)| *c == code)?;
    parsed.get(i)?.clone()
}

/// (path, max_chars) of every length-limited input, in form order, for the browser's
/// live character counters. A column appears once as `table.column` and applies to that
/// cell in every row. The browser must count exactly as [`validate`] does: Unicode code
/// points with carriage returns left out, i.e. `[...value.replace(/\r/g, "")].length`
/// (not `value.length`, which counts UTF-16 units, and not bytes).
pub fn counters(spec: &FormSpec) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for e in spec.entries() {
        match e {
            Entry::Field(f) => out.extend(f.max_chars.map(|n| (f.key.clone(), n))),
            Entry::Table(t) => {
                for c in &t.columns {
                    out.extend(c.max_chars.map(|n| (format!("{}.{}", t.key, c.key), n)));
                }
            }
            Entry::Computed(_) => {}
        }
    }
    out
}

#[cfg(test)]
use digest::quote;
#[cfg(test)]
mod tests;
