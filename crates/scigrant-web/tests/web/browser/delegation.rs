//! 用户授权管理 (代办) in Chromium: a unit authorises a verified person for
//! 科技项目申报; the person switches to acting for the unit (the header
//! says so), applies, and the application is the unit's; the unit reads
//! the submission in 代办记录; a revocation reaches the person's open
//! session on its next page.

use fantoccini::Locator;
use scigrant_app::grants::applications::save;
use scigrant_app::identity::delegation::{OnBehalf, revoke, unit_delegations};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, funding_call, person_actor, unit_actor, verified_by_review,
};
use scigrant_domain::grants::form::Value;
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::ids::ApplicationId;

use super::start_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_a_unit_authorises_a_person_who_applies_for_it() {
    let s = start_with(Backend::Sqlite, |_| {}).await;
    let app = &s.env.app;
    funding_call(app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(app).await;
    let unit_name = "西藏高原科学研究所1";
    // 次仁, verified by a reviewer (no provider is configured).
    let (person, mobile) = super::registered_person_id(&s.env, 23).await;
    verified_by_review(app, person, "次仁").await;

    // The unit: 用户授权管理 → 授权 次仁 for 科技项目申报.
    s.login("unit", &m.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.click_to("#entry-delegations", "/unit/delegations").await;
    s.click("#grant").await;
    s.wait_text("#e-services", "请至少选择一项授权事项").await;
    s.fill("login", &mobile).await;
    s.click("input[name=services][value=apply]").await;
    s.c.execute(
        "document.querySelector('#f-ends_on').value = '2023-05-31'",
        vec![],
    )
    .await
    .unwrap();
    s.click_to("#grant", "/unit/delegations").await;
    s.wait_text("#delegations td.services", "科技项目申报")
        .await;
    assert_eq!(s.text("#delegations td.ends").await, "2023-05-31");

    // The person: 我的信息 → 法人(单位)授权办理情况 → 代办.
    s.login("person", &mobile, PASSWORD).await;
    s.wait_path("/person").await;
    s.go("/person/info").await;
    assert!(s.text("#my-delegations").await.contains(unit_name));
    s.click("#my-delegations button").await;
    s.wait_text("#acting", &format!("代办：{unit_name}")).await;

    // Applies: the application is the unit's.
    s.go("/person").await;
    assert!(s.text("#acting-apply").await.contains(unit_name));
    s.click_to("#open-calls a.btn", "/calls/").await;
    s.click_to("#apply", "/applications/").await;
    let url = s.c.current_url().await.unwrap();
    let app_id: i64 = url.path().split('/').nth(2).unwrap().parse().unwrap();
    let applicant =
        s.c.find(Locator::Css("[name='f:applicant']"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(applicant.as_deref(), Some(unit_name));
    // The rest of the sample is "typed" through the use case, as the
    // person acting for the unit.
    let d = &unit_delegations(app, m.unit).await.unwrap()[0];
    let acting = scigrant_app::Actor {
        on_behalf: Some(OnBehalf {
            unit_id: m.unit.0,
            unit_name: unit_name.into(),
            delegation_id: d.id,
            services: d.services,
        }),
        ..person_actor(person.0)
    };
    let mut data = sample_fj4();
    data.insert("applicant".into(), Value::Text(unit_name.into()));
    save(app, &acting, person, ApplicationId(app_id), &data)
        .await
        .unwrap();
    s.go(&format!("/applications/{app_id}/edit")).await;
    s.click_to("#submit-application", &format!("/applications/{app_id}"))
        .await;
    assert_eq!(s.text("#app-number").await, "KJFWT2023-01-0001");

    // The unit revokes while the person's session is open: the next page
    // no longer names the unit.
    revoke(app, &unit_actor(m.unit.0), m.unit, d.id)
        .await
        .unwrap();
    s.go("/person").await;
    s.wait_path("/person").await;
    assert!(
        !s.exists("#acting").await,
        "a revoked authorisation still shows in the header"
    );

    // The unit sees the application to recommend, and reads 代办记录.
    s.login("unit", &m.uscc, PASSWORD).await;
    s.wait_path("/unit").await;
    s.go("/unit/applications").await;
    assert!(s.text("#unit-applications").await.contains("次仁"));
    s.go("/unit/delegations/log").await;
    let log = s.text("#delegated-actions").await;
    for v in ["次仁", "提交申报书", "创建申报书", "开始代办"] {
        assert!(log.contains(v), "{v} missing from {log}");
    }
    s.go("/unit/delegations").await;
    assert_eq!(s.text("#delegations td.standing").await, "已撤销");
    s.done().await;
}
