//! Feeds arbitrary bytes (as lossy UTF-8) to every scigrant-domain parser and validator;
//! any panic is a bug, since all of them handle untrusted form input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scigrant_domain::identity::{email, id_number, password, password_hash, phone, uscc};
use scigrant_domain::mask;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    let today = (2025, 6, 1);
    if let Ok(u) = uscc::Uscc::parse(s) {
        let _ = (u.org_code(), u.org_code_last4(), u.org_code_warning());
    }
    let _ = uscc::Uscc::with_check(s);
    if let Ok(id) = id_number::IdNumber::parse(s, today) {
        let _ = (id.birth_date(), id.gender().label());
    }
    for kind in id_number::DocumentType::all() {
        let _ = id_number::parse_document_number(kind, s, today);
    }
    let _ = phone::Phone::parse(s);
    let _ = email::Email::parse(s);
    let _ = password::check_password(s, &[s, "zhangsan"]);
    let _ = password::strength(s);
    // Only parse-level checks of stored hashes: a crafted valid hash could legitimately
    // request millions of iterations, which is slow rather than wrong.
    let _ = password_hash::iterations_of(s);
    if password_hash::iterations_of(s).is_some_and(|i| i <= 1000) {
        let _ = password_hash::verify_password("pw", s);
    }
    let _ = (mask::mask_id(s), mask::mask_phone(s), mask::mask_name(s));
});
