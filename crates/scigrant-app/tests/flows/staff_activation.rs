//! Issue 7, finding 6: the 系统管理员 must not be able to become another
//! staff member. A new staff account is activated by its member with a
//! one-time code sent by SMS to the member's own mobile; changes to the
//! 审计管理员 and 安全管理员 accounts are raised to the auditor. Each test
//! runs on SQLite and on PostgreSQL.

use scigrant_app::AppError;
use scigrant_app::admin::audit::privileged_staff_changes;
use scigrant_app::admin::staff::{
    ACTIVATION_REFUSED, ACTIVATION_TTL_MS, Activation, StaffInvite, activate_staff, invite_staff,
    update_staff,
};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::notify::recent;
use scigrant_app::testing::{PASSWORD, TestEnv, phone, staff_actor, staff_with_password, visitor};
use scigrant_domain::identity::account::StaffRole;
use scigrant_store::identity::activation;

use super::{refusal_of, try_login};

const NEW_PASSWORD: &str = "Shadow#Kj2026x";

/// The 系统管理员 who creates the accounts in these tests.
async fn sysadmin(env: &TestEnv) -> scigrant_app::Actor {
    let id = staff_with_password(
        &env.app,
        "sa_one",
        "系统管理员",
        StaffRole::SystemAdmin,
        PASSWORD,
    )
    .await;
    staff_actor(id)
}

fn invite(login: &str, role: StaffRole, n: u32) -> StaffInvite {
    StaffInvite {
        login: login.into(),
        name: "新同事".into(),
        role: role.code().into(),
        mobile: phone(n),
    }
}

/// The activation code in the newest SMS of the outbox.
async fn code_in_outbox(env: &TestEnv) -> String {
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    let at = sms.body.find("激活码：").expect("the SMS carries the code") + "激活码：".len();
    let code: String = sms.body[at..].chars().take(10).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{}", sms.body);
    code
}

/// The account list's activation state of `login` (None: activated or
/// never invited).
async fn activation_state(env: &TestEnv, login: &str) -> Option<bool> {
    scigrant_app::admin::staff::list_staff(&env.app)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.login == login)
        .expect("the account is listed")
        .activation_open
}

fn activation_of(login: &str, code: &str) -> Activation {
    Activation {
        login: login.into(),
        code: code.into(),
        password: NEW_PASSWORD.into(),
        confirm: NEW_PASSWORD.into(),
    }
}

async fn creation_sends_a_code_and_stores_no_usable_password(env: TestEnv) {
    let admin = sysadmin(&env).await;
    let id = invite_staff(
        &env.app,
        &admin,
        &invite("shadow", StaffRole::AuditAdmin, 71),
    )
    .await
    .unwrap();
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(sms.channel, scigrant_app::notify::Channel::Sms);
    assert_eq!(sms.recipient_masked, "139****0071");
    let code = code_in_outbox(&env).await;
    // The code is stored only hashed.
    let mut c = env.app.db.read().await.unwrap();
    let row = activation::get(&mut c, id.0).await.unwrap().unwrap();
    drop(c);
    assert!(!row.code_hash.contains(&code));
    assert_eq!(row.expires_at - row.created_at, 72 * 3600 * 1000);
    // The creator cannot sign in as the new account: with no password, the
    // creator's own, or the code.
    for guess in ["", PASSWORD, NEW_PASSWORD, code.as_str()] {
        assert!(
            try_login(&env, LoginTab::Staff, "shadow", guess)
                .await
                .is_err()
        );
    }
}
both!(creation_sends_a_code_and_stores_no_usable_password);

async fn the_code_activates_once(env: TestEnv) {
    let admin = sysadmin(&env).await;
    let id = invite_staff(
        &env.app,
        &admin,
        &invite("li_sec", StaffRole::SecurityAdmin, 72),
    )
    .await
    .unwrap();
    let code = code_in_outbox(&env).await;
    assert_eq!(activation_state(&env, "li_sec").await, Some(true));
    // The password policy applies and both entries must match.
    let mut weak = activation_of("li_sec", &code);
    weak.password = "123456".into();
    weak.confirm = "123456".into();
    assert!(matches!(
        activate_staff(&env.app, &visitor(), &weak).await,
        Err(AppError::Validation(_))
    ));
    let activated = activate_staff(&env.app, &visitor(), &activation_of("li_sec", &code))
        .await
        .unwrap();
    assert_eq!(activated, id);
    assert_eq!(activation_state(&env, "li_sec").await, None);
    let s = try_login(&env, LoginTab::Staff, "li_sec", NEW_PASSWORD)
        .await
        .unwrap();
    let info = scigrant_app::identity::auth::authenticate(&env.app, &s.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.account_id, id.0);
    // The code does not work a second time.
    let mut again = activation_of("li_sec", &code);
    again.password = "Another#Kj2026y".into();
    again.confirm = "Another#Kj2026y".into();
    assert_eq!(
        refusal_of(activate_staff(&env.app, &visitor(), &again).await),
        ACTIVATION_REFUSED
    );
    assert!(
        try_login(&env, LoginTab::Staff, "li_sec", "Another#Kj2026y")
            .await
            .is_err()
    );
    assert_eq!(super::audit_count_of(&env, "staff.activate").await, 1);
}
both!(the_code_activates_once);

async fn wrong_and_expired_codes_are_refused(env: TestEnv) {
    let admin = sysadmin(&env).await;
    invite_staff(
        &env.app,
        &admin,
        &invite("wang_rev", StaffRole::AccountReviewer, 73),
    )
    .await
    .unwrap();
    let code = code_in_outbox(&env).await;
    let wrong = if code == "0000000000" {
        "1111111111"
    } else {
        "0000000000"
    };
    assert_eq!(
        refusal_of(activate_staff(&env.app, &visitor(), &activation_of("wang_rev", wrong)).await),
        ACTIVATION_REFUSED
    );
    // Unknown login: the same refusal.
    assert_eq!(
        refusal_of(activate_staff(&env.app, &visitor(), &activation_of("nobody_x", &code)).await),
        ACTIVATION_REFUSED
    );
    // One second past 72 hours the right code no longer works.
    env.clock.advance_ms(ACTIVATION_TTL_MS + 1000);
    assert_eq!(activation_state(&env, "wang_rev").await, Some(false));
    assert_eq!(
        refusal_of(activate_staff(&env.app, &visitor(), &activation_of("wang_rev", &code)).await),
        ACTIVATION_REFUSED
    );
    assert!(
        try_login(&env, LoginTab::Staff, "wang_rev", NEW_PASSWORD)
            .await
            .is_err()
    );
}
both!(wrong_and_expired_codes_are_refused);

async fn five_wrong_codes_burn_the_code(env: TestEnv) {
    let admin = sysadmin(&env).await;
    invite_staff(
        &env.app,
        &admin,
        &invite("zhao_rev", StaffRole::AccountReviewer, 74),
    )
    .await
    .unwrap();
    let code = code_in_outbox(&env).await;
    let wrong = if code == "0000000000" {
        "1111111111"
    } else {
        "0000000000"
    };
    for _ in 0..5 {
        assert_eq!(
            refusal_of(
                activate_staff(&env.app, &visitor(), &activation_of("zhao_rev", wrong)).await
            ),
            ACTIVATION_REFUSED
        );
    }
    assert_eq!(
        refusal_of(activate_staff(&env.app, &visitor(), &activation_of("zhao_rev", &code)).await),
        ACTIVATION_REFUSED
    );
}
both!(five_wrong_codes_burn_the_code);

async fn changes_to_auditor_and_security_accounts_reach_the_auditor(env: TestEnv) {
    let admin = sysadmin(&env).await;
    let real = staff_with_password(
        &env.app,
        "real_aud",
        "审计员",
        StaffRole::AuditAdmin,
        PASSWORD,
    )
    .await;
    let shadow = invite_staff(
        &env.app,
        &admin,
        &invite("shadow", StaffRole::AuditAdmin, 75),
    )
    .await
    .unwrap();
    // A reviewer account is not raised.
    invite_staff(
        &env.app,
        &admin,
        &invite("rev_one", StaffRole::AccountReviewer, 76),
    )
    .await
    .unwrap();
    update_staff(
        &env.app,
        &admin,
        scigrant_domain::ids::StaffId(real),
        "auditor",
        true,
    )
    .await
    .unwrap();
    let seen = privileged_staff_changes(&env.app).await.unwrap();
    let rows: Vec<(String, Option<i64>, String)> = seen
        .iter()
        .map(|e| (e.action.clone(), e.target_id, e.detail.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "staff.privileged".to_string(),
                Some(real),
                "real_aud 由审计管理员改为审计管理员，已停用".to_string()
            ),
            (
                "staff.privileged".to_string(),
                Some(shadow.0),
                "新增审计管理员账号 shadow".to_string()
            ),
            (
                "staff.privileged".to_string(),
                Some(real),
                "新增审计管理员账号 real_aud".to_string()
            ),
        ]
    );
}
both!(changes_to_auditor_and_security_accounts_reach_the_auditor);
