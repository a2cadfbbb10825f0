//! The expert library (专家库): a person's 科技项目专家申请 with its
//! field checks, the staff's decisions on it, search and export.

use scigrant_app::AppError;
use scigrant_app::evaluation::experts::{
    AvoidLine, ExpertAction, ExpertForm, ExpertSearch, apply, decide_expert, expert_detail,
    export_experts, my_expert, search_experts,
};
use scigrant_app::testing::{
    ApprovedMember, TestEnv, audit_count, id_number, person_actor, phone, staff_actor,
};
use scigrant_domain::evaluation::expert::ExpertState;
use scigrant_domain::ids::{ExpertId, PersonId};

use super::{new_person, refusal_of};

const SUMMARY: &str = "长期从事高原生态系统与遥感监测研究，主持多项国家级科研项目。";

fn form(codes: &[&str], primary: usize, keywords: &str) -> ExpertForm {
    ExpertForm {
        disciplines: codes.iter().map(|c| c.to_string()).collect(),
        primary: vec![primary.to_string()],
        keywords: keywords.into(),
        title: "正高级".into(),
        unit_name: "西藏高原科学研究所1".into(),
        summary: SUMMARY.into(),
        avoid_units: vec![],
        avoid_persons: vec![],
        available: true,
    }
}

fn field_errors(r: Result<ExpertId, AppError>) -> Vec<(String, String)> {
    match r {
        Err(AppError::Validation(e)) => e.0.into_iter().collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn err(field: &str, msg: &str) -> (String, String) {
    (field.to_string(), msg.to_string())
}

async fn applied(env: &TestEnv, n: u32, codes: &[&str], keywords: &str) -> (PersonId, ExpertId) {
    let p = new_person(env, n).await;
    let id = apply(&env.app, &person_actor(p.0), p, &form(codes, 0, keywords))
        .await
        .unwrap();
    (p, id)
}

async fn an_application_with_bad_fields_is_refused_beside_each_field(env: TestEnv) {
    let p = new_person(&env, 1).await;
    let actor = person_actor(p.0);
    let bad = ExpertForm {
        disciplines: vec![String::new(); 5],
        primary: vec!["0".into()],
        keywords: "遥感，生态，冰川，草地，湿地，冻土".into(),
        title: String::new(),
        unit_name: "  ".into(),
        summary: "研究高原生态".into(),
        avoid_units: vec![AvoidLine {
            name: "不存在的单位".into(),
            reason: "曾任职".into(),
        }],
        avoid_persons: vec![AvoidLine {
            name: "李四".into(),
            reason: String::new(),
        }],
        available: true,
    };
    let errs = field_errors(apply(&env.app, &actor, p, &bad).await);
    assert_eq!(
        errs,
        vec![
            err("avoid_persons", "第1行：请填写回避理由"),
            err(
                "avoid_units",
                "第1行：未找到单位“不存在的单位”，请填写在本平台注册的单位全称"
            ),
            err("disciplines", "请至少选择一个学科"),
            err("keywords", "研究方向最多填写5个关键词，当前6个"),
            err("summary", "研究领域应为20至500个字，当前6个字"),
            err("title", "请选择职称"),
            err("unit_name", "请输入工作单位"),
        ]
    );
    // Nothing half-written stays.
    assert!(my_expert(&env.app, p).await.unwrap().is_none());
    assert_eq!(audit_count(&env.app, "expert.").await, 0);
}
both!(an_application_with_bad_fields_is_refused_beside_each_field);

async fn disciplines_need_known_codes_and_exactly_one_primary(env: TestEnv) {
    let p = new_person(&env, 2).await;
    let actor = person_actor(p.0);
    let mut f = form(&["110", "52020"], 0, "代数");
    f.primary = vec![];
    assert_eq!(
        field_errors(apply(&env.app, &actor, p, &f).await),
        vec![err("disciplines", "请指定一个主学科")]
    );
    f.primary = vec!["0".into(), "1".into()];
    assert_eq!(
        field_errors(apply(&env.app, &actor, p, &f).await),
        vec![err("disciplines", "只能指定一个主学科")]
    );
    let f = form(&["110", "11999"], 0, "代数");
    assert_eq!(
        field_errors(apply(&env.app, &actor, p, &f).await),
        vec![err(
            "disciplines",
            "学科代码“11999”不在《学科分类与代码》(GB/T 13745-2009)中"
        )]
    );
    let f = form(&["110", ""], 1, "代数");
    assert_eq!(
        field_errors(apply(&env.app, &actor, p, &f).await),
        vec![err("disciplines", "请指定一个主学科")]
    );
    let f = form(&["110"], 0, "a，b，c，d，e，f");
    assert_eq!(
        field_errors(apply(&env.app, &actor, p, &f).await),
        vec![err("keywords", "研究方向最多填写5个关键词，当前6个")]
    );
    // Five keywords and the second row as primary are accepted.
    let f = form(&["110", "52020"], 1, "a，b，c，d，e");
    apply(&env.app, &actor, p, &f).await.unwrap();
    let mine = my_expert(&env.app, p).await.unwrap().unwrap();
    assert_eq!(mine.state, ExpertState::Applied);
    assert_eq!(mine.keywords, ["a", "b", "c", "d", "e"]);
    let codes: Vec<(&str, &str, bool)> = mine
        .disciplines
        .iter()
        .map(|d| (d.code.as_str(), d.path.as_str(), d.primary))
        .collect();
    assert_eq!(
        codes,
        [
            ("52020", "计算机科学技术 › 人工智能", true),
            ("110", "数学", false)
        ]
    );
    assert_eq!(audit_count(&env.app, "expert.apply").await, 1);
}
both!(disciplines_need_known_codes_and_exactly_one_primary);

async fn approval_makes_an_expert_assignable_and_rejection_shows_its_reason(env: TestEnv) {
    let member = ApprovedMember::builder(3).build(&env.app).await;
    let other = ApprovedMember::builder(4).build(&env.app).await;
    let p = member.person;
    let mut f = form(&["170", "17045"], 1, "青藏高原\n冰川变化");
    f.avoid_units = vec![AvoidLine {
        name: "西藏高原科学研究所4".into(),
        reason: "近三年合作单位".into(),
    }];
    f.avoid_persons = vec![AvoidLine {
        name: "王五".into(),
        reason: "师生关系".into(),
    }];
    let id = apply(&env.app, &person_actor(p.0), p, &f).await.unwrap();
    let staff = staff_actor(7);
    // Rejecting needs a reason.
    let r = decide_expert(&env.app, &staff, id, ExpertAction::Reject, " ").await;
    assert!(
        matches!(&r, Err(AppError::Validation(e)) if e.get("reason") == Some("请填写不予通过的理由")),
        "{r:?}"
    );
    decide_expert(
        &env.app,
        &staff,
        id,
        ExpertAction::Reject,
        "研究领域描述过于简略",
    )
    .await
    .unwrap();
    let mine = my_expert(&env.app, p).await.unwrap().unwrap();
    assert_eq!(mine.state.label(), "未通过");
    assert_eq!(mine.state_reason, "研究领域描述过于简略");
    assert!(mine.editable());
    assert_eq!(mine.avoid_units[0].unit_id, Some(other.unit.0));
    assert_eq!(mine.avoid_units[0].reason, "近三年合作单位");
    assert_eq!(mine.avoid_persons[0].name, "王五");
    assert_eq!(mine.avoid_persons[0].unit_id, None);
    // The person corrects and resubmits: back to 待审核, the reason gone.
    let mut again = mine.form();
    again.summary = format!("{SUMMARY}近年来重点关注冰川物质平衡观测。");
    apply(&env.app, &person_actor(p.0), p, &again)
        .await
        .unwrap();
    let mine = my_expert(&env.app, p).await.unwrap().unwrap();
    assert_eq!(mine.state, ExpertState::Applied);
    assert_eq!(mine.state_reason, "");
    assert!(mine.summary.ends_with("冰川物质平衡观测。"));
    assert_eq!(mine.disciplines[0].code, "17045");
    decide_expert(&env.app, &staff, id, ExpertAction::Approve, "")
        .await
        .unwrap();
    let e = expert_detail(&env.app, id).await.unwrap();
    assert_eq!(e.state.label(), "已入库");
    assert!(e.state.assignable());
    assert_eq!(e.unit_name, "西藏高原科学研究所1");
    // An expert in the library cannot re-apply over their record.
    let r = apply(&env.app, &person_actor(p.0), p, &again).await;
    assert_eq!(
        refusal_of(r),
        "您已是已入库专家，不能重新申请；如需修改信息请联系项目管理员"
    );
    assert_eq!(audit_count(&env.app, "expert.apply").await, 2);
    assert_eq!(audit_count(&env.app, "expert.reject").await, 1);
    assert_eq!(audit_count(&env.app, "expert.approve").await, 1);
}
both!(approval_makes_an_expert_assignable_and_rejection_shows_its_reason);

async fn pause_resume_and_retire_follow_the_state_machine(env: TestEnv) {
    let (_, id) = applied(&env, 5, &["140"], "光学").await;
    let staff = staff_actor(7);
    let go = |a| decide_expert(&env.app, &staff, id, a, "");
    assert_eq!(
        refusal_of(go(ExpertAction::Pause).await),
        "该专家当前状态为“待审核”，不能暂停"
    );
    assert_eq!(
        refusal_of(go(ExpertAction::Resume).await),
        "该专家当前状态为“待审核”，不能恢复"
    );
    go(ExpertAction::Approve).await.unwrap();
    assert_eq!(
        refusal_of(go(ExpertAction::Approve).await),
        "该专家当前状态为“已入库”，不能审核通过"
    );
    go(ExpertAction::Pause).await.unwrap();
    let e = expert_detail(&env.app, id).await.unwrap();
    assert_eq!(e.state.label(), "已暂停");
    assert!(!e.state.assignable());
    go(ExpertAction::Resume).await.unwrap();
    assert!(
        expert_detail(&env.app, id)
            .await
            .unwrap()
            .state
            .assignable()
    );
    decide_expert(&env.app, &staff, id, ExpertAction::Retire, "本人申请退出")
        .await
        .unwrap();
    let e = expert_detail(&env.app, id).await.unwrap();
    assert_eq!(e.state.label(), "已退出");
    assert_eq!(e.state_reason, "本人申请退出");
    for a in ExpertAction::ALL {
        let r = decide_expert(&env.app, &staff, id, a, "理由").await;
        assert!(
            refusal_of(r).starts_with("该专家当前状态为“已退出”"),
            "{a:?}"
        );
    }
    assert_eq!(audit_count(&env.app, "expert.pause").await, 1);
    assert_eq!(audit_count(&env.app, "expert.resume").await, 1);
    assert_eq!(audit_count(&env.app, "expert.retire").await, 1);
}
both!(pause_resume_and_retire_follow_the_state_machine);

async fn staff_search_by_discipline_prefix_and_keyword_and_export_masked(env: TestEnv) {
    let (_, ai) = applied(&env, 6, &["52020"], "机器学习，知识图谱").await;
    let (_, soft) = applied(&env, 7, &["52040", "110"], "软件测试").await;
    let (_, math) = applied(&env, 8, &["11021"], "代数几何").await;
    decide_expert(&env.app, &staff_actor(7), ai, ExpertAction::Approve, "")
        .await
        .unwrap();
    let ids = |s: ExpertSearch| {
        let app = env.app.clone();
        async move {
            let mut v: Vec<i64> = search_experts(&app, &s, 1)
                .await
                .unwrap()
                .rows
                .iter()
                .map(|e| e.id.0)
                .collect();
            v.sort();
            v
        }
    };
    let by = |d: &str| ExpertSearch {
        discipline: d.into(),
        ..ExpertSearch::default()
    };
    assert_eq!(ids(by("520")).await, [ai.0, soft.0]);
    assert_eq!(ids(by("5202")).await, [ai.0]);
    // 110 is the primary of one and a second 学科 of another.
    assert_eq!(ids(by("110")).await, [soft.0, math.0]);
    assert_eq!(ids(by("11")).await, [soft.0, math.0]);
    let kw = ExpertSearch {
        keyword: "知识图谱".into(),
        ..ExpertSearch::default()
    };
    assert_eq!(ids(kw).await, [ai.0]);
    let approved = ExpertSearch {
        state: "approved".into(),
        ..ExpertSearch::default()
    };
    assert_eq!(ids(approved).await, [ai.0]);
    let region = ExpertSearch {
        region: "5401".into(),
        title: "正高级".into(),
        ..ExpertSearch::default()
    };
    assert_eq!(ids(region).await.len(), 3);
    let elsewhere = ExpertSearch {
        region: "11".into(),
        ..ExpertSearch::default()
    };
    assert!(ids(elsewhere).await.is_empty());
    let page = search_experts(&env.app, &by("5202"), 1).await.unwrap();
    assert_eq!(page.rows[0].primary, "52020 人工智能");
    assert_eq!(page.summary(), "显示1到1,共1记录");

    let bytes = export_experts(&env.app, &staff_actor(7), &by("520"), &[])
        .await
        .unwrap();
    let text = xlsx_text(&bytes);
    assert!(text.contains("52040 计算机软件；110 数学"), "{text}");
    assert!(text.contains("机器学习；知识图谱"), "{text}");
    for n in [6, 7] {
        assert!(!text.contains(&phone(50_000 + n)), "phone {n} masked");
        assert!(!text.contains(&id_number(n)), "no ID number");
    }
    assert!(text.contains("139****"), "{text}");
    assert!(!text.contains("身份证"));
    assert_eq!(audit_count(&env.app, "expert.export").await, 1);
}
both!(staff_search_by_discipline_prefix_and_keyword_and_export_masked);

/// The shared strings of a workbook (where rust_xlsxwriter puts text).
fn xlsx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name("xl/sharedStrings.xml").unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

/// The person hears of the staff's decision by SMS, and once approved
/// their home links to the 评审任务; paused, the link goes.
async fn decisions_are_sent_by_sms_and_the_home_links_to_review_tasks(env: TestEnv) {
    use scigrant_app::identity::home::person_home;
    use scigrant_app::notify::recent;
    use scigrant_domain::mask::mask_phone;

    let member = ApprovedMember::builder(5).build(&env.app).await;
    let p = member.person;
    let staff = staff_actor(7);
    let id = apply(
        &env.app,
        &person_actor(p.0),
        p,
        &form(&["170"], 0, "青藏高原"),
    )
    .await
    .unwrap();
    assert!(!person_home(&env.app, p).await.unwrap().is_expert);
    let newest = || async { recent(&env.app, 1).await.unwrap().remove(0) };

    decide_expert(
        &env.app,
        &staff,
        id,
        ExpertAction::Reject,
        "研究领域描述过于简略",
    )
    .await
    .unwrap();
    let sms = newest().await;
    assert_eq!(sms.recipient_masked, mask_phone(&member.phone));
    assert!(
        sms.body.ends_with(
            "】您的科技项目专家申请未通过审核，原因：研究领域描述过于简略。请登录系统查看。"
        ),
        "{}",
        sms.body
    );
    assert!(!person_home(&env.app, p).await.unwrap().is_expert);

    let again = my_expert(&env.app, p).await.unwrap().unwrap().form();
    apply(&env.app, &person_actor(p.0), p, &again)
        .await
        .unwrap();
    decide_expert(&env.app, &staff, id, ExpertAction::Approve, "")
        .await
        .unwrap();
    let sms = newest().await;
    assert_eq!(sms.recipient_masked, mask_phone(&member.phone));
    assert!(
        sms.body.ends_with(
            "】您的科技项目专家申请已审核通过，已入选专家库。请登录系统查看“评审任务”。"
        ),
        "{}",
        sms.body
    );
    assert!(person_home(&env.app, p).await.unwrap().is_expert);

    // Pausing tells nobody by SMS, and the link goes.
    let count = recent(&env.app, 100).await.unwrap().len();
    decide_expert(&env.app, &staff, id, ExpertAction::Pause, "本年度暂停评审")
        .await
        .unwrap();
    assert_eq!(recent(&env.app, 100).await.unwrap().len(), count);
    assert!(!person_home(&env.app, p).await.unwrap().is_expert);
}
both!(decisions_are_sent_by_sms_and_the_home_links_to_review_tasks);
