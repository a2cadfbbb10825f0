//! 查重 use cases: the signature written with each submission, the pairs of
//! a call above a threshold against every call and year (项目管理员), a
//! unit's near-duplicates among its own applications before it recommends,
//! and one pair side by side with the overlapping passages numbered.
//!
//! The LSH index is built per request from the stored signatures rather
//! than kept in a per-node cache, so it is never stale on any node and
//! needs no invalidation when a submission lands elsewhere. What that costs
//! (docs/benchmarks.md, 查重): inserting a signature takes about 11 µs and a
//! query 7 ms at p50 among 200,000, so a call's page over 20,000 stored
//! applications spends ~0.2 s on the index plus reading ~10 MB of rows;
//! at 200,000 it is a few seconds, the point where a per-node cache
//! refreshed on submit would pay off. A unit's own applications are few,
//! so they are compared pairwise without an index.
//! Reading is not a state change: nothing here writes an audit record.

use std::collections::BTreeMap;

use scigrant_domain::evaluation::dedup::{
    self, DEFAULT_THRESHOLD, Index, MarkedPassage, SCHEME, SentencePair, Signature, Signer,
};
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{FormData, FormSpec};
use scigrant_domain::ids::{ApplicationId, CallId, UnitId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::similarity as store;
use scigrant_store::grants::applications::{self as applications, ApplicationRow};
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use crate::grants::applications::{ApplicationItem, Reader, authority_sees, latest_data};
use crate::grants::calls::{CallView, call_view, spec_in};
use crate::{App, AppError};

/// The stored bytes of the signature of `data` (filled against `spec` for
/// the call `call_code`), or `None` when it has no own text.
pub fn signature_of(spec: &FormSpec, data: &FormData, call_code: &str) -> Option<Vec<u8>> {
    Signer::new()
        .sign(&dedup::applicant_text(spec, data, call_code))
        .map(|s| s.to_bytes())
}

/// Writes (or clears) an application's signature inside the submission's
/// transaction.
pub(crate) async fn store_signature(
    c: &mut AnyConnection,
    application_id: i64,
    call_id: i64,
    signature: Option<&[u8]>,
    now: i64,
) -> Result<(), AppError> {
    match signature {
        Some(bytes) => store::put(c, application_id, call_id, SCHEME, bytes, now).await?,
        None => store::remove(c, application_id).await?,
    }
    Ok(())
}

/// One application of a pair, as a list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairSide {
    pub id: ApplicationId,
    pub number: String,
    pub title: String,
    pub unit_name: String,
    pub call_code: String,
    pub call_name: String,
    pub submitted: Option<i64>,
}

/// Two applications whose estimated similarity reached the threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct SimilarPair {
    /// The application of the call asked about.
    pub left: PairSide,
    pub right: PairSide,
    /// Estimated Jaccard similarity of their own text, 0 to 1.
    pub similarity: f64,
}

fn signature(row: &store::SignatureRow) -> Option<Signature> {
    Signature::from_bytes(&row.signature)
}

async fn side(c: &mut AnyConnection, row: &ApplicationRow) -> Result<PairSide, AppError> {
    let call = calls::call(c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = accounts::unit(c, row.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(PairSide {
        id: ApplicationId(row.id),
        number: row.number.clone().unwrap_or_default(),
        title: row.title.clone(),
        unit_name: unit.name,
        call_code: call.code,
        call_name: call.name,
        submitted: row.submitted_at,
    })
}

/// A call and its similar pairs.
#[derive(Clone, Debug)]
pub struct CallPairs {
    pub call: CallView,
    pub pairs: Vec<SimilarPair>,
}

/// 查重 for staff: the pairs of applications of `call_id` with another
/// application of any call and year at or above `threshold`, most similar
/// first. Only applications the authority sees (recommended or later)
/// take part; a pair within the call is listed once. Without a threshold
/// (the one typed was refused) only the call is read.
pub async fn pairs_of_call(
    app: &App,
    call_id: CallId,
    threshold: Option<f64>,
) -> Result<CallPairs, AppError> {
    let mut c = app.db.read().await?;
    let row = calls::call(&mut c, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(&mut c, row).await?;
    let pairs = match threshold {
        Some(t) => pairs_in(&mut c, call_id, t).await?,
        None => Vec::new(),
    };
    Ok(CallPairs { call, pairs })
}

async fn pairs_in(
    c: &mut AnyConnection,
    call_id: CallId,
    threshold: f64,
) -> Result<Vec<SimilarPair>, AppError> {
    let rows = store::all(c, SCHEME).await?;
    let mut index = Index::new(threshold);
    let mut of_call = Vec::new();
    for r in &rows {
        if let Some(sig) = signature(r) {
            index.insert(r.application_id, &sig);
            if r.call_id == call_id.0 {
                of_call.push((r.application_id, sig));
            }
        }
    }
    let mut found: Vec<(i64, i64, f64)> = Vec::new();
    for (id, sig) in &of_call {
        for (other, sim) in index.query(sig, Some(*id)) {
            let other_in_call = of_call.iter().any(|(o, _)| *o == other);
            if !other_in_call || id < &other {
                found.push((*id, other, sim));
            }
        }
    }
    let mut seen: BTreeMap<i64, Option<ApplicationRow>> = BTreeMap::new();
    let mut pairs = Vec::new();
    for (a, b, similarity) in found {
        let mut visible = Vec::new();
        for id in [a, b] {
            let row = match seen.get(&id) {
                Some(known) => known.clone(),
                None => {
                    let row = applications::get(c, id).await?.filter(authority_sees);
                    seen.insert(id, row.clone());
                    row
                }
            };
            visible.extend(row);
        }
        if let [ra, rb] = visible.as_slice() {
            pairs.push(SimilarPair {
                left: side(c, ra).await?,
                right: side(c, rb).await?,
                similarity,
            });
        }
    }
    pairs.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.left.number.cmp(&y.left.number))
            .then(x.right.number.cmp(&y.right.number))
    });
    Ok(pairs)
}

/// A near-duplicate of one of the unit's applications among its own.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnDuplicate {
    pub other: ApplicationId,
    pub number: String,
    pub title: String,
    pub similarity: f64,
}

/// 查重 for a unit before it recommends: for each of its applications (that
/// left the draft stage), the others of the unit at or above the default
/// threshold, most similar first.
pub async fn duplicates_of_unit(
    app: &App,
    unit_id: UnitId,
) -> Result<BTreeMap<ApplicationId, Vec<OwnDuplicate>>, AppError> {
    let mut c = app.db.read().await?;
    let rows: Vec<(i64, Signature)> = store::of_unit(&mut c, unit_id.0, SCHEME)
        .await?
        .iter()
        .filter_map(|r| signature(r).map(|s| (r.application_id, s)))
        .collect();
    let mut out: BTreeMap<ApplicationId, Vec<OwnDuplicate>> = BTreeMap::new();
    let mut titles: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for (i, (a, sa)) in rows.iter().enumerate() {
        for (b, sb) in &rows[i + 1..] {
            let similarity = sa.similarity(sb);
            if similarity < DEFAULT_THRESHOLD {
                continue;
            }
            for (x, y) in [(*a, *b), (*b, *a)] {
                let (number, title) = match titles.get(&y) {
                    Some(known) => known.clone(),
                    None => {
                        let row = applications::get(&mut c, y)
                            .await?
                            .ok_or(AppError::NotFound)?;
                        let named = (row.number.unwrap_or_default(), row.title);
                        titles.insert(y, named.clone());
                        named
                    }
                };
                out.entry(ApplicationId(x)).or_default().push(OwnDuplicate {
                    other: ApplicationId(y),
                    number,
                    title,
                    similarity,
                });
            }
        }
    }
    for list in out.values_mut() {
        list.sort_by(|p, q| {
            q.similarity
                .total_cmp(&p.similarity)
                .then(p.number.cmp(&q.number))
        });
    }
    Ok(out)
}

/// 本单位申报书 with 查重: the unit's applications and, for each, its
/// near-duplicates among them, so the unit sees them before it recommends.
#[derive(Clone, Debug)]
pub struct UnitApplications {
    pub items: Vec<ApplicationItem>,
    pub duplicates: BTreeMap<ApplicationId, Vec<OwnDuplicate>>,
}

pub async fn unit_applications(app: &App, unit_id: UnitId) -> Result<UnitApplications, AppError> {
    Ok(UnitApplications {
        items: crate::grants::applications::of_unit(app, unit_id).await?,
        duplicates: duplicates_of_unit(app, unit_id).await?,
    })
}

/// Two applications side by side.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub left: PairSide,
    pub right: PairSide,
    /// Estimated from the stored signatures (what the lists show); `None`
    /// when one of them has no own text.
    pub estimated: Option<f64>,
    /// Exact Jaccard similarity of the two texts' shingles.
    pub exact: f64,
    pub left_text: Vec<MarkedPassage>,
    pub right_text: Vec<MarkedPassage>,
    pub pairs: Vec<SentencePair>,
}

fn may_read(reader: Reader, row: &ApplicationRow) -> bool {
    match reader {
        Reader::Staff => authority_sees(row),
        Reader::Unit(u) | Reader::Delegate { unit: u, .. } => {
            row.unit_id == u
                && row.state != ApplicationState::Draft.code()
                && row.submitted_json.is_some()
        }
        Reader::Person(_) => false,
    }
}

async fn own_text(
    app: &App,
    c: &mut AnyConnection,
    row: &ApplicationRow,
) -> Result<dedup::ApplicantText, AppError> {
    let spec = spec_in(app, c, row.form_spec_id).await?;
    let call = calls::call(c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = latest_data(
        &app.pii,
        row.id,
        &row.data_json,
        row.submitted_json.as_deref(),
    );
    Ok(dedup::applicant_text(&spec, &data, &call.code))
}

/// One pair side by side with the overlapping sentences numbered, for
/// staff (both applications visible to the authority) or a unit (both its
/// own and submitted); anything else is `NotFound`.
pub async fn compare(
    app: &App,
    reader: Reader,
    left: ApplicationId,
    right: ApplicationId,
) -> Result<Comparison, AppError> {
    let mut c = app.db.read().await?;
    let a = applications::get(&mut c, left.0)
        .await?
        .filter(|r| may_read(reader, r))
        .ok_or(AppError::NotFound)?;
    let b = applications::get(&mut c, right.0)
        .await?
        .filter(|r| may_read(reader, r))
        .ok_or(AppError::NotFound)?;
    if a.id == b.id {
        return Err(AppError::NotFound);
    }
    let ta = own_text(app, &mut c, &a).await?;
    let tb = own_text(app, &mut c, &b).await?;
    let signer = Signer::new();
    let estimated = match (signer.sign(&ta), signer.sign(&tb)) {
        (Some(x), Some(y)) => Some(x.similarity(&y)),
        _ => None,
    };
    let overlap = dedup::overlap(&ta, &tb);
    Ok(Comparison {
        left: side(&mut c, &a).await?,
        right: side(&mut c, &b).await?,
        estimated,
        exact: overlap.jaccard,
        left_text: overlap.left,
        right_text: overlap.right,
        pairs: overlap.pairs,
    })
}
