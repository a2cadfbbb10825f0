//! 专家评审 of a call on both databases: the plan, automatic assignment
//! under every conflict kind the 附件4 form lets us see, hand-made
//! changes, the expert's answers with replacement, scoring and ranking.

use std::collections::{BTreeMap, BTreeSet};

use scigrant_app::evaluation::review::{
    PlanForm, accept_assignment, add_assignment, assignment_board, declare_conflict,
    decline_assignment, expire_unanswered, pin_assignment, plan_of_call, ranking, remind_experts,
    remove_assignment, reopen_review, review_application, review_sheet, run_assignment, save_plan,
    save_review, submit_review, workspace,
};
use scigrant_app::grants::applications::{self, recommend, staff_decide, submit};
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::testing::{
    ApprovedMember, TestEnv, approved_expert, audit_count, join_unit, person_actor, unit_actor,
};
use scigrant_app::{Actor, AppError};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::score::Points;
use scigrant_domain::grants::application::CallState;
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId, PersonId, UnitId};

use super::refusal_of;

/// 2023-04-25 23:59:59 CST, the call's deadline.
const CLOSE: i64 = 1_682_438_399_000;

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

async fn call(env: &TestEnv) -> CallId {
    let program = create_program(
        &env.app,
        &manager(),
        "2023年“科创中国”科技服务团",
        "各有关单位：……",
    )
    .await
    .unwrap();
    let call = create_call(
        &env.app,
        &manager(),
        program,
        &CallForm {
            code: "KJFWT2023-01".into(),
            name: "产业科技服务团".into(),
            task: "发挥全国学会科技人才汇聚优势".into(),
            quota: "80".into(),
            cap: "55".into(),
            period_end: "2023-11-30".into(),
            eligible: vec!["institute".into(), "enterprise".into()],
            opens: "2023-04-10".into(),
            closes: "2023-04-25".into(),
            paper_deadline: "2023-04-28 12:00".into(),
            template: "kczg2023-fj4".into(),
            form_json: String::new(),
            city_group: String::new(),
            ..CallForm::default()
        },
    )
    .await
    .unwrap();
    set_state(&env.app, &manager(), call, CallState::Published)
        .await
        .unwrap();
    call
}

fn plan_form(reviewers: &str, min: &str, max: &str) -> PlanForm {
    PlanForm {
        reviewers: reviewers.into(),
        min_load: min.into(),
        max_load: max.into(),
        accept_deadline: "2023-05-10".into(),
        review_deadline: "2023-05-20 18:00".into(),
        hide_identity: true,
        sheet_json: String::new(),
    }
}

/// Unit `n`'s member applies, the unit recommends, staff accept.
async fn accepted_application(
    env: &TestEnv,
    call: CallId,
    m: &ApprovedMember,
    data: FormData,
) -> ApplicationId {
    let me = person_actor(m.person.0);
    let id = applications::start(&env.app, &me, m.person, call)
        .await
        .unwrap();
    submit(&env.app, &me, m.person, id, &data).await.unwrap();
    recommend(
        &env.app,
        &unit_actor(m.unit.0),
        m.unit,
        id,
        &[true, true, true],
    )
    .await
    .unwrap();
    staff_decide(&env.app, &manager(), id, true, "")
        .await
        .unwrap();
    id
}

/// Gives an expert's person a name and an e-mail of their own (every test
/// person is 张三 at example.cn, which would match everyone).
async fn rename(env: &TestEnv, person: PersonId, name: &str, domain: &str) {
    let mut tx = env.app.db.begin().await.unwrap();
    scigrant_store::sqlx::query("UPDATE persons SET name = $1, email = $2 WHERE id = $3")
        .bind(name)
        .bind(format!("e{}@{domain}", person.0))
        .bind(person.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn expert(
    env: &TestEnv,
    unit: UnitId,
    n: u32,
    name: &str,
    keywords: &[&str],
) -> (PersonId, ExpertId) {
    let (person, _) = join_unit(&env.app, unit, n).await;
    rename(env, person, name, &format!("xz{n}.edu.cn")).await;
    let e = approved_expert(&env.app, person, Some(unit), &["5801010"], keywords).await;
    (person, e)
}

/// The call with four accepted applications and seven experts:
/// 达瓦 works at the first applicant unit, 次仁 is in the second
/// application's team, 格桑 declared they must avoid the third unit, the
/// fourth application's applicant is an expert too; 普布, 央金 and 尼玛
/// have no tie to any application.
struct World {
    call: CallId,
    apps: Vec<ApplicationId>,
    applicants: Vec<PersonId>,
    same_unit: (PersonId, ExpertId),
    team: (PersonId, ExpertId),
    avoid: (PersonId, ExpertId),
    own: (PersonId, ExpertId),
    free: Vec<(PersonId, ExpertId)>,
}

async fn world(env: &TestEnv) -> World {
    env.clock.set(CLOSE - 3_600_000);
    let call = call(env).await;
    let mut members = Vec::new();
    for (n, name) in [
        (1, "高原新能源研究所"),
        (2, "雪域汽车研究院"),
        (3, "藏东电池研究所"),
        (4, "拉萨智能网联研究所"),
    ] {
        members.push(
            ApprovedMember::builder(n)
                .unit_name(name)
                .build(&env.app)
                .await,
        );
    }
    let outside = ApprovedMember::builder(5)
        .unit_name("拉萨理工学院")
        .build(&env.app)
        .await;
    let team_unit = ApprovedMember::builder(6)
        .unit_name("日喀则农牧学院")
        .build(&env.app)
        .await;

    let mut apps = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let mut data = sample_fj4();
        if i == 1
            && let Some(Value::Rows(rows)) = data.get_mut("members")
        {
            rows.push(BTreeMap::from([
                ("name".to_string(), "次仁".to_string()),
                ("post_title".to_string(), "日喀则农牧学院/教授".to_string()),
                ("contact".to_string(), "13900000000".to_string()),
                ("duty".to_string(), "动力电池测试评价".to_string()),
            ]));
        }
        apps.push(accepted_application(env, call, m, data).await);
    }
    let same_unit = expert(env, members[0].unit, 11, "达瓦", &["新能源汽车"]).await;
    let team = (team_unit.person, {
        rename(env, team_unit.person, "次仁", "xz12.edu.cn").await;
        approved_expert(
            &env.app,
            team_unit.person,
            Some(team_unit.unit),
            &["5801010"],
            &["新能源汽车"],
        )
        .await
    });
    let avoid = expert(env, outside.unit, 13, "格桑", &["新能源汽车"]).await;
    {
        let mut tx = env.app.db.begin().await.unwrap();
        scigrant_store::sqlx::query(
            "INSERT INTO expert_avoids (expert_id, unit_id, person_id, name, reason) VALUES ($1, $2, NULL, $3, $4)",
        )
        .bind(avoid.1.0)
        .bind(members[2].unit.0)
        .bind("藏东电池研究所")
        .bind("曾在该单位任职")
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    rename(env, members[3].person, "张三", "xz4.edu.cn").await;
    let own = (
        members[3].person,
        approved_expert(
            &env.app,
            members[3].person,
            Some(members[3].unit),
            &["5801010"],
            &["新能源汽车"],
        )
        .await,
    );
    let mut free = Vec::new();
    for (n, name) in [(14, "普布"), (15, "央金"), (16, "尼玛")] {
        free.push(expert(env, outside.unit, n, name, &["新能源汽车", "动力电池"]).await);
    }
    World {
        call,
        apps,
        applicants: members.iter().map(|m| m.person).collect(),
        same_unit,
        team,
        avoid,
        own,
        free,
    }
}

fn active(
    board: &scigrant_app::evaluation::review::AssignmentBoard,
) -> BTreeSet<(ApplicationId, ExpertId)> {
    board
        .rows
        .iter()
        .filter(|r| r.state.active())
        .map(|r| (r.application_id, r.expert_id))
        .collect()
}

fn reasons_of(
    board: &scigrant_app::evaluation::review::AssignmentBoard,
    a: ApplicationId,
    e: ExpertId,
) -> String {
    board
        .excluded
        .iter()
        .find(|x| x.application_id == a && x.expert_id == e)
        .map(|x| x.reasons.clone())
        .unwrap_or_default()
}

pub(crate) async fn a_review_plan_is_checked_field_by_field(env: TestEnv) {
    env.clock.set(CLOSE - 3_600_000);
    let call = call(&env).await;
    assert!(plan_of_call(&env.app, call).await.unwrap().is_none());
    let mut bad = plan_form("0", "5", "3");
    bad.accept_deadline = "2023-04-20".into();
    bad.review_deadline = "2023-02-30".into();
    bad.sheet_json = "{\"code\": \"x\"}".into();
    match save_plan(&env.app, &manager(), call, &bad).await {
        Err(AppError::Validation(e)) => {
            assert_eq!(
                e.get("reviewers"),
                Some("每份申报书评审专家数应为1至15之间的整数")
            );
            assert_eq!(e.get("min_load"), Some("最少评审数不能大于最多评审数"));
            assert_eq!(
                e.get("accept_deadline"),
                Some("接受评审截止时间须晚于申报截止时间")
            );
            assert!(e.get("review_deadline").is_some());
            assert!(
                e.get("sheet_json")
                    .unwrap()
                    .starts_with("评审意见表定义有误：")
            );
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let mut late = plan_form("3", "0", "10");
    late.review_deadline = "2023-05-01".into();
    match save_plan(&env.app, &manager(), call, &late).await {
        Err(AppError::Validation(e)) => assert_eq!(
            e.get("review_deadline"),
            Some("评审截止时间不能早于接受评审截止时间")
        ),
        other => panic!("expected field errors, got {other:?}"),
    }
    assert_eq!(
        audit_count(&env.app, "review.plan").await,
        0,
        "nothing half-written"
    );

    let id = save_plan(&env.app, &manager(), call, &plan_form("3", "1", "8"))
        .await
        .unwrap();
    let plan = plan_of_call(&env.app, call).await.unwrap().unwrap();
    assert_eq!(plan.id, id);
    assert_eq!((plan.reviewers, plan.min_load, plan.max_load), (3, 1, 8));
    assert!(plan.hide_identity);
    assert_eq!(plan.max_total, 100);
    assert_eq!(
        plan.criteria
            .iter()
            .map(|c| (c.label.as_str(), c.max))
            .collect::<Vec<_>>(),
        [
            ("创新性", 30),
            ("科学性与可行性", 25),
            ("研究基础与条件", 20),
            ("预期成果与效益", 15),
            ("经费预算合理性", 10)
        ]
    );
    // Saving again updates the one plan and keeps its scoring form.
    let again = save_plan(&env.app, &manager(), call, &plan_form("5", "0", "8"))
        .await
        .unwrap();
    assert_eq!(again, id);
    let plan2 = plan_of_call(&env.app, call).await.unwrap().unwrap();
    assert_eq!(
        (plan2.reviewers, plan2.form_spec_id),
        (5, plan.form_spec_id)
    );
    assert_eq!(audit_count(&env.app, "review.plan").await, 2);
}
both!(a_review_plan_is_checked_field_by_field);

pub(crate) async fn assignment_respects_conflicts_and_loads(env: TestEnv) {
    let w = world(&env).await;
    assert_eq!(
        refusal_of(run_assignment(&env.app, &manager(), w.call).await),
        "请先设置评审方案"
    );
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "3"))
        .await
        .unwrap();
    let run = run_assignment(&env.app, &manager(), w.call).await.unwrap();
    assert_eq!((run.pairs, run.short), (12, 0));
    assert!(run.total_score >= run.greedy_score);
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let pairs = active(&board);
    assert_eq!(pairs.len(), 12);
    for a in &w.apps {
        assert_eq!(
            pairs.iter().filter(|(x, _)| x == a).count(),
            3,
            "three reviewers each"
        );
    }
    for (_, e) in w.free.iter().chain([&w.same_unit, &w.avoid]) {
        assert!(
            pairs.iter().filter(|(_, x)| x == e).count() <= 3,
            "max load 3"
        );
    }
    // Every conflict kind wired, and the pairs it excludes.
    assert!(!pairs.contains(&(w.apps[0], w.same_unit.1)));
    assert_eq!(reasons_of(&board, w.apps[0], w.same_unit.1), "同一单位");
    assert_eq!(
        reasons_of(&board, w.apps[1], w.team.1),
        "项目组成员、同批次申报"
    );
    assert_eq!(reasons_of(&board, w.apps[0], w.team.1), "同批次申报");
    assert!(!pairs.iter().any(|(_, e)| *e == w.team.1));
    assert!(!pairs.contains(&(w.apps[2], w.avoid.1)));
    assert_eq!(reasons_of(&board, w.apps[2], w.avoid.1), "专家声明回避");
    assert_eq!(
        reasons_of(&board, w.apps[3], w.own.1),
        "同一单位、项目组成员、同批次申报、同一邮箱域名"
    );
    assert!(
        !pairs.iter().any(|(_, e)| *e == w.own.1),
        "an applicant in the call reviews none of it"
    );
    assert!(board.short.is_empty());
    assert_eq!(board.current_score, run.total_score);
    assert_eq!(board.optimal_score, Some(run.total_score));
    assert_eq!(board.greedy_score, Some(run.greedy_score));

    // A hand-made conflicting pair is refused with its reason.
    assert_eq!(
        refusal_of(add_assignment(&env.app, &manager(), w.call, w.apps[0], w.same_unit.1).await),
        "达瓦须回避该申报书：同一单位"
    );
    assert_eq!(
        refusal_of(add_assignment(&env.app, &manager(), w.call, w.apps[2], w.avoid.1).await),
        "格桑须回避该申报书：专家声明回避"
    );

    // Pin one pair, remove another; a re-run keeps the pin and never
    // proposes the removed pair again.
    let pinned = board
        .rows
        .iter()
        .find(|r| r.state.active())
        .unwrap()
        .clone();
    pin_assignment(&env.app, &manager(), w.call, pinned.id, true)
        .await
        .unwrap();
    let removed = board
        .rows
        .iter()
        .find(|r| {
            r.state.active() && r.id != pinned.id && r.application_id != pinned.application_id
        })
        .unwrap()
        .clone();
    assert!(matches!(
        remove_assignment(&env.app, &manager(), w.call, removed.id, " ").await,
        Err(AppError::Validation(_))
    ));
    remove_assignment(&env.app, &manager(), w.call, removed.id, "专家近期出国")
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let after = assignment_board(&env.app, w.call).await.unwrap();
    let pairs = active(&after);
    assert!(pairs.contains(&(pinned.application_id, pinned.expert_id)));
    assert!(after.rows.iter().any(|r| r.id == pinned.id && r.pinned));
    assert!(!pairs.contains(&(removed.application_id, removed.expert_id)));
    assert_eq!(
        after
            .rows
            .iter()
            .find(|r| r.id == removed.id)
            .map(|r| (r.state, r.reason.as_str())),
        Some((AssignmentState::Released, "专家近期出国"))
    );
    assert_eq!(audit_count(&env.app, "review.assign").await, 2);
    assert_eq!(audit_count(&env.app, "review.pin").await, 1);
    assert_eq!(audit_count(&env.app, "review.remove").await, 1);
}
both!(assignment_respects_conflicts_and_loads);

fn assignment_of(
    board: &scigrant_app::evaluation::review::AssignmentBoard,
    e: ExpertId,
) -> Vec<(AssignmentId, ApplicationId)> {
    board
        .rows
        .iter()
        .filter(|r| r.state.active() && r.expert_id == e)
        .map(|r| (r.id, r.application_id))
        .collect()
}

pub(crate) async fn decline_and_conflict_are_replaced_without_disturbing_others(env: TestEnv) {
    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "12"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let before = assignment_board(&env.app, w.call).await.unwrap();
    let (pubu, pubu_e) = w.free[0];
    let (aid, app) = assignment_of(&before, pubu_e)[0];

    assert!(matches!(
        decline_assignment(&env.app, &person_actor(pubu.0), pubu, aid, "").await,
        Err(AppError::Validation(_))
    ));
    let replacement = decline_assignment(&env.app, &person_actor(pubu.0), pubu, aid, "时间冲突")
        .await
        .unwrap();
    assert_eq!(replacement.len(), 1);
    let after = assignment_board(&env.app, w.call).await.unwrap();
    let mut expected = active(&before);
    expected.remove(&(app, pubu_e));
    expected.insert((app, replacement[0]));
    assert_eq!(active(&after), expected, "only the declined slot changed");
    assert_ne!(replacement[0], pubu_e);
    assert!(
        after
            .excluded
            .iter()
            .all(|x| !(x.application_id == app && x.expert_id == replacement[0]))
    );

    // A declared conflict is excluded from then on, even by hand.
    let (yangjin, yangjin_e) = w.free[1];
    let (aid2, app2) = assignment_of(&after, yangjin_e)[0];
    declare_conflict(
        &env.app,
        &person_actor(yangjin.0),
        yangjin,
        aid2,
        "与项目负责人为师生关系",
    )
    .await
    .unwrap();
    let board = assignment_board(&env.app, w.call).await.unwrap();
    assert_eq!(reasons_of(&board, app2, yangjin_e), "专家声明利益冲突");
    assert_eq!(
        refusal_of(add_assignment(&env.app, &manager(), w.call, app2, yangjin_e).await),
        "央金须回避该申报书：专家声明利益冲突"
    );
    assert_eq!(audit_count(&env.app, "review.decline").await, 1);
    assert_eq!(audit_count(&env.app, "review.conflict").await, 1);

    // Missed acceptance deadline: 尼玛 accepted theirs, the other
    // proposals are released and replaced; accepted work stays.
    assert_eq!(
        refusal_of(expire_unanswered(&env.app, &manager(), w.call).await),
        "接受评审截止时间未到，不能处理逾期未接受的分配"
    );
    let (nima, nima_e) = w.free[2];
    let accepted: BTreeSet<_> = assignment_of(&board, nima_e).into_iter().collect();
    for (id, _) in &accepted {
        accept_assignment(&env.app, &person_actor(nima.0), nima, *id, true)
            .await
            .unwrap();
    }
    let unanswered = board
        .rows
        .iter()
        .filter(|r| r.state == AssignmentState::Proposed && r.expert_id != nima_e)
        .count();
    // 2023-05-10 23:59:59 CST was the acceptance deadline.
    env.clock.set(CLOSE + 15 * 86_400_000 + 1000);
    let (released, proposed) = expire_unanswered(&env.app, &manager(), w.call)
        .await
        .unwrap();
    assert_eq!(released, unanswered);
    assert!(proposed <= released);
    let after = assignment_board(&env.app, w.call).await.unwrap();
    for (id, _) in &accepted {
        assert_eq!(
            after.rows.iter().find(|r| r.id == *id).map(|r| r.state),
            Some(AssignmentState::Accepted)
        );
    }
    assert_eq!(
        after
            .rows
            .iter()
            .filter(|r| r.reason == "逾期未接受")
            .count(),
        unanswered
    );
    assert_eq!(audit_count(&env.app, "review.expire").await, 1);
}
both!(decline_and_conflict_are_replaced_without_disturbing_others);

fn scores(values: [&str; 5], grade: &str, opinion: &str, comment: &str) -> FormData {
    let mut d = FormData::new();
    for (k, v) in [
        "innovation",
        "feasibility",
        "foundation",
        "outcomes",
        "budget",
    ]
    .iter()
    .zip(values)
    {
        d.insert((*k).into(), Value::Text(v.into()));
    }
    d.insert("grade".into(), Value::Text(grade.into()));
    d.insert("funding".into(), Value::Text(opinion.into()));
    d.insert("comment".into(), Value::Text(comment.into()));
    d
}

const COMMENT: &str = "项目立意明确，服务团组建合理，前期对接基础扎实；建议进一步细化各阶段考核指标，压缩会议类支出，加强与试点城市产业部门的协同。";

pub(crate) async fn experts_score_only_their_own_and_results_rank(env: TestEnv) {
    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "3"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let (pubu, pubu_e) = w.free[0];
    let (yangjin, _) = w.free[1];
    let mine = assignment_of(&board, pubu_e);
    let (aid, app) = mine[0];

    // The workspace lists the expert's own assignments; a non-expert is refused.
    let ws = workspace(&env.app, pubu).await.unwrap();
    assert_eq!(ws.assignments.len(), mine.len());
    assert!(
        ws.assignments
            .iter()
            .all(|a| a.state == AssignmentState::Proposed)
    );
    assert!(matches!(
        workspace(&env.app, w.applicants[0]).await,
        Err(AppError::Forbidden)
    ));
    // Nothing outside the assignments: another expert's assignment is not found.
    assert!(matches!(
        review_application(&env.app, yangjin, aid).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        review_sheet(&env.app, yangjin, aid).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        accept_assignment(&env.app, &person_actor(yangjin.0), yangjin, aid, true).await,
        Err(AppError::NotFound)
    ));
    // Reading needs the 无利益冲突 confirmation first.
    assert_eq!(
        refusal_of(review_application(&env.app, pubu, aid).await),
        "请先确认与该申报书无利益冲突并接受评审"
    );
    assert!(matches!(
        accept_assignment(&env.app, &person_actor(pubu.0), pubu, aid, false).await,
        Err(AppError::Validation(ref e)) if e.get("no_conflict").is_some()
    ));
    accept_assignment(&env.app, &person_actor(pubu.0), pubu, aid, true)
        .await
        .unwrap();
    let a = review_application(&env.app, pubu, aid).await.unwrap();
    assert_eq!(a.id, app);
    assert_eq!(a.unit_name, "（已隐去）");
    assert_eq!(a.person_name, "（已隐去）");
    assert_eq!(a.text("leader_name"), "（已隐去）");
    assert_eq!(a.text("leader_mobile"), "（已隐去）");
    assert_eq!(a.text("project_name"), "“科创中国”新能源汽车产业科技服务团");

    // Autosave keeps what was typed and returns the server's total.
    let mut partial = scores(["28", "31", "", "", ""], "A 优", "", "");
    let t = save_review(&env.app, pubu, aid, &partial).await.unwrap();
    assert_eq!((t.total, t.scored, t.max_total), (28, 1, 100));
    partial.insert("feasibility".into(), Value::Text("22".into()));
    assert_eq!(
        save_review(&env.app, pubu, aid, &partial)
            .await
            .unwrap()
            .total,
        50
    );
    let sheet = review_sheet(&env.app, pubu, aid).await.unwrap();
    assert_eq!(sheet.tally.total, 50);
    assert!(!sheet.locked());
    match submit_review(&env.app, &person_actor(pubu.0), pubu, aid, &partial).await {
        Err(AppError::Form(p)) => {
            assert!(
                p.iter()
                    .any(|p| p.path == "foundation" && p.message == "请填写研究基础与条件")
            );
            assert!(
                p.iter()
                    .any(|p| p.path == "funding" && p.message == "请填写资助意见")
            );
        }
        other => panic!("expected form problems, got {other:?}"),
    }
    let short = scores(["28", "22", "18", "13", "9"], "A 优", "优先资助", "很好");
    match submit_review(&env.app, &person_actor(pubu.0), pubu, aid, &short).await {
        Err(AppError::Form(p)) => assert_eq!(p[0].message, "评审意见不能少于50字（当前2字）"),
        other => panic!("expected form problems, got {other:?}"),
    }
    let full = scores(["28", "22", "18", "13", "9"], "A 优", "优先资助", COMMENT);
    assert_eq!(
        submit_review(&env.app, &person_actor(pubu.0), pubu, aid, &full)
            .await
            .unwrap()
            .total,
        90
    );
    assert!(review_sheet(&env.app, pubu, aid).await.unwrap().locked());
    assert_eq!(
        refusal_of(save_review(&env.app, pubu, aid, &partial).await),
        "评审意见已提交，不能再修改"
    );
    // Staff reopen with a reason; the expert edits and submits again.
    reopen_review(
        &env.app,
        &manager(),
        w.call,
        aid,
        "请补充经费预算方面的意见",
    )
    .await
    .unwrap();
    let sheet = review_sheet(&env.app, pubu, aid).await.unwrap();
    assert!(!sheet.locked());
    assert_eq!(sheet.reopen_reason, "请补充经费预算方面的意见");
    let fixed = scores(["28", "22", "18", "13", "8"], "A 优", "优先资助", COMMENT);
    assert_eq!(
        submit_review(&env.app, &person_actor(pubu.0), pubu, aid, &fixed)
            .await
            .unwrap()
            .total,
        89
    );
    assert_eq!(audit_count(&env.app, "review.submit").await, 2);
    assert_eq!(audit_count(&env.app, "review.reopen").await, 1);

    // Every reviewer of two applications scores; the ranking follows.
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let persons: BTreeMap<ExpertId, PersonId> = [w.same_unit, w.avoid]
        .into_iter()
        .chain(w.free.iter().copied())
        .map(|(p, e)| (e, p))
        .collect();
    let other = w.apps.iter().copied().find(|a| *a != app).unwrap();
    let plan = [
        (app, ["30", "25", "20", "10", "5"]),
        (other, ["20", "20", "15", "10", "5"]),
    ];
    for (target, values) in plan {
        for r in board
            .rows
            .iter()
            .filter(|r| r.state.active() && r.application_id == target)
        {
            if r.id == aid {
                continue;
            }
            let p = persons[&r.expert_id];
            accept_assignment(&env.app, &person_actor(p.0), p, r.id, true)
                .await
                .unwrap();
            submit_review(
                &env.app,
                &person_actor(p.0),
                p,
                r.id,
                &scores(values, "B 良", "可资助", COMMENT),
            )
            .await
            .unwrap();
        }
    }
    let r = ranking(&env.app, w.call, false).await.unwrap();
    assert_eq!(r.categories.len(), 1);
    let (category, list) = &r.categories[0];
    assert_eq!(category, "产业科技服务团");
    assert_eq!(list.len(), 4);
    assert_eq!((list[0].rank, list[0].application_id), (1, app));
    // 89, 90, 90 → 89.67; 70 × 3 → 70.
    assert_eq!(list[0].mean, Some(Points(8967)));
    assert_eq!(list[0].grades, [1, 2, 0, 0]);
    assert_eq!(list[0].opinions, [1, 2, 0]);
    assert_eq!(
        (list[1].rank, list[1].application_id, list[1].mean),
        (2, other, Some(Points(7000)))
    );
    assert!(list[2].mean.is_none() && list[3].mean.is_none());
    assert_eq!(
        (r.progress.due, r.progress.done, r.progress.late),
        (12, 6, 0)
    );
    env.clock.set(CLOSE + 30 * 86_400_000);
    let r = ranking(&env.app, w.call, false).await.unwrap();
    assert_eq!(r.progress.late, 6);
}
both!(experts_score_only_their_own_and_results_rank);

pub(crate) async fn staff_remind_experts_with_open_reviews(env: TestEnv) {
    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "3"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let mut open: BTreeMap<ExpertId, usize> = BTreeMap::new();
    for (_, e) in active(&board) {
        *open.entry(e).or_default() += 1;
    }
    let before = scigrant_app::notify::recent(&env.app, 500)
        .await
        .unwrap()
        .len();
    let reminded = remind_experts(&env.app, &manager(), w.call).await.unwrap();
    assert_eq!(reminded, open.len());
    let sent = scigrant_app::notify::recent(&env.app, 500).await.unwrap();
    let reminders: Vec<&str> = sent[..sent.len() - before]
        .iter()
        .map(|m| m.body.as_str())
        .filter(|b| b.contains("评审任务尚未完成"))
        .collect();
    assert_eq!(reminders.len(), open.len());
    let (_, pubu_e) = w.free[0];
    let n = open[&pubu_e];
    assert!(
        reminders.contains(&format!(
            "【科技创新服务系统】您有{n}份“产业科技服务团”评审任务尚未完成，评审截止时间为2023-05-20 18:00:00，请登录系统完成评审。"
        ).as_str()),
        "{reminders:?}"
    );
    assert_eq!(audit_count(&env.app, "review.remind").await, 1);
}
both!(staff_remind_experts_with_open_reviews);
/// 评审意见 of the second expert to submit.
const COMMENT_2: &str = "服务团的组织模式有一定新意，但对试点城市产业需求的调研不够深入，服务成效的量化指标偏少，建议补充需求清单和分阶段的成效考核办法。";

pub(crate) async fn applicants_read_the_opinions_anonymised_once_the_notice_begins(env: TestEnv) {
    use scigrant_app::evaluation::funding::{DecisionForm, decide, set_budget};
    use scigrant_app::evaluation::notices::{
        NoticeForm, ReviewNote, outcome, publish_funding_notice,
    };
    use scigrant_app::grants::applications::Reader;
    use scigrant_domain::calendar::{DayPart, parse_moment};
    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "4"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let app = w.apps[2];
    let applicant = Reader::Person(w.applicants[2].0);
    let persons: BTreeMap<ExpertId, PersonId> = [w.same_unit, w.team, w.avoid, w.own]
        .into_iter()
        .chain(w.free.iter().copied())
        .map(|(p, e)| (e, p))
        .collect();
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let mine: Vec<(AssignmentId, PersonId)> = board
        .rows
        .iter()
        .filter(|r| r.state.active() && r.application_id == app)
        .map(|r| (r.id, persons[&r.expert_id]))
        .collect();
    assert_eq!(mine.len(), 3);
    for (aid, p) in &mine {
        accept_assignment(&env.app, &person_actor(p.0), *p, *aid, true)
            .await
            .unwrap();
    }
    // The last assigned submits first, the first a minute later; the
    // middle one only saves a draft, which the applicant never sees.
    let (first, second, draft) = (mine[2], mine[0], mine[1]);
    for ((aid, p), grade, comment) in [(first, "B 良", COMMENT), (second, "C 中", COMMENT_2)] {
        submit_review(
            &env.app,
            &person_actor(p.0),
            p,
            aid,
            &scores(["25", "20", "15", "10", "5"], grade, "可资助", comment),
        )
        .await
        .unwrap();
        env.clock.advance_ms(60_000);
    }
    save_review(
        &env.app,
        draft.1,
        draft.0,
        &scores(["10", "", "", "", ""], "D 差", "", "草稿中的意见"),
    )
    .await
    .unwrap();

    // Decided but not yet published: nothing for the applicant.
    let staff = manager();
    set_budget(&env.app, &staff, w.call, "100").await.unwrap();
    let fund = DecisionForm {
        verdict: "fund".into(),
        amount: "50".into(),
        reason: String::new(),
    };
    decide(&env.app, &staff, app, &fund).await.unwrap();
    assert_eq!(outcome(&env.app, applicant, app).await.unwrap(), None);
    let form = NoticeForm {
        title: "2023年产业科技服务团立项公示".into(),
        body: "现将拟立项项目予以公示。".into(),
        starts: "2023-05-02".into(),
        ends: "2023-05-08".into(),
    };
    publish_funding_notice(&env.app, &staff, w.call, &form)
        .await
        .unwrap();
    // Published, the period not begun: still nothing.
    assert_eq!(outcome(&env.app, applicant, app).await.unwrap(), None);

    env.clock
        .set(parse_moment("2023-05-03", DayPart::Start).unwrap());
    let seen = outcome(&env.app, applicant, app).await.unwrap().unwrap();
    assert_eq!(
        seen.reviews,
        [
            ReviewNote {
                expert: "专家一".into(),
                grade: "B 良".into(),
                comment: COMMENT.into(),
            },
            ReviewNote {
                expert: "专家二".into(),
                grade: "C 中".into(),
                comment: COMMENT_2.into(),
            },
        ]
    );
    // Staff read the same page the same way; another applicant's is not theirs.
    assert_eq!(
        outcome(&env.app, Reader::Staff, app)
            .await
            .unwrap()
            .unwrap()
            .reviews,
        seen.reviews
    );
    assert!(matches!(
        outcome(&env.app, Reader::Person(w.applicants[0].0), app).await,
        Err(AppError::NotFound)
    ));
}
both!(applicants_read_the_opinions_anonymised_once_the_notice_begins);

/// 专家公示: the experts who submitted a review (name, unit, 职称), a
/// snapshot on the portal for its period, without objections; refused
/// before any review is in and while one stands.
pub(crate) async fn the_experts_notice_lists_those_who_reviewed(env: TestEnv) {
    use scigrant_app::evaluation::notices::{
        NoticeExpert, NoticeForm, experts_notice_board, public_notices, publish_experts_notice,
    };
    use scigrant_domain::calendar::{DayPart, parse_moment};
    use scigrant_domain::evaluation::funding::{NoticeKind, NoticePhase};

    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "3"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let form = NoticeForm {
        title: "2023年产业科技服务团评审专家公示".into(),
        body: "现将参加本类别函评的专家名单予以公示。".into(),
        starts: "2023-05-02".into(),
        ends: "2023-05-08".into(),
    };
    assert_eq!(
        refusal_of(publish_experts_notice(&env.app, &manager(), w.call, &form).await),
        "尚无提交评审意见的专家，不能发布专家公示"
    );

    // 普布 submits a review; 央金 only accepts hers.
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let (pubu, pubu_e) = w.free[0];
    let (yangjin, yangjin_e) = w.free[1];
    let (aid, _) = assignment_of(&board, pubu_e)[0];
    accept_assignment(&env.app, &person_actor(pubu.0), pubu, aid, true)
        .await
        .unwrap();
    let full = scores(["28", "22", "18", "13", "9"], "A 优", "优先资助", COMMENT);
    submit_review(&env.app, &person_actor(pubu.0), pubu, aid, &full)
        .await
        .unwrap();
    let (yaid, _) = assignment_of(&board, yangjin_e)[0];
    accept_assignment(&env.app, &person_actor(yangjin.0), yangjin, yaid, true)
        .await
        .unwrap();

    let pubu_row = NoticeExpert {
        name: "普布".into(),
        unit_name: "拉萨理工学院".into(),
        title: "正高级".into(),
    };
    let staff_view = experts_notice_board(&env.app, w.call).await.unwrap();
    assert_eq!(staff_view.experts, vec![pubu_row.clone()]);
    assert!(staff_view.notices.is_empty());

    // The period is checked as for 立项公示.
    match publish_experts_notice(
        &env.app,
        &manager(),
        w.call,
        &NoticeForm {
            ends: "2023-05-03".into(),
            ..form.clone()
        },
    )
    .await
    {
        Err(AppError::Validation(e)) => assert!(e.get("ends").is_some(), "{e:?}"),
        other => panic!("expected a period error, got {other:?}"),
    }
    let id = publish_experts_notice(&env.app, &manager(), w.call, &form)
        .await
        .unwrap();
    assert_eq!(audit_count(&env.app, "notice.publish").await, 1);
    assert_eq!(
        refusal_of(publish_experts_notice(&env.app, &manager(), w.call, &form).await),
        "本类别的专家公示尚在公示期内，不能重复发布"
    );

    // Not on the portal before its period; then listed, taking no objections.
    assert!(public_notices(&env.app).await.unwrap().is_empty());
    env.clock
        .set(parse_moment("2023-05-02", DayPart::Start).unwrap());
    let shown = public_notices(&env.app).await.unwrap();
    assert_eq!(shown.len(), 1);
    let n = &shown[0];
    assert_eq!((n.id, n.kind), (id, NoticeKind::Experts));
    assert_eq!(n.experts, vec![pubu_row.clone()]);
    assert!(n.items.is_empty());
    assert_eq!(n.phase, NoticePhase::Open);
    assert_eq!(n.phase_label(), "公示中");
    assert!(!n.open());

    // A review submitted later does not change what was announced.
    let (nima, nima_e) = w.free[2];
    let (naid, _) = assignment_of(&board, nima_e)[0];
    accept_assignment(&env.app, &person_actor(nima.0), nima, naid, true)
        .await
        .unwrap();
    submit_review(&env.app, &person_actor(nima.0), nima, naid, &full)
        .await
        .unwrap();
    assert_eq!(
        public_notices(&env.app).await.unwrap()[0].experts,
        vec![pubu_row]
    );
    assert_eq!(
        experts_notice_board(&env.app, w.call)
            .await
            .unwrap()
            .experts
            .len(),
        2
    );

    env.clock
        .set(parse_moment("2023-05-09", DayPart::Start).unwrap());
    assert_eq!(
        public_notices(&env.app).await.unwrap()[0].phase_label(),
        "公示已结束"
    );
}
both!(the_experts_notice_lists_those_who_reviewed);

/// Each expert with new assignments hears of them once per run, however
/// many applications they were given; a run that changes nothing for an
/// expert sends them nothing.
pub(crate) async fn each_assigned_expert_gets_one_sms_per_run(env: TestEnv) {
    use scigrant_app::notify::recent;

    let w = world(&env).await;
    save_plan(&env.app, &manager(), w.call, &plan_form("3", "0", "3"))
        .await
        .unwrap();
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let board = assignment_board(&env.app, w.call).await.unwrap();
    let mut per_expert: BTreeMap<ExpertId, usize> = BTreeMap::new();
    for r in &board.rows {
        *per_expert.entry(r.expert_id).or_default() += 1;
    }
    assert!(per_expert.values().any(|n| *n > 1), "{per_expert:?}");
    let deadline = scigrant_domain::calendar::format_datetime(
        plan_of_call(&env.app, w.call)
            .await
            .unwrap()
            .unwrap()
            .accept_deadline,
    );
    let told = |all: Vec<scigrant_app::notify::OutboxView>| -> Vec<String> {
        all.into_iter()
            .map(|m| m.body)
            .filter(|b| b.contains("评审任务"))
            .collect()
    };
    let sms = told(recent(&env.app, 100).await.unwrap());
    assert_eq!(sms.len(), per_expert.len());
    let mut expected: Vec<String> = per_expert
        .values()
        .map(|n| {
            format!(
                "您有{n}份“产业科技服务团”申报书的评审任务，请于{deadline}前登录系统，在“评审任务”中确认无利益冲突并接受评审。"
            )
        })
        .collect();
    let mut got: Vec<String> = sms
        .iter()
        .map(|b| b[b.find("您有").unwrap()..].to_string())
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    // The same assignment again: nobody is told twice.
    run_assignment(&env.app, &manager(), w.call).await.unwrap();
    let again = assignment_board(&env.app, w.call).await.unwrap();
    assert_eq!(active(&again), active(&board));
    assert_eq!(told(recent(&env.app, 100).await.unwrap()).len(), sms.len());
}
both!(each_assigned_expert_gets_one_sms_per_run);
