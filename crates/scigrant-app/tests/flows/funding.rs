//! 立项 and 立项公示 on both databases: the selection refused beyond the
//! call's quota, budget, cap and the requested amount; the notice period
//! to the second; objections under real names; an upheld objection
//! sending the decision back; the applicant's view of the outcome.

use scigrant_app::AppError;
use scigrant_app::evaluation::funding::{self, DecisionForm};
use scigrant_app::evaluation::notices::{self, NoticeForm};
use scigrant_app::evaluation::objections::{
    ObjectionForm, STATEMENT_MAX, handle_objection, lodge_objection, objections_of,
};
use scigrant_app::grants::applications::Reader;
use scigrant_app::testing::{
    TestEnv, accepted_application, audit_count, funding_call, jpeg, pdf, staff_actor, upload,
    visitor,
};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::evaluation::funding::{NoticePhase, ObjectionOutcome, Verdict};
use scigrant_domain::grants::form::Money;
use scigrant_domain::ids::ApplicationId;
use scigrant_domain::upload::FileKind;

use super::{new_captcha, refusal_of};

fn wan(s: &str) -> Money {
    Money::parse(s).unwrap()
}

fn fund(amount: &str, reason: &str) -> DecisionForm {
    DecisionForm {
        verdict: "fund".into(),
        amount: amount.into(),
        reason: reason.into(),
    }
}

fn decline(reason: &str) -> DecisionForm {
    DecisionForm {
        verdict: "decline".into(),
        amount: String::new(),
        reason: reason.into(),
    }
}

/// The field error of a refused decision, as shown beside its field.
fn field_error(r: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match r {
        Err(AppError::Validation(e)) => e
            .get(field)
            .unwrap_or_else(|| panic!("no error on {field}: {e:?}"))
            .to_string(),
        other => panic!("expected a field error on {field}, got {other:?}"),
    }
}

async fn decide(env: &TestEnv, id: ApplicationId, f: &DecisionForm) -> Result<(), AppError> {
    funding::decide(&env.app, &staff_actor(99), id, f).await
}

pub(crate) async fn funding_stays_within_quota_budget_request_and_cap(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "3", "60").await;
    let (_, a) = accepted_application(&env.app, call, 1, "高原农牧业科技服务团").await;
    let (_, b) = accepted_application(&env.app, call, 2, "清洁能源科技服务团").await;
    let (_, c) = accepted_application(&env.app, call, 3, "藏医药科技服务团").await;
    let (_, d) = accepted_application(&env.app, call, 4, "文化旅游科技服务团").await;
    let staff = staff_actor(99);

    // Nothing is funded before the budget is set.
    assert_eq!(
        field_error(decide(&env, a, &fund("50", "")).await, "amount"),
        "请先设置本计划类别的资助预算"
    );
    funding::set_budget(&env.app, &staff, call, "100")
        .await
        .unwrap();

    // Above the request (55 万元) and above the cap (60 万元), each named.
    assert_eq!(
        field_error(decide(&env, a, &fund("55.01", "")).await, "amount"),
        "资助金额不得超过申请经费 55.00 万元"
    );
    assert_eq!(
        field_error(decide(&env, a, &fund("61", "")).await, "amount"),
        "资助金额不得超过单项资助上限 60.00 万元"
    );
    assert_eq!(
        field_error(decide(&env, a, &fund("五十", "")).await, "amount"),
        "请输入金额（万元，最多两位小数）"
    );
    decide(&env, a, &fund("55", "专家评审排名第一"))
        .await
        .unwrap();

    // The budget: 55 + 50 exceeds 100.
    assert_eq!(
        field_error(decide(&env, b, &fund("50", "")).await, "amount"),
        "资助总额 105.00 万元 超出预算 100.00 万元"
    );
    decide(&env, b, &fund("25", "")).await.unwrap();
    decide(&env, c, &fund("20", "")).await.unwrap();

    // The quota: a fourth project is refused whatever its amount.
    assert_eq!(
        field_error(decide(&env, d, &fund("1", "")).await, "verdict"),
        "立项数量已达上限 3 项"
    );
    // 不予立项 needs a reason the applicant can read.
    assert_eq!(
        field_error(decide(&env, d, &decline("  ")).await, "reason"),
        "不予立项须填写理由"
    );
    decide(&env, d, &decline("评审得分低于立项线"))
        .await
        .unwrap();
    // A posted verdict that is neither is refused, not read as one.
    assert_eq!(
        field_error(
            decide(
                &env,
                d,
                &DecisionForm {
                    verdict: "approve".into(),
                    ..fund("1", "")
                }
            )
            .await,
            "verdict"
        ),
        "请选择立项或不予立项"
    );

    // A decision is replaced, and the whole selection checked again.
    decide(&env, a, &fund("50", "")).await.unwrap();
    let board = funding::board(&env.app, call).await.unwrap();
    assert_eq!(board.funded_count, 3);
    assert_eq!(board.funded_total, wan("95"));
    assert_eq!(board.remaining(), Some(wan("5")));
    assert_eq!(board.candidates.len(), 4);
    let first = &board.candidates[0];
    assert_eq!(first.requested, Some(wan("55")));
    assert_eq!(first.leader, "张伟");
    assert_eq!(
        first.decision.as_ref().map(|x| (x.verdict, x.amount)),
        Some((Verdict::Fund, wan("50")))
    );
    // The budget cannot drop below what is funded.
    assert_eq!(
        field_error(
            funding::set_budget(&env.app, &staff, call, "90").await,
            "budget"
        ),
        "资助预算不得低于已立项资助总额 95.00 万元"
    );
    assert_eq!(audit_count(&env.app, "funding.decide").await, 5);
    assert_eq!(audit_count(&env.app, "funding.budget").await, 1);
}
both!(funding_stays_within_quota_budget_request_and_cap);

/// 2023-05-02 … 2023-05-08 (7 days), CST.
fn period() -> NoticeForm {
    NoticeForm {
        title: "2023年产业科技服务团立项公示".into(),
        body: "现将拟立项项目予以公示。公示期内如有异议，请以实名书面形式提出。".into(),
        starts: "2023-05-02".into(),
        ends: "2023-05-08".into(),
    }
}

fn period_start() -> i64 {
    parse_moment("2023-05-02", DayPart::Start).unwrap()
}

/// T: the last second of the period, 2023-05-08 23:59:59 CST.
fn period_end() -> i64 {
    parse_moment("2023-05-08", DayPart::End).unwrap()
}

async fn objection(
    env: &TestEnv,
    notice: i64,
    application: ApplicationId,
    name: &str,
) -> Result<String, AppError> {
    let statement = upload(
        &env.app,
        FileKind::Pdf,
        STATEMENT_MAX,
        "异议书.pdf",
        &pdf(2000),
    )
    .await;
    objection_with(env, notice, application, name, statement).await
}

async fn objection_with(
    env: &TestEnv,
    notice: i64,
    application: ApplicationId,
    name: &str,
    statement: scigrant_app::identity::register::Uploaded,
) -> Result<String, AppError> {
    let f = ObjectionForm {
        application: application.to_string(),
        name: name.into(),
        unit: "拉萨市某研究院".into(),
        contact: "15987654321".into(),
        grounds: "该项目团队成员与另一已立项项目重复，且申报材料中的业绩不实。".into(),
        captcha_id: new_captcha(env).await,
        captcha: "TEST".into(),
    };
    lodge_objection(&env.app, &visitor(), notice, &f, Some(&statement)).await
}

/// Two accepted applications: the first funded with 55 万元, the second
/// declined with a reason; the budget 100 万元.
async fn decided_call(
    env: &TestEnv,
) -> (
    scigrant_domain::ids::CallId,
    ApplicationId,
    ApplicationId,
    i64,
) {
    let call = funding_call(&env.app, "KJFWT2023-01", "3", "60").await;
    let (member, a) = accepted_application(&env.app, call, 1, "高原农牧业科技服务团").await;
    let (_, b) = accepted_application(&env.app, call, 2, "清洁能源科技服务团").await;
    funding::set_budget(&env.app, &staff_actor(99), call, "100")
        .await
        .unwrap();
    decide(env, a, &fund("55", "")).await.unwrap();
    decide(env, b, &decline("评审得分低于立项线"))
        .await
        .unwrap();
    (call, a, b, member.person.0)
}

pub(crate) async fn notice_period_and_objections_to_the_second(env: TestEnv) {
    let (call, a, b, person) = decided_call(&env).await;
    let staff = staff_actor(99);

    // The period is 5 to 10 days.
    let short = NoticeForm {
        ends: "2023-05-05".into(),
        ..period()
    };
    assert_eq!(
        field_error(
            notices::publish_funding_notice(&env.app, &staff, call, &short).await,
            "ends"
        ),
        "公示期为 5 至 10 天（当前 4 天）"
    );
    // Not visible to the applicant before publication.
    assert_eq!(
        notices::outcome(&env.app, Reader::Person(person), a)
            .await
            .unwrap(),
        None
    );
    let notice = notices::publish_funding_notice(&env.app, &staff, call, &period())
        .await
        .unwrap();
    // The applicants and their units are told (two applications, two
    // messages each).
    let sent = scigrant_app::notify::recent(&env.app, 50).await.unwrap();
    let told: Vec<_> = sent
        .iter()
        .filter(|m| {
            m.body
                .contains("立项结果将于2023-05-02起公示，请登录系统查看")
        })
        .collect();
    assert_eq!(told.len(), 4);
    // Published for a period that has not begun: still nothing to see.
    assert_eq!(
        notices::outcome(&env.app, Reader::Person(person), a)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        notices::public_notice(&env.app, notice).await,
        Err(AppError::NotFound)
    ));
    // Decisions are locked while the notice stands.
    assert_eq!(
        refusal_of(decide(&env, a, &fund("50", "")).await),
        "本类别的立项公示已发布，立项决定不能修改；如异议成立，决定将退回重新办理"
    );

    env.clock.set(period_start());
    let outcome = notices::outcome(&env.app, Reader::Person(person), a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.phase, NoticePhase::Open);
    let d = outcome.decision.unwrap();
    assert_eq!((d.verdict, d.amount), (Verdict::Fund, wan("55")));
    let declined = notices::outcome(&env.app, Reader::Staff, b)
        .await
        .unwrap()
        .unwrap()
        .decision
        .unwrap();
    assert_eq!(
        (declined.verdict, declined.reason.as_str()),
        (Verdict::Decline, "评审得分低于立项线")
    );
    let public = notices::public_notice(&env.app, notice).await.unwrap();
    assert_eq!(public.items.len(), 1, "the declined one is not listed");
    let item = &public.items[0];
    assert_eq!(
        (
            item.project.as_str(),
            item.unit_name.as_str(),
            item.leader.as_str(),
            item.amount
        ),
        (
            "高原农牧业科技服务团",
            "西藏高原科学研究所1",
            "张伟",
            wan("55")
        )
    );

    // Anonymous or nameless objections are refused beside the name.
    assert_eq!(
        field_error(objection(&env, notice, a, "").await, "name"),
        "请填写真实姓名（不受理匿名异议）"
    );
    assert_eq!(
        field_error(objection(&env, notice, a, "匿名").await, "name"),
        "不受理匿名异议，请填写真实姓名"
    );
    // Only a project the notice lists.
    assert_eq!(
        field_error(objection(&env, notice, b, "欧阳明睿").await, "application"),
        "请选择异议涉及的项目"
    );

    // T−1 s: taken. T+1 s: refused.
    env.clock.set(period_end() - 1000);
    let number = objection(&env, notice, a, "欧阳明睿").await.unwrap();
    assert_eq!(number, format!("YY{notice:04}-001"));
    env.clock.set(period_end() + 1000);
    assert_eq!(
        refusal_of(objection(&env, notice, a, "李强").await),
        "公示期已于 2023-05-08 23:59:59 结束，不再受理异议"
    );
    assert_eq!(audit_count(&env.app, "objection.lodge").await, 1);

    // Period over with an objection pending: not final yet.
    let outcome = notices::outcome(&env.app, Reader::Person(person), a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.phase, NoticePhase::Pending);
    // The applicant's view carries nothing of the objector.
    let seen = format!("{outcome:?}");
    for objector in ["欧阳明睿", "拉萨市某研究院", "15987654321", "159****4321"] {
        assert!(
            !seen.contains(objector),
            "{objector} shown to the applicant"
        );
    }

    // Staff see the objector (contact masked) and dismiss it.
    let (_, list) = objections_of(&env.app, notice).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].name.as_str(), list[0].contact_masked.as_str()),
        ("欧阳明睿", "159****4321")
    );
    assert_eq!(
        field_error(
            handle_objection(&env.app, &staff, list[0].id, "dismissed", " ").await,
            "outcome_reason"
        ),
        "请输入处理理由"
    );
    handle_objection(
        &env.app,
        &staff,
        list[0].id,
        ObjectionOutcome::Dismissed.code(),
        "经核查，团队成员未重复，业绩属实",
    )
    .await
    .unwrap();
    assert_eq!(
        refusal_of(handle_objection(&env.app, &staff, list[0].id, "upheld", "再次处理").await),
        "该异议已处理，不能重复处理"
    );
    // Every objection handled, none upheld, period over: final.
    let outcome = notices::outcome(&env.app, Reader::Person(person), a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.phase, NoticePhase::Final);
    assert_eq!(audit_count(&env.app, "objection.handle").await, 1);
    assert_eq!(audit_count(&env.app, "notice.publish").await, 1);
}
both!(notice_period_and_objections_to_the_second);

pub(crate) async fn an_upheld_objection_reopens_the_decision(env: TestEnv) {
    let (call, a, _, person) = decided_call(&env).await;
    let staff = staff_actor(99);
    let notice = notices::publish_funding_notice(&env.app, &staff, call, &period())
        .await
        .unwrap();
    env.clock.set(period_start() + 3_600_000);
    // The signed statement may be a photo (JPG) as well as a PDF, told
    // apart by content; anything else is refused while it streams.
    let either = [FileKind::Pdf, FileKind::Jpeg];
    let mut text = env
        .app
        .files
        .begin_any(&either, STATEMENT_MAX)
        .await
        .unwrap();
    assert_eq!(
        text.write(b"hello, not a document")
            .await
            .unwrap_err()
            .to_string(),
        "文件格式不正确，请上传PDF或JPG格式的文件"
    );
    let mut photo = env
        .app
        .files
        .begin_any(&either, STATEMENT_MAX)
        .await
        .unwrap();
    photo.write(&jpeg(3000)).await.unwrap();
    let stored = photo.finish().await.unwrap();
    assert_eq!(stored.kind, FileKind::Jpeg);
    let statement = scigrant_app::identity::register::Uploaded {
        stored,
        original_name: "异议书.jpg".into(),
    };
    objection_with(&env, notice, a, "欧阳明睿", statement)
        .await
        .unwrap();
    let (_, list) = objections_of(&env.app, notice).await.unwrap();
    handle_objection(
        &env.app,
        &staff,
        list[0].id,
        ObjectionOutcome::Upheld.code(),
        "经核查，申报业绩与事实不符",
    )
    .await
    .unwrap();

    // The notice is withdrawn and never becomes final; the decision is
    // back with staff and no longer counts.
    env.clock.set(period_end() + 1000);
    let outcome = notices::outcome(&env.app, Reader::Person(person), a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.phase, NoticePhase::Withdrawn);
    assert_eq!(outcome.decision, None);
    let board = funding::board(&env.app, call).await.unwrap();
    assert!(!board.locked);
    assert_eq!(board.funded_count, 0);
    let reopened = board.candidates.iter().find(|c| c.id == a).unwrap();
    assert!(reopened.decision.as_ref().unwrap().reopened);
    assert_eq!(audit_count(&env.app, "notice.withdraw").await, 1);

    // A new notice waits for the new decision.
    let again = NoticeForm {
        starts: "2023-05-10".into(),
        ends: "2023-05-16".into(),
        ..period()
    };
    assert_eq!(
        refusal_of(notices::publish_funding_notice(&env.app, &staff, call, &again).await),
        "有异议成立后退回的立项决定尚未重新作出，请先重新决定"
    );
    decide(&env, a, &decline("异议成立：申报业绩与事实不符"))
        .await
        .unwrap();
    assert_eq!(
        refusal_of(notices::publish_funding_notice(&env.app, &staff, call, &again).await),
        "尚无立项项目，不能发布立项公示"
    );
}
both!(an_upheld_objection_reopens_the_decision);

/// Two decisions at once on the same call cannot both take the last of
/// the budget: the selection is checked under a lock.
pub(crate) async fn parallel_decisions_cannot_overrun_the_budget(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "3", "60").await;
    let (_, a) = accepted_application(&env.app, call, 1, "高原农牧业科技服务团").await;
    let (_, b) = accepted_application(&env.app, call, 2, "清洁能源科技服务团").await;
    funding::set_budget(&env.app, &staff_actor(99), call, "100")
        .await
        .unwrap();
    let (fa, fb) = (fund("55", ""), fund("55", ""));
    let (ra, rb) = tokio::join!(decide(&env, a, &fa), decide(&env, b, &fb));
    let refused: Vec<_> = [ra, rb].into_iter().filter(|r| r.is_err()).collect();
    assert_eq!(refused.len(), 1, "exactly one of the two is refused");
    let board = funding::board(&env.app, call).await.unwrap();
    assert_eq!((board.funded_count, board.funded_total), (1, wan("55")));
}
both!(parallel_decisions_cannot_overrun_the_budget);
