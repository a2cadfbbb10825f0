//! 供应商注册 in Chromium, at a deployment with the CAST doors: 同意 →
//! 检索 → “该单位已存在，建议注册为普通用户” → 注册为普通用户 → login as xm +
//! 手机号 → apply at once; the unit (单位管理员) then gives the project to
//! another of its users (变更经办人).

use scigrant_app::grants::applications::save;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, funding_call, id_number, person_actor, phone, uscc,
};
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::ids::ApplicationId;

use super::start_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_supplier_registers_a_normal_user_who_applies_and_the_unit_changes_the_handler() {
    let s = start_with(Backend::Sqlite, |c| c.account_doors = "cast".into()).await;
    let app = &s.env.app;
    funding_call(app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(app).await;

    // 供应商注册 → 同意 → 检索 by 统一社会信用代码.
    s.go("/login?tab=register").await;
    s.click_to("#supplier-register", "/register/supplier").await;
    s.click_to("#supplier-agree", "/register/supplier?agreed=1")
        .await;
    s.fill("key", &uscc(1)).await;
    s.fill("captcha", "TEST").await;
    s.click("#supplier-search").await;
    s.wait_text("#supplier-text", "该单位已存在，建议注册为普通用户")
        .await;
    assert_eq!(s.text("#supplier-unit").await, "西藏高原科学研究所1");
    assert!(
        s.text("#supplier-answer")
            .await
            .contains("仍要注册为单位管理员")
    );

    // 注册为普通用户, then login with the xm name it was given.
    s.click_to("#register-normal", "/register/supplier/normal")
        .await;
    assert!(s.text("#supplier-unit").await.contains(&uscc(1)));
    let mobile = phone(331);
    s.fill("doc_no", &id_number(31)).await;
    s.fill("name", "次仁").await;
    s.fill("email", "ciren@example.cn").await;
    s.pick_lhasa().await;
    s.click("input[name=gender][value='男']").await;
    s.fill("password", PASSWORD).await;
    s.fill("password_confirm", PASSWORD).await;
    s.fill("phone", &mobile).await;
    s.fill("captcha", "TEST").await;
    s.click("input[name=agreed]").await;
    s.submit().await;
    s.wait_path("/login?tab=person&ok=registered_normal").await;
    let login = format!("xm{mobile}");
    let typed =
        s.c.find(fantoccini::Locator::Css("#f-login"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(typed.as_deref(), Some(login.as_str()));
    s.fill("password", PASSWORD).await;
    s.fill("captcha", "TEST").await;
    s.submit().await;
    s.wait_path("/person").await;

    // Applies at once: no review by the unit.
    s.click_to("#open-calls a.btn", "/calls/").await;
    s.click_to("#apply", "/applications/").await;
    let url = s.c.current_url().await.unwrap();
    let app_id: i64 = url.path().split('/').nth(2).unwrap().parse().unwrap();
    // The rest of the sample is "typed" through the use case.
    let cookie = s.c.get_named_cookie("sg_session").await.unwrap();
    let me = scigrant_app::identity::auth::authenticate(app, cookie.value())
        .await
        .unwrap()
        .unwrap();
    // The person behind this browser's session.
    let p = me.person().unwrap();
    save(
        app,
        &person_actor(p.0),
        p,
        ApplicationId(app_id),
        &sample_fj4(),
    )
    .await
    .unwrap();
    s.go(&format!("/applications/{app_id}/edit")).await;
    s.click_to("#submit-application", &format!("/applications/{app_id}"))
        .await;
    assert_eq!(s.text("#app-number").await, "KJFWT2023-01-0001");

    // The unit gives the project to its member 张三.
    s.login("unit", &m.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.go(&format!("/applications/{app_id}")).await;
    assert_eq!(s.text("#handler-now").await, "次仁");
    s.fill("handler", "13900000000").await;
    s.click("#change-handler").await;
    s.wait_text(
        "#decide-error",
        "未找到本单位审核通过的该用户，请核对登录名或手机号",
    )
    .await;
    s.fill("handler", &m.phone).await;
    s.click_to(
        "#change-handler",
        &format!("/applications/{app_id}?ok=handler_changed"),
    )
    .await;
    assert_eq!(s.text("#handler-now").await, "张三");
    assert!(
        s.text("#events")
            .await
            .contains("变更项目经办人：次仁 → 张三")
    );
    s.done().await;
}
