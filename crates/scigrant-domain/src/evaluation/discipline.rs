//! 学科分类与代码 (GB/T 13745-2009): the code table an expert's 学科 and
//! the search by discipline use. This module owns the bundled table
//! (`data/disciplines.tsv`, written by hand from the standard, source named
//! in its header): lookups by code, a code's name and its parent chain
//! (一级学科 3 digits → 二级学科 5 digits), and the rules for an expert's
//! set of codes (several allowed, exactly one primary). All 62 一级学科 are
//! shipped, and the 二级学科 of the main natural-science and engineering
//! fields; a field whose 二级学科 are not shipped is chosen at the first
//! level. Pure: compiled in, parsed once.

use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/disciplines.tsv");

/// One discipline of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Discipline {
    pub code: &'static str,
    pub name: &'static str,
}

impl Discipline {
    /// 1 for a 一级学科 (3 digits), 2 for a 二级学科 (5 digits).
    pub fn level(&self) -> u8 {
        if self.code.len() == 3 { 1 } else { 2 }
    }
    /// "11021 代数学", as lists and exports show a code.
    pub fn label(&self) -> String {
        format!("{} {}", self.code, self.name)
    }
}

/// The table in code order (which is also the standard's order).
pub fn all() -> &'static [Discipline] {
    static TABLE: OnceLock<Vec<Discipline>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<Discipline> = DATA.lines().filter_map(parse_line).collect();
        v.sort_by_key(|d| d.code);
        v.dedup_by_key(|d| d.code);
        v
    })
}

fn parse_line(line: &'static str) -> Option<Discipline> {
    if line.starts_with('#') {
        return None;
    }
    let (code, name) = line.split_once('\t')?;
    let well_formed =
        matches!(code.len(), 3 | 5) && code.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty();
    well_formed.then_some(Discipline {
        code,
        name: name.trim(),
    })
}

/// The discipline of `code`, when the table has it.
pub fn lookup(code: &str) -> Option<Discipline> {
    let t = all();
    t.binary_search_by(|d| d.code.cmp(code)).ok().map(|i| t[i])
}

/// The name of `code` (e.g. `"110"` → 数学).
pub fn name(code: &str) -> Option<&'static str> {
    lookup(code).map(|d| d.name)
}

/// The 一级学科 of a 二级学科; none for a 一级学科 or an unknown code.
pub fn parent(code: &str) -> Option<Discipline> {
    if code.len() == 5 {
        lookup(code.get(..3)?)
    } else {
        None
    }
}

/// `code` and its ancestors, the 一级学科 first (e.g. 数学 › 代数学); empty
/// for an unknown code.
pub fn chain(code: &str) -> Vec<Discipline> {
    let Some(d) = lookup(code) else {
        return Vec::new();
    };
    let mut out: Vec<Discipline> = parent(code).into_iter().collect();
    out.push(d);
    out
}

/// "数学 › 代数学" for a code; the code itself when unknown.
pub fn path(code: &str) -> String {
    let c = chain(code);
    if c.is_empty() {
        return code.to_string();
    }
    c.iter().map(|d| d.name).collect::<Vec<_>>().join(" › ")
}

/// The 一级学科, for a search filter.
pub fn first_level() -> impl Iterator<Item = Discipline> {
    all().iter().copied().filter(|d| d.level() == 1)
}

/// Why a set of 学科 codes is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisciplineProblem {
    None,
    Unknown(String),
    Duplicate(String),
    TooMany(usize),
    NoPrimary,
    PrimaryNotListed(String),
}

impl DisciplineProblem {
    pub fn message(&self) -> String {
        match self {
            Self::None => "请至少选择一个学科".into(),
            Self::Unknown(c) => format!("学科代码“{c}”不在《学科分类与代码》(GB/T 13745-2009)中"),
            Self::Duplicate(c) => format!("学科代码“{c}”重复"),
            Self::TooMany(max) => format!("学科最多选择{max}个"),
            Self::NoPrimary => "请指定一个主学科".into(),
            Self::PrimaryNotListed(c) => format!("主学科“{c}”须为所选学科之一"),
        }
    }
}

/// Most 学科 codes an expert may hold.
pub const MAX_DISCIPLINES: usize = 5;

/// Checks an expert's 学科: 1 to [`MAX_DISCIPLINES`] known codes, no
/// repeats, and `primary` one of them. Returns (code, is_primary) with the
/// primary first. The form posts one primary, so "two primaries" can only
/// arrive as a primary outside the list, or as several `primary` values,
/// which the caller refuses as [`DisciplineProblem::NoPrimary`] by passing
/// an empty one.
pub fn check_disciplines(
    codes: &[String],
    primary: &str,
) -> Result<Vec<(&'static str, bool)>, DisciplineProblem> {
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    for raw in codes {
        let code = raw.trim();
        if code.is_empty() {
            continue;
        }
        let d = lookup(code).ok_or_else(|| DisciplineProblem::Unknown(code.to_string()))?;
        if out.iter().any(|(c, _)| *c == d.code) {
            return Err(DisciplineProblem::Duplicate(code.to_string()));
        }
        out.push((d.code, false));
    }
    if out.is_empty() {
        return Err(DisciplineProblem::None);
    }
    if out.len() > MAX_DISCIPLINES {
        return Err(DisciplineProblem::TooMany(MAX_DISCIPLINES));
    }
    let primary = primary.trim();
    if primary.is_empty() {
        return Err(DisciplineProblem::NoPrimary);
    }
    let Some(i) = out.iter().position(|(c, _)| *c == primary) else {
        return Err(DisciplineProblem::PrimaryNotListed(primary.to_string()));
    };
    let mut p = out.remove(i);
    p.1 = true;
    out.insert(0, p);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_line_parses_and_the_62_first_level_disciplines_are_there() {
        let lines = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count();
        assert_eq!(all().len(), lines);
        assert_eq!(first_level().count(), 62);
        assert_eq!(name("110"), Some("数学"));
        assert_eq!(name("120"), Some("信息科学与系统科学"));
        assert_eq!(name("520"), Some("计算机科学技术"));
        assert_eq!(name("910"), Some("统计学"));
    }

    #[test]
    fn every_second_level_code_has_its_first_level_parent() {
        for d in all().iter().filter(|d| d.level() == 2) {
            assert!(parent(d.code).is_some(), "{} has no parent", d.code);
        }
    }

    #[test]
    fn chain_runs_from_the_first_level() {
        let c: Vec<&str> = chain("52020").iter().map(|d| d.name).collect();
        assert_eq!(c, ["计算机科学技术", "人工智能"]);
        assert_eq!(path("11021"), "数学 › 代数学");
        assert!(chain("999").is_empty());
        assert_eq!(lookup("11"), None);
    }

    #[test]
    fn a_set_needs_known_codes_and_one_listed_primary() {
        let codes = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_disciplines(&codes(&["110", "52020"]), "52020"),
            Ok(vec![("52020", true), ("110", false)])
        );
        assert_eq!(
            check_disciplines(&codes(&["110", "11999"]), "110"),
            Err(DisciplineProblem::Unknown("11999".into()))
        );
        assert_eq!(
            check_disciplines(&codes(&["110"]), ""),
            Err(DisciplineProblem::NoPrimary)
        );
        assert_eq!(
            check_disciplines(&codes(&["110"]), "120"),
            Err(DisciplineProblem::PrimaryNotListed("120".into()))
        );
        assert_eq!(
            check_disciplines(&codes(&["110", "110"]), "110"),
            Err(DisciplineProblem::Duplicate("110".into()))
        );
        assert_eq!(check_disciplines(&[], "110"), Err(DisciplineProblem::None));
    }
}
