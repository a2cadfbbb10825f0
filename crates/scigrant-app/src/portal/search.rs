//! 站内搜索: Chinese word segmentation with jieba (search mode: a long
//! word also yields its shorter words), terms stored per published article
//! in the database (`article_terms`), so every node answers from the same
//! index, a newly approved article is found by the next query and a
//! withdrawn one is gone at once. A query matches articles holding every
//! one of its terms; title terms weigh more than body terms.

use std::collections::HashMap;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use scigrant_domain::calendar::day_range;
use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::article::Section;
use scigrant_domain::portal::markup::text_of;
use scigrant_store::portal::terms;

use crate::{App, AppError, FieldErrors, Page};

/// The segmenter, its dictionary loaded once per process.
fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// Terms longer than this are not indexed (runs of digits, URLs).
const TERM_MAX: usize = 32;
/// Title terms count this many times a body term.
const TITLE_WEIGHT: i64 = 5;
/// A query uses at most this many terms.
const QUERY_TERMS: usize = 8;
pub const PER_PAGE: i64 = 10;

/// The words of a text, lower-cased, punctuation and spaces dropped.
pub fn words(text: &str) -> Vec<String> {
    jieba()
        .cut_for_search(text, true)
        .into_iter()
        .map(|w| w.word.trim().to_lowercase())
        .filter(|w| {
            !w.is_empty() && w.chars().count() <= TERM_MAX && w.chars().any(char::is_alphanumeric)
        })
        .collect()
}

/// The index of an article: each term with its weight.
pub fn terms_of(title: &str, body_html: &str) -> Vec<(String, i64)> {
    let mut weights: HashMap<String, i64> = HashMap::new();
    for w in words(title) {
        *weights.entry(w).or_default() += TITLE_WEIGHT;
    }
    for w in words(&text_of(body_html)) {
        *weights.entry(w).or_default() += 1;
    }
    let mut out: Vec<(String, i64)> = weights.into_iter().collect();
    out.sort();
    out
}

/// A stretch of text, highlighted when it is one of the query's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// One result: the title and an excerpt of the body, both cut into
/// highlighted pieces (the template escapes every piece).
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub id: ArticleId,
    pub section: Option<Section>,
    pub title: Vec<Piece>,
    pub snippet: Vec<Piece>,
    pub publisher: String,
    pub publish_at: Option<i64>,
}

/// The search form as typed.
#[derive(Clone, Debug, Default)]
pub struct SearchForm {
    pub q: String,
    pub section: String,
    pub from: String,
    pub to: String,
    pub page: i64,
}

/// Whether lower-casing keeps every character's byte length, so positions
/// found in the lower-cased text are positions in the text itself.
fn same_shape(text: &str) -> bool {
    text.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.len() == 1 && l.next().map(char::len_utf8) == Some(c.len_utf8())
    })
}

/// Cuts `text` into pieces at each occurrence of a term (longest first).
pub fn highlight(text: &str, terms: &[String]) -> Vec<Piece> {
    let lower = text.to_lowercase();
    // Highlight only where positions agree; otherwise show the text plainly.
    if !same_shape(text) || terms.is_empty() {
        return vec![Piece {
            text: text.to_string(),
            hit: false,
        }];
    }
    let mut sorted: Vec<&String> = terms.iter().collect();
    sorted.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out: Vec<Piece> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < text.len() {
        let hit = sorted
            .iter()
            .find(|t| !t.is_empty() && lower[i..].starts_with(t.as_str()));
        if let Some(t) = hit {
            if !plain.is_empty() {
                out.push(Piece {
                    text: std::mem::take(&mut plain),
                    hit: false,
                });
            }
            out.push(Piece {
                text: text[i..i + t.len()].to_string(),
                hit: true,
            });
            i += t.len();
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            plain.push(c);
            i += c.len_utf8();
        }
    }
    if !plain.is_empty() {
        out.push(Piece {
            text: plain,
            hit: false,
        });
    }
    out
}

/// About 120 characters of `text` around its first term.
pub fn excerpt(text: &str, terms: &[String]) -> String {
    let lower = text.to_lowercase();
    let first = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()))
        .min()
        .filter(|_| same_shape(text))
        .unwrap_or(0);
    let before = text[..first].chars().count();
    let start = before.saturating_sub(30);
    let total = text.chars().count();
    let mut s: String = text.chars().skip(start).take(120).collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if start + 120 < total {
        s.push('…');
    }
    s
}

/// A published call or a begun 公示 whose words hold every term of the
/// query, shown above the articles.
#[derive(Clone, Debug)]
pub struct OtherHit {
    /// 计划类别 or 公示公告.
    pub kind: &'static str,
    pub href: String,
    pub title: Vec<Piece>,
    /// When it opened (a call) or began (a 公示).
    pub at: i64,
}

/// What a search found: a page of articles, the query's terms, and on
/// the first page without a section filter the calls and 公示 that match.
pub struct Found {
    pub page: Page<SearchHit>,
    pub terms: Vec<String>,
    pub others: Vec<OtherHit>,
    /// When the query's rarest word is in more articles than a search
    /// ranks: how many (the newest) were ranked. The page says so and
    /// suggests narrowing.
    pub capped: Option<i64>,
}

/// Whether every term occurs in `text` (lower-cased).
fn holds_all(text: &str, terms: &[String]) -> bool {
    let lower = text.to_lowercase();
    !terms.is_empty() && terms.iter().all(|t| lower.contains(t.as_str()))
}

/// The public calls and the begun 公示 holding every term, within the
/// date range. There are tens of each, so they are read and matched here.
async fn others(
    app: &App,
    terms: &[String],
    from: i64,
    until: i64,
) -> Result<Vec<OtherHit>, AppError> {
    let mut out = Vec::new();
    for c in crate::grants::calls::published(app).await? {
        let text = format!("{} {} {} {}", c.code, c.name, c.program, c.task);
        if holds_all(&text, terms) && (from..=until).contains(&c.opens_at) {
            out.push(OtherHit {
                kind: "计划类别",
                href: format!("/calls/{}", c.id),
                title: highlight(&format!("{} {}", c.code, c.name), terms),
                at: c.opens_at,
            });
        }
    }
    for n in crate::evaluation::notices::public_notices(app).await? {
        let text = format!("{} {} {} {}", n.title, n.call_code, n.call_name, n.body);
        if holds_all(&text, terms) && (from..=until).contains(&n.starts_at) {
            out.push(OtherHit {
                kind: "公示公告",
                href: format!("/gongshi/{}", n.id),
                title: highlight(&n.title, terms),
                at: n.starts_at,
            });
        }
    }
    out.sort_by_key(|o| std::cmp::Reverse(o.at));
    Ok(out)
}

/// Searches the published articles (and, on the first page of an
/// unfiltered search, the public calls and 公示). An empty query finds
/// nothing (and is not an error); a wrong date is a field error.
pub async fn search_articles(app: &App, f: &SearchForm) -> Result<Found, AppError> {
    let mut e = FieldErrors::new();
    let section = if f.section.is_empty() {
        None
    } else {
        let s = Section::from_code(&f.section);
        if s.is_none() {
            e.add("section", "请选择栏目");
        }
        s
    };
    let from = match f.from.trim() {
        "" => i64::MIN,
        s => day_range(s).map(|r| r.0).unwrap_or_else(|_| {
            e.add("from", "日期格式应为 2026-07-01");
            0
        }),
    };
    let until = match f.to.trim() {
        "" => i64::MAX,
        s => day_range(s).map(|r| r.1).unwrap_or_else(|_| {
            e.add("to", "日期格式应为 2026-07-01");
            0
        }),
    };
    e.into_result()?;
    let mut query_terms: Vec<String> = Vec::new();
    for w in words(&f.q) {
        if !query_terms.contains(&w) {
            query_terms.push(w);
        }
    }
    query_terms.truncate(QUERY_TERMS);
    let page = f.page.max(1);
    // The calls and 公示 are searched beside the articles, each on its
    // own connection: the page waits for the slower of the two.
    let listed = async {
        if page == 1 && section.is_none() {
            others(app, &query_terms, from, until).await
        } else {
            Ok(Vec::new())
        }
    };
    let ranked = async {
        let mut c = app.db.read().await?;
        let q = terms::Query {
            terms: &query_terms,
            section: section.map_or("", |s| s.code()),
            from,
            until,
            now: app.now(),
            offset: Page::<()>::offset(page, PER_PAGE),
            limit: PER_PAGE,
        };
        Ok::<_, AppError>(terms::search(&mut c, &q).await?)
    };
    let (others, ranked) = tokio::try_join!(listed, ranked)?;
    let rows = ranked
        .hits
        .into_iter()
        .map(|h| {
            let text = text_of(&h.body_html);
            SearchHit {
                id: ArticleId(h.id),
                section: Section::from_code(&h.section),
                title: highlight(&h.title, &query_terms),
                snippet: highlight(&excerpt(&text, &query_terms), &query_terms),
                publisher: h.publisher,
                publish_at: h.publish_at,
            }
        })
        .collect();
    Ok(Found {
        page: Page::new(rows, ranked.total, page, PER_PAGE),
        terms: query_terms,
        others,
        capped: ranked.capped.then_some(terms::CANDIDATES),
    })
}

#[cfg(test)]
mod tests;
