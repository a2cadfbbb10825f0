//! 供应商注册 (issue 13 #6, 附件6): 检索 by 统一社会信用代码 or 单位全称 with
//! the seed's two answers; 注册为普通用户 binds the person to the unit at
//! once (login xm + 手机号), who applies without review and sees only the
//! projects whose 经办人 they are; the unit changes a project's 经办人, adds
//! unbound or rejected accounts as its users and removes users.
//! Each test runs on SQLite and PostgreSQL.

use scigrant_app::AppError;
use scigrant_app::grants::applications::{change_handler, of_person, start, submit};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::members::decide_member;
use scigrant_app::identity::subaccounts::{add_user, remove_user};
use scigrant_app::identity::supplier::{
    SupplierSearch, SupplierUnit, UNIT_MISSING, register_normal_user, search_supplier,
};
use scigrant_app::testing::{
    ApprovedMember, PASSWORD, TestEnv, audit_count, funding_call, person_actor, person_form, phone,
    unit_actor, uscc, visitor,
};
use scigrant_domain::grants::form::samples::sample_fj4;

use super::{new_captcha, refusal_of, try_login};

async fn search(env: &TestEnv, key: &str) -> Result<SupplierUnit, AppError> {
    let f = SupplierSearch {
        key: key.into(),
        captcha_id: new_captcha(env).await,
        captcha: "TEST".into(),
    };
    search_supplier(&env.app, &visitor(), &f).await
}

fn handler_error(r: Result<(), AppError>) -> String {
    match r {
        Err(AppError::Validation(e)) => e.get("handler").unwrap_or_default().to_string(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn a_normal_user_registers_into_an_existing_unit_and_applies_at_once(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    // Not registered: only 注册为单位管理员, with what was typed.
    assert_eq!(
        search(&env, &uscc(1)).await.unwrap(),
        SupplierUnit::Missing {
            name: String::new(),
            uscc: uscc(1)
        }
    );
    assert_eq!(
        search(&env, "西藏高原科学研究所1").await.unwrap(),
        SupplierUnit::Missing {
            name: "西藏高原科学研究所1".into(),
            uscc: String::new()
        }
    );
    let wrong = SupplierSearch {
        key: uscc(1),
        captcha_id: new_captcha(&env).await,
        captcha: "NOPE".into(),
    };
    assert!(matches!(
        search_supplier(&env.app, &visitor(), &wrong).await,
        Err(AppError::Validation(e)) if e.get("captcha").is_some()
    ));
    let normal = person_form(7, new_captcha(&env).await);
    let r = register_normal_user(&env.app, &visitor(), &uscc(1), &normal).await;
    assert_eq!(refusal_of(r), UNIT_MISSING);

    // Registered (and past 初审): found by either key.
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let exists = SupplierUnit::Exists {
        name: "西藏高原科学研究所1".into(),
        uscc: uscc(1),
    };
    assert_eq!(search(&env, &uscc(1)).await.unwrap(), exists);
    assert_eq!(search(&env, "西藏高原科学研究所1").await.unwrap(), exists);
    assert_eq!(audit_count(&env.app, "supplier.search").await, 4);

    // 注册为普通用户: login xm + 手机号, bound and approved at once.
    let normal = person_form(7, new_captcha(&env).await);
    let (p, login) = register_normal_user(&env.app, &visitor(), &uscc(1), &normal)
        .await
        .unwrap();
    assert_eq!(login, format!("xm{}", phone(50_007)));
    try_login(&env, LoginTab::Person, &login, PASSWORD)
        .await
        .unwrap();
    // It applies at once, without the unit's review.
    let me = person_actor(p.0);
    let a = start(&env.app, &me, p, call).await.unwrap();
    submit(&env.app, &me, p, a, &sample_fj4()).await.unwrap();
    assert_eq!(of_person(&env.app, p).await.unwrap().len(), 1);

    // The unit gives the project to its member: only the new 经办人 sees it.
    let ua = unit_actor(m.unit.0);
    let r = change_handler(&env.app, &ua, m.unit, a, "13900000000").await;
    assert_eq!(
        handler_error(r),
        "未找到本单位审核通过的该用户，请核对登录名或手机号"
    );
    let r = change_handler(&env.app, &ua, m.unit, a, &login).await;
    assert_eq!(handler_error(r), "该用户已是本项目的经办人");
    change_handler(&env.app, &ua, m.unit, a, &m.phone)
        .await
        .unwrap();
    assert!(of_person(&env.app, p).await.unwrap().is_empty());
    let theirs = of_person(&env.app, m.person).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(audit_count(&env.app, "application.handler").await, 1);
    // And back: the normal user holds no other project of the call.
    change_handler(&env.app, &ua, m.unit, a, &login)
        .await
        .unwrap();
    // Another unit cannot touch it.
    let other = ApprovedMember::builder(2).build(&env.app).await;
    let r = change_handler(
        &env.app,
        &unit_actor(other.unit.0),
        other.unit,
        a,
        &other.phone,
    )
    .await;
    assert!(matches!(r, Err(AppError::NotFound)));
}
both!(a_normal_user_registers_into_an_existing_unit_and_applies_at_once);

async fn a_handler_with_an_application_of_their_own_in_the_call_is_refused(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let normal = person_form(7, new_captcha(&env).await);
    let (p, _) = register_normal_user(&env.app, &visitor(), &uscc(1), &normal)
        .await
        .unwrap();
    let a = start(&env.app, &person_actor(p.0), p, call).await.unwrap();
    start(&env.app, &person_actor(m.person.0), m.person, call)
        .await
        .unwrap();
    let r = change_handler(&env.app, &unit_actor(m.unit.0), m.unit, a, &m.phone).await;
    assert_eq!(
        handler_error(r),
        "该用户在本计划类别下已有申报书，不能再作为本项目的经办人"
    );
}
both!(a_handler_with_an_application_of_their_own_in_the_call_is_refused);

async fn the_unit_adds_unbound_or_rejected_accounts_and_removes_its_users(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let ua = unit_actor(m.unit.0);
    let field = |r: Result<_, AppError>| match r {
        Err(AppError::Validation(e)) => e.get("add_login").unwrap_or_default().to_string(),
        other => panic!("expected a field error, got {other:?}"),
    };
    // A registered account never bound to a unit (张三, person 8).
    let p = super::new_person(&env, 8).await;
    let r = add_user(&env.app, &ua, m.unit, &phone(50_008), "李四").await;
    assert_eq!(field(r), "未找到登录名（或手机号）与姓名相符的账号");
    add_user(&env.app, &ua, m.unit, &phone(50_008), "张三")
        .await
        .unwrap();
    start(&env.app, &person_actor(p.0), p, call).await.unwrap();
    assert_eq!(audit_count(&env.app, "member.add").await, 1);
    // Another unit's approved member cannot be taken; a rejected one can.
    let other = ApprovedMember::builder(2).build(&env.app).await;
    let r = add_user(&env.app, &ua, m.unit, &other.phone, "张三").await;
    assert_eq!(
        field(r),
        "该账号已属于某单位；只有未绑定单位或审核被驳回的账号可以添加"
    );
    decide_member(
        &env.app,
        &unit_actor(other.unit.0),
        other.unit,
        other.person,
        Some(false),
        "非本单位职工",
    )
    .await
    .unwrap();
    add_user(&env.app, &ua, m.unit, &other.phone, "张三")
        .await
        .unwrap();

    // 删除: the account stays, no longer the unit's; another unit cannot.
    let r = remove_user(&env.app, &unit_actor(other.unit.0), other.unit, p).await;
    assert!(matches!(r, Err(AppError::NotFound)));
    remove_user(&env.app, &ua, m.unit, p).await.unwrap();
    let r = start(&env.app, &person_actor(p.0), p, call).await;
    assert_eq!(
        refusal_of(r),
        "您的所在单位已变更，此申报书属于原单位，不能再修改或提交"
    );
    try_login(&env, LoginTab::Person, &phone(50_008), PASSWORD)
        .await
        .unwrap();
    assert_eq!(audit_count(&env.app, "member.remove").await, 1);
}
both!(the_unit_adds_unbound_or_rejected_accounts_and_removes_its_users);
