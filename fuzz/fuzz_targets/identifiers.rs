//! Every identifier parser of scigrant-domain on arbitrary text (as lossy UTF-8): 居民身份证号
//! and other document numbers, 统一社会信用代码, 手机号码, 电子邮箱, amounts (`Money`),
//! dates and moments, passwords and stored hashes, the display masks and the upload
//! checks. None may panic, since all of them read untrusted form input; what they accept
//! must read back the same, and a mask never changes a value's length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scigrant_domain::calendar::{self, DayPart};
use scigrant_domain::grants::form::Money;
use scigrant_domain::identity::id_number::{DocumentType, IdNumber, parse_document_code_number};
use scigrant_domain::identity::{email, password, password_hash, phone, uscc};
use scigrant_domain::{mask, upload};

const TODAY: (i32, u32, u32) = (2025, 6, 1);

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();

    if let Ok(u) = uscc::Uscc::parse(s) {
        let code = u.as_str();
        assert_eq!(code.len(), 18, "a USCC is 18 ASCII characters: {code:?}");
        assert_eq!(
            uscc::Uscc::parse(code).as_ref().map(|v| v.as_str()),
            Ok(code)
        );
        let rebuilt = uscc::Uscc::with_check(&code[..17]).map(|v| v.as_str().to_string());
        assert_eq!(rebuilt.as_deref(), Some(code), "check character differs");
        let _ = (u.org_code(), u.org_code_last4(), u.org_code_warning());
    }
    if let Some(u) = uscc::Uscc::with_check(s) {
        assert!(
            uscc::Uscc::parse(u.as_str()).is_ok(),
            "with_check built {:?}",
            u.as_str()
        );
    }

    if let Ok(id) = IdNumber::parse(s, TODAY) {
        let n = id.as_str();
        assert_eq!(n.len(), 18);
        assert_eq!(IdNumber::check_char_for(&n[..17]), n.chars().last());
        assert!(id.birth_date() <= TODAY, "born after today: {n}");
        assert_eq!(
            IdNumber::parse(n, TODAY).map(|v| v.as_str().to_string()),
            Ok(n.to_string())
        );
        let _ = id.gender().label();
    }
    let _ = IdNumber::check_char_for(s);
    for kind in DocumentType::all() {
        if let Ok(n) = scigrant_domain::identity::id_number::parse_document_number(kind, s, TODAY) {
            assert_eq!(
                parse_document_code_number(kind.code(), &n, TODAY),
                Ok(n.clone())
            );
        }
    }

    if let Ok(p) = phone::Phone::parse(s) {
        assert_eq!(
            phone::Phone::parse(p.as_str()).map(|v| v.as_str().to_string()),
            Ok(p.as_str().to_string())
        );
    }
    if let Ok(e) = email::Email::parse(s) {
        assert!(
            email::Email::parse(e.as_str()).is_ok(),
            "accepted email reads back: {:?}",
            e.as_str()
        );
    }

    if let Ok(m) = Money::parse(s) {
        assert!(m.cents() >= 0, "a typed amount is never negative: {s:?}");
        assert_eq!(
            Money::parse(&m.to_string()),
            Ok(m),
            "amount round trip of {s:?}"
        );
    }

    if let Ok(ymd) = calendar::parse_ymd(s) {
        let text = calendar::format_ymd(ymd);
        assert_eq!(calendar::parse_ymd(&text), Ok(ymd));
        let start = calendar::parse_moment(&text, DayPart::Start);
        assert_eq!(start, Ok(calendar::day_start(ymd)));
        let end = calendar::parse_moment(&text, DayPart::End);
        assert_eq!(end.map(|e| e - calendar::day_start(ymd)), Ok(86_399_000));
        assert_eq!(calendar::civil_date(calendar::day_start(ymd)), ymd);
        let _ = calendar::day_range(s);
    }
    for part in [DayPart::Start, DayPart::End] {
        if let Ok(ms) = calendar::parse_moment(s, part) {
            let shown = calendar::format_datetime(ms);
            assert_eq!(
                calendar::parse_moment(&shown, part),
                Ok(ms),
                "{s:?} shown as {shown}"
            );
        }
    }

    let _ = password::check_password(s, &[s, "zhangsan"]);
    let _ = password::strength(s);
    // Only parse-level checks of stored hashes: a crafted valid hash could legitimately
    // request millions of iterations, which is slow rather than wrong.
    if password_hash::iterations_of(s).is_some_and(|i| i <= 1000) {
        let _ = password_hash::verify_password("pw", s);
    }

    let chars = s.chars().count();
    assert_eq!(mask::mask_id(s).chars().count(), chars);
    assert_eq!(mask::mask_phone(s).chars().count(), chars);
    assert_eq!(mask::mask_name(s).chars().count(), chars);
    let _ = mask::mask_email(s);

    if let Some(kind) = upload::FileKind::from_content_type(s) {
        assert_eq!(kind.content_type(), s);
    }
    for kind in [
        upload::FileKind::Jpeg,
        upload::FileKind::Pdf,
        upload::FileKind::Ole2,
        upload::FileKind::Zip,
    ] {
        let _ = upload::extension_fits(kind, s);
    }
    let _ = upload::human_size(u64::from_le_bytes(
        data.iter()
            .copied()
            .chain([0; 8])
            .take(8)
            .collect::<Vec<u8>>()
            .try_into()
            .unwrap_or([0; 8]),
    ));
});
