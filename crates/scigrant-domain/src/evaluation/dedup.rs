//! 查重: near-duplicate applications. This module owns what counts as an
//! application's own text ([`applicant_text`]: only what the applicant typed,
//! never the form's labels, hints, instructions or the values the call pins,
//! and no short values such as names, phones or numbers), its MinHash
//! [`Signature`] over 5-character shingles, the LSH [`Index`] that finds
//! candidates among many signatures, and the sentence-level [`overlap`] of
//! two applications that a page shows side by side.
//!
//! MinHash and banding come from the `gaoya` crate (`MinHasher32` with its
//! fixed seed and FNV hashing, so a stored signature stays comparable with
//! one computed later; [`SCHEME`] names the parameters and is stored beside
//! every signature so a change of parameters is never compared across).
//! 126 hashes in 42 bands of 3 rows: two texts of true similarity 0.5 meet
//! in some band with probability 1 − (1 − 0.5³)⁴² ≈ 0.996, at 0.4 ≈ 0.94,
//! while unrelated texts (≈ 0.1) become a candidate with probability ≈ 0.04
//! and are then dropped by the full-signature estimate.

#[doc(hidden)]
pub mod synthetic;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hasher;

use fnv::FnvBuildHasher;
use gaoya::minhash::{MinHashIndex, MinHasher, MinHasher32, SmallVecContainer};

use crate::grants::form::{FieldKind, FieldSpec, FormData, FormSpec, Item, Value, fixed_by_call};

/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// A typed value shorter than this (after normalisation) is ignored: names,
/// phones, dates, amounts and one-line titles say nothing about copying.
pub const MIN_CHARS: usize = 20;
const BANDS: usize = 42;
const ROWS: usize = 3;
/// Hashes per signature.
pub const HASHES: usize = BANDS * ROWS;
/// The parameters a stored signature was made with.
pub const SCHEME: &str = "minhash32-fnv-s3-h126-k5";
/// Staff see pairs at or above this estimated similarity unless they choose
/// another threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.5;
/// Two sentences are shown as one overlapping passage from this shingle
/// similarity on.
pub const SENTENCE_MATCH: f64 = 0.5;

/// The thresholds a user may choose: below 0.3 the banding no longer finds
/// the pairs reliably and the list would only show unrelated texts.
pub fn threshold_from(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| "相似度阈值应为0.3至1之间的小数，例如0.5".to_string())?;
    if !(0.3..=1.0).contains(&t) {
        return Err("相似度阈值应为0.3至1之间的小数，例如0.5".into());
    }
    Ok(t)
}

/// One field (or one table column) of an application as the applicant
/// typed it, split into sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// `key` or `table.column`.
    pub key: String,
    pub label: String,
    pub sentences: Vec<String>,
}

/// What an application says in its own words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplicantText {
    pub passages: Vec<Passage>,
}

/// Folds the spellings that mean the same text: full-width Latin letters and
/// digits to ASCII, Latin to lower case; punctuation and spaces are dropped,
/// so “２０２３年，” and “2023年” shingle alike.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            c.is_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// Splits on 。！？； (and their ASCII forms) and line breaks, keeping each
/// sentence's closing mark; blank pieces are dropped.
pub fn sentences(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c == '\n' || c == '\r' {
            push_sentence(&mut out, &mut cur);
            continue;
        }
        cur.push(c);
        if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') {
            push_sentence(&mut out, &mut cur);
        }
    }
    push_sentence(&mut out, &mut cur);
    out
}

fn push_sentence(out: &mut Vec<String>, cur: &mut String) {
    let t = cur.trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
    cur.clear();
}

/// Whether a field holds free text an applicant writes (names, phones,
/// e-mail, dates, money, numbers, choices and codes do not).
fn is_prose(f: &FieldSpec) -> bool {
    matches!(f.kind, FieldKind::Text | FieldKind::LongText)
}

/// An e-mail or web address typed into a text cell (a 联系方式 column): an
/// identifier, not prose.
fn is_address(value: &str) -> bool {
    let v = value.trim();
    !v.contains(char::is_whitespace) && (v.contains('@') || v.contains("://"))
}

/// Every sentence the form itself prints or the call fixes, normalised: an
/// applicant who pastes a hint or a label into a field has not written it.
fn template_sentences(spec: &FormSpec, call_code: &str) -> HashSet<String> {
    let mut texts: Vec<&str> = vec![&spec.title];
    texts.extend(spec.instructions.iter().map(String::as_str));
    let field = |f: &'_ FieldSpec, texts: &mut Vec<String>| {
        texts.push(f.label.clone());
        if let Some(h) = &f.hint {
            texts.push(h.clone());
        }
        if let FieldKind::Choice { options } = &f.kind {
            texts.extend(options.iter().cloned());
        }
    };
    let mut owned: Vec<String> = Vec::new();
    for f in &spec.cover {
        field(f, &mut owned);
    }
    for s in &spec.sections {
        owned.push(s.title.clone());
        owned.extend(s.note.clone());
        for item in &s.items {
            match item {
                Item::Field(f) => field(f, &mut owned),
                Item::Table(t) => {
                    owned.push(t.label.clone());
                    owned.extend(t.note.clone());
                    for c in &t.columns {
                        field(c, &mut owned);
                    }
                }
                Item::Computed(c) => owned.push(c.label.clone()),
            }
        }
    }
    owned.extend(fixed_by_call(spec, call_code).into_iter().map(|(_, v)| v));
    texts
        .into_iter()
        .map(str::to_string)
        .chain(owned)
        .flat_map(|t| {
            let mut all = sentences(&t);
            all.push(t);
            all
        })
        .map(|s| normalise(&s))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The applicant's own text of `data`, filled against `spec` for the call
/// `call_code`: prose fields and prose table columns (a column's cells one
/// after another), each value of at least [`MIN_CHARS`] characters, without
/// any sentence the form or the call supplies.
pub fn applicant_text(spec: &FormSpec, data: &FormData, call_code: &str) -> ApplicantText {
    let template = template_sentences(spec, call_code);
    let own = |value: &str| -> Vec<String> {
        if normalise(value).chars().count() < MIN_CHARS || is_address(value) {
            return Vec::new();
        }
        sentences(value)
            .into_iter()
            .filter(|s| {
                let n = normalise(s);
                !n.is_empty() && !template.contains(&n)
            })
            .collect()
    };
    let mut passages = Vec::new();
    let mut add = |key: String, label: &str, sentences: Vec<String>| {
        if !sentences.is_empty() {
            passages.push(Passage {
                key,
                label: label.to_string(),
                sentences,
            });
        }
    };
    let text_of = |key: &str| match data.get(key) {
        Some(Value::Text(t)) => t.as_str(),
        _ => "",
    };
    for f in spec.cover.iter().filter(|f| is_prose(f)) {
        add(f.key.clone(), &f.label, own(text_of(&f.key)));
    }
    for s in &spec.sections {
        for item in &s.items {
            match item {
                Item::Field(f) if is_prose(f) => {
                    add(f.key.clone(), &f.label, own(text_of(&f.key)));
                }
                Item::Table(t) => {
                    let rows = match data.get(&t.key) {
                        Some(Value::Rows(rows)) => rows.as_slice(),
                        _ => &[],
                    };
                    for c in t.columns.iter().filter(|c| is_prose(c)) {
                        let cells: Vec<String> = rows
                            .iter()
                            .filter_map(|r| r.get(&c.key))
                            .flat_map(|v| own(v))
                            .collect();
                        add(
                            format!("{}.{}", t.key, c.key),
                            &format!("{}：{}", t.label, c.label),
                            cells,
                        );
                    }
                }
                _ => {}
            }
        }
    }
    ApplicantText { passages }
}

impl ApplicantText {
    /// Text already chosen by the caller (the benchmark's generated
    /// applications), one passage per `(label, text)`.
    pub fn from_fields(fields: &[(&str, &str)]) -> ApplicantText {
        ApplicantText {
            passages: fields
                .iter()
                .filter(|(_, t)| normalise(t).chars().count() >= MIN_CHARS)
                .map(|(label, t)| Passage {
                    key: label.to_string(),
                    label: label.to_string(),
                    sentences: sentences(t),
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.passages.is_empty()
    }

    /// Characters of own text (normalised).
    pub fn chars(&self) -> usize {
        self.normalised().iter().map(|p| p.chars().count()).sum()
    }

    /// One normalised string per passage: shingles never span two fields.
    fn normalised(&self) -> Vec<String> {
        self.passages
            .iter()
            .map(|p| p.sentences.iter().map(|s| normalise(s)).collect())
            .collect()
    }

    /// The distinct shingles as 64-bit FNV hashes of their characters,
    /// sorted: what the signature is made from, without a string per shingle.
    fn shingle_hashes(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for p in self.normalised() {
            let chars: Vec<char> = p.chars().collect();
            let width = SHINGLE.min(chars.len());
            if width == 0 {
                continue;
            }
            for w in chars.windows(width) {
                let mut h = fnv::FnvHasher::default();
                for c in w {
                    h.write_u32(*c as u32);
                }
                out.push(h.finish());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The set of distinct shingles.
    pub fn shingles(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for p in self.normalised() {
            shingles_into(&p, &mut out);
        }
        out
    }
}

fn shingles_into(s: &str, out: &mut BTreeSet<String>) {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < SHINGLE {
        if !chars.is_empty() {
            out.insert(s.to_string());
        }
        return;
    }
    for w in chars.windows(SHINGLE) {
        out.insert(w.iter().collect());
    }
}

/// The exact Jaccard similarity of two shingle sets.
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    common as f64 / (a.len() + b.len() - common) as f64
}

/// A MinHash signature of [`HASHES`] values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(Vec<u32>);

impl Signature {
    /// Little-endian bytes, as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// A stored signature; `None` when it is not one of [`HASHES`] values.
    pub fn from_bytes(b: &[u8]) -> Option<Signature> {
        if b.len() != HASHES * 4 {
            return None;
        }
        Some(Signature(
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }

    /// The estimated Jaccard similarity: the share of equal minima.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let equal = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        equal as f64 / HASHES as f64
    }
}

/// Makes signatures; cheap to create, the same for every process.
pub struct Signer {
    hasher: MinHasher32<FnvBuildHasher>,
}

impl Default for Signer {
    fn default() -> Self {
        Signer::new()
    }
}

impl Signer {
    pub fn new() -> Signer {
        Signer {
            hasher: MinHasher32::new(HASHES),
        }
    }

    /// The signature of `text`, or `None` when it has no own text at all (an
    /// empty text would look identical to every other empty text).
    pub fn sign(&self, text: &ApplicantText) -> Option<Signature> {
        let shingles = text.shingle_hashes();
        if shingles.is_empty() {
            return None;
        }
        Some(Signature(self.hasher.create_signature(shingles.iter())))
    }
}

/// The LSH index over many signatures, keyed by application id.
pub struct Index {
    inner: MinHashIndex<u32, i64, SmallVecContainer<i64, 2>>,
    threshold: f64,
}

impl Index {
    /// An index answering pairs at or above `threshold`.
    pub fn new(threshold: f64) -> Index {
        Index {
            inner: MinHashIndex::new_index(BANDS, ROWS, threshold),
            threshold,
        }
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    pub fn insert(&mut self, id: i64, signature: &Signature) {
        self.inner.insert(id, signature.0.clone());
    }

    pub fn len(&self) -> usize {
        self.inner.size()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every indexed application at or above the threshold, most similar
    /// first (then by id); `exclude` (the query's own id) is left out.
    pub fn query(&self, signature: &Signature, exclude: Option<i64>) -> Vec<(i64, f64)> {
        let mut out: Vec<(i64, f64)> = self
            .inner
            .query_owned_return_similarity(&signature.0)
            .into_iter()
            .filter(|(id, _)| Some(*id) != exclude)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// A sentence on one side of the side-by-side page; `pair` numbers the
/// overlapping passage (from 1) it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkedSentence {
    pub text: String,
    pub pair: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkedPassage {
    pub label: String,
    pub sentences: Vec<MarkedSentence>,
}

/// One overlapping passage: a sentence of each application.
#[derive(Clone, Debug, PartialEq)]
pub struct SentencePair {
    pub number: usize,
    pub left: String,
    pub right: String,
    pub similarity: f64,
}

/// Two applications side by side with their overlapping sentences marked.
#[derive(Clone, Debug, PartialEq)]
pub struct Overlap {
    /// Exact Jaccard similarity of the two shingle sets.
    pub jaccard: f64,
    pub left: Vec<MarkedPassage>,
    pub right: Vec<MarkedPassage>,
    pub pairs: Vec<SentencePair>,
}

struct Sentence {
    at: (usize, usize),
    shingles: BTreeSet<String>,
}

fn sentence_shingles(text: &ApplicantText) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (p, passage) in text.passages.iter().enumerate() {
        for (s, sentence) in passage.sentences.iter().enumerate() {
            let mut shingles = BTreeSet::new();
            shingles_into(&normalise(sentence), &mut shingles);
            if !shingles.is_empty() {
                out.push(Sentence {
                    at: (p, s),
                    shingles,
                });
            }
        }
    }
    out
}

/// The overlapping passages of `a` and `b`: each sentence of `a` is paired
/// with at most one sentence of `b` (and the other way round), the most
/// similar pairs first, from [`SENTENCE_MATCH`] on. Pairs are numbered in
/// the order of `a`.
pub fn overlap(a: &ApplicantText, b: &ApplicantText) -> Overlap {
    let left = sentence_shingles(a);
    let right = sentence_shingles(b);
    // Shingle → sentences of `b`, so only sentences sharing a shingle are compared.
    let mut by_shingle: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, s) in right.iter().enumerate() {
        for sh in &s.shingles {
            by_shingle.entry(sh.as_str()).or_default().push(j);
        }
    }
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, s) in left.iter().enumerate() {
        let mut common: HashMap<usize, usize> = HashMap::new();
        for sh in &s.shingles {
            for &j in by_shingle.get(sh.as_str()).into_iter().flatten() {
                *common.entry(j).or_default() += 1;
            }
        }
        for (j, c) in common {
            let sim = c as f64 / (s.shingles.len() + right[j].shingles.len() - c) as f64;
            if sim >= SENTENCE_MATCH {
                candidates.push((sim, i, j));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut taken_left = HashSet::new();
    let mut taken_right = HashSet::new();
    let mut chosen: Vec<(usize, usize, f64)> = Vec::new();
    for (sim, i, j) in candidates {
        if !taken_left.contains(&i) && !taken_right.contains(&j) {
            taken_left.insert(i);
            taken_right.insert(j);
            chosen.push((i, j, sim));
        }
    }
    chosen.sort_by_key(|c| left[c.0].at);
    let mut marks_left: HashMap<(usize, usize), usize> = HashMap::new();
    let mut marks_right: HashMap<(usize, usize), usize> = HashMap::new();
    let mut pairs = Vec::new();
    for (n, (i, j, sim)) in chosen.into_iter().enumerate() {
        let number = n + 1;
        let (li, ri) = (left[i].at, right[j].at);
        marks_left.insert(li, number);
        marks_right.insert(ri, number);
        pairs.push(SentencePair {
            number,
            left: a.passages[li.0].sentences[li.1].clone(),
            right: b.passages[ri.0].sentences[ri.1].clone(),
            similarity: sim,
        });
    }
    Overlap {
        jaccard: jaccard(&a.shingles(), &b.shingles()),
        left: marked(a, &marks_left),
        right: marked(b, &marks_right),
        pairs,
    }
}

fn marked(text: &ApplicantText, marks: &HashMap<(usize, usize), usize>) -> Vec<MarkedPassage> {
    text.passages
        .iter()
        .enumerate()
        .map(|(p, passage)| MarkedPassage {
            label: passage.label.clone(),
            sentences: passage
                .sentences
                .iter()
                .enumerate()
                .map(|(s, text)| MarkedSentence {
                    text: text.clone(),
                    pair: marks.get(&(p, s)).copied(),
                })
                .collect(),
        })
        .collect()
}
