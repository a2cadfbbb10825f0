//! 用户授权管理 (代办, issue 13 #5): a unit authorises a real-name verified
//! person for named services until an end date; the person switches to
//! acting for the unit, applies and manages members in its name, and the
//! unit reads what was done; a revocation or the end date stops an open
//! session on its next request. Each test runs on SQLite and PostgreSQL.

use scigrant_app::AppError;
use scigrant_app::grants::applications::{recommend, start, submit};
use scigrant_app::identity::auth::{LoginTab, SessionInfo, authenticate};
use scigrant_app::identity::delegation::{
    GrantForm, act_for, change, grant, revoke, unit_actions, unit_delegations,
};
use scigrant_app::identity::members::lock_member;
use scigrant_app::notify::recent;
use scigrant_app::testing::{
    ApprovedMember, TestEnv, audit_count, funding_call, id_number, phone, unit_actor,
    verified_by_review,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::identity::delegation::{Service, Standing};
use scigrant_domain::ids::PersonId;
use scigrant_domain::permission::{Decision, Permission, decide};

use super::{new_person, refusal_of, try_login};

/// Person `n`, registered, named 李四 and verified by a reviewer (no
/// provider is configured, so 保存 queues a manual review).
async fn verified_person(env: &TestEnv, n: u32) -> PersonId {
    let p = new_person(env, n).await;
    verified_by_review(&env.app, p, "李四").await;
    p
}

/// The session of person `n`, freshly read as a request would.
async fn session_of(env: &TestEnv, token: &str) -> SessionInfo {
    authenticate(&env.app, token).await.unwrap().unwrap()
}

async fn person_token(env: &TestEnv, n: u32) -> String {
    try_login(
        env,
        LoginTab::Person,
        &phone(50_000 + n),
        scigrant_app::testing::PASSWORD,
    )
    .await
    .unwrap()
    .token
}

fn form(login: &str, services: &[Service], ends_on: &str) -> GrantForm {
    GrantForm {
        login: login.into(),
        services: services.iter().map(|s| s.code().to_string()).collect(),
        ends_on: ends_on.into(),
        ..GrantForm::default()
    }
}

fn field_errors(r: Result<i64, AppError>) -> scigrant_app::FieldErrors {
    match r {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn a_unit_authorises_a_verified_person_who_applies_and_manages_members_for_it(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let ua = unit_actor(m.unit.0);
    let unverified = new_person(&env, 6).await;
    let delegate = verified_person(&env, 5).await;
    let today = "2023-04-20";

    // Refusals, each beside its field; nothing is granted.
    let e = field_errors(
        grant(
            &env.app,
            &ua,
            m.unit,
            &form(&phone(50_006), &[Service::Apply], today),
        )
        .await,
    );
    assert_eq!(
        e.get("login"),
        Some("该用户尚未通过实名认证（未认证），不能授权")
    );
    let e = field_errors(
        grant(
            &env.app,
            &ua,
            m.unit,
            &form(&phone(50_005), &[], "2023-04-19"),
        )
        .await,
    );
    assert_eq!(e.get("services"), Some("请至少选择一项授权事项"));
    assert_eq!(e.get("ends_on"), Some("授权截止日期不能早于今天"));
    let e = field_errors(grant(&env.app, &ua, m.unit, &form("", &[Service::Apply], today)).await);
    assert_eq!(
        e.get("login"),
        Some("请填写被授权人的登录名，或证件号码和姓名")
    );
    let by_doc = |name: &str| GrantForm {
        doc_no: id_number(5),
        name: name.into(),
        services: vec!["apply".into(), "members".into()],
        ends_on: today.into(),
        ..GrantForm::default()
    };
    let e = field_errors(grant(&env.app, &ua, m.unit, &by_doc("王五")).await);
    assert_eq!(
        e.get("doc_no"),
        Some("未找到该自然人用户，请核对后重新输入")
    );
    assert!(unit_delegations(&env.app, m.unit).await.unwrap().is_empty());
    let _ = unverified;

    // 证件号码 + 姓名 finds the verified person; a second grant is refused.
    let id = grant(&env.app, &ua, m.unit, &by_doc("李四")).await.unwrap();
    let again = grant(
        &env.app,
        &ua,
        m.unit,
        &form(&phone(50_005), &[Service::Projects], today),
    )
    .await;
    assert_eq!(refusal_of(again), "已授权李四代办，请在授权列表中修改");
    let list = unit_delegations(&env.app, m.unit).await.unwrap();
    assert_eq!(
        (
            list.len(),
            list[0].person_name.as_str(),
            list[0].services_label.as_str(),
            list[0].ends_on.as_str(),
            list[0].standing
        ),
        (
            1,
            "李四",
            "科技项目申报、单位从属用户管理",
            "2023-04-20",
            Standing::Active
        )
    );
    let sms = recent(&env.app, 1).await.unwrap().remove(0).body;
    assert_eq!(
        sms,
        "“西藏高原科学研究所1”授权您代办：科技项目申报、单位从属用户管理，截止2023-04-20。登录后在“我的信息—法人(单位)授权办理情况”中选择代办。"
    );

    // The person switches to acting for the unit: the next request carries it.
    let token = person_token(&env, 5).await;
    let own = session_of(&env, &token).await;
    assert!(own.acting.is_none());
    act_for(&env.app, &own.actor("127.0.0.1", "t"), &own, id)
        .await
        .unwrap();
    let s = session_of(&env, &token).await;
    assert_eq!(
        s.acting.as_ref().map(|a| a.unit_name.as_str()),
        Some("西藏高原科学研究所1")
    );
    assert_eq!(s.unit(), Some(m.unit));
    assert_eq!(s.person(), Some(delegate));
    assert_eq!(
        decide(Permission::UnitService(Service::Members), &s.caller),
        Decision::Allow
    );
    assert_eq!(
        decide(Permission::UnitService(Service::Projects), &s.caller),
        Decision::Deny
    );
    assert_eq!(decide(Permission::Unit, &s.caller), Decision::SignIn);
    let actor = s.actor("127.0.0.1", "t");
    assert_eq!(actor.label, "李四（代办：西藏高原科学研究所1）");

    // 科技项目申报 in the unit's name: the unit recommends what was submitted.
    let app_id = start(&env.app, &actor, delegate, call).await.unwrap();
    submit(&env.app, &actor, delegate, app_id, &sample_fj4())
        .await
        .unwrap();
    recommend(&env.app, &ua, m.unit, app_id, &[true, true, true])
        .await
        .unwrap();
    // 单位从属用户管理 in the unit's name.
    lock_member(&env.app, &actor, m.unit, m.person, true)
        .await
        .unwrap();

    // The unit reads what was done in its name, with the person's name.
    let log = unit_actions(&env.app, m.unit, 1, 20).await.unwrap();
    let actions: Vec<&str> = log.rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["锁定单位成员", "提交申报书", "创建申报书", "开始代办"]
    );
    assert!(log.rows.iter().all(|r| r.person_name == "李四"));
    assert_eq!(audit_count(&env.app, "delegation.").await, 2);

    // 修改: only 项目管理 now; the next request sees it.
    change(
        &env.app,
        &ua,
        m.unit,
        id,
        &["projects".into()],
        "2023-05-31",
    )
    .await
    .unwrap();
    let s = session_of(&env, &token).await;
    assert_eq!(
        decide(Permission::UnitService(Service::Members), &s.caller),
        Decision::Deny
    );
    assert_eq!(
        decide(Permission::UnitService(Service::Projects), &s.caller),
        Decision::Allow
    );
    let r = start(&env.app, &s.actor("127.0.0.1", "t"), delegate, call).await;
    assert_eq!(
        refusal_of(r),
        "“西藏高原科学研究所1”未授权您代办科技项目申报；请退出代办后以本人身份申报"
    );

    // 撤销 ends it in the open session, on the very next request.
    revoke(&env.app, &ua, m.unit, id).await.unwrap();
    let r = start(&env.app, &actor, delegate, call).await;
    assert_eq!(
        refusal_of(r),
        "您对“西藏高原科学研究所1”的代办授权已撤销或已过期"
    );
    let s = session_of(&env, &token).await;
    assert!(s.acting.is_none());
    assert_eq!(s.unit(), None);
    assert_eq!(
        decide(Permission::UnitService(Service::Projects), &s.caller),
        Decision::Deny
    );
    let r = act_for(&env.app, &s.actor("127.0.0.1", "t"), &s, id).await;
    assert_eq!(
        refusal_of(r),
        "该授权已撤销或已过期，或该单位账号尚未开通，不能代办"
    );
    let sms = recent(&env.app, 1).await.unwrap().remove(0).body;
    assert_eq!(sms, "“西藏高原科学研究所1”已撤销对您的代办授权。");
    assert_eq!(audit_count(&env.app, "delegation.").await, 4);
}
both!(a_unit_authorises_a_verified_person_who_applies_and_manages_members_for_it);

async fn an_authorisation_ends_with_its_last_day_even_in_an_open_session(env: TestEnv) {
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let ua = unit_actor(m.unit.0);
    verified_person(&env, 5).await;
    let id = grant(
        &env.app,
        &ua,
        m.unit,
        &form(&phone(50_005), &[Service::Projects], "2023-04-20"),
    )
    .await
    .unwrap();
    // T0 is 2023-04-20 10:00 CST: sign in at 23:59, an open session at
    // 23:59:59 still acts, one second later (midnight) no longer.
    env.clock.advance_ms(14 * 3_600_000 - 60_000);
    let token = person_token(&env, 5).await;
    let own = session_of(&env, &token).await;
    act_for(&env.app, &own.actor("127.0.0.1", "t"), &own, id)
        .await
        .unwrap();
    env.clock.advance_ms(59_000);
    assert!(session_of(&env, &token).await.acting.is_some());
    env.clock.advance_ms(1000);
    let s = session_of(&env, &token).await;
    assert!(s.acting.is_none());
    assert_eq!(
        decide(Permission::UnitService(Service::Projects), &s.caller),
        Decision::Deny
    );
    let list = unit_delegations(&env.app, m.unit).await.unwrap();
    assert_eq!(list[0].standing, Standing::Expired);
}
both!(an_authorisation_ends_with_its_last_day_even_in_an_open_session);
