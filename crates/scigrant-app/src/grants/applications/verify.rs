//! /verify: does a paper copy match the submitted version? The digest of
//! the stored submission is recomputed, so a changed row is caught too.

use scigrant_store::grants::applications as store;
use scigrant_store::identity::accounts;

use super::{digest_of, parse_data};
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
    /// The number exists but the digest differs: not the submitted version.
    Differs,
    NotFound,
}

/// Recomputes the digest of the stored submission and compares it with the
/// one printed on the paper copy. Reveals only the title, unit and
/// submission time.
pub async fn verify(app: &App, number: &str, digest: &str) -> Result<Verification, AppError> {
    let mut c = app.db.read().await?;
    let Some(row) = store::by_number(&mut c, number.trim()).await? else {
        return Ok(Verification::NotFound);
    };
    let (Some(frozen), Some(stored), Some(at)) =
        (&row.submitted_json, &row.digest, row.submitted_at)
    else {
        return Ok(Verification::NotFound);
    };
    let spec = spec_in(app, &mut c, row.form_spec_id).await?;
    let recomputed = digest_of(&spec, &parse_data(frozen));
    let given = digest.trim().to_ascii_lowercase();
    if recomputed != *stored || given != *stored {
        return Ok(Verification::Differs);
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
