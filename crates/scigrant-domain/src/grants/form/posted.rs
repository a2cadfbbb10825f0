//! A posted form back into data. Field inputs are named `f:<key>` and table cells
//! `t:<table>:<row>:<column>` (the names the web front end renders), so one rule reads
//! every form a call declares. The pairs come straight from the request body: anything
//! not declared by the spec is dropped, never trusted.

use std::collections::BTreeMap;

use super::{Entry, FormData, FormSpec, Value};

/// Rebuilds form data from posted pairs; only declared keys are kept, rows at or past
/// the table's `max_rows` are dropped, blank table rows are dropped and carriage
/// returns are removed (browsers post line breaks as CR LF).
pub fn data_from_pairs(spec: &FormSpec, pairs: &[(String, String)]) -> FormData {
    let mut data = FormData::new();
    let mut tables: BTreeMap<String, BTreeMap<usize, BTreeMap<String, String>>> = BTreeMap::new();
    for (name, value) in pairs {
        if let Some(key) = name.strip_prefix("f:") {
            if matches!(spec.entry(key), Some(Entry::Field(_))) {
                data.insert(key.to_string(), Value::Text(value.replace('\r', "")));
            }
        } else if let Some(rest) = name.strip_prefix("t:") {
            let mut parts = rest.splitn(3, ':');
            let (Some(table), Some(row), Some(col)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(Entry::Table(t)) = spec.entry(table) else {
                continue;
            };
            let Ok(row) = row.parse::<usize>() else {
                continue;
            };
            if row >= t.max_rows as usize || !t.columns.iter().any(|c| c.key == col) {
                continue;
            }
            tables
                .entry(table.to_string())
                .or_default()
                .entry(row)
                .or_default()
                .insert(col.to_string(), value.replace('\r', ""));
        }
    }
    for (table, rows) in tables {
        let rows: Vec<BTreeMap<String, String>> = rows
            .into_values()
            .filter(|r| r.values().any(|v| !v.trim().is_empty()))
            .collect();
        data.insert(table, Value::Rows(rows));
    }
    data
}

/// The pairs a browser posts for `data` (rows numbered from 0), the inverse of
/// [`data_from_pairs`] for data it produced.
pub fn pairs_of(data: &FormData) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (key, value) in data {
        match value {
            Value::Text(t) => pairs.push((format!("f:{key}"), t.clone())),
            Value::Rows(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    for (col, v) in row {
                        pairs.push((format!("t:{key}:{i}:{col}"), v.clone()));
                    }
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::grants::form::{builtin, samples};

    #[test]
    fn sample_round_trips_through_its_pairs() {
        let spec = builtin("kczg2023-fj4").unwrap();
        let data = samples::sample_fj4();
        assert_eq!(data_from_pairs(&spec, &pairs_of(&data)), data);
    }

    #[test]
    fn undeclared_and_out_of_range_names_are_dropped() {
        let spec = builtin("kczg2023-fj4").unwrap();
        let pairs: Vec<(String, String)> = [
            ("f:not_declared", "x"),
            ("t:phases:99:stage", "x"),
            ("t:phases:0", "x"),
            ("t:phases:-1:stage", "x"),
            ("t:phases:0:nope", "x"),
            ("f:phases", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert!(data_from_pairs(&spec, &pairs).is_empty());
    }
}
