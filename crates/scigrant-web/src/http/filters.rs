//! Formatting for people, used by the templates (`{{ at|datetime }}`): the
//! app layer hands over numbers, enums and epoch milliseconds, and the
//! words and CST dates a person reads are produced here. A template module
//! brings these in with `use crate::http::filters;`.

use std::borrow::Borrow;

use askama::Values;
use scigrant_domain::calendar;

/// "2023-04-25 09:30:00" (China Standard Time).
#[askama::filter_fn]
pub fn datetime(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    Ok(calendar::format_datetime(*ms.borrow()))
}

/// "2023-04-25" (China Standard Time).
#[askama::filter_fn]
pub fn date(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    Ok(calendar::format_date(*ms.borrow()))
}

/// An optional time, or "—" when there is none.
#[askama::filter_fn]
pub fn datetime_or_dash(ms: impl Borrow<Option<i64>>, _: &dyn Values) -> askama::Result<String> {
    Ok(ms
        .borrow()
        .map(calendar::format_datetime)
        .unwrap_or_else(|| "—".into()))
}
