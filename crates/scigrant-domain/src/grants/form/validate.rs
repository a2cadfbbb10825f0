//! Checking a filled form against its description: per-field checks (required, character
//! limits, formats), per-table checks (row counts, every cell), then the cross-field
//! rules, all returned as one list in form order so the page can show every problem next
//! to its field at once. Also the computed totals shown on the page and printed.

use crate::calendar::{format_ymd, parse_ymd};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Entry, FieldKind, FieldSpec, FormData, FormSpec, MONEY_ERROR, Money, PersonRef, Rule,
    TableSpec, Target, Value,
};
use crate::identity::email::Email;
use crate::identity::phone::Phone;
use crate::identity::uscc::Uscc;

/// Facts that come from the call rather than the form: the category's funding cap
/// (经费额度, e.g. 55 万元 for 产业科技服务团) and the end of its project period
/// (项目周期, e.g. 2023-11-30). A rule whose fact is absent is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationContext {
    pub category_cap_wan: Option<Money>,
    pub period_end: Option<(i32, u32, u32)>,
}

/// One thing to fix: `path` is a key, `table` or `table[row].column`; `label` names the
/// field for a reader (for cells: “实施阶段第1行经费预算（万元）”).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub label: String,
    pub message: String,
}

/// Sort key putting problems in form order: (entry index, row + 1, column + 1), with 0
/// for “the entry as a whole”.
type Pos = (usize, usize, usize);

struct Out<'a> {
    spec: &'a FormSpec,
    problems: Vec<(Pos, Problem)>,
}

impl Out<'_> {
    fn push(&mut self, pos: Pos, path: String, label: String, message: String) {
        self.problems.push((
            pos,
            Problem {
                path,
                label,
                message,
            },
        ));
    }

    fn ordinal(&self, key: &str) -> usize {
        self.spec
            .entries()
            .position(|e| e.key() == key)
            .unwrap_or(usize::MAX)
    }

    /// A problem on a whole entry (field, table or computed value).
    fn on_entry(&mut self, key: &str, message: String) {
        let label = self
            .spec
            .entry(key)
            .map_or_else(|| key.to_string(), |e| e.label().to_string());
        self.push((self.ordinal(key), 0, 0), key.to_string(), label, message);
    }

    /// A problem on one cell.
    fn on_cell(&mut self, t: &TableSpec, row: usize, col: &FieldSpec, message: String) {
        let c = t.columns.iter().position(|x| x.key == col.key).unwrap_or(0);
        self.push(
            (self.ordinal(&t.key), row + 1, c + 1),
            format!("{}[{row}].{}", t.key, col.key),
            cell_label(t, row, col),
            message,
        );
    }
}

fn cell_label(t: &TableSpec, row: usize, col: &FieldSpec) -> String {
    format!("{}第{}行{}", t.label, row + 1, col.label)
}

/// Every problem of `data` against `spec`, in form order; empty means the form may be
/// submitted. Never panics, whatever `data` holds (it is autosaved as typed).
pub fn validate(spec: &FormSpec, data: &FormData, ctx: &ValidationContext) -> Vec<Problem> {
    let mut out = Out {
        spec,
        problems: Vec::new(),
    };
    for e in spec.entries() {
        match e {
            Entry::Field(f) => {
                let message = match data.get(&f.key) {
                    Some(Value::Rows(r)) if !r.is_empty() => {
                        Some(format!("{}数据格式不正确", f.label))
                    }
                    Some(Value::Text(s)) => check_text(f, &f.label, s),
                    _ => check_text(f, &f.label, ""),
                };
                if let Some(m) = message {
                    out.on_entry(&f.key, m);
                }
            }
            Entry::Table(t) => check_table(&mut out, t, data.get(&t.key)),
            Entry::Computed(_) => {}
        }
    }
    for rule in &spec.rules {
        check_rule(&mut out, data, ctx, rule);
    }
    // Stable: a rule's problem follows the field's own problems at the same place.
    out.problems.sort_by_key(|(pos, _)| *pos);
    out.problems.into_iter().map(|(_, p)| p).collect()
}

/// What the validator and the browser counter count: characters, with `\r` left out so
/// a textarea posted with CRLF line ends counts the same as on screen.
fn char_count(s: &str) -> usize {
    s.chars().filter(|&c| c != '\r').count()
}

/// The first problem with one value, if any: empty, then too long, then malformed.
fn check_text(f: &FieldSpec, label: &str, text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return f.required.then(|| format!("请填写{label}"));
    }
    if let Some(max) = f.max_chars {
        let n = char_count(text);
        if n > max as usize {
            return Some(format!("{label}不能超过{max}字（当前{n}字）"));
        }
    }
    if let Some(min) = f.min_chars {
        let n = char_count(text.trim());
        if n < min as usize {
            return Some(format!("{label}不能少于{min}字（当前{n}字）"));
        }
    }
    match &f.kind {
        FieldKind::Text | FieldKind::LongText => None,
        FieldKind::Name => (!valid_name(trimmed)).then(|| format!("{label}格式不正确")),
        FieldKind::Phone => Phone::parse(trimmed).err().map(|e| e.to_string()),
        FieldKind::Tel => {
            (!valid_tel(trimmed)).then(|| format!("{label}格式不正确（如010-62121916）"))
        }
        FieldKind::Email => Email::parse(trimmed).err().map(|e| e.to_string()),
        FieldKind::Date => parse_ymd(trimmed)
            .ok()
            .is_none()
            .then(|| "请输入有效日期（格式如2023-04-25）".to_string()),
        FieldKind::Money => Money::parse(trimmed).err().map(|_| MONEY_ERROR.to_string()),
        FieldKind::Integer => {
            let ok = trimmed.len() <= 18 && trimmed.bytes().all(|b| b.is_ascii_digit());
            (!ok).then(|| "请输入整数".to_string())
        }
        FieldKind::Choice { options } => {
            (!options.iter().any(|o| o == trimmed)).then(|| format!("请从选项中选择{label}"))
        }
        FieldKind::Uscc => Uscc::parse(trimmed).err().map(|e| e.to_string()),
        FieldKind::Score { min, max, .. } => {
            let ok = trimmed.len() <= 9
                && trimmed.bytes().all(|b| b.is_ascii_digit())
                && trimmed
                    .parse::<u32>()
                    .is_ok_and(|n| (*min..=*max).contains(&n));
            (!ok).then(|| format!("{label}应为{min}至{max}之间的整数"))
        }
    }
}

/// Letters of any script (CJK ideographs are alphabetic) with the separators names are
/// written with: `·` in transliterated minority and foreign names, spaces, hyphens.
/// Digits and symbols are refused: they mean a phone or e-mail in the wrong box.
fn valid_name(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | '・' | '.' | ' ' | '-' | '\''))
}

/// Phone numbers as written on Chinese forms: digits with `-`, spaces, brackets, a `+`
/// country code, `转` extensions and `、`/`,` between several numbers. Between 7 (a local
/// number) and 30 digits.
fn valid_tel(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    (7..=30).contains(&digits)
        && s.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '-' | ' ' | '+' | '(' | ')' | '（' | '）' | '转' | '、' | ',' | '，' | '/'
                )
        })
}

fn is_blank(t: &TableSpec, row: &BTreeMap<String, String>) -> bool {
    t.columns
        .iter()
        .all(|c| row.get(&c.key).is_none_or(|v| v.trim().is_empty()))
}

/// The non-blank rows of a table value with their stored index. A text value (the wrong
/// shape) yields no rows; [`validate`] reports it.
pub(crate) fn filled_rows<'a>(
    t: &TableSpec,
    value: Option<&'a Value>,
) -> Vec<(usize, &'a BTreeMap<String, String>)> {
    match value {
        Some(Value::Rows(rows)) => rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !is_blank(t, r))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_table(out: &mut Out<'_>, t: &TableSpec, value: Option<&Value>) {
    if let Some(Value::Text(s)) = value
        && !s.trim().is_empty()
    {
        out.on_entry(&t.key, format!("{}数据格式不正确", t.label));
        return;
    }
    let rows = filled_rows(t, value);
    let n = rows.len();
    if n < t.min_rows as usize {
        let m = if n == 0 {
            format!("请填写{}", t.label)
        } else {
            format!("{}至少填写{}行", t.label, t.min_rows)
        };
        out.on_entry(&t.key, m);
    } else if n > t.max_rows as usize {
        out.on_entry(&t.key, format!("{}最多填写{}行", t.label, t.max_rows));
    }
    for (i, row) in rows {
        for c in &t.columns {
            let cell = row.get(&c.key).map_or("", String::as_str);
            if let Some(m) = check_text(c, &cell_label(t, i, c), cell) {
                out.on_cell(t, i, c, m);
            }
        }
    }
}

/// The stored text of a field; `None` when it holds rows (the wrong shape).
fn text_of<'a>(data: &'a FormData, key: &str) -> Option<&'a str> {
    match data.get(key) {
        None => Some(""),
        Some(Value::Text(s)) => Some(s),
        Some(Value::Rows(r)) if r.is_empty() => Some(""),
        Some(Value::Rows(_)) => None,
    }
}

/// An amount for a rule: `None` when any part is malformed, or is a required value left
/// empty, since the rule would then judge numbers the user has not really given yet.
/// Optional empty amounts (自有经费 “如没有可不填”) count as zero.
fn strict_money(spec: &FormSpec, data: &FormData, r: &str) -> Option<Money> {
    let one = |f: &FieldSpec, s: &str| {
        if s.trim().is_empty() {
            (!f.required).then_some(Money::ZERO)
        } else {
            Money::parse(s).ok()
        }
    };
    match spec.target(r)? {
        Target::Entry(Entry::Field(f)) => one(f, text_of(data, &f.key)?),
        Target::Entry(Entry::Computed(c)) => c.sum_of.iter().try_fold(Money::ZERO, |acc, r| {
            Some(acc.saturating_add(strict_money(spec, data, r)?))
        }),
        Target::Column(t, c) => {
            let rows = filled_rows(t, data.get(&t.key));
            if rows.len() < t.min_rows as usize {
                return None;
            }
            rows.iter().try_fold(Money::ZERO, |acc, (_, row)| {
                let cell = row.get(&c.key).map_or("", String::as_str);
                Some(acc.saturating_add(one(c, cell)?))
            })
        }
        Target::Entry(Entry::Table(_)) => None,
    }
}

/// An amount for display: malformed and empty parts count as zero.
fn lenient_money(spec: &FormSpec, data: &FormData, r: &str) -> Money {
    let one = |s: &str| Money::parse(s).unwrap_or(Money::ZERO);
    match spec.target(r) {
        Some(Target::Entry(Entry::Field(f))) => one(text_of(data, &f.key).unwrap_or("")),
        Some(Target::Entry(Entry::Computed(c))) => c.sum_of.iter().fold(Money::ZERO, |acc, r| {
            acc.saturating_add(lenient_money(spec, data, r))
        }),
        Some(Target::Column(t, c)) => filled_rows(t, data.get(&t.key))
            .iter()
            .fold(Money::ZERO, |acc, (_, row)| {
                acc.saturating_add(one(row.get(&c.key).map_or("", String::as_str)))
            }),
        _ => Money::ZERO,
    }
}

/// Computed values for display and printing: every [`super::ComputedSpec`] by key, and
/// every table total as `table.column`. Malformed and empty amounts are left out of the
/// sums (the page shows the total of what is valid so far; [`validate`] reports the rest).
pub fn computed(spec: &FormSpec, data: &FormData) -> BTreeMap<String, Money> {
    let mut out = BTreeMap::new();
    for e in spec.entries() {
        match e {
            Entry::Computed(c) => {
                out.insert(c.key.clone(), lenient_money(spec, data, &c.key));
            }
            Entry::Table(t) => {
                if let Some(col) = &t.total_column {
                    let r = format!("{}.{col}", t.key);
                    let total = lenient_money(spec, data, &r);
                    out.insert(r, total);
                }
            }
            Entry::Field(_) => {}
        }
    }
    out
}

/// Where a problem about a money reference goes: the field, computed value or table.
fn money_path(r: &str) -> &str {
    r.split_once('.').map_or(r, |(table, _)| table)
}

/// (year, month, day), as [`parse_ymd`] returns it.
type Date = (i32, u32, u32);

/// The dates a date reference holds: one for a field, one per non-blank row for a column
/// (with the row's stored index). Malformed or empty dates are `None` and skipped by the
/// rules.
enum Dates<'a> {
    Field(&'a FieldSpec, Option<Date>),
    Column(&'a TableSpec, &'a FieldSpec, Vec<(usize, Option<Date>)>),
}

fn dates<'a>(spec: &'a FormSpec, data: &FormData, r: &str) -> Option<Dates<'a>> {
    match spec.target(r)? {
        Target::Entry(Entry::Field(f)) => Some(Dates::Field(
            f,
            text_of(data, &f.key).and_then(|s| parse_ymd(s).ok()),
        )),
        Target::Column(t, c) => {
            let cells = filled_rows(t, data.get(&t.key))
                .into_iter()
                .map(|(i, row)| (i, row.get(&c.key).and_then(|s| parse_ymd(s).ok())))
                .collect();
            Some(Dates::Column(t, c, cells))
        }
        _ => None,
    }
}

fn fill(message: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(message.to_string(), |m, (k, v)| m.replace(k, v))
}

/// Name as compared for [`Rule::DifferentPeople`]: without any spaces, Latin case folded.
fn person_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field to report on when `a` and `b` are the same person: the second name when
/// the names match, else the second phone when the mobile numbers match.
fn same_person<'a>(data: &FormData, a: &PersonRef, b: &'a PersonRef) -> Option<&'a str> {
    let (na, nb) = (
        person_name(text_of(data, &a.name)?),
        person_name(text_of(data, &b.name)?),
    );
    if !na.is_empty() && na == nb {
        return Some(&b.name);
    }
    let (pa, pb) = (text_of(data, &a.phone)?, text_of(data, &b.phone)?);
    match (Phone::parse(pa), Phone::parse(pb)) {
        (Ok(x), Ok(y)) if x == y => Some(&b.phone),
        _ => None,
    }
}

fn check_rule(out: &mut Out<'_>, data: &FormData, ctx: &ValidationContext, rule: &Rule) {
    let spec = out.spec;
    match rule {
        Rule::DifferentPeople {
            first,
            second,
            message,
        } => {
            if let Some(key) = same_person(data, first, second) {
                out.on_entry(key, message.clone());
            }
        }
        Rule::Correspond {
            first,
            second,
            pairs,
            message,
        } => {
            let (Some(a), Some(b)) = (text_of(data, first), text_of(data, second)) else {
                return;
            };
            let (a, b) = (a.trim(), b.trim());
            let mut allowed = pairs.iter().filter(|[x, _]| x == a).peekable();
            if !b.is_empty() && allowed.peek().is_some() && !allowed.any(|[_, y]| y == b) {
                out.on_entry(second, message.clone());
            }
        }
        Rule::MoneyWithinCap { key, message } => {
            if let (Some(cap), Some(v)) = (ctx.category_cap_wan, strict_money(spec, data, key))
                && v > cap
            {
                let m = fill(message, &[("{cap}", &cap.to_string())]);
                out.on_entry(money_path(key), m);
            }
        }
        Rule::MoneyEquals {
            left,
            right,
            message,
        } => {
            if let (Some(l), Some(r)) = (
                strict_money(spec, data, left),
                strict_money(spec, data, right),
            ) && l != r
            {
                let m = fill(
                    message,
                    &[("{left}", &l.to_string()), ("{right}", &r.to_string())],
                );
                out.on_entry(money_path(left), m);
            }
        }
        Rule::DateOrder {
            start,
            end,
            message,
        } => {
            let (Some(a), Some(b)) = (dates(spec, data, start), dates(spec, data, end)) else {
                return;
            };
            date_order(out, &a, &b, message);
        }
        Rule::DateWithinPeriodEnd { key, message } => {
            let Some(limit) = ctx.period_end else {
                return;
            };
            let m = |row: usize| {
                fill(
                    message,
                    &[
                        ("{end}", &format_ymd(limit)),
                        ("{row}", &(row + 1).to_string()),
                    ],
                )
            };
            match dates(spec, data, key) {
                Some(Dates::Field(f, Some(d))) if d > limit => out.on_entry(&f.key, m(0)),
                Some(Dates::Column(t, c, cells)) => {
                    for (i, d) in cells {
                        if d.is_some_and(|d| d > limit) {
                            out.on_cell(t, i, c, m(i));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reports on the column side when there is one (the row is where the fix goes),
/// otherwise on `end`.
fn date_order(out: &mut Out<'_>, a: &Dates<'_>, b: &Dates<'_>, message: &str) {
    let m = |row: usize| fill(message, &[("{row}", &(row + 1).to_string())]);
    match (a, b) {
        (Dates::Field(_, Some(x)), Dates::Field(fb, Some(y))) if x > y => {
            out.on_entry(&fb.key, m(0));
        }
        (Dates::Column(_, _, xs), Dates::Column(t, cb, ys)) => {
            for ((i, x), (_, y)) in xs.iter().zip(ys) {
                if let (Some(x), Some(y)) = (x, y)
                    && x > y
                {
                    out.on_cell(t, *i, cb, m(*i));
                }
            }
        }
        (Dates::Field(_, Some(x)), Dates::Column(t, cb, ys)) => {
            for (i, y) in ys {
                if y.is_some_and(|y| *x > y) {
                    out.on_cell(t, *i, cb, m(*i));
                }
            }
        }
        (Dates::Column(t, ca, xs), Dates::Field(_, Some(y))) => {
            for (i, x) in xs {
                if x.is_some_and(|x| x > *y) {
                    out.on_cell(t, *i, ca, m(*i));
                }
            }
        }
        _ => {}
    }
}
