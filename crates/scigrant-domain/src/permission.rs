//! Who may do what: every route and every use case names one of these
//! permissions, and each is decided by a predicate here, unit-tested, with
//! no IO. A handler calls the predicate first; the web layer refuses a
//! route that declares none.

use crate::grants::application::ApplicationState;
use crate::identity::account::{AccountKind, Membership, StaffRole, UnitState};
use crate::identity::delegation::{Acting, Service};

/// The permission a route declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Anyone, signed in or not (portal, login, registration, captcha).
    Public,
    /// Any signed-in account (logout, own home screen).
    SignedIn,
    /// A natural person (个人用户).
    Person,
    /// A unit account (单位用户).
    Unit,
    /// A unit whose 初审 passed (科技项目申报 platform).
    UnitPlatform,
    /// One of such a unit's services: the unit itself, or a person acting
    /// for it (代办) who holds that service.
    UnitService(Service),
    /// Any staff member (the console home, password change).
    Staff,
    /// Staff holding the given role.
    StaffRole(StaffRole),
    /// Staff holding any of the given roles.
    StaffRoles(&'static [StaffRole]),
}

/// Who reads the 短信发件箱: it holds what units were told about their
/// review and the one-time codes sent to people, so only the 账号审核员
/// (who answers for the review messages) and the 安全管理员 (who answers
/// "no code arrived") may; the other staff roles have no business there.
pub const OUTBOX_READERS: &[StaffRole] = &[StaffRole::SecurityAdmin, StaffRole::AccountReviewer];

/// Who works on the portal's content: the 内容编辑 writes, the 内容审核
/// approves; both read the list, the articles and their versions.
pub const CONTENT_STAFF: &[StaffRole] = &[StaffRole::ContentEditor, StaffRole::ContentReviewer];

/// The facts about the caller a permission is decided on.
#[derive(Clone, Copy, Debug)]
pub enum Caller {
    Anonymous,
    Person {
        /// Signed in with an approved appeal's one-time password.
        must_change_password: bool,
        /// The unit the person acts for (代办), as read on this request.
        acting: Option<Acting>,
    },
    Unit {
        state: UnitState,
        /// Signed in with an approved appeal's one-time password.
        must_change_password: bool,
    },
    Staff {
        role: StaffRole,
        must_change_password: bool,
    },
}

impl Caller {
    pub fn kind(&self) -> Option<AccountKind> {
        match self {
            Caller::Anonymous => None,
            Caller::Person { .. } => Some(AccountKind::Person),
            Caller::Unit { .. } => Some(AccountKind::Unit),
            Caller::Staff { .. } => Some(AccountKind::Staff),
        }
    }

    /// Whether the account must change its password (staff's first login,
    /// a one-time password from an appeal) before anything else.
    pub fn must_change_password(&self) -> bool {
        match self {
            Caller::Anonymous => false,
            Caller::Person {
                must_change_password,
                ..
            }
            | Caller::Unit {
                must_change_password,
                ..
            }
            | Caller::Staff {
                must_change_password,
                ..
            } => *must_change_password,
        }
    }
}

/// Outcome of a permission check, so the web layer can tell "sign in
/// first" from "not yours".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Not signed in, or signed in as another kind of account.
    SignIn,
    /// Signed in but not allowed.
    Deny,
    /// Staff who must change the first-login password before anything else.
    ChangePassword,
}

pub fn decide(p: Permission, c: &Caller) -> Decision {
    use Decision::*;
    if c.must_change_password() && !matches!(p, Permission::Public | Permission::SignedIn) {
        return ChangePassword;
    }
    match (p, c) {
        (Permission::Public, _) => Allow,
        (_, Caller::Anonymous) => SignIn,
        (Permission::SignedIn, _) => Allow,
        (Permission::Person, Caller::Person { .. }) => Allow,
        (Permission::Unit, Caller::Unit { .. }) => Allow,
        (Permission::UnitPlatform, Caller::Unit { state, .. }) => {
            if state.platform_open() {
                Allow
            } else {
                Deny
            }
        }
        (Permission::UnitService(_), Caller::Unit { state, .. }) => {
            if state.platform_open() {
                Allow
            } else {
                Deny
            }
        }
        (Permission::UnitService(want), Caller::Person { acting, .. }) => match acting {
            Some(a) if a.services.has(want) && a.unit_state.platform_open() => Allow,
            _ => Deny,
        },
        (Permission::Staff, Caller::Staff { .. }) => Allow,
        (Permission::StaffRole(want), Caller::Staff { role, .. }) => {
            if *role == want {
                Allow
            } else {
                Deny
            }
        }
        (Permission::StaffRoles(any), Caller::Staff { role, .. }) => {
            if any.contains(role) {
                Allow
            } else {
                Deny
            }
        }
        _ => SignIn,
    }
}

/// A unit may manage a person (单位从属用户管理) only when the person chose
/// that very unit.
pub fn unit_manages_member(unit_id: i64, member_unit_id: Option<i64>) -> bool {
    member_unit_id == Some(unit_id)
}

/// A unit decides on a member only while the request is pending, and
/// re-decides an earlier decision when it changes its mind.
pub fn unit_may_decide_member(m: Membership) -> bool {
    matches!(
        m,
        Membership::Pending | Membership::Approved | Membership::Rejected
    )
}

/// What an applicant's right to apply stands on, read afresh from the
/// store at the moment the applicant acts (start, save, submit): a right
/// withdrawn since login, or since the draft was made, no longer acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplicantStanding {
    /// The person's membership of their current unit.
    pub membership: Membership,
    /// Locked by that unit (单位从属用户管理 → 锁定).
    pub locked: bool,
    /// The person's current 所在单位.
    pub unit_id: Option<i64>,
    /// Whether that unit's registration state opens the project platform.
    pub unit_open: bool,
}

/// Why an applicant may not act now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicantBar {
    /// The draft was made under another unit than the person's current one.
    UnitChanged,
    /// The person's unit locked them.
    Locked,
    /// The membership is not (or no longer) approved.
    NotApproved,
    /// The unit's registration state does not open the platform.
    UnitClosed,
}

impl ApplicantBar {
    /// The refusal the applicant reads.
    pub fn message(self) -> &'static str {
        match self {
            ApplicantBar::UnitChanged => "您的所在单位已变更，此申报书属于原单位，不能再修改或提交",
            ApplicantBar::Locked => "您已被所在单位锁定，不能继续申报",
            ApplicantBar::NotApproved => "只有所在单位审核通过（且未被锁定）的用户才能申报项目",
            ApplicantBar::UnitClosed => "所在单位账号尚未开通，不能申报",
        }
    }
}

/// The one check every applicant use case makes before it acts: the person
/// is an approved, unlocked member of an open unit, and, for an existing
/// application (`application_unit`), that unit is still the person's own,
/// so a draft made under a former unit never reaches its queue.
pub fn applicant_may_act(
    s: &ApplicantStanding,
    application_unit: Option<i64>,
) -> Result<(), ApplicantBar> {
    if let Some(owner) = application_unit
        && s.unit_id != Some(owner)
    {
        return Err(ApplicantBar::UnitChanged);
    }
    if s.unit_id.is_none() || s.membership != Membership::Approved {
        return Err(ApplicantBar::NotApproved);
    }
    if s.locked {
        return Err(ApplicantBar::Locked);
    }
    if !s.unit_open {
        return Err(ApplicantBar::UnitClosed);
    }
    Ok(())
}

/// Who may download a stored file: its owner, the unit a member applied to
/// (for the member's proofs), and account reviewers (for unit certificates).
pub fn may_read_file(
    caller: &Caller,
    caller_id: i64,
    owner: (AccountKind, i64),
    owner_unit: Option<i64>,
) -> bool {
    match caller {
        Caller::Anonymous => false,
        Caller::Person { .. } => owner == (AccountKind::Person, caller_id),
        Caller::Unit { .. } => {
            owner == (AccountKind::Unit, caller_id)
                || (owner.0 == AccountKind::Person && owner_unit == Some(caller_id))
        }
        Caller::Staff { role, .. } => {
            *role == StaffRole::AccountReviewer && owner.0 == AccountKind::Unit
        }
    }
}

/// Whether the authority's staff may see an application: once its unit
/// recommended it (and afterwards), or when it came back to the applicant
/// after a submission; never a draft.
pub fn authority_sees_application(state: ApplicationState, was_submitted: bool) -> bool {
    match state {
        ApplicationState::Recommended | ApplicationState::Accepted => true,
        ApplicationState::Returned => was_submitted,
        ApplicationState::Draft | ApplicationState::Submitted => false,
    }
}

/// Whether reading a document is reading "someone else's" document, which
/// the audit log records.
pub fn is_foreign_read(
    caller_kind: AccountKind,
    caller_id: i64,
    owner: (AccountKind, i64),
) -> bool {
    owner != (caller_kind, caller_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: Caller = Caller::Person {
        must_change_password: false,
        acting: None,
    };

    fn delegate(unit_state: UnitState, services: &[Service]) -> Caller {
        Caller::Person {
            must_change_password: false,
            acting: Some(Acting {
                unit_state,
                services: crate::identity::delegation::Services::of(services),
            }),
        }
    }

    #[test]
    fn a_delegate_holds_only_the_services_granted_and_never_the_unit_itself() {
        use Permission::*;
        let d = delegate(UnitState::Opened, &[Service::Apply, Service::Projects]);
        assert_eq!(decide(UnitService(Service::Projects), &d), Decision::Allow);
        assert_eq!(decide(UnitService(Service::Members), &d), Decision::Deny);
        assert_eq!(decide(Person, &d), Decision::Allow);
        // 用户授权管理, 修改法人信息 and the platform stay the unit's own.
        assert_eq!(decide(Unit, &d), Decision::SignIn);
        assert_eq!(decide(UnitPlatform, &d), Decision::SignIn);
        // Not acting (or no longer: revoked, expired): no unit service.
        assert_eq!(
            decide(UnitService(Service::Projects), &PERSON),
            Decision::Deny
        );
        // A unit not yet open lends no service either.
        let closed = delegate(UnitState::PendingInitial, &[Service::Projects]);
        assert_eq!(
            decide(UnitService(Service::Projects), &closed),
            Decision::Deny
        );
        let unit = Caller::Unit {
            state: UnitState::Opened,
            must_change_password: false,
        };
        assert_eq!(
            decide(UnitService(Service::Members), &unit),
            Decision::Allow
        );
    }

    #[test]
    fn a_one_time_password_must_be_changed_first() {
        let person = Caller::Person {
            must_change_password: true,
            acting: None,
        };
        assert_eq!(
            decide(Permission::Person, &person),
            Decision::ChangePassword
        );
        assert_eq!(decide(Permission::SignedIn, &person), Decision::Allow);
        let unit = Caller::Unit {
            state: UnitState::Opened,
            must_change_password: true,
        };
        assert_eq!(
            decide(Permission::UnitPlatform, &unit),
            Decision::ChangePassword
        );
        assert_eq!(decide(Permission::Person, &PERSON), Decision::Allow);
    }

    fn staff(role: StaffRole) -> Caller {
        Caller::Staff {
            role,
            must_change_password: false,
        }
    }

    #[test]
    fn anonymous_must_sign_in() {
        assert_eq!(
            decide(Permission::Person, &Caller::Anonymous),
            Decision::SignIn
        );
        assert_eq!(
            decide(Permission::Public, &Caller::Anonymous),
            Decision::Allow
        );
    }

    #[test]
    fn unit_platform_waits_for_initial_review() {
        let pending = Caller::Unit {
            state: UnitState::PendingInitial,
            must_change_password: false,
        };
        let opened = Caller::Unit {
            state: UnitState::Opened,
            must_change_password: false,
        };
        assert_eq!(decide(Permission::UnitPlatform, &pending), Decision::Deny);
        assert_eq!(decide(Permission::UnitPlatform, &opened), Decision::Allow);
        assert_eq!(decide(Permission::Unit, &pending), Decision::Allow);
    }

    #[test]
    fn three_administrators_are_separated() {
        let sys = Permission::StaffRole(StaffRole::SystemAdmin);
        let audit = Permission::StaffRole(StaffRole::AuditAdmin);
        assert_eq!(decide(sys, &staff(StaffRole::SystemAdmin)), Decision::Allow);
        assert_eq!(decide(sys, &staff(StaffRole::AuditAdmin)), Decision::Deny);
        assert_eq!(
            decide(audit, &staff(StaffRole::SystemAdmin)),
            Decision::Deny
        );
        assert_eq!(
            decide(audit, &staff(StaffRole::SecurityAdmin)),
            Decision::Deny
        );
        assert_eq!(decide(sys, &PERSON), Decision::SignIn);
    }

    #[test]
    fn the_outbox_is_read_by_the_reviewer_and_the_security_admin_only() {
        let outbox = Permission::StaffRoles(OUTBOX_READERS);
        for (role, want) in [
            (StaffRole::AccountReviewer, Decision::Allow),
            (StaffRole::SecurityAdmin, Decision::Allow),
            (StaffRole::SystemAdmin, Decision::Deny),
            (StaffRole::AuditAdmin, Decision::Deny),
            (StaffRole::ProgramManager, Decision::Deny),
        ] {
            assert_eq!(decide(outbox, &staff(role)), want, "{role:?}");
        }
        assert_eq!(decide(outbox, &PERSON), Decision::SignIn);
        assert_eq!(decide(outbox, &Caller::Anonymous), Decision::SignIn);
    }

    #[test]
    fn first_login_password_change_comes_first() {
        let c = Caller::Staff {
            role: StaffRole::SystemAdmin,
            must_change_password: true,
        };
        assert_eq!(
            decide(Permission::StaffRole(StaffRole::SystemAdmin), &c),
            Decision::ChangePassword
        );
        // The console's home too: first login lands on the password change.
        assert_eq!(decide(Permission::Staff, &c), Decision::ChangePassword);
        assert_eq!(decide(Permission::SignedIn, &c), Decision::Allow);
    }

    #[test]
    fn files_are_read_by_owner_unit_and_reviewers() {
        let person = (AccountKind::Person, 7);
        assert!(may_read_file(&PERSON, 7, person, None));
        assert!(!may_read_file(&PERSON, 8, person, None));
        let unit = Caller::Unit {
            state: UnitState::Complete,
            must_change_password: false,
        };
        assert!(may_read_file(&unit, 3, person, Some(3)));
        assert!(!may_read_file(&unit, 4, person, Some(3)));
        assert!(may_read_file(
            &staff(StaffRole::AccountReviewer),
            1,
            (AccountKind::Unit, 3),
            None
        ));
        assert!(!may_read_file(
            &staff(StaffRole::AuditAdmin),
            1,
            (AccountKind::Unit, 3),
            None
        ));
        assert!(!may_read_file(
            &staff(StaffRole::AccountReviewer),
            1,
            person,
            None
        ));
    }

    #[test]
    fn staff_see_applications_from_recommendation_on() {
        use ApplicationState::*;
        assert!(!authority_sees_application(Draft, false));
        assert!(!authority_sees_application(Submitted, true));
        assert!(authority_sees_application(Recommended, true));
        assert!(authority_sees_application(Accepted, true));
        assert!(authority_sees_application(Returned, true));
        assert!(!authority_sees_application(Returned, false));
    }

    #[test]
    fn withdrawn_rights_no_longer_act() {
        let ok = ApplicantStanding {
            membership: Membership::Approved,
            locked: false,
            unit_id: Some(3),
            unit_open: true,
        };
        assert_eq!(applicant_may_act(&ok, None), Ok(()));
        assert_eq!(applicant_may_act(&ok, Some(3)), Ok(()));
        assert_eq!(
            applicant_may_act(&ok, Some(4)),
            Err(ApplicantBar::UnitChanged)
        );
        let locked = ApplicantStanding { locked: true, ..ok };
        assert_eq!(
            applicant_may_act(&locked, Some(3)),
            Err(ApplicantBar::Locked)
        );
        let pending = ApplicantStanding {
            membership: Membership::Pending,
            ..ok
        };
        assert_eq!(
            applicant_may_act(&pending, None),
            Err(ApplicantBar::NotApproved)
        );
        let moved = ApplicantStanding {
            membership: Membership::Pending,
            unit_id: Some(4),
            ..ok
        };
        assert_eq!(
            applicant_may_act(&moved, Some(3)),
            Err(ApplicantBar::UnitChanged)
        );
        let closed = ApplicantStanding {
            unit_open: false,
            ..ok
        };
        assert_eq!(
            applicant_may_act(&closed, Some(3)),
            Err(ApplicantBar::UnitClosed)
        );
        let loner = ApplicantStanding {
            membership: Membership::None,
            unit_id: None,
            unit_open: false,
            ..ok
        };
        assert_eq!(
            applicant_may_act(&loner, None),
            Err(ApplicantBar::NotApproved)
        );
    }

    #[test]
    fn membership_is_per_unit() {
        assert!(unit_manages_member(3, Some(3)));
        assert!(!unit_manages_member(3, Some(4)));
        assert!(!unit_manages_member(3, None));
        assert!(!unit_may_decide_member(Membership::None));
    }
}
