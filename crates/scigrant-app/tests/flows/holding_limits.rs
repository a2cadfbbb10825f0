//! 限项 on both databases: per call and across the program, the refusal
//! naming the applications counted, funded projects counted, declined ones
//! not, and 0 meaning no limit.

use scigrant_app::AppError;
use scigrant_app::evaluation::funding::{self, DecisionForm};
use scigrant_app::grants::applications::{self, recommend, staff_decide, submit};
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::grants::limits::{program_limits, set_program_limits};
use scigrant_app::testing::{
    ApprovedMember, TestEnv, audit_count, person_actor, staff_actor, unit_actor,
};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::grants::form::Value;
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::grants::limits::HoldingLimits;
use scigrant_domain::ids::{ApplicationId, CallId, ProgramId};

use super::refusal_of;

async fn call_in(env: &TestEnv, program: ProgramId, code: &str) -> CallId {
    let form = CallForm {
        code: code.into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "10".into(),
        cap: "60".into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["institute".into(), "enterprise".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        form_json: String::new(),
        city_group: String::new(),
        ..CallForm::default()
    };
    let call = create_call(&env.app, &staff_actor(99), program, &form)
        .await
        .unwrap();
    set_state(&env.app, &staff_actor(99), call, CallState::Published)
        .await
        .unwrap();
    call
}

/// 附件4 with its title and its 团长 / 首席专家 (name, mobile).
fn team(
    title: &str,
    leader: (&str, &str),
    chief: (&str, &str),
) -> scigrant_domain::grants::form::FormData {
    let mut d = sample_fj4();
    for (k, v) in [
        ("project_name", title),
        ("leader_name", leader.0),
        ("leader_mobile", leader.1),
        ("chief_expert_name", chief.0),
        ("chief_expert_mobile", chief.1),
    ] {
        d.insert(k.into(), Value::Text(v.into()));
    }
    // Each team its own members: one unit's teams may not share people.
    if let Some(Value::Rows(rows)) = d.get_mut("members") {
        for (row, suffix) in rows.iter_mut().zip(["甲", "乙", "丙", "丁", "戊", "己"]) {
            row.insert("name".into(), format!("{}{suffix}", leader.0));
        }
    }
    d
}

async fn apply(
    env: &TestEnv,
    m: &ApprovedMember,
    call: CallId,
    data: &scigrant_domain::grants::form::FormData,
) -> Result<ApplicationId, AppError> {
    let me = person_actor(m.person.0);
    let id = applications::start(&env.app, &me, m.person, call).await?;
    submit(&env.app, &me, m.person, id, data).await.map(|_| id)
}

/// The unit recommends and staff accept, then 立项 or 不予立项.
async fn decide(env: &TestEnv, m: &ApprovedMember, id: ApplicationId, verdict: &str) {
    recommend(&env.app, &unit_actor(m.unit.0), m.unit, id, &[true; 3])
        .await
        .unwrap();
    staff_decide(&env.app, &staff_actor(99), id, true, "")
        .await
        .unwrap();
    let f = DecisionForm {
        verdict: verdict.into(),
        amount: if verdict == "fund" {
            "50".into()
        } else {
            String::new()
        },
        reason: "专家评审意见".into(),
    };
    funding::decide(&env.app, &staff_actor(99), id, &f)
        .await
        .unwrap();
}

pub(crate) async fn limits_count_applications_and_ongoing_projects_per_leader(env: TestEnv) {
    let staff = staff_actor(99);
    let program = create_program(
        &env.app,
        &staff,
        "2023年“科创中国”系列项目",
        "各有关单位：……",
    )
    .await
    .unwrap();
    let a = call_in(&env, program, "KJFWT2023-01").await;
    let b = call_in(&env, program, "KJFWT2023-02").await;
    let c = call_in(&env, program, "KJFWT2023-03").await;
    let m1 = ApprovedMember::builder(1).build(&env.app).await;
    let m2 = ApprovedMember::builder(2).build(&env.app).await;

    // No limits until staff set them; bad input is refused beside its field.
    assert!(program_limits(&env.app, program).await.unwrap().is_none());
    match set_program_limits(&env.app, &staff, program, "3", "2").await {
        Err(AppError::Validation(e)) => assert_eq!(
            e.get("per_call"),
            Some("每个计划类别的限项不得多于整个计划的限项")
        ),
        other => panic!("expected a field error, got {other:?}"),
    }
    set_program_limits(&env.app, &staff, program, "1", "2")
        .await
        .unwrap();
    assert_eq!(
        program_limits(&env.app, program).await.unwrap(),
        HoldingLimits {
            per_call: 1,
            per_program: 2
        }
    );
    assert_eq!(audit_count(&env.app, "program.limits").await, 1);

    let zhang = ("张伟", "13912345678");
    let wang = ("王芳", "13701234567");
    let a1 = apply(&env, &m1, a, &team("高原农牧业科技服务团", zhang, wang))
        .await
        .unwrap();
    // Per call: 张伟 already leads a team in this call.
    assert_eq!(
        refusal_of(
            apply(
                &env,
                &m2,
                a,
                &team("清洁能源科技服务团", zhang, ("李华", "13600000001"))
            )
            .await
        ),
        "团长张伟在本计划类别中作为负责人的申报与在研项目已达上限 1 项：KJFWT2023-01-0001《高原农牧业科技服务团》"
    );
    // Refused, what was typed is kept as the draft.
    let kept = scigrant_app::grants::applications::of_person(&env.app, m2.person)
        .await
        .unwrap();
    assert_eq!(
        kept.iter()
            .map(|i| (i.title.as_str(), i.state))
            .collect::<Vec<_>>(),
        [(
            "清洁能源科技服务团",
            scigrant_domain::grants::application::ApplicationState::Draft
        )]
    );
    // Another 团长 is accepted (what was typed was kept and is submitted now).
    apply(
        &env,
        &m2,
        a,
        &team(
            "清洁能源科技服务团",
            ("赵强", "13600000002"),
            ("李华", "13600000001"),
        ),
    )
    .await
    .unwrap();

    // Across the program: the applicant holds 2 once a second call is
    // submitted, and the second is funded (在研).
    let b1 = apply(
        &env,
        &m1,
        b,
        &team(
            "藏医药科技服务团",
            ("孙丽", "13600000003"),
            ("周明", "13600000004"),
        ),
    )
    .await
    .unwrap();
    funding::set_budget(&env.app, &staff, b, "100")
        .await
        .unwrap();
    decide(&env, &m1, b1, "fund").await;
    let third = team(
        "文化旅游科技服务团",
        ("吴刚", "13600000005"),
        ("郑洁", "13600000006"),
    );
    assert_eq!(
        refusal_of(apply(&env, &m1, c, &third).await),
        "您在本计划中作为负责人的申报与在研项目已达上限 2 项：KJFWT2023-01-0001《高原农牧业科技服务团》、KJFWT2023-02-0001《藏医药科技服务团》"
    );

    // A project declined at 立项 no longer counts.
    decide(&env, &m1, a1, "decline").await;
    apply(&env, &m1, c, &third).await.unwrap();
    // The funded project's 团长 leads nothing else in its call.
    let again = team(
        "雪域康养科技服务团",
        ("孙丽", "13600000003"),
        ("冯雪", "13600000007"),
    );
    assert_eq!(
        refusal_of(apply(&env, &m2, b, &again).await),
        "团长孙丽在本计划类别中作为负责人的申报与在研项目已达上限 1 项：KJFWT2023-02-0001《藏医药科技服务团》"
    );

    // 0 (or blank) means no limit.
    set_program_limits(&env.app, &staff, program, "0", "")
        .await
        .unwrap();
    assert!(program_limits(&env.app, program).await.unwrap().is_none());
    apply(&env, &m2, b, &again).await.unwrap();
    assert_eq!(audit_count(&env.app, "program.limits").await, 2);
}
both!(limits_count_applications_and_ongoing_projects_per_leader);
