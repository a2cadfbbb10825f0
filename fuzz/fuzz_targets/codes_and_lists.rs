//! The stored codes (`from_code` of every enum: states, kinds, roles, scopes) and the
//! lists staff type into text boxes (eligible units, holding limits, tags, guide
//! sections, keywords, dictionary entries) on arbitrary text. No panic; a code read back
//! is the code written; a parsed list written back reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scigrant_domain::dictionary::{self, DictChange, DictKind};
use scigrant_domain::evaluation::conflict::ConflictReason;
use scigrant_domain::evaluation::expert::{self, AssignmentState, ExpertState};
use scigrant_domain::evaluation::funding::{NoticeKind, NoticeState, ObjectionOutcome, Verdict};
use scigrant_domain::evaluation::review::ReviewState;
use scigrant_domain::evaluation::score::{Grade, Opinion};
use scigrant_domain::grants::application::{
    ApplicationEvent, ApplicationState, CallState, StaffDecision, UnitDecision,
};
use scigrant_domain::grants::{eligibility, limits::HoldingLimits, solicitation};
use scigrant_domain::identity::account::{AccountKind, Membership, StaffRole, UnitKind, UnitState};
use scigrant_domain::identity::decision::{self, DecisionOutcome, DecisionStage};
use scigrant_domain::identity::id_number::DocumentType;
use scigrant_domain::identity::token::Scope;
use scigrant_domain::portal::article::{ArticleState, Section};
use scigrant_domain::portal::consultation::{self, CommentState};

macro_rules! codes_round_trip {
    ($s:expr, $($t:ty),+ $(,)?) => {
        $(
            if let Some(v) = <$t>::from_code($s) {
                assert_eq!(v.code(), $s, concat!(stringify!($t), " code read back"));
            }
        )+
    };
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    codes_round_trip!(
        s,
        AccountKind,
        UnitKind,
        UnitState,
        Membership,
        StaffRole,
        DecisionStage,
        DecisionOutcome,
        Verdict,
        NoticeKind,
        NoticeState,
        ObjectionOutcome,
        Grade,
        Opinion,
        ExpertState,
        AssignmentState,
        ConflictReason,
        ReviewState,
        ApplicationState,
        CallState,
        ApplicationEvent,
        StaffDecision,
        UnitDecision,
        Scope,
        Section,
        ArticleState,
        CommentState,
        solicitation::SuggestionState,
        DictKind,
        DictChange,
        DocumentType,
    );
    let _ = decision::parse_verdict(s);

    let _ = eligibility::text_error(s);
    if let Ok(list) = eligibility::parse_list(s) {
        let text = eligibility::list_text(&list);
        let again = eligibility::parse_list(&text).map(|l| eligibility::list_text(&l));
        assert_eq!(
            again,
            Ok(text.clone()),
            "eligible units written back: {text:?}"
        );
        let _ = eligibility::admits(&list, s, s);
    }

    let (a, b) = s.split_once('\n').unwrap_or((s, ""));
    if let Ok(l) = HoldingLimits::parse(a, b) {
        let _ = l.describe();
    }

    if let Ok(tags) = solicitation::parse_tags(s) {
        assert_eq!(solicitation::parse_tags(&tags.join("，")), Ok(tags));
    }
    if let Ok(sections) = consultation::parse_sections(s) {
        assert!(consultation::parse_sections(&sections.join("\n")).is_ok_and(|x| x == sections));
    }
    let _ = consultation::check_body(s);
    let keywords = expert::parse_keywords(s);
    assert_eq!(expert::parse_keywords(&keywords.join("\n")), keywords);

    if let Ok(code) = dictionary::parse_code(s) {
        assert_eq!(dictionary::parse_code(&code), Ok(code.clone()));
    }
    if let Ok(label) = dictionary::parse_label(s) {
        assert_eq!(dictionary::parse_label(&label), Ok(label.clone()));
    }
    if let Ok(p) = dictionary::parse_position(s) {
        assert_eq!(dictionary::parse_position(&p.to_string()), Ok(p));
    }
});
