//! The canonical text a submission receipt's digest is taken over.

use super::*;

/// The canonical text of a filled form that the application layer hashes (SM3) for the
/// submission receipt. One line per declared value in form order, `path=` followed by
/// the value as stored, quoted with a fixed escaping of our own (so a dependency upgrade
/// can never change a receipt); the first lines name the format, the form code and
/// version. Keys the form does not declare are left out, and so are blank table rows
/// (the rest are renumbered): neither is part of the application as printed. Computed
/// values are left out because they follow from the rest.
pub fn digest_input(spec: &FormSpec, data: &FormData) -> String {
    let mut out = String::from("scigrant-form-digest 1\n");
    out.push_str(&format!("code={}\n", quote(&spec.code)));
    out.push_str(&format!("version={}\n", spec.version));
    for e in spec.entries() {
        match e {
            Entry::Field(f) => {
                let text = match data.get(&f.key) {
                    Some(Value::Text(s)) => s.as_str(),
                    _ => "",
                };
                out.push_str(&format!("{}={}\n", f.key, quote(text)));
            }
            Entry::Table(t) => {
                let rows = validate::filled_rows(t, data.get(&t.key));
                out.push_str(&format!("{}#={}\n", t.key, rows.len()));
                for (i, (_, row)) in rows.iter().enumerate() {
                    for c in &t.columns {
                        let cell = row.get(&c.key).map_or("", String::as_str);
                        out.push_str(&format!("{}[{i}].{}={}\n", t.key, c.key, quote(cell)));
                    }
                }
            }
            Entry::Computed(_) => {}
        }
    }
    out
}

/// `"…"` with `\\`, `\"` and every control character escaped, so a value can never spill
/// into the next line of [`digest_input`].
pub(super) fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            '\n' => q.push_str("\\n"),
            c if c.is_control() => q.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}
