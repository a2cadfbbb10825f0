//! The posted-form parser: a urlencoded request body read as the web front end reads it
//! (`Posted::parse`: serde_urlencoded into pairs, an unreadable body as no pairs), then
//! `data_from_pairs` against the built-in 附件4 form. No panic; only declared fields and
//! table columns are kept, never more rows than a table allows, no blank row and no
//! carriage return; the data read reads back the same from its own pairs (but for
//! tables left with no rows); validation
//! of it never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scigrant_domain::grants::form::{
    self, Entry, FormSpec, Value, data_from_pairs, pairs_of, samples,
};

fn spec() -> &'static FormSpec {
    static SPEC: OnceLock<FormSpec> = OnceLock::new();
    SPEC.get_or_init(|| form::builtin("kczg2023-fj4").expect("附件4 is built in"))
}

fuzz_target!(|body: &[u8]| {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let spec = spec();
    let data = data_from_pairs(spec, &pairs);
    for (key, value) in &data {
        match (spec.entry(key), value) {
            (Some(Entry::Field(_)), Value::Text(t)) => assert!(!t.contains('\r')),
            (Some(Entry::Table(t)), Value::Rows(rows)) => {
                assert!(
                    rows.len() <= t.max_rows as usize,
                    "{key}: {} rows",
                    rows.len()
                );
                for row in rows {
                    assert!(
                        row.values().any(|v| !v.trim().is_empty()),
                        "{key}: blank row kept"
                    );
                    for (col, v) in row {
                        assert!(t.columns.iter().any(|c| &c.key == col), "{key}.{col} kept");
                        assert!(!v.contains('\r'));
                    }
                }
            }
            (e, v) => panic!("{key} kept as {v:?} for {:?}", e.map(|e| e.key())),
        }
    }
    // A table whose posted rows were all blank is kept as no rows, and posts nothing.
    let mut kept = data.clone();
    kept.retain(|_, v| !matches!(v, Value::Rows(r) if r.is_empty()));
    assert_eq!(data_from_pairs(spec, &pairs_of(&data)), kept);
    let _ = form::validate(spec, &data, &samples::context_fj4());
});
