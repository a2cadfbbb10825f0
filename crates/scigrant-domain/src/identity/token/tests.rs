use super::*;

#[test]
fn each_kind_grants_only_its_scopes() {
    assert_eq!(
        scopes_for(AccountKind::Person),
        vec![Scope::ApplicationsRead, Scope::ApplicationsSubmit]
    );
    assert_eq!(
        scopes_for(AccountKind::Unit),
        vec![Scope::ApplicationsRead, Scope::MembersRead]
    );
    assert_eq!(
        scopes_for(AccountKind::Staff),
        vec![Scope::ApplicationsRead, Scope::ResultsRead]
    );
}

#[test]
fn scopes_round_trip_in_a_fixed_order() {
    let stored = join_scopes(&[
        Scope::MembersRead,
        Scope::ApplicationsRead,
        Scope::MembersRead,
    ]);
    assert_eq!(stored, "applications:read,members:read");
    assert_eq!(
        split_scopes(&stored),
        vec![Scope::ApplicationsRead, Scope::MembersRead]
    );
    assert_eq!(
        split_scopes("applications:read,admin:all"),
        vec![Scope::ApplicationsRead]
    );
}

#[test]
fn a_token_works_until_its_expiry_and_never_after_revocation() {
    let now = 1_000_000;
    let until = expiry(now, 7).unwrap_or(0);
    assert_eq!(until, now + 7 * 86_400_000);
    assert_eq!(expiry(now, 8), None);
    assert!(usable(until - 1, until, None));
    assert!(!usable(until, until, None));
    assert!(!usable(now, until, Some(now)));
}
