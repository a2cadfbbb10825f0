//! Filled forms at rest: every phone value of a form (its 手机 and 电话
//! fields and cells, and any text with a mobile number in it) is stored
//! sealed with the personal-data key, bound to the row and column it is
//! stored in, as a marked text `sealed:sm4:<letters>` in place of the
//! value: each byte written as two letters `a`–`p` (hex with letters for
//! digits), so that no run of digits in a sealed value can be mistaken for
//! a phone number by whoever scans the database for one.
//! The rest of the form stays plain JSON. Opening needs no form
//! description: every marked text is opened, and a typed text that
//! happens to start with the mark is itself sealed on the way in, so what
//! is opened is always exactly what was typed.
//!
//! A value that does not open for its row (copied from another row, or
//! sealed under another key) is never shown: it reads as [`UNREADABLE`]
//! and is logged as an error.

use scigrant_domain::grants::form::{
    FormData, FormSpec, for_each_phone, for_each_text, mentions_mobile,
};
use scigrant_store::pii::{PiiCipher, RowBinding};

/// The mark in front of a sealed value.
const MARK: &str = "sealed:sm4:";

/// What a value that does not open for its row reads as.
pub const UNREADABLE: &str = "（无法解密）";

/// Whether a stored text is a sealed value.
pub(crate) fn is_sealed(text: &str) -> bool {
    text.starts_with(MARK)
}

fn seal_text(pii: &PiiCipher, at: RowBinding, text: &mut String) {
    let sealed = pii.seal_at(at, text);
    let mut out = String::with_capacity(MARK.len() + 2 * sealed.len());
    out.push_str(MARK);
    for b in sealed {
        out.push(char::from(b'a' + (b >> 4)));
        out.push(char::from(b'a' + (b & 0x0f)));
    }
    *text = out;
}

/// The bytes of a sealed value's letters; `None` when they are not pairs
/// of `a`–`p`.
fn letters_to_bytes(letters: &str) -> Option<Vec<u8>> {
    let nibble = |c: u8| (b'a'..=b'p').contains(&c).then(|| c - b'a');
    letters
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// Seals in place the values of `data` that must not be stored plain:
/// the spec's phone values and any text naming a mobile, or starting with
/// the mark. Values already sealed are left alone (see
/// [`needs_sealing`]), so this is idempotent.
pub(crate) fn seal_in_place(pii: &PiiCipher, spec: &FormSpec, at: RowBinding, data: &mut FormData) {
    for_each_phone(spec, data, |v| {
        if !v.is_empty() && !is_sealed(v) {
            seal_text(pii, at, v);
        }
    });
    for_each_text(data, |v| {
        if !is_sealed(v) && mentions_mobile(v) {
            seal_text(pii, at, v);
        }
    });
}

/// `data` as stored in row `at`: JSON with its phone values sealed for
/// that row. A typed text starting with the mark is sealed too, so it
/// reads back as typed.
pub(crate) fn seal(pii: &PiiCipher, spec: &FormSpec, at: RowBinding, data: &FormData) -> String {
    let mut stored = data.clone();
    for_each_text(&mut stored, |v| {
        if is_sealed(v) {
            seal_text(pii, at, v);
        }
    });
    seal_in_place(pii, spec, at, &mut stored);
    // Cannot fail: the form holds only strings, lists and maps of strings.
    serde_json::to_string(&stored).unwrap_or_default()
}

/// Whether stored form data still holds a value [`seal`] would seal:
/// written by a release before sealing, to be upgraded.
pub(crate) fn needs_sealing(spec: &FormSpec, data: &FormData) -> bool {
    let mut data = data.clone();
    let mut plain = false;
    for_each_phone(spec, &mut data, |v| plain |= !v.is_empty() && !is_sealed(v));
    for_each_text(&mut data, |v| plain |= !is_sealed(v) && mentions_mobile(v));
    plain
}

/// Stored JSON as typed; a row that does not parse reads as an empty form.
pub(crate) fn parse(json: &str) -> FormData {
    serde_json::from_str(json).unwrap_or_default()
}

/// The form stored in row `at`, its sealed values opened. A value that
/// does not open for this row reads as [`UNREADABLE`], logged.
pub(crate) fn open(pii: &PiiCipher, at: RowBinding, json: &str) -> FormData {
    let mut data = parse(json);
    for_each_text(&mut data, |v| {
        let Some(letters) = v.strip_prefix(MARK) else {
            return;
        };
        let opened = letters_to_bytes(letters)
            .ok_or_else(|| "not a sealed value".to_string())
            .and_then(|b| pii.open_at(at, &b).map_err(|e| e.to_string()));
        *v = match opened {
            Ok(plain) => plain,
            Err(e) => {
                tracing::error!(binding = %at, error = %e, "a sealed form value does not open for its row; shown as unreadable");
                UNREADABLE.to_string()
            }
        };
    });
    data
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scigrant_domain::grants::form::{Value, builtin};
    use scigrant_store::pii::SealedColumn;

    fn form() -> (FormSpec, FormData) {
        let spec = builtin("kczg2023-fj4").unwrap();
        let mut data = FormData::new();
        let mut put = |k: &str, v: &str| data.insert(k.into(), Value::Text(v.into()));
        put("cover_mobile", "13900000001");
        put("leader_office_phone", "010-62121916");
        put("project_name", "sealed:sm4:typed by hand");
        put("unit_intro", "联系电话13900000002。");
        put("leader_name", "张三");
        (spec, data)
    }

    #[test]
    fn a_stored_form_holds_no_phone_and_opens_as_typed_in_its_own_row_only() {
        let pii = PiiCipher::from_master(&[3u8; 32]);
        let (spec, data) = form();
        let at = SealedColumn::APPLICATION_DRAFT.row(9);
        let json = seal(&pii, &spec, at, &data);
        assert!(!json.contains("13900000001") && !json.contains("13900000002"));
        assert!(!json.contains("62121916") && !json.contains("typed by hand"));
        let sealed = json.split("sealed:sm4:").skip(1);
        assert!(
            sealed
                .flat_map(|v| v.chars().take_while(|c| *c != '"'))
                .all(|c| c.is_ascii_lowercase())
        );
        assert!(json.contains("张三"));
        assert!(!needs_sealing(&spec, &parse(&json)));
        assert!(needs_sealing(&spec, &data));
        assert_eq!(open(&pii, at, &json), data);
        let elsewhere = open(&pii, SealedColumn::APPLICATION_DRAFT.row(10), &json);
        assert_eq!(elsewhere["cover_mobile"], Value::Text(UNREADABLE.into()));
        assert_eq!(elsewhere["leader_name"], Value::Text("张三".into()));
    }

    #[test]
    fn sealing_in_place_is_idempotent() {
        let pii = PiiCipher::from_master(&[3u8; 32]);
        let (spec, data) = form();
        let at = SealedColumn::APPLICATION_SUBMITTED.row(9);
        let mut stored = parse(&seal(&pii, &spec, at, &data));
        let before = stored.clone();
        seal_in_place(&pii, &spec, at, &mut stored);
        assert_eq!(stored, before);
    }
}
