//! The match between an application and an expert: discipline codes
//! first, then keywords found in the application's text.

use super::*;

/// A discipline code digested for comparison: its 3-, 5- and 7-digit
/// prefixes as numbers (0 where the code is shorter), so "520.10" and
/// "52010" are one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Code([u32; 3]);

impl Code {
    pub(super) fn parse(code: &str) -> Option<Code> {
        let digits: Vec<u32> = code
            .chars()
            .filter_map(|c| c.to_digit(10))
            .take(7)
            .collect();
        if digits.len() < 3 {
            return None;
        }
        let prefix = |n: usize| {
            if digits.len() < n {
                0
            } else {
                // +1 keeps a real prefix ("000") apart from "absent" (0).
                digits[..n].iter().fold(0u32, |acc, d| acc * 10 + d) + 1
            }
        };
        Some(Code([prefix(3), prefix(5), prefix(7)]))
    }

    /// The GB/T 13745 level at which two codes meet: 3 for the same 7-digit
    /// code, 2 for the same 5-digit prefix, 1 for the same 3-digit prefix.
    pub(super) fn level(self, other: Code) -> u32 {
        let [a3, a5, a7] = self.0;
        let [b3, b5, b7] = other.0;
        if a7 != 0 && a7 == b7 {
            3
        } else if a5 != 0 && a5 == b5 {
            2
        } else if a3 != 0 && a3 == b3 {
            1
        } else {
            0
        }
    }

    pub(super) fn first_level(self) -> u32 {
        self.0[0]
    }
}

/// An expert's codes, primary first, with their bonus.
pub(super) fn expert_codes(e: &ExpertProfile) -> Vec<(Code, u32)> {
    let primary = Code::parse(&e.primary_discipline).map(|c| (c, PRIMARY_BONUS));
    let others = e
        .disciplines
        .iter()
        .filter_map(|c| Code::parse(c))
        .map(|c| (c, 0));
    primary.into_iter().chain(others).collect()
}

pub(super) fn discipline_points(app: &[Code], expert: &[(Code, u32)]) -> u32 {
    let mut best = 0;
    for &(code, bonus) in expert {
        for &a in app {
            let level = a.level(code);
            if level > 0 {
                best = u32::max(best, level * 300 + bonus);
            }
        }
    }
    best
}

/// How well `expert` matches `application` (0 = not at all; see the module
/// documentation for the scale).
pub fn match_score(application: &ApplicationTopics, expert: &ExpertProfile) -> u32 {
    let codes: Vec<Code> = application
        .disciplines
        .iter()
        .filter_map(|c| Code::parse(c))
        .collect();
    let discipline = discipline_points(&codes, &expert_codes(expert));
    let terms: HashSet<String> = application
        .terms
        .iter()
        .map(|t| normalise_name(t))
        .filter(|t| !t.is_empty())
        .collect();
    let keywords: HashSet<String> = expert
        .keywords
        .iter()
        .map(|k| normalise_name(k))
        .filter(|k| terms.contains(k))
        .collect();
    let found = u32::try_from(keywords.len())
        .unwrap_or(MAX_KEYWORDS)
        .min(MAX_KEYWORDS);
    discipline + KEYWORD_POINTS * found
}

/// Finds the library's keywords in an application's free text (title,
/// abstract, 产业方向), to add to [`ApplicationTopics::terms`]: Chinese text
/// has no spaces to split on, so the text is searched for the experts'
/// keywords themselves (Aho–Corasick, overlapping matches, text and keywords
/// compared after [`normalise_name`]).
pub struct KeywordFinder {
    automaton: Option<aho_corasick::AhoCorasick>,
    keywords: Vec<String>,
}

impl KeywordFinder {
    /// A finder for every keyword of `experts`.
    pub fn new(experts: &[ExpertProfile]) -> KeywordFinder {
        let mut keywords: Vec<String> = experts
            .iter()
            .flat_map(|e| e.keywords.iter().map(|k| normalise_name(k)))
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort();
        keywords.dedup();
        // Building fails only beyond the automaton's size limits, far above
        // any expert library; such a finder finds nothing rather than panic.
        let automaton = aho_corasick::AhoCorasick::new(&keywords).ok();
        KeywordFinder {
            automaton,
            keywords,
        }
    }

    /// The distinct keywords found in `text`, in sorted order.
    pub fn terms_in(&self, text: &str) -> Vec<String> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let text = normalise_name(text);
        let mut found: Vec<usize> = automaton
            .find_overlapping_iter(&text)
            .map(|m| m.pattern().as_usize())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|i| self.keywords.get(i).cloned())
            .collect()
    }
}

/// Interned, pre-digested profiles so candidate scoring is cheap; gives the
/// same scores as [`match_score`].
pub(super) struct Scorer {
    pub(super) expert_codes: Flat<(Code, u32)>,
    /// Per expert: sorted, deduplicated keyword ids.
    pub(super) expert_keywords: Flat<u32>,
    pub(super) app_codes: Vec<Vec<Code>>,
    /// Per application: sorted, deduplicated term ids (only terms that are
    /// some expert's keyword).
    pub(super) app_terms: Vec<Vec<u32>>,
    /// How many distinct expert keywords there are.
    pub(super) vocabulary: usize,
}

impl Scorer {
    pub(super) fn new(apps: &[ApplicationTopics], experts: &[ExpertProfile]) -> Scorer {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let expert_keywords: Vec<Vec<u32>> = experts
            .iter()
            .map(|e| {
                let mut ids: Vec<u32> = e
                    .keywords
                    .iter()
                    .map(|k| normalise_name(k))
                    .filter(|k| !k.is_empty())
                    .map(|k| {
                        let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                        *vocabulary.entry(k).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        let app_terms = apps
            .iter()
            .map(|a| {
                let mut ids: Vec<u32> = a
                    .terms
                    .iter()
                    .filter_map(|t| vocabulary.get(&normalise_name(t)).copied())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        Scorer {
            expert_codes: Flat::new(experts.iter().map(expert_codes)),
            expert_keywords: Flat::new(expert_keywords),
            app_codes: apps
                .iter()
                .map(|a| {
                    a.disciplines
                        .iter()
                        .filter_map(|c| Code::parse(c))
                        .collect()
                })
                .collect(),
            app_terms,
            vocabulary: vocabulary.len(),
        }
    }

    /// [`Scorer::score`] with the application's terms marked in `marks`
    /// (`marks[term] == app`), which avoids a merge per candidate.
    pub(super) fn score_marked(&self, app: usize, expert: usize, marks: &[usize]) -> u32 {
        let discipline = discipline_points(&self.app_codes[app], self.expert_codes.get(expert));
        let found = self
            .expert_keywords
            .get(expert)
            .iter()
            .filter(|&&k| marks[k as usize] == app)
            .count();
        discipline + KEYWORD_POINTS * position(found).min(MAX_KEYWORDS)
    }

    pub(super) fn score(&self, app: usize, expert: usize) -> u32 {
        let discipline = discipline_points(&self.app_codes[app], self.expert_codes.get(expert));
        let (mut i, mut j, mut found) = (0, 0, 0u32);
        let (xs, ys) = (&self.app_terms[app], self.expert_keywords.get(expert));
        while i < xs.len() && j < ys.len() {
            match xs[i].cmp(&ys[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    found += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        discipline + KEYWORD_POINTS * found.min(MAX_KEYWORDS)
    }
}
