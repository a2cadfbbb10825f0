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
