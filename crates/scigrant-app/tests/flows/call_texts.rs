//! A call reads as its notice (seed 003, issue 12): 项目周期 and 申报主体
//! in the notice's own words, and the 申报单位名单 that restricts who may
//! apply where those words name a closed category.

use scigrant_app::AppError;
use scigrant_app::grants::calls::{self, CallForm, create_call, create_program};
use scigrant_app::testing::{TestEnv, staff_actor};
use scigrant_domain::ids::CallId;

/// A draft call of the 附件4 form with `period` as its 项目周期.
async fn call_with(env: &TestEnv, f: CallForm) -> Result<CallId, AppError> {
    let manager = staff_actor(99);
    let program = create_program(&env.app, &manager, "2023年“科创中国”系列项目", "……")
        .await
        .unwrap();
    create_call(&env.app, &manager, program, &f).await
}

fn form(period: &str) -> CallForm {
    CallForm {
        code: "KJFWT2023-01".into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "80".into(),
        cap: "55".into(),
        period_end: "2023-11-30".into(),
        period: period.into(),
        eligible: vec!["institute".into(), "enterprise".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        ..CallForm::default()
    }
}

/// 项目周期 reads as the notice says it (“2023年11月底前完成”); the date
/// stays what 项目结束日期 is checked against; a call without the words
/// says it from the date.
pub(crate) async fn the_period_reads_as_the_notice_says(env: TestEnv) {
    let id = call_with(&env, form("  2023年11月底前完成 "))
        .await
        .unwrap();
    let c = calls::call(&env.app, id).await.unwrap();
    assert_eq!(c.period_text, "2023年11月底前完成");
    assert_eq!(c.period(), "2023年11月底前完成");
    assert_eq!(
        scigrant_domain::calendar::civil_date(c.period_end),
        (2023, 11, 30)
    );

    let mut plain = form("");
    plain.code = "KJFWT2023-02".into();
    let id = call_with(&env, plain).await.unwrap();
    assert_eq!(
        calls::call(&env.app, id).await.unwrap().period(),
        "2023年11月30日前完成"
    );

    let mut long = form(&"完".repeat(51));
    long.code = "KJFWT2023-03".into();
    match call_with(&env, long).await {
        Err(AppError::Validation(e)) => {
            assert_eq!(e.get("period"), Some("项目周期不能超过50个字"))
        }
        other => panic!("{other:?}"),
    }
}
both!(the_period_reads_as_the_notice_says);

/// 申报主体 as the notice words it, and the 申报单位名单: with a list only
/// the units on it may begin or submit an application (by 统一社会信用代码
/// when the line gives one, else by full name); a wrong line is named;
/// clearing the list lifts the restriction.
pub(crate) async fn only_listed_units_may_apply(env: TestEnv) {
    use scigrant_app::grants::applications::{start, submit};
    use scigrant_app::grants::calls::{EligibilityForm, call_detail, set_eligibility};
    use scigrant_app::testing::{ApprovedMember, person_actor};
    use scigrant_domain::grants::application::CallState;
    use scigrant_domain::grants::form::samples::sample_fj4;

    let app = &env.app;
    let manager = staff_actor(99);
    let mut f = form("2023年11月底前完成");
    f.eligibility = "中国科协所属全国学会".into();
    let call = call_with(&env, f).await.unwrap();
    calls::set_state(app, &manager, call, CallState::Published)
        .await
        .unwrap();
    assert_eq!(
        calls::call(app, call).await.unwrap().eligibility_text,
        "中国科协所属全国学会"
    );
    let listed_by_name = ApprovedMember::builder(81)
        .unit_name("中国机械工程学会")
        .build(app)
        .await;
    let listed_by_code = ApprovedMember::builder(82).build(app).await;
    let outsider = ApprovedMember::builder(83).build(app).await;
    let late = ApprovedMember::builder(84)
        .unit_name("中国电子学会")
        .build(app)
        .await;
    // Begun before the list was set; submitted after.
    let late_draft = start(app, &person_actor(late.person.0), late.person, call)
        .await
        .unwrap();

    // Every wrong line is named, nothing is saved.
    let bad = EligibilityForm {
        text: "中国科协所属全国学会".into(),
        units: format!("中国机械工程学会\n某学会，{}X", &listed_by_code.uscc[..17]),
    };
    match set_eligibility(app, &manager, call, &bad).await {
        Err(AppError::Validation(e)) => assert_eq!(
            e.get("units"),
            Some("第2行：统一社会信用代码校验位不正确，请核对")
        ),
        other => panic!("{other:?}"),
    }
    assert!(call_detail(app, call).await.unwrap().listed.is_empty());

    let good = EligibilityForm {
        text: "中国科协所属全国学会".into(),
        units: format!(
            "中国机械工程学会\n改名前的学会名称，{}\n中国化工学会",
            listed_by_code.uscc
        ),
    };
    assert_eq!(
        set_eligibility(app, &manager, call, &good).await.unwrap(),
        3
    );
    let stored = call_detail(app, call).await.unwrap().listed;
    assert_eq!(
        EligibilityForm::of("中国科协所属全国学会", &stored).units,
        good.units
    );
    assert_eq!(calls::call_detail(app, call).await.unwrap().listed, stored);
    assert_eq!(super::audit_count_of(&env, "call.eligibility").await, 1);

    for m in [&listed_by_name, &listed_by_code] {
        start(app, &person_actor(m.person.0), m.person, call)
            .await
            .unwrap();
    }
    let refused = start(app, &person_actor(outsider.person.0), outsider.person, call).await;
    assert_eq!(
        super::refusal_of(refused),
        "本类别的申报主体为：中国科协所属全国学会。您所在单位（西藏高原科学研究所83）不在本类别的申报单位名单内，不能申报；如有疑问请联系项目管理员"
    );
    let refused = submit(
        app,
        &person_actor(late.person.0),
        late.person,
        late_draft,
        &sample_fj4(),
    )
    .await;
    assert_eq!(
        super::refusal_of(refused),
        "本类别的申报主体为：中国科协所属全国学会。您所在单位（中国电子学会）不在本类别的申报单位名单内，不能申报；如有疑问请联系项目管理员"
    );

    // An empty list restricts nobody.
    let open = EligibilityForm {
        text: "中国科协所属全国学会".into(),
        units: "\n".into(),
    };
    assert_eq!(
        set_eligibility(app, &manager, call, &open).await.unwrap(),
        0
    );
    start(app, &person_actor(outsider.person.0), outsider.person, call)
        .await
        .unwrap();
}
both!(only_listed_units_may_apply);
