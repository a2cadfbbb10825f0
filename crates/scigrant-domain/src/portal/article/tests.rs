use super::*;

#[test]
fn codes_round_trip() {
    for s in Section::ALL {
        assert_eq!(Section::from_code(s.code()), Some(s));
    }
    for s in ArticleState::ALL {
        assert_eq!(ArticleState::from_code(s.code()), Some(s));
    }
}

#[test]
fn life_cycle_goes_through_review() {
    use ArticleAction::*;
    use ArticleState::*;
    assert_eq!(Submit.apply(Draft), Some(Pending));
    assert_eq!(Approve.apply(Draft), None);
    assert_eq!(Approve.apply(Pending), Some(Published));
    assert_eq!(Return.apply(Pending), Some(Returned));
    assert_eq!(Submit.apply(Returned), Some(Pending));
    assert_eq!(Withdraw.apply(Pending), None);
    assert_eq!(Withdraw.apply(Published), Some(Withdrawn));
    assert_eq!(Submit.apply(Withdrawn), Some(Pending));
    assert_eq!(Submit.apply(Published), None);
    assert!(!Published.editable());
    assert!(!Pending.editable());
    assert!(Withdrawn.editable());
}

#[test]
fn nobody_reviews_their_own_text() {
    assert!(!may_review(3, 3));
    assert!(may_review(4, 3));
}

#[test]
fn visible_from_publish_time_on() {
    let t = 1_000_000;
    assert!(!is_public(ArticleState::Published, t, t - 1));
    assert!(is_public(ArticleState::Published, t, t));
    assert!(!is_public(ArticleState::Pending, t, t + 1));
    assert!(!is_public(ArticleState::Withdrawn, t, t + 1));
}
