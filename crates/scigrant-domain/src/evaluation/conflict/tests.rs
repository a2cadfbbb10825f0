use super::*;

const APP: ApplicationId = ApplicationId(1);
const OTHER_APP: ApplicationId = ApplicationId(2);
const EXPERT: ExpertId = ExpertId(10);

fn unit(id: i64, name: &str) -> UnitRef {
    UnitRef {
        unit: Some(UnitId(id)),
        name: name.to_owned(),
    }
}

fn typed_unit(name: &str) -> UnitRef {
    UnitRef {
        unit: None,
        name: name.to_owned(),
    }
}

fn person(name: &str, unit_name: &str) -> PersonRef {
    PersonRef {
        person: None,
        id_key: None,
        name: name.to_owned(),
        unit_name: unit_name.to_owned(),
    }
}

fn application(id: ApplicationId) -> ApplicationParties {
    ApplicationParties {
        application: id,
        unit: unit(100, "西藏大学"),
        joint_units: vec![typed_unit("西藏农牧学院")],
        leaders: vec![PersonRef {
            person: Some(PersonId(500)),
            id_key: Some("540102199001011234".to_owned()),
            name: "格桑".to_owned(),
            unit_name: "西藏大学".to_owned(),
        }],
        team: vec![person("次仁", "西藏农牧学院")],
        emails: vec!["gesang@utibet.edu.cn".to_owned()],
        avoided_experts: vec![],
    }
}

/// An expert with no tie to [`application`].
fn unrelated_expert() -> ExpertTies {
    ExpertTies {
        expert: EXPERT,
        person: Some(PersonId(900)),
        id_key: Some("110101198001010011".to_owned()),
        name: "张三".to_owned(),
        unit: unit(200, "四川大学"),
        email: Some("zhangsan@scu.edu.cn".to_owned()),
        avoid_units: vec![],
        avoid_persons: vec![],
        declared_conflicts: vec![],
    }
}

fn reasons_for(apps: &[ApplicationParties], expert: ExpertTies) -> Vec<ConflictReason> {
    let ex = exclusions(apps, &[expert]);
    ex.reasons(APP, EXPERT).iter().collect()
}

#[test]
fn an_unrelated_expert_is_not_excluded() {
    assert_eq!(reasons_for(&[application(APP)], unrelated_expert()), vec![]);
}

#[test]
fn the_applicant_unit_excludes_by_account_and_by_name() {
    let mut by_account = unrelated_expert();
    by_account.unit = unit(100, "另一个名称");
    assert_eq!(
        reasons_for(&[application(APP)], by_account),
        vec![ConflictReason::SameUnit]
    );
    let mut by_name = unrelated_expert();
    by_name.unit = typed_unit(" 西藏 大学 ");
    assert_eq!(
        reasons_for(&[application(APP)], by_name),
        vec![ConflictReason::SameUnit]
    );
}

#[test]
fn a_joint_unit_excludes_by_normalised_name() {
    let mut app = application(APP);
    app.joint_units = vec![typed_unit("中国科学院（青藏高原研究所）")];
    let mut expert = unrelated_expert();
    expert.unit = unit(300, "中国科学院(青藏高原研究所)");
    assert_eq!(reasons_for(&[app], expert), vec![ConflictReason::JointUnit]);
}

#[test]
fn a_team_member_or_leader_is_excluded_here_and_from_the_whole_call() {
    // By name and unit (the 人员 table is typed).
    let mut member = unrelated_expert();
    member.name = "次仁".to_owned();
    member.unit = typed_unit("西藏农牧学院");
    let apps = [application(APP), application(OTHER_APP)];
    let ex = exclusions(&apps, &[member]);
    let here: Vec<_> = ex.reasons(APP, EXPERT).iter().collect();
    assert!(here.contains(&ConflictReason::TeamMember));
    assert!(here.contains(&ConflictReason::SameCall));
    // By ID-number key, whatever the unit or name.
    let mut leader = unrelated_expert();
    leader.id_key = Some("540102199001011234".to_owned());
    let ex = exclusions(&[application(APP)], &[leader]);
    assert!(ex.reasons(APP, EXPERT).contains(ConflictReason::TeamMember));
    // By account.
    let mut leader = unrelated_expert();
    leader.person = Some(PersonId(500));
    let ex = exclusions(&[application(APP)], &[leader]);
    assert!(ex.reasons(APP, EXPERT).contains(ConflictReason::TeamMember));
}

#[test]
fn an_application_in_the_same_call_excludes_from_every_application() {
    let mut mine = application(OTHER_APP);
    mine.unit = unit(200, "四川大学");
    mine.joint_units = vec![];
    mine.leaders = vec![person("张三", "四川大学")];
    mine.team = vec![];
    mine.emails = vec![];
    let ex = exclusions(&[application(APP), mine], &[unrelated_expert()]);
    assert_eq!(
        ex.reasons(APP, EXPERT).iter().collect::<Vec<_>>(),
        vec![ConflictReason::SameCall]
    );
    assert_eq!(
        ex.call_wide(),
        vec![(EXPERT, ConflictReasons::of(ConflictReason::SameCall))]
    );
    assert_eq!(ex.listing(&[APP, OTHER_APP]).len(), 2);
}

#[test]
fn a_declared_avoid_of_the_unit_or_a_person_excludes() {
    let mut of_unit = unrelated_expert();
    of_unit.avoid_units = vec![typed_unit("西藏农牧学院")];
    assert_eq!(
        reasons_for(&[application(APP)], of_unit),
        vec![ConflictReason::ExpertDeclaredAvoid]
    );
    let mut of_person = unrelated_expert();
    of_person.avoid_persons = vec![person("格桑", "西藏大学")];
    assert_eq!(
        reasons_for(&[application(APP)], of_person),
        vec![ConflictReason::ExpertDeclaredAvoid]
    );
    // Declared by name alone, as the library's 回避人员 rows are.
    let mut by_name = unrelated_expert();
    by_name.avoid_persons = vec![person("格 桑", "")];
    assert_eq!(
        reasons_for(&[application(APP)], by_name),
        vec![ConflictReason::ExpertDeclaredAvoid]
    );
    let mut other_name = unrelated_expert();
    other_name.avoid_persons = vec![person("央金", "")];
    assert!(reasons_for(&[application(APP)], other_name).is_empty());
}

#[test]
fn the_applicants_avoid_list_excludes_by_id_or_name_and_unit() {
    let mut by_id = application(APP);
    by_id.avoided_experts = vec![AvoidedExpert {
        expert: Some(EXPERT),
        name: String::new(),
        unit_name: String::new(),
    }];
    assert_eq!(
        reasons_for(&[by_id], unrelated_expert()),
        vec![ConflictReason::ApplicantRequested]
    );
    let mut by_name = application(APP);
    by_name.avoided_experts = vec![AvoidedExpert {
        expert: None,
        name: "张 三".to_owned(),
        unit_name: "四川大学".to_owned(),
    }];
    assert_eq!(
        reasons_for(&[by_name], unrelated_expert()),
        vec![ConflictReason::ApplicantRequested]
    );
}

#[test]
fn a_shared_institutional_mail_domain_excludes_but_a_public_one_does_not() {
    let mut same_domain = unrelated_expert();
    same_domain.email = Some("Someone@UTIBET.edu.cn".to_owned());
    assert_eq!(
        reasons_for(&[application(APP)], same_domain),
        vec![ConflictReason::SameEmailDomain]
    );
    for public in [
        "qq.com",
        "vip.qq.com",
        "163.com",
        "126.com",
        "gmail.com",
        "sina.com",
    ] {
        let mut app = application(APP);
        app.emails = vec![format!("gesang@{public}")];
        let mut expert = unrelated_expert();
        expert.email = Some(format!("zhangsan@{public}"));
        assert_eq!(reasons_for(&[app], expert), vec![], "{public}");
    }
    assert!(!is_public_mail_domain("notqq.com"));
}

#[test]
fn a_conflict_declared_at_opening_excludes_that_application_only() {
    let mut expert = unrelated_expert();
    expert.declared_conflicts = vec![APP];
    let ex = exclusions(&[application(APP), application(OTHER_APP)], &[expert]);
    assert_eq!(
        ex.reasons(APP, EXPERT).iter().collect::<Vec<_>>(),
        vec![ConflictReason::DeclaredAtOpening]
    );
    assert!(!ex.is_excluded(OTHER_APP, EXPERT));
}

#[test]
fn reasons_have_labels_and_codes_that_round_trip() {
    let mut set = ConflictReasons::default();
    set.insert(ConflictReason::TeamMember);
    set.insert(ConflictReason::SameUnit);
    assert_eq!(set.labels(), "同一单位、项目组成员");
    for r in ConflictReason::ALL {
        assert_eq!(ConflictReason::from_code(r.code()), Some(r));
    }
    assert_eq!(
        ConflictReason::DeclaredAtOpening.label(),
        "专家声明利益冲突"
    );
}

#[test]
fn names_fold_full_width_forms_and_spaces() {
    assert_eq!(normalise_name("ＡＢＣ 大学（一）"), "abc大学(一)");
    assert_eq!(normalise_name("阿沛・阿旺"), normalise_name("阿沛·阿旺"));
}
