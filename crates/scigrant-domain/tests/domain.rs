//! Property tests for the domain crate's parsers and validators: no input panics, valid
//! codes generated from their definitions parse, and single-character errors are caught.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::id_number::{
    DocumentType, IdNumber, IdNumberError, parse_document_number,
};
use scigrant_domain::identity::password::{check_password, strength};
use scigrant_domain::identity::password_hash::{hash_password, iterations_of, verify_password};
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::uscc::{Uscc, UsccError};
use scigrant_domain::mask::{mask_id, mask_name, mask_phone};

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const TODAY: (i32, u32, u32) = (2025, 6, 1);
const PROVINCES: [&str; 36] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83", "91",
];

fn uscc_body() -> impl Strategy<Value = String> {
    proptest::collection::vec(0..USCC_ALPHABET.len(), 17).prop_map(|v| {
        v.into_iter()
            .map(|i| USCC_ALPHABET.as_bytes()[i] as char)
            .collect()
    })
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Valid (not future, ≥ 1900) birth dates, built so every day of every month is reachable.
fn birth_date() -> impl Strategy<Value = (i32, u32, u32)> {
    (1900..=TODAY.0, 1u32..=12, 1u32..=31)
        .prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))))
        .prop_filter("not in the future", |&date| date <= TODAY)
}

fn id_body() -> impl Strategy<Value = String> {
    (0..PROVINCES.len(), 0u32..10_000, birth_date(), 0u32..1000).prop_map(
        |(p, region, (y, m, d), seq)| {
            format!("{}{region:04}{y:04}{m:02}{d:02}{seq:03}", PROVINCES[p])
        },
    )
}

/// Arbitrary strings, mixing fully arbitrary Unicode with inputs shaped like the real thing.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9A-Za-z +@.\\-_xX]{0,30}",
        "\\PC{0,40}",
        "[0-9]{17}[0-9Xx]",
        "(\\+86)?1[0-9 \\-]{10,14}",
    ]
}

proptest! {
    #[test]
    fn parsers_never_panic(s in any_input()) {
        let _ = Uscc::parse(&s).map(|u| (u.org_code_warning(), u.org_code_last4().len()));
        let _ = IdNumber::parse(&s, TODAY).map(|id| (id.birth_date(), id.gender()));
        for kind in DocumentType::all() {
            let _ = parse_document_number(kind, &s, TODAY);
        }
        let _ = Phone::parse(&s);
        let _ = Email::parse(&s);
        let _ = check_password(&s, &[&s, "zhangsan"]);
        let _ = strength(&s);
        prop_assert!(!verify_password(&s, &s) || s.starts_with("$pbkdf2-sm3$"));
        let _ = iterations_of(&s);
        prop_assert_eq!(mask_id(&s).chars().count(), s.chars().count());
        prop_assert_eq!(mask_phone(&s).chars().count(), s.chars().count());
        prop_assert_eq!(mask_name(&s).chars().count(), s.chars().count());
    }

    #[test]
    fn verify_never_panics_on_near_miss_hashes(
        i in "[0-9+\\-]{0,12}", salt in "[0-9a-fA-Fg]{0,34}", hash in "[0-9a-f]{0,66}"
    ) {
        let s = format!("$pbkdf2-sm3$i={i}${salt}${hash}");
        // Well-formed only if every part has the right shape: digits only for
        // the count, within 1..=10 000 000, a 16-byte salt and a 32-byte hash in hex.
        let count = i.parse::<u32>().ok().filter(|n| {
            i.bytes().all(|b| b.is_ascii_digit()) && (1..=10_000_000).contains(n)
        });
        let shaped = salt.len() == 32
            && salt.bytes().all(|b| b.is_ascii_hexdigit())
            && hash.len() == 64;
        prop_assert_eq!(iterations_of(&s), count.filter(|_| shaped));
        // Whatever its shape, no such string is the hash of "pw".
        prop_assert!(!verify_password("pw", &s));
    }

    #[test]
    fn generated_uscc_parses(body in uscc_body()) {
        let u = Uscc::with_check(&body).unwrap();
        prop_assert_eq!(&u.as_str()[..17], body.as_str());
        prop_assert_eq!(Uscc::parse(u.as_str()), Ok(u.clone()));
        prop_assert_eq!(Uscc::parse(&u.as_str().to_lowercase()), Ok(u));
    }

    #[test]
    fn uscc_single_substitution_rejected(body in uscc_body(), pos in 0usize..18, k in 1usize..31) {
        let code = Uscc::with_check(&body).unwrap().as_str().to_string();
        let mut chars: Vec<char> = code.chars().collect();
        // Replace with a different alphabet character: k in 1..31 never maps back to itself.
        let cur = USCC_ALPHABET.find(chars[pos]).unwrap();
        chars[pos] = USCC_ALPHABET.as_bytes()[(cur + k) % 31] as char;
        let flipped: String = chars.into_iter().collect();
        prop_assert_eq!(Uscc::parse(&flipped), Err(UsccError::Check));
    }

    #[test]
    fn uscc_excluded_letters_rejected(body in uscc_body(), pos in 0usize..18, c in "[IOSVZiosvz]") {
        let code = Uscc::with_check(&body).unwrap().as_str().to_string();
        let mut chars: Vec<char> = code.chars().collect();
        chars[pos] = c.chars().next().unwrap();
        let bad: String = chars.into_iter().collect();
        prop_assert_eq!(Uscc::parse(&bad), Err(UsccError::Char));
    }

    #[test]
    fn generated_id_numbers_parse(body in id_body(), lower in any::<bool>()) {
        let check = IdNumber::check_char_for(&body).unwrap();
        let mut s = format!("{body}{check}");
        if lower {
            s = s.to_lowercase();
        }
        let id = IdNumber::parse(&s, TODAY).unwrap();
        prop_assert_eq!(id.as_str(), format!("{body}{check}"));
        let y: i32 = body[6..10].parse().unwrap();
        let m: u32 = body[10..12].parse().unwrap();
        let d: u32 = body[12..14].parse().unwrap();
        prop_assert_eq!(id.birth_date(), (y, m, d));
    }

    #[test]
    fn id_check_digit_matters(body in id_body(), k in 1usize..11) {
        const CHECKS: &str = "0123456789X";
        let check = IdNumber::check_char_for(&body).unwrap();
        let wrong = CHECKS.as_bytes()[(CHECKS.find(check).unwrap() + k) % 11] as char;
        prop_assert_eq!(
            IdNumber::parse(&format!("{body}{wrong}"), TODAY),
            Err(IdNumberError::Check)
        );
    }

    #[test]
    fn id_single_digit_change_rejected(body in id_body(), pos in 0usize..17, k in 1u8..10) {
        let s = format!("{body}{}", IdNumber::check_char_for(&body).unwrap());
        let mut b = s.into_bytes();
        b[pos] = b'0' + (b[pos] - b'0' + k) % 10;
        let changed = String::from_utf8(b).unwrap();
        // Rejected for whatever reason comes first (region, date or check digit).
        prop_assert!(IdNumber::parse(&changed, TODAY).is_err());
    }

    #[test]
    fn valid_phones_parse(rest in "[3-9][0-9]{9}", spaced in any::<bool>(), cc in 0u8..3) {
        let n = format!("1{rest}");
        let mut s = if spaced { format!("{} {} {}", &n[..3], &n[3..7], &n[7..]) } else { n.clone() };
        s = match cc { 0 => s, 1 => format!("+86 {s}"), _ => format!("86{s}") };
        prop_assert_eq!(Phone::parse(&s).unwrap().as_str().to_string(), n);
    }

    #[test]
    fn valid_emails_parse(
        local in "[a-zA-Z0-9._+]{1,64}",
        labels in proptest::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 1..4),
        tld in "[a-zA-Z]{2,6}",
    ) {
        let domain = format!("{}.{tld}", labels.join("."));
        let e = Email::parse(&format!("{local}@{domain}")).unwrap();
        prop_assert_eq!(e.as_str(), format!("{local}@{}", domain.to_lowercase()));
    }
}

proptest! {
    // Hashing is the slow part of this suite even at 10 iterations; fewer cases suffice.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hash_round_trip(pw in any::<String>(), other in any::<String>(), salt in any::<[u8; 16]>()) {
        let h = hash_password(&pw, &salt, 10);
        prop_assert!(verify_password(&pw, &h));
        prop_assert_eq!(iterations_of(&h), Some(10));
        if other != pw {
            prop_assert!(!verify_password(&other, &h));
        }
    }
}

// ---- Application forms (`form`): validation never panics, limits count characters,
// sums and digests behave. Paths are used directly so the imports above stay untouched.

mod form_props {
    use proptest::prelude::*;
    use scigrant_domain::grants::form::samples::{context_fj4, sample_fj4, sample_fj5};
    use scigrant_domain::grants::form::{
        Entry, FormData, FormSpec, Money, ValidationContext, Value, builtin, builtin_codes,
        computed, counters, digest_input, validate,
    };
    use std::collections::BTreeMap;

    fn specs() -> Vec<FormSpec> {
        builtin_codes()
            .iter()
            .map(|(code, _)| builtin(code).unwrap())
            .collect()
    }

    /// Every key and column key of both templates, so random data hits real fields.
    fn keys() -> (Vec<String>, Vec<String>) {
        let (mut keys, mut cols) = (Vec::new(), Vec::new());
        for spec in specs() {
            for e in spec.entries() {
                keys.push(e.key().to_string());
                if let Entry::Table(t) = e {
                    cols.extend(t.columns.iter().map(|c| c.key.clone()));
                }
            }
        }
        (keys, cols)
    }

    /// Arbitrary text mixed with values shaped like the real thing (valid and near-valid).
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "\\PC{0,30}",
            "[0-9]{0,13}(\\.[0-9]{0,3})?",
            "(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]",
            "1[3-9][0-9]{9}",
            proptest::sample::select(vec![
                "",
                " ",
                "55",
                "55.01",
                "张伟",
                "13912345678",
                "2023-05-01",
                "2023-12-01",
                "KJFWT2023-02",
                "产业科技服务团",
                "511000005000123452",
                "a@b.cn",
            ])
            .prop_map(String::from),
        ]
    }

    fn value(cols: Vec<String>) -> impl Strategy<Value = Value> {
        let col = prop_oneof![proptest::sample::select(cols), "[a-z_]{1,8}"];
        prop_oneof![
            cell().prop_map(Value::Text),
            proptest::collection::vec(proptest::collection::btree_map(col, cell(), 0..6), 0..5)
                .prop_map(Value::Rows),
        ]
    }

    fn form_data() -> impl Strategy<Value = FormData> {
        let (keys, cols) = keys();
        let key = prop_oneof![proptest::sample::select(keys), "[a-z_.\\[\\]0-9]{0,12}"];
        (
            0u8..3,
            proptest::collection::btree_map(key, value(cols), 0..40),
        )
            .prop_map(|(base, extra)| {
                // Start from a valid sample half of the time so the cross-field rules,
                // which only look at well-formed values, are exercised too.
                let mut d = match base {
                    0 => FormData::new(),
                    1 => sample_fj4(),
                    _ => sample_fj5(),
                };
                d.extend(extra);
                d
            })
    }

    fn context() -> impl Strategy<Value = ValidationContext> {
        (
            proptest::option::of(0i64..1_000_000),
            proptest::option::of((1990i32..2030, 1u32..=12, 1u32..=28)),
        )
            .prop_map(|(cap, end)| ValidationContext {
                category_cap_wan: cap.map(Money::from_cents),
                period_end: end,
            })
    }

    proptest! {
        #[test]
        fn validate_never_panics(data in form_data(), ctx in context()) {
            for spec in specs() {
                let problems = validate(&spec, &data, &ctx);
                for p in &problems {
                    prop_assert!(!p.path.is_empty() && !p.label.is_empty() && !p.message.is_empty());
                }
                let _ = computed(&spec, &data);
                let digest = digest_input(&spec, &data);
                prop_assert_eq!(digest.clone(), digest_input(&spec, &data));
                prop_assert!(digest.starts_with("scigrant-form-digest 1\n"));
            }
        }

        #[test]
        fn unit_intro_limit_counts_characters(
            s in proptest::collection::vec(
                prop_oneof![Just('科'), Just('a'), Just('，'), Just('😀'), Just('\n')], 1..600
            )
        ) {
            let text: String = s.iter().collect();
            let n = s.len();
            let mut d = sample_fj4();
            d.insert("unit_intro".into(), Value::Text(text.clone()));
            let problems = validate(&builtin("kczg2023-fj4").unwrap(), &d, &context_fj4());
            if text.trim().is_empty() {
                prop_assert_eq!(problems.len(), 1);
                prop_assert_eq!(problems[0].message.as_str(), "请填写单位简介");
            } else if n > 300 {
                prop_assert_eq!(problems.len(), 1);
                prop_assert_eq!(
                    problems[0].message.clone(),
                    format!("单位简介不能超过300字（当前{n}字）")
                );
            } else {
                prop_assert!(problems.is_empty(), "{:?}", problems);
            }
        }

        #[test]
        fn money_display_parses_back(cents in 0i64..100_000_000_000_000) {
            let m = Money::from_cents(cents);
            let shown = m.to_string();
            prop_assert_eq!(Money::parse(&shown), Ok(m));
            prop_assert_eq!(shown.split_once('.').map(|(_, f)| f.len()), Some(2));
        }

        #[test]
        fn phase_sum_checked_exactly(cents in 0i64..10_000) {
            let mut d = sample_fj4();
            if let Some(Value::Rows(rows)) = d.get_mut("phases") {
                rows[2].insert("budget".into(), Money::from_cents(cents).to_string());
            }
            let problems = validate(&builtin("kczg2023-fj4").unwrap(), &d, &context_fj4());
            // The sample's third phase is 15.00 of the 65.00 total.
            prop_assert_eq!(problems.iter().any(|p| p.path == "phases"), cents != 1500);
            prop_assert_eq!(problems.len(), usize::from(cents != 1500));
        }

        #[test]
        fn digest_sees_every_declared_field(i in any::<proptest::sample::Index>(), v in "\\PC{1,20}") {
            let spec = builtin("kczg2023-fj5").unwrap();
            let d = sample_fj5();
            let fields: Vec<String> = spec
                .entries()
                .filter_map(|e| match e { Entry::Field(f) => Some(f.key.clone()), _ => None })
                .collect();
            let key = i.get(&fields);
            let mut changed = d.clone();
            changed.insert(key.clone(), Value::Text(v.clone()));
            let same = matches!(d.get(key), Some(Value::Text(old)) if *old == v);
            prop_assert_eq!(digest_input(&spec, &changed) == digest_input(&spec, &d), same);
        }
    }

    #[test]
    fn counters_cover_every_limited_input() {
        for spec in specs() {
            let c: BTreeMap<String, u32> = counters(&spec).into_iter().collect();
            for e in spec.entries() {
                if let Entry::Field(f) = e {
                    assert_eq!(c.get(&f.key).copied(), f.max_chars, "{}", f.key);
                }
            }
        }
    }
}
