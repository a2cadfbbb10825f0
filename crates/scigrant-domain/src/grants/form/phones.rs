//! The values of a filled form that hold a phone number: fields and table
//! columns of kind [`FieldKind::Phone`] (手机) or [`FieldKind::Tel`] (电话,
//! which may be a mobile too), and any other text with a mainland mobile
//! number in it (the people table's free-text 联系方式). The application
//! layer seals exactly these before a form is stored, so a copy of the
//! database shows no number.

use super::{Entry, FieldKind, FieldSpec, FormData, FormSpec, Value};

/// Whether values of this field are phone numbers.
pub fn holds_phone(f: &FieldSpec) -> bool {
    matches!(f.kind, FieldKind::Phone | FieldKind::Tel)
}

/// Calls `visit` on every phone value of `data` (declared phone fields and
/// phone cells of declared tables), blank ones included.
pub fn for_each_phone(spec: &FormSpec, data: &mut FormData, mut visit: impl FnMut(&mut String)) {
    for e in spec.entries() {
        match e {
            Entry::Field(f) if holds_phone(f) => {
                if let Some(Value::Text(t)) = data.get_mut(&f.key) {
                    visit(t);
                }
            }
            Entry::Table(t) => {
                let Some(Value::Rows(rows)) = data.get_mut(&t.key) else {
                    continue;
                };
                for row in rows {
                    for c in t.columns.iter().filter(|c| holds_phone(c)) {
                        if let Some(v) = row.get_mut(&c.key) {
                            visit(v);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether `text` contains a mainland mobile number: 11 digits starting
/// with 1 and a digit from 3 to 9, not part of a longer run of digits (an
/// ID number or an account number is not a phone).
pub fn mentions_mobile(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 11 && b[start] == b'1' && (b'3'..=b'9').contains(&b[start + 1]) {
            return true;
        }
    }
    false
}

/// Calls `visit` on every text of `data`, declared or not: each field's
/// text and each table cell.
pub fn for_each_text(data: &mut FormData, mut visit: impl FnMut(&mut String)) {
    for v in data.values_mut() {
        match v {
            Value::Text(t) => visit(t),
            Value::Rows(rows) => rows
                .iter_mut()
                .flat_map(|r| r.values_mut())
                .for_each(&mut visit),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::grants::form::builtin;

    #[test]
    fn a_mobile_is_found_inside_free_text_but_not_inside_longer_numbers() {
        assert!(mentions_mobile("13900000001"));
        assert!(mentions_mobile("电话：139 0000 0001 或 13900000001。"));
        assert!(!mentions_mobile("139 0000 0001"));
        assert!(!mentions_mobile("542322199101060091"));
        assert!(!mentions_mobile("12345678901"));
        assert!(!mentions_mobile("经费 2023 年 100 万元"));
    }

    #[test]
    fn the_phone_fields_of_form_4_are_its_mobiles_and_telephones() {
        let spec = builtin("kczg2023-fj4").unwrap();
        let mut data = FormData::new();
        for e in spec.entries() {
            match e {
                Entry::Field(f) => {
                    data.insert(f.key.clone(), Value::Text(f.key.clone()));
                }
                Entry::Table(t) => {
                    let row = t
                        .columns
                        .iter()
                        .map(|c| (c.key.clone(), format!("{}.{}", t.key, c.key)));
                    data.insert(t.key.clone(), Value::Rows(vec![row.collect()]));
                }
                Entry::Computed(_) => {}
            }
        }
        let mut seen = Vec::new();
        for_each_phone(&spec, &mut data, |v| seen.push(v.clone()));
        let want = [
            "cover_mobile",
            "leader_mobile",
            "leader_office_phone",
            "chief_expert_mobile",
            "chief_expert_office_phone",
            "contact_mobile",
            "contact_office_phone",
        ];
        assert_eq!(seen, want);
    }
}
