//! The form engine's validation of arbitrary data against the built-in 附件4 form
//! (kczg2023-fj4): starting from the filled sample or from nothing, the input picks
//! entries of the form and overwrites them with arbitrary text or rows (more rows than
//! allowed, undeclared columns, a table's rows in a text field and so on), adds
//! undeclared keys and varies the call's facts. Validation is autosaved as typed, so it
//! must never panic; every problem names an entry of the form, with a label and a
//! message; the sums and the digest never panic either.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use scigrant_domain::grants::form::{
    self, Entry, FormData, FormSpec, Money, ValidationContext, Value, samples,
};

/// Values of the kinds the form holds, so the fuzzer reaches past "malformed".
const TYPICAL: &[&str] = &[
    "",
    " ",
    "55",
    "12.5",
    "0.01",
    "20.00",
    "999999999999",
    "-1",
    "1e3",
    "2023-05-01",
    "2023-11-30",
    "2023-12-01",
    "2023-02-29",
    "2024-02-29",
    "13800138000",
    "+86 138-0013-8000",
    "张三",
    "李四",
    "zhangsan@example.cn",
    "KJFWT2023-01",
    "产业科技服务团",
    "\r\n",
];

fn spec() -> &'static FormSpec {
    static SPEC: OnceLock<FormSpec> = OnceLock::new();
    SPEC.get_or_init(|| form::builtin("kczg2023-fj4").expect("附件4 is built in"))
}

fn text(u: &mut Unstructured) -> Result<String> {
    if u.arbitrary()? {
        Ok(u.choose(TYPICAL)?.to_string())
    } else {
        u.arbitrary()
    }
}

fn rows(u: &mut Unstructured, columns: &[String], max: usize) -> Result<Value> {
    let n = u.int_in_range(0..=max + 2)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut row = BTreeMap::new();
        for c in columns {
            if u.ratio(4, 5)? {
                row.insert(c.clone(), text(u)?);
            }
        }
        if u.ratio(1, 8)? {
            row.insert(text(u)?, text(u)?);
        }
        out.push(row);
    }
    Ok(Value::Rows(out))
}

fn mutate(u: &mut Unstructured, data: &mut FormData) -> Result<()> {
    let entries: Vec<Entry> = spec().entries().collect();
    while !u.is_empty() {
        let e = *u.choose(&entries)?;
        let key = e.key().to_string();
        match u.int_in_range(0u8..=4)? {
            0 => {
                data.remove(&key);
            }
            1 => {
                data.insert(key, Value::Text(text(u)?));
            }
            2 => {
                let (columns, max) = match e {
                    Entry::Table(t) => (
                        t.columns.iter().map(|c| c.key.clone()).collect(),
                        t.max_rows,
                    ),
                    _ => (vec![text(u)?], 2),
                };
                data.insert(key, rows(u, &columns, max as usize)?);
            }
            3 => {
                if let (Entry::Table(t), Some(Value::Rows(r))) = (e, data.get_mut(&key))
                    && !r.is_empty()
                {
                    let i = u.choose_index(r.len())?;
                    let c = u.choose(&t.columns)?.key.clone();
                    r[i].insert(c, text(u)?);
                }
            }
            _ => {
                let k = text(u)?;
                let v = if u.arbitrary()? {
                    Value::Text(text(u)?)
                } else {
                    let column = text(u)?;
                    rows(u, &[column], 3)?
                };
                data.insert(k, v);
            }
        }
    }
    Ok(())
}

fn context(u: &mut Unstructured) -> Result<ValidationContext> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => samples::context_fj4(),
        1 => ValidationContext::default(),
        _ => ValidationContext {
            category_cap_wan: Some(Money::from_cents(u.int_in_range(0..=i64::MAX)?)),
            period_end: Some((
                u.int_in_range(1900..=9999)?,
                u.int_in_range(1..=12)?,
                u.int_in_range(1..=28)?,
            )),
        },
    })
}

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    let Ok(ctx) = context(&mut u) else { return };
    let mut data = if u.arbitrary().unwrap_or(true) {
        samples::sample_fj4()
    } else {
        FormData::new()
    };
    let _ = mutate(&mut u, &mut data);

    let spec = spec();
    for p in form::validate(spec, &data, &ctx) {
        let entry = p.path.split(['[', '.']).next().unwrap_or_default();
        assert!(spec.entry(entry).is_some(), "problem on no entry: {p:?}");
        assert!(
            !p.label.is_empty() && !p.message.is_empty(),
            "unlabelled problem: {p:?}"
        );
    }
    let _ = form::computed(spec, &data);
    assert_eq!(
        form::digest_input(spec, &data),
        form::digest_input(spec, &data.clone())
    );
});
