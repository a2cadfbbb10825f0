//! Calls, declared forms and submission: the CAST 2023 call run end to end
//! on both databases.

use std::collections::BTreeMap;

use scigrant_app::grants::applications::{
    self, PaperView, Reader, Verification, grant_extension, recommend, record_paper, staff_decide,
    staff_decision, submit, unit_decision, unit_return,
};
use scigrant_app::grants::calls::{
    self as calls, CallForm, create_call, create_program, open_calls, set_state, target_state,
};
use scigrant_app::identity::members::{ProfileForm, decide_member, lock_member, save_profile};
use scigrant_app::testing::{ApprovedMember, TestEnv, join_unit, person_actor, unit_actor};
use scigrant_app::{Actor, AppError};
use scigrant_domain::calendar::day_start;
use scigrant_domain::grants::application::{
    ApplicationEvent, ApplicationState, CallState, StaffDecision, UnitDecision,
};
use scigrant_domain::grants::form::samples::{sample_fj4, sample_fj5};
use scigrant_domain::grants::form::{Money, Value};
use scigrant_domain::ids::CallId;

use super::{new_person, refusal_of};

/// 2023-04-25 23:59:59 CST, the CAST call's deadline.
pub(crate) const CLOSE: i64 = 1_682_438_399_000;
/// 2023-04-28 12:00 CST, its paper deadline.
const PAPER_DEADLINE: i64 = 1_682_654_400_000;

fn manager() -> Actor {
    Actor {
        kind: Some(scigrant_domain::identity::account::AccountKind::Staff),
        id: Some(99),
        label: "项目管理员".into(),
        ip: "127.0.0.1".into(),
        request_id: "t".into(),
        on_behalf: None,
    }
}

fn call_form(code: &str, template: &str, cap: &str, city_group: &str) -> CallForm {
    CallForm {
        code: code.into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "80".into(),
        cap: cap.into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["institute".into(), "enterprise".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: template.into(),
        form_json: String::new(),
        city_group: city_group.into(),
        ..CallForm::default()
    }
}

pub(crate) async fn cast_call(
    env: &TestEnv,
    code: &str,
    template: &str,
    cap: &str,
    group: &str,
) -> CallId {
    let program = create_program(
        &env.app,
        &manager(),
        "2023年“科创中国”科技服务团及系列品牌活动项目",
        "各有关单位：……",
    )
    .await
    .unwrap();
    let call = create_call(
        &env.app,
        &manager(),
        program,
        &call_form(code, template, cap, group),
    )
    .await
    .unwrap();
    set_state(&env.app, &manager(), call, CallState::Published)
        .await
        .unwrap();
    call
}

pub(crate) async fn cast_call_runs_from_draft_to_acceptance(env: TestEnv) {
    let ApprovedMember { unit, person, .. } = ApprovedMember::builder(1).build(&env.app).await;
    let call = cast_call(&env, "KJFWT2023-01", "kczg2023-fj4", "55", "").await;
    let me = person_actor(person.0);

    // The member opens the call: a draft prefilled from what is known.
    let id = applications::start(&env.app, &me, person, call)
        .await
        .unwrap();
    assert_eq!(
        applications::start(&env.app, &me, person, call)
            .await
            .unwrap(),
        id,
        "one draft per call"
    );
    let v = applications::load(&env.app, Reader::Person(person.0), id)
        .await
        .unwrap();
    assert_eq!(v.text("project_code"), "KJFWT2023-01");
    assert_eq!(v.text("applicant"), "西藏高原科学研究所1");
    assert!(
        !v.problems.is_empty(),
        "an empty draft lists what is missing"
    );

    // Autosave keeps whatever was typed, even invalid; nobody else sees it.
    let mut data = sample_fj4();
    data.insert("unit_intro".into(), Value::Text("科".repeat(301)));
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        id,
        &data,
    )
    .await
    .unwrap();
    let v = applications::load(&env.app, Reader::Person(person.0), id)
        .await
        .unwrap();
    assert_eq!(v.text("unit_intro").chars().count(), 301);
    assert!(
        v.problems
            .iter()
            .any(|p| p.path == "unit_intro" && p.message == "单位简介不能超过300字（当前301字）")
    );
    assert!(matches!(
        applications::load(&env.app, Reader::Unit(unit.0), id).await,
        Err(AppError::NotFound)
    ));

    // Submission validates on the server and keeps the typed text when refused.
    env.clock.set(CLOSE - 1000);
    match submit(&env.app, &me, person, id, &data).await {
        Err(AppError::Form(problems)) => assert_eq!(problems.len(), 1),
        other => panic!("expected form problems, got {other:?}"),
    }
    let data = sample_fj4();
    let receipt = submit(&env.app, &me, person, id, &data).await.unwrap();
    assert_eq!(receipt.number, "KJFWT2023-01-0001");
    assert_eq!(receipt.submitted_at, CLOSE - 1000);
    assert_eq!(receipt.digest.len(), 64);
    // Double click, retry, second tab: the same receipt, one submission.
    assert_eq!(
        submit(&env.app, &me, person, id, &data).await.unwrap(),
        receipt
    );
    assert_eq!(
        refusal_of(
            applications::save(
                &env.app,
                &scigrant_app::testing::person_actor(person.0),
                person,
                id,
                &data
            )
            .await
        ),
        "申报书已提交，不能再修改"
    );

    // The unit returns it with comments; the applicant edits and resubmits.
    assert!(matches!(
        unit_return(&env.app, &unit_actor(unit.0), unit, id, " ").await,
        Err(AppError::Validation(_))
    ));
    unit_return(&env.app, &unit_actor(unit.0), unit, id, "请补充实施条件")
        .await
        .unwrap();
    let mut data2 = sample_fj4();
    data2.insert(
        "conditions".into(),
        Value::Text("已与拉萨市科协建立协同工作机制。".into()),
    );
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        id,
        &data2,
    )
    .await
    .unwrap();
    let receipt2 = submit(&env.app, &me, person, id, &data2).await.unwrap();
    assert_eq!(receipt2.number, receipt.number, "the number is kept");
    assert_ne!(receipt2.digest, receipt.digest);

    // The unit recommends only after confirming the three declarations.
    let e = recommend(
        &env.app,
        &unit_actor(unit.0),
        unit,
        id,
        &[true, false, true],
    )
    .await;
    assert!(matches!(e, Err(AppError::Validation(ref f)) if f.get("declaration1").is_some()));
    recommend(&env.app, &unit_actor(unit.0), unit, id, &[true, true, true])
        .await
        .unwrap();

    // Staff accept, record the paper copies; the list shows it. A copy
    // cannot be recorded as received later than now.
    staff_decide(&env.app, &manager(), id, true, "")
        .await
        .unwrap();
    env.clock.set(PAPER_DEADLINE + 3_600_000);
    match record_paper(&env.app, &manager(), id, "2023-04-29", "7", true, "").await {
        Err(AppError::Validation(e)) => assert_eq!(
            e.0,
            BTreeMap::from([("received".to_string(), "收到日期不能晚于今天".to_string())])
        ),
        other => panic!("a future arrival date: {other:?}"),
    }
    assert!(
        !record_paper(&env.app, &manager(), id, "2023-04-28 11:59", "7", true, "")
            .await
            .unwrap()
    );
    // A second entry is a correction: refused without its reason, and the
    // first stays in the history beside it.
    match record_paper(&env.app, &manager(), id, "2023-04-28 12:01", "7", true, " ").await {
        Err(AppError::Validation(e)) => assert_eq!(
            e.0,
            BTreeMap::from([(
                "correction".to_string(),
                "纸质材料已登记，重新登记须填写更正原因".to_string()
            )])
        ),
        other => panic!("a silent second entry: {other:?}"),
    }
    assert!(
        record_paper(
            &env.app,
            &manager(),
            id,
            "2023-04-28 12:01",
            "7",
            true,
            "收到时间登记有误"
        )
        .await
        .unwrap(),
        "late"
    );
    let v = applications::load(&env.app, Reader::Staff, id)
        .await
        .unwrap();
    let papers: Vec<&str> = v
        .events
        .iter()
        .filter(|e| e.action == Some(ApplicationEvent::Paper))
        .map(|e| e.comment.as_str())
        .collect();
    assert_eq!(
        papers,
        [
            "2023-04-28 11:59:00 收到7份，已盖章",
            "更正登记（原因：收到时间登记有误）：2023-04-28 12:01:00 收到7份，已盖章，逾期"
        ]
    );
    let list = applications::of_call(&env.app, call, None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, ApplicationState::Accepted);
    assert_eq!(list[0].submitted, Some(CLOSE - 1000));
    assert_eq!(list[0].budget_requested, Some(Money::from_wan(55).unwrap()));
    let paper = PaperView {
        received: PAPER_DEADLINE + 60_000,
        copies: 7,
        stamped: true,
        late: true,
    };
    assert_eq!(list[0].paper, Some(paper));
    assert_eq!(
        applications::of_call(&env.app, call, Some(ApplicationState::Recommended))
            .await
            .unwrap(),
        vec![]
    );
    let v = applications::load(&env.app, Reader::Unit(unit.0), id)
        .await
        .unwrap();
    assert_eq!(v.paper, Some(paper));
    assert_eq!(v.submitted_at, Some(CLOSE - 1000));
    let actions: Vec<Option<ApplicationEvent>> = v.events.iter().map(|e| e.action).collect();
    use ApplicationEvent::*;
    assert_eq!(
        actions,
        [
            Created,
            Submitted,
            UnitReturned,
            Submitted,
            Recommended,
            Accepted,
            Paper,
            Paper
        ]
        .map(Some)
    );
    assert_eq!(v.events[1].at, CLOSE - 1000);

    // The paper copy verifies against the stored submission; a wrong
    // digest and an unknown number get the same answer.
    match applications::verify(&env.app, &receipt2.number, &receipt2.digest)
        .await
        .unwrap()
    {
        Verification::Matches {
            unit, submitted, ..
        } => {
            assert_eq!(unit, "西藏高原科学研究所1");
            assert_eq!(submitted, CLOSE - 1000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        applications::verify(&env.app, &receipt2.number, &receipt.digest)
            .await
            .unwrap(),
        Verification::NoMatch
    );
    assert_eq!(
        applications::verify(&env.app, "NO-SUCH", &receipt.digest)
            .await
            .unwrap(),
        Verification::NoMatch
    );

    let xlsx = applications::export_call(
        &env.app,
        &manager(),
        call,
        &["number".into(), "phone".into()],
    )
    .await
    .unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}
both!(cast_call_runs_from_draft_to_acceptance);

pub(crate) async fn deadline_is_the_servers_and_extensions_are_per_applicant(env: TestEnv) {
    let late = ApprovedMember::builder(2).build(&env.app).await.person;
    let other = ApprovedMember::builder(3).build(&env.app).await.person;
    let call = cast_call(&env, "KJFWT2023-02", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 3_600_000);
    let open: Vec<CallId> = open_calls(&env.app)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(open, vec![call], "正在受理的项目 by the server's clock");
    let a = applications::start(&env.app, &person_actor(late.0), late, call)
        .await
        .unwrap();
    let b = applications::start(&env.app, &person_actor(other.0), other, call)
        .await
        .unwrap();
    let mut data = sample_fj4();
    data.insert("project_code".into(), Value::Text("KJFWT2023-02".into()));
    data.insert(
        "project_subcategory".into(),
        Value::Text("区域科技服务团".into()),
    );
    // One second after the close: refused, and nothing typed late is kept.
    env.clock.set(CLOSE + 1000);
    assert!(open_calls(&env.app).await.unwrap().is_empty());
    let e = submit(&env.app, &person_actor(late.0), late, a, &data).await;
    assert_eq!(refusal_of(e), "申报已于2023-04-25 23:59:59截止，不能提交");
    // An audited extension for one applicant only.
    assert!(matches!(
        grant_extension(
            &env.app,
            &manager(),
            call,
            late,
            "2023-04-25 12:00",
            "系统故障"
        )
        .await,
        Err(AppError::Validation(_))
    ));
    grant_extension(
        &env.app,
        &manager(),
        call,
        late,
        "2023-04-26 18:00",
        "单位公章遗失补办",
    )
    .await
    .unwrap();
    // Within the extension the applicant saves again.
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(late.0),
        late,
        a,
        &data,
    )
    .await
    .unwrap();
    let v = applications::load(&env.app, Reader::Person(late.0), a)
        .await
        .unwrap();
    assert_eq!(v.extension_reason, "单位公章遗失补办");
    let problems = v.problems.clone();
    assert!(
        problems.iter().all(|p| p.path != "budget_requested"),
        "{problems:?}"
    );
    submit(&env.app, &person_actor(late.0), late, a, &data)
        .await
        .unwrap();
    let e = submit(&env.app, &person_actor(other.0), other, b, &data).await;
    assert_eq!(refusal_of(e), "申报已于2023-04-25 23:59:59截止，不能提交");
}
both!(deadline_is_the_servers_and_extensions_are_per_applicant);

pub(crate) async fn one_forum_or_conference_per_pilot_city(env: TestEnv) {
    let ApprovedMember {
        unit: unit_a,
        person: pa,
        ..
    } = ApprovedMember::builder(4).build(&env.app).await;
    let ApprovedMember {
        unit: unit_b,
        person: pb,
        ..
    } = ApprovedMember::builder(5).build(&env.app).await;
    let forum = cast_call(
        &env,
        "XLPPHD2023-01",
        "kczg2023-fj5",
        "40",
        "pilot-city-2023",
    )
    .await;
    let meeting = cast_call(
        &env,
        "XLPPHD2023-02",
        "kczg2023-fj5",
        "20",
        "pilot-city-2023",
    )
    .await;
    env.clock.set(CLOSE - 60_000);
    let mut a_data = sample_fj5();
    a_data.insert("project_code".into(), Value::Text("XLPPHD2023-01".into()));
    a_data.insert(
        "project_subcategory".into(),
        Value::Text("产业创新论坛".into()),
    );
    let a = applications::start(&env.app, &person_actor(pa.0), pa, forum)
        .await
        .unwrap();
    submit(&env.app, &person_actor(pa.0), pa, a, &a_data)
        .await
        .unwrap();
    let b = applications::start(&env.app, &person_actor(pb.0), pb, meeting)
        .await
        .unwrap();
    let b_data = sample_fj5();
    submit(&env.app, &person_actor(pb.0), pb, b, &b_data)
        .await
        .unwrap();
    recommend(&env.app, &unit_actor(unit_a.0), unit_a, a, &[true; 3])
        .await
        .unwrap();
    let e = recommend(&env.app, &unit_actor(unit_b.0), unit_b, b, &[true; 3]).await;
    match e {
        Err(AppError::Refused(m)) => {
            assert!(
                m.starts_with("每个试点城市限申报1个产业创新论坛或产学融合会议项目"),
                "{m}"
            );
            assert!(
                m.contains("XLPPHD2023-01-0001"),
                "names the other application: {m}"
            );
        }
        other => panic!("{other:?}"),
    }
}
both!(one_forum_or_conference_per_pilot_city);

pub(crate) async fn ineligible_units_and_members_cannot_apply(env: TestEnv) {
    let person = ApprovedMember::builder(6).build(&env.app).await.person;
    let program = create_program(&env.app, &manager(), "计划", "")
        .await
        .unwrap();
    let mut f = call_form("KJFWT2023-03", "kczg2023-fj4", "30", "");
    f.eligible = vec!["university".into()];
    let call = create_call(&env.app, &manager(), program, &f)
        .await
        .unwrap();
    assert_eq!(
        refusal_of(applications::start(&env.app, &person_actor(person.0), person, call).await),
        "该计划类别未在受理期"
    );
    set_state(&env.app, &manager(), call, CallState::Published)
        .await
        .unwrap();
    let e = applications::start(&env.app, &person_actor(person.0), person, call).await;
    assert_eq!(
        refusal_of(e),
        "本类别的申报主体为：大专院校；您所在单位（科研院所）不符合申报条件"
    );
    // A person not yet approved by a unit cannot apply either.
    let loner = new_person(&env, 60).await;
    assert_eq!(
        refusal_of(applications::start(&env.app, &person_actor(loner.0), loner, call).await),
        "只有所在单位审核通过（且未被锁定）的用户才能申报项目"
    );
    // Bad call definitions come back field by field.
    let mut bad = call_form("", "none", "x", "");
    bad.closes = "2023-04-01".into();
    match create_call(&env.app, &manager(), program, &bad).await {
        Err(AppError::Validation(e)) => {
            for field in ["code", "cap", "template"] {
                assert!(e.get(field).is_some(), "{field}");
            }
        }
        other => panic!("{other:?}"),
    }
}
both!(ineligible_units_and_members_cannot_apply);

/// The days the calendar refuses, each with the message shown beside the field.
const NO_SUCH_DATES: [&str; 3] = ["2023-02-29", "2023-04-31", "2023-13-01"];
const DAY: i64 = 86_400_000;

/// Where a date is typed in the call form.
type DateSlot = fn(&mut CallForm) -> &mut String;

fn only_error(field: &str, date: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(
        field.to_string(),
        format!("日期不存在：{date}（请检查月份和天数）"),
    )])
}

pub(crate) async fn impossible_dates_are_refused_beside_the_call_fields(env: TestEnv) {
    let program = create_program(&env.app, &manager(), "计划", "")
        .await
        .unwrap();
    let fields: [(&str, DateSlot); 4] = [
        ("opens", |f| &mut f.opens),
        ("closes", |f| &mut f.closes),
        ("paper_deadline", |f| &mut f.paper_deadline),
        ("period_end", |f| &mut f.period_end),
    ];
    for (field, slot) in fields {
        for date in NO_SUCH_DATES {
            let mut f = call_form("KJFWT2023-02", "kczg2023-fj4", "30", "");
            *slot(&mut f) = date.to_string();
            match create_call(&env.app, &manager(), program, &f).await {
                Err(AppError::Validation(e)) => {
                    assert_eq!(e.0, only_error(field, date), "{field} = {date}")
                }
                other => panic!("{field} = {date}: {other:?}"),
            }
        }
    }
    // A code the chosen form does not list could never be applied to.
    match create_call(
        &env.app,
        &manager(),
        program,
        &call_form("KJFWT2023-09", "kczg2023-fj4", "30", ""),
    )
    .await
    {
        Err(AppError::Validation(e)) => assert_eq!(
            e.0,
            BTreeMap::from([(
                "code".to_string(),
                "项目编号须为申报书中列出的编号之一：KJFWT2023-01、KJFWT2023-02、KJFWT2023-03"
                    .to_string()
            )])
        ),
        other => panic!("an unlisted code: {other:?}"),
    }
    // 29 February of a leap year is a day: every date field takes it.
    let mut f = call_form("KJFWT2023-01", "kczg2023-fj4", "30", "");
    for (_, slot) in fields {
        *slot(&mut f) = "2024-02-29".to_string();
    }
    let id = create_call(&env.app, &manager(), program, &f)
        .await
        .unwrap();
    let c = calls::call(&env.app, id).await.unwrap();
    let leap_day = day_start((2024, 2, 29));
    assert_eq!(c.opens_at, leap_day);
    assert_eq!(
        c.closes_at,
        leap_day + DAY - 1000,
        "a deadline day ends at 23:59:59"
    );
    assert_eq!(c.paper_deadline, leap_day + DAY - 1000);
    assert_eq!(c.period_end, leap_day);
}
both!(impossible_dates_are_refused_beside_the_call_fields);

pub(crate) async fn impossible_dates_are_refused_for_paper_copies_and_extensions(env: TestEnv) {
    let person = ApprovedMember::builder(7).build(&env.app).await.person;
    let call = cast_call(&env, "KJFWT2023-01", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 60_000);
    let me = person_actor(person.0);
    let id = applications::start(&env.app, &me, person, call)
        .await
        .unwrap();
    submit(&env.app, &me, person, id, &sample_fj4())
        .await
        .unwrap();
    for date in NO_SUCH_DATES {
        match record_paper(&env.app, &manager(), id, date, "7", true, "").await {
            Err(AppError::Validation(e)) => assert_eq!(e.0, only_error("received", date)),
            other => panic!("received = {date}: {other:?}"),
        }
        let until = format!("{date} 18:00");
        match grant_extension(&env.app, &manager(), call, person, &until, "系统故障").await {
            Err(AppError::Validation(e)) => assert_eq!(e.0, only_error("until", date)),
            other => panic!("until = {until}: {other:?}"),
        }
    }
    let v = applications::load(&env.app, Reader::Person(person.0), id)
        .await
        .unwrap();
    assert_eq!((v.paper, v.deadline, v.events.len()), (None, CLOSE, 2));
    let leap_day = day_start((2024, 2, 29));
    env.clock.set(leap_day + 86_400_000);
    assert!(
        record_paper(&env.app, &manager(), id, "2024-02-29 10:00", "7", true, "")
            .await
            .unwrap(),
        "after the paper deadline"
    );
    grant_extension(&env.app, &manager(), call, person, "2024-02-29", "系统故障")
        .await
        .unwrap();
    let v = applications::load(&env.app, Reader::Person(person.0), id)
        .await
        .unwrap();
    assert_eq!(
        v.paper,
        Some(PaperView {
            received: leap_day + 10 * 3_600_000,
            copies: 7,
            stamped: true,
            late: true,
        })
    );
    assert_eq!(v.deadline, leap_day + DAY - 1000);
    assert_eq!(v.extension_reason, "系统故障");
    let last: Vec<Option<ApplicationEvent>> = v.events[2..].iter().map(|e| e.action).collect();
    assert_eq!(
        last,
        vec![
            Some(ApplicationEvent::Paper),
            Some(ApplicationEvent::Extension)
        ]
    );
}
both!(impossible_dates_are_refused_for_paper_copies_and_extensions);

/// A posted decision is one the domain defines or it is refused; it is
/// never taken for another (an unknown value used to record paper copies).
#[test]
fn unknown_posted_decisions_are_refused() {
    assert_eq!(staff_decision("accept").unwrap(), StaffDecision::Accept);
    assert_eq!(staff_decision("return").unwrap(), StaffDecision::Return);
    assert_eq!(staff_decision("paper").unwrap(), StaffDecision::Paper);
    for bad in ["", "approve", "ACCEPT"] {
        assert_eq!(
            refusal_of(staff_decision(bad)),
            "无法识别的审查操作：请在申报书页面选择受理、退回或纸质材料登记后重新提交",
            "{bad:?}"
        );
    }
    assert_eq!(unit_decision("recommend").unwrap(), UnitDecision::Recommend);
    assert_eq!(unit_decision("return").unwrap(), UnitDecision::Return);
    assert_eq!(
        refusal_of(unit_decision("accept")),
        "无法识别的审核操作：请在申报书页面选择推荐或退回修改后重新提交"
    );
    assert_eq!(target_state("published").unwrap(), CallState::Published);
    assert_eq!(target_state("closed").unwrap(), CallState::Closed);
    assert_eq!(
        refusal_of(target_state("reopen")),
        "无法识别的操作：请在计划类别页面选择发布或截止受理后重新提交"
    );
}

/// Autosave stops at the deadline by the server's clock: at T−1 s it
/// stores, at T+1 s it is refused with the reason and nothing typed late is
/// kept (the submission refused then keeps nothing either); an applicant's
/// extension moves the line for them alone; after submission it is refused.
pub(crate) async fn autosave_stops_at_the_deadline_and_after_submission(env: TestEnv) {
    let person = ApprovedMember::builder(7).build(&env.app).await.person;
    let other = ApprovedMember::builder(8).build(&env.app).await.person;
    let call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 3_600_000);
    let a = applications::start(&env.app, &person_actor(person.0), person, call)
        .await
        .unwrap();
    let b = applications::start(&env.app, &person_actor(other.0), other, call)
        .await
        .unwrap();
    let typed = |name: &str| {
        let mut data = sample_fj4();
        data.insert("project_name".into(), Value::Text(name.into()));
        data
    };
    let app = &env.app;
    let name_of = |id| async move {
        applications::load(app, Reader::Person(person.0), id)
            .await
            .unwrap()
            .text("project_name")
            .to_string()
    };

    env.clock.set(CLOSE - 1000);
    assert_eq!(
        applications::save(
            &env.app,
            &scigrant_app::testing::person_actor(person.0),
            person,
            a,
            &typed("一秒前")
        )
        .await
        .unwrap(),
        CLOSE - 1000
    );
    assert_eq!(name_of(a).await, "一秒前");

    env.clock.set(CLOSE + 1000);
    for id in [a, b] {
        let owner = if id == a { person } else { other };
        assert_eq!(
            refusal_of(
                applications::save(
                    &env.app,
                    &scigrant_app::testing::person_actor(owner.0),
                    owner,
                    id,
                    &typed("一秒后")
                )
                .await
            ),
            "申报已于2023-04-25 23:59:59截止，不能再保存修改"
        );
        assert_eq!(
            refusal_of(
                submit(
                    &env.app,
                    &person_actor(owner.0),
                    owner,
                    id,
                    &typed("一秒后")
                )
                .await
            ),
            "申报已于2023-04-25 23:59:59截止，不能提交"
        );
    }
    assert_eq!(name_of(a).await, "一秒前", "nothing typed late was kept");

    // An extension for one applicant lets them save and submit.
    grant_extension(
        &env.app,
        &manager(),
        call,
        person,
        "2023-04-26 18:00",
        "单位公章遗失补办",
    )
    .await
    .unwrap();
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        a,
        &typed("延期内"),
    )
    .await
    .unwrap();
    assert_eq!(name_of(a).await, "延期内");
    assert_eq!(
        refusal_of(
            applications::save(
                &env.app,
                &scigrant_app::testing::person_actor(other.0),
                other,
                b,
                &typed("一秒后")
            )
            .await
        ),
        "申报已于2023-04-25 23:59:59截止，不能再保存修改"
    );
    submit(
        &env.app,
        &person_actor(person.0),
        person,
        a,
        &typed("延期内"),
    )
    .await
    .unwrap();
    assert_eq!(
        refusal_of(
            applications::save(
                &env.app,
                &scigrant_app::testing::person_actor(person.0),
                person,
                a,
                &typed("提交后")
            )
            .await
        ),
        "申报书已提交，不能再修改"
    );
    assert_eq!(name_of(a).await, "延期内");
}
both!(autosave_stops_at_the_deadline_and_after_submission);

/// Seed 003 四.2: two service teams of one unit may not share their
/// experts; identical 团长 and 首席专家 are refused at recommendation even
/// when the people tables differ, naming the other application.
pub(crate) async fn one_units_teams_do_not_share_their_leader_or_chief_expert(env: TestEnv) {
    let ApprovedMember {
        unit, person: pa, ..
    } = ApprovedMember::builder(8).build(&env.app).await;
    let (pb, _) = join_unit(&env.app, unit, 9).await;
    let call = cast_call(&env, "KJFWT2023-01", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 60_000);
    let a_data = sample_fj4();
    let mut b_data = sample_fj4();
    if let Some(Value::Rows(rows)) = b_data.get_mut("members") {
        for (i, (row, name)) in rows.iter_mut().zip(["周一", "吴二", "郑三"]).enumerate() {
            row.insert("name".into(), name.into());
            row.insert("contact".into(), format!("1370000000{i}"));
        }
    }
    let a = applications::start(&env.app, &person_actor(pa.0), pa, call)
        .await
        .unwrap();
    submit(&env.app, &person_actor(pa.0), pa, a, &a_data)
        .await
        .unwrap();
    let b = applications::start(&env.app, &person_actor(pb.0), pb, call)
        .await
        .unwrap();
    submit(&env.app, &person_actor(pb.0), pb, b, &b_data)
        .await
        .unwrap();
    recommend(&env.app, &unit_actor(unit.0), unit, a, &[true; 3])
        .await
        .unwrap();
    let leader = match a_data.get("leader_name") {
        Some(Value::Text(t)) => t.clone(),
        other => panic!("the sample names its 团长: {other:?}"),
    };
    assert_eq!(
        refusal_of(recommend(&env.app, &unit_actor(unit.0), unit, b, &[true; 3]).await),
        format!(
            "同一单位申报2个（含）以上项目时，各项目的专家不得重复：{leader}已在申报书 KJFWT2023-01-0001（{}）中",
            match a_data.get("project_name") {
                Some(Value::Text(t)) => t.clone(),
                other => panic!("the sample has a title: {other:?}"),
            }
        )
    );
}
both!(one_units_teams_do_not_share_their_leader_or_chief_expert);

/// The call fixes 项目编号, 项目类别 and 项目子类: what an applicant types
/// there is replaced by the call's values before the application is
/// checked and frozen, so the printed cover always names its call.
pub(crate) async fn the_cover_names_the_call_whatever_was_typed(env: TestEnv) {
    let person = ApprovedMember::builder(10).build(&env.app).await.person;
    let call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 60_000);
    let me = person_actor(person.0);
    let id = applications::start(&env.app, &me, person, call)
        .await
        .unwrap();
    let mut data = sample_fj4();
    data.insert("project_code".into(), Value::Text("KJFWT2023-01".into()));
    data.insert(
        "project_subcategory".into(),
        Value::Text("产业科技服务团".into()),
    );
    let receipt = submit(&env.app, &me, person, id, &data).await.unwrap();
    assert_eq!(receipt.number, "KJFWT2023-03-0001");
    let v = applications::load(&env.app, Reader::Person(person.0), id)
        .await
        .unwrap();
    let text = |k: &str| match v.data.get(k) {
        Some(Value::Text(t)) => t.clone(),
        other => panic!("{k}: {other:?}"),
    };
    assert_eq!(
        (text("project_code"), text("project_subcategory")),
        ("KJFWT2023-03".to_string(), "专业科技服务团".to_string())
    );
}
both!(the_cover_names_the_call_whatever_was_typed);

/// Issue 7, finding 3: a member locked by their unit after the draft was
/// made can neither start, save nor submit; the right is read afresh at
/// each act, not taken from the login. Unlocked again, the draft saves.
pub(crate) async fn a_locked_member_cannot_save_or_submit_a_draft(env: TestEnv) {
    let m = ApprovedMember::builder(32).build(&env.app).await;
    let person = m.person;
    let call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 3_600_000);
    let a = applications::start(&env.app, &person_actor(person.0), person, call)
        .await
        .unwrap();
    let data = sample_fj4();
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        a,
        &data,
    )
    .await
    .unwrap();
    lock_member(&env.app, &unit_actor(m.unit.0), m.unit, person, true)
        .await
        .unwrap();
    const LOCKED: &str = "您已被所在单位锁定，不能继续申报";
    assert_eq!(
        refusal_of(
            applications::save(
                &env.app,
                &scigrant_app::testing::person_actor(person.0),
                person,
                a,
                &data
            )
            .await
        ),
        LOCKED
    );
    assert_eq!(
        refusal_of(submit(&env.app, &person_actor(person.0), person, a, &data).await),
        LOCKED
    );
    assert_eq!(
        refusal_of(applications::start(&env.app, &person_actor(person.0), person, call).await),
        LOCKED
    );
    let view = applications::load(&env.app, Reader::Person(person.0), a)
        .await
        .unwrap();
    assert_eq!(
        (view.state, view.number.as_str()),
        (ApplicationState::Draft, "")
    );
    assert!(
        applications::of_unit(&env.app, m.unit)
            .await
            .unwrap()
            .is_empty()
    );
    lock_member(&env.app, &unit_actor(m.unit.0), m.unit, person, false)
        .await
        .unwrap();
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        a,
        &data,
    )
    .await
    .unwrap();
}
both!(a_locked_member_cannot_save_or_submit_a_draft);

/// Issue 7, finding 3: a person who moved to another unit cannot save or
/// submit the draft made under the former unit, whether the new unit has
/// approved them yet or not; nothing reaches the former unit's queue.
pub(crate) async fn a_draft_of_the_former_unit_cannot_be_submitted_after_a_move(env: TestEnv) {
    let m = ApprovedMember::builder(33).build(&env.app).await;
    let other = ApprovedMember::builder(34).build(&env.app).await;
    let person = m.person;
    let call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 3_600_000);
    let a = applications::start(&env.app, &person_actor(person.0), person, call)
        .await
        .unwrap();
    let data = sample_fj4();
    applications::save(
        &env.app,
        &scigrant_app::testing::person_actor(person.0),
        person,
        a,
        &data,
    )
    .await
    .unwrap();
    let moved = ProfileForm {
        unit_id: other.unit.to_string(),
        region_code: "540102".into(),
        department: "中心".into(),
        email: "p33@example.cn".into(),
        education: "硕士".into(),
        degree: "博士".into(),
        title: "高级".into(),
    };
    save_profile(
        &env.app,
        &person_actor(person.0),
        person,
        &moved,
        None,
        None,
    )
    .await
    .unwrap();
    const MOVED: &str = "您的所在单位已变更，此申报书属于原单位，不能再修改或提交";
    for approved_by_new_unit in [false, true] {
        if approved_by_new_unit {
            decide_member(
                &env.app,
                &unit_actor(other.unit.0),
                other.unit,
                person,
                Some(true),
                "",
            )
            .await
            .unwrap();
        }
        assert_eq!(
            refusal_of(submit(&env.app, &person_actor(person.0), person, a, &data).await),
            MOVED,
            "approved by the new unit: {approved_by_new_unit}"
        );
        assert_eq!(
            refusal_of(
                applications::save(
                    &env.app,
                    &scigrant_app::testing::person_actor(person.0),
                    person,
                    a,
                    &data
                )
                .await
            ),
            MOVED
        );
        assert_eq!(
            refusal_of(applications::start(&env.app, &person_actor(person.0), person, call).await),
            MOVED
        );
    }
    let view = applications::load(&env.app, Reader::Person(person.0), a)
        .await
        .unwrap();
    assert_eq!(
        (view.state, view.unit_id, view.number.as_str()),
        (ApplicationState::Draft, m.unit, "")
    );
    assert!(
        applications::of_unit(&env.app, m.unit)
            .await
            .unwrap()
            .is_empty()
    );
}
both!(a_draft_of_the_former_unit_cannot_be_submitted_after_a_move);

/// Issue 12 #18: 撤回 — the applicant takes a submitted application back
/// before the unit decides, with a reason the history shows; it is editable
/// again and resubmits under the same number. Once the unit has decided,
/// or without a reason, or by someone else, it is refused.
pub(crate) async fn an_applicant_withdraws_before_the_unit_decides(env: TestEnv) {
    use scigrant_app::grants::applications::withdraw;
    use scigrant_domain::grants::application::ApplicationEvent;
    let m = ApprovedMember::builder(33).build(&env.app).await;
    let other = ApprovedMember::builder(34).build(&env.app).await;
    let person = m.person;
    let call = cast_call(&env, "KJFWT2023-03", "kczg2023-fj4", "55", "").await;
    env.clock.set(CLOSE - 3_600_000);
    let me = person_actor(person.0);
    let a = applications::start(&env.app, &me, person, call)
        .await
        .unwrap();
    let data = sample_fj4();
    let receipt = submit(&env.app, &me, person, a, &data).await.unwrap();

    // A reason is required; someone else's application is not found.
    match withdraw(&env.app, &me, person, a, "  ").await {
        Err(AppError::Validation(e)) => assert_eq!(e.get("reason"), Some("请填写撤回理由")),
        other => panic!("expected a field error, got {other:?}"),
    }
    assert!(matches!(
        withdraw(
            &env.app,
            &person_actor(other.person.0),
            other.person,
            a,
            "改"
        )
        .await,
        Err(AppError::NotFound)
    ));

    withdraw(&env.app, &me, person, a, "补充合作单位信息")
        .await
        .unwrap();
    let view = applications::load(&env.app, Reader::Person(person.0), a)
        .await
        .unwrap();
    assert_eq!(view.state, ApplicationState::Returned);
    assert!(view.editable());
    let last = view.events.last().unwrap();
    assert_eq!(
        (last.action, last.comment.as_str()),
        (Some(ApplicationEvent::Withdrawn), "补充合作单位信息")
    );
    assert_eq!(
        scigrant_app::testing::audit_count(&env.app, "application.withdraw").await,
        1
    );

    // Resubmitted under the same number; once recommended, no withdrawal.
    let again = submit(&env.app, &me, person, a, &data).await.unwrap();
    assert_eq!(again.number, receipt.number);
    recommend(
        &env.app,
        &unit_actor(m.unit.0),
        m.unit,
        a,
        &[true, true, true],
    )
    .await
    .unwrap();
    assert_eq!(
        refusal_of(withdraw(&env.app, &me, person, a, "再改").await),
        "只有待单位审核的申报书可以撤回；单位已推荐或退回的，请联系单位"
    );
}
both!(an_applicant_withdraws_before_the_unit_decides);
