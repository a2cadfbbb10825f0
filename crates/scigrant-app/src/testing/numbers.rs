//! Valid identifiers and phone numbers for tests, made from a counter.

use scigrant_domain::identity::id_number::IdNumber;
use scigrant_domain::identity::uscc::Uscc;

/// The n-th valid 统一社会信用代码 (registration authority 9, type 1,
/// region 540102, organisation body from n).
pub fn uscc(n: u32) -> String {
    let body = format!("91540102{:08}X", n).replace('X', "9");
    let body17: String = body.chars().take(17).collect();
    Uscc::with_check(&body17)
        .expect("valid body")
        .as_str()
        .to_string()
}

/// The n-th valid mainland ID number (Lhasa 城关区, born 1990-01-01 + n days).
pub fn id_number(n: u32) -> String {
    let day = 1 + (n % 28);
    let month = 1 + ((n / 28) % 12);
    let seq = 100 + (n % 800);
    let body = format!("540102199{}{:02}{:02}{:03}", n % 10, month, day, seq);
    let check = IdNumber::check_char_for(&body).expect("17 digits");
    format!("{body}{check}")
}

/// The n-th mobile number.
pub fn phone(n: u32) -> String {
    format!("139{:08}", n)
}
