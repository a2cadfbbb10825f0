//! /verify: does a paper copy match the submitted version? The digest of
//! the stored submission is recomputed, so a changed row is caught too;
//! who does not hold both number and digest learns nothing.

use scigrant_store::grants::applications as store;
use scigrant_store::identity::accounts;

use super::{digest_of, submitted_data};
use crate::grants::calls::spec_in;
use crate::{App, AppError};

/// What the public verification page says about a paper copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The number exists and the digest is the submitted version's.
    Matches {
        title: String,
        unit: String,
        /// When it was submitted (epoch milliseconds).
        submitted: i64,
    },
    /// No submitted version has this number and this digest. An unknown
    /// number and a wrong digest are one answer, so the page cannot be
    /// used to find out which application numbers exist.
    NoMatch,
}

/// Compares the digest printed on a paper copy with the stored
/// submission's, and recomputes the stored one from the frozen data, so a
/// changed row is caught too. Reveals only the title, unit and submission
/// time, and only to someone who holds both the number and the digest.
pub async fn verify(app: &App, number: &str, digest: &str) -> Result<Verification, AppError> {
    let given = digest.trim().to_ascii_lowercase();
    let mut c = app.db.read().await?;
    // Unknown, not submitted and wrong digest take the same path: one
    // lookup, no digest computed.
    let found = store::by_number(&mut c, number.trim())
        .await?
        .filter(|r| r.digest.as_deref() == Some(given.as_str()));
    let Some((row, frozen, at)) = found.and_then(|r| {
        let frozen = r.submitted_json.clone()?;
        let at = r.submitted_at?;
        Some((r, frozen, at))
    }) else {
        return Ok(Verification::NoMatch);
    };
    let spec = spec_in(app, &mut c, row.form_spec_id).await?;
    if digest_of(&spec, &submitted_data(&app.pii, row.id, &frozen)) != given {
        tracing::warn!(
            application = row.id,
            "the stored submission no longer matches its digest"
        );
        return Ok(Verification::NoMatch);
    }
    let unit = accounts::unit(&mut c, row.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    Ok(Verification::Matches {
        title: row.title,
        unit,
        submitted: at,
    })
}
