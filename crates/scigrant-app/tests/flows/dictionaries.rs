//! 字典管理: the 系统管理员 adds, renames, reorders, disables and enables
//! dictionary entries; the registration and profile forms follow, and
//! records holding a retired entry keep it. Each test on SQLite and
//! PostgreSQL.

use scigrant_app::admin::dictionary::{
    EntryForm, add_entry, board, dictionary, edit_entry, set_enabled,
};
use scigrant_app::identity::members::{ProfileForm, member, person, save_profile};
use scigrant_app::identity::register::{register_person, register_unit};
use scigrant_app::identity::review::unit;
use scigrant_app::testing::{
    ApprovedMember, TestEnv, audit_count, jpeg, person_actor, person_form, staff_actor, unit_form,
    upload, visitor,
};
use scigrant_app::{Actor, AppError};
use scigrant_domain::dictionary::{DictChange, DictKind};
use scigrant_domain::identity::account::UnitKind;
use scigrant_domain::identity::id_number::DocumentType;
use scigrant_domain::upload::FileKind;

use crate::{errors_of, new_captcha};

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(scigrant_app::testing::test_env(scigrant_store::Backend::Sqlite).await)
                    .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(
                    scigrant_app::testing::test_env(scigrant_store::Backend::Postgres).await,
                )
                .await
            }
        }
    };
}

fn admin() -> Actor {
    let mut a = staff_actor(1);
    a.label = "系统管理员甲".into();
    a
}

fn entry(code: &str, label: &str, position: &str) -> EntryForm {
    EntryForm {
        code: code.into(),
        label: label.into(),
        position: position.into(),
    }
}

async fn codes(env: &TestEnv, kind: DictKind) -> Vec<(String, bool)> {
    dictionary(&env.app, kind)
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.code, e.enabled))
        .collect()
}

async fn register_unit_of_kind(env: &TestEnv, n: u32, kind: &str) -> Result<(), AppError> {
    let cert = upload(
        &env.app,
        FileKind::Jpeg,
        scigrant_app::identity::register::limits::USCC_CERT,
        "c.jpg",
        &jpeg(100),
    )
    .await;
    let mut f = unit_form(n);
    f.kind = kind.into();
    f.captcha_id = new_captcha(env).await;
    register_unit(&env.app, &visitor(), &f, Some(&cert))
        .await
        .map(|_| ())
}

both!(the_built_in_lists_are_the_seeds_with_their_codes);
async fn the_built_in_lists_are_the_seeds_with_their_codes(env: TestEnv) {
    // Calls name 单位性质 by these codes and persons hold these 证件类型:
    // the seeds keep them.
    let natures = dictionary(&env.app, DictKind::UnitNature).await.unwrap();
    let seeded: Vec<(&str, &str)> = natures
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.label.as_str()))
        .collect();
    let built_in: Vec<(&str, &str)> = UnitKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect();
    assert_eq!(seeded, built_in);
    let docs = dictionary(&env.app, DictKind::DocType).await.unwrap();
    let seeded: Vec<(&str, &str)> = docs
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.label.as_str()))
        .collect();
    let built_in: Vec<(&str, &str)> = DocumentType::all()
        .iter()
        .map(|d| (d.code(), d.label()))
        .collect();
    assert_eq!(seeded, built_in);
    let education: Vec<String> = codes(&env, DictKind::Education)
        .await
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(education, ["博士", "硕士", "本科", "大专", "中专", "其他"]);
    assert_eq!(codes(&env, DictKind::Degree).await.len(), 4);
    assert_eq!(codes(&env, DictKind::Title).await.len(), 5);
    assert!(!codes(&env, DictKind::Department).await.is_empty());
}

both!(entries_are_added_renamed_reordered_and_retired_with_history_and_audit);
async fn entries_are_added_renamed_reordered_and_retired_with_history_and_audit(env: TestEnv) {
    let app = &env.app;
    let k = DictKind::UnitNature;
    add_entry(app, &admin(), k, &entry("social_org", "社会组织", "60"))
        .await
        .unwrap();
    assert_eq!(
        codes(&env, k).await.last(),
        Some(&("social_org".to_string(), true))
    );
    // A unit may now register as one.
    register_unit_of_kind(&env, 1, "social_org").await.unwrap();

    // A code is never reused, retired or not; bad fields are refused each
    // beside its field.
    let e = errors_of(add_entry(app, &admin(), k, &entry("social_org", "另一个", "70")).await);
    assert_eq!(
        e.get("code"),
        Some("该代码已存在（含已停用的项），代码不能重复使用")
    );
    let e = errors_of(add_entry(app, &admin(), k, &entry("a b", "", "x")).await);
    assert_eq!(
        e.get("code"),
        Some("代码只能由字母、数字、汉字和 _ - . 组成")
    );
    assert_eq!(e.get("label"), Some("请输入名称"));
    assert_eq!(e.get("position"), Some("排序请填写0至9999的整数，小的在前"));
    // The same code in another dictionary is another entry.
    add_entry(
        app,
        &admin(),
        DictKind::Title,
        &entry("social_org", "其他职称", "90"),
    )
    .await
    .unwrap();

    // Rename and move first: the code stays.
    edit_entry(app, &admin(), k, "social_org", &entry("", "社会团体", "5"))
        .await
        .unwrap();
    let d = dictionary(app, k).await.unwrap();
    assert_eq!(d.entries[0].code, "social_org");
    assert_eq!(d.entries[0].label, "社会团体");
    assert_eq!(d.entries[0].position, 5);
    // Saving it unchanged records nothing.
    edit_entry(app, &admin(), k, "social_org", &entry("", "社会团体", "5"))
        .await
        .unwrap();
    let e = errors_of(
        edit_entry(
            app,
            &admin(),
            k,
            "social_org",
            &entry("", &"长".repeat(31), "1"),
        )
        .await,
    );
    assert_eq!(e.get("label"), Some("名称不能超过30个字"));
    assert!(matches!(
        edit_entry(app, &admin(), k, "nope", &entry("", "无", "1")).await,
        Err(AppError::NotFound)
    ));

    // Retired: no longer accepted from a new registration, but the unit
    // that holds it still reads its label (marked for staff).
    set_enabled(app, &admin(), k, "social_org", false)
        .await
        .unwrap();
    assert_eq!(codes(&env, k).await[0], ("social_org".to_string(), false));
    let e = errors_of(register_unit_of_kind(&env, 2, "social_org").await);
    assert_eq!(e.get("kind"), Some("请选择单位性质"));
    let d = dictionary(app, k).await.unwrap();
    assert!(d.offered("").iter().all(|o| o.code != "social_org"));
    let units = scigrant_app::identity::review::queue(
        app,
        scigrant_app::identity::review::Queue::All,
        "",
        1,
    )
    .await
    .unwrap();
    let held = units.rows.iter().find(|u| u.kind == "social_org").unwrap();
    assert_eq!(held.kind_label, "社会团体");
    assert!(held.kind_retired);
    let again = unit(app, held.id).await.unwrap();
    assert_eq!(
        (again.kind_label.as_str(), again.kind_retired),
        ("社会团体", true)
    );
    // Disabling twice changes nothing more.
    set_enabled(app, &admin(), k, "social_org", false)
        .await
        .unwrap();

    // Enabled again, it is offered again.
    set_enabled(app, &admin(), k, "social_org", true)
        .await
        .unwrap();
    register_unit_of_kind(&env, 3, "social_org").await.unwrap();

    // The history says who changed what, old → new, newest first.
    let b = board(app, k).await.unwrap();
    let h: Vec<(Option<DictChange>, &str, &str, &str)> = b
        .history
        .iter()
        .map(|c| {
            (
                c.change,
                c.old_value.as_str(),
                c.new_value.as_str(),
                c.by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        h,
        [
            (Some(DictChange::Enable), "停用", "启用", "系统管理员甲"),
            (Some(DictChange::Disable), "启用", "停用", "系统管理员甲"),
            (Some(DictChange::Reorder), "60", "5", "系统管理员甲"),
            (
                Some(DictChange::Rename),
                "社会组织",
                "社会团体",
                "系统管理员甲"
            ),
            (Some(DictChange::Add), "", "社会组织", "系统管理员甲"),
        ]
    );
    assert!(b.history.iter().all(|c| c.code == "social_org"));
    assert_eq!(audit_count(app, "dictionary.add").await, 2);
    assert_eq!(audit_count(app, "dictionary.edit").await, 1);
    assert_eq!(audit_count(app, "dictionary.disable").await, 1);
    assert_eq!(audit_count(app, "dictionary.enable").await, 1);
}

both!(a_profile_keeps_a_retired_entry_and_new_ones_are_offered);
async fn a_profile_keeps_a_retired_entry_and_new_ones_are_offered(env: TestEnv) {
    let app = &env.app;
    // The member's profile holds 硕士 / 博士 / 高级 (testing::join_unit).
    let m = ApprovedMember::builder(1).build(app).await;
    let me = person(app, m.person).await.unwrap();
    assert_eq!(me.education, "硕士");
    edit_entry(
        app,
        &admin(),
        DictKind::Education,
        "硕士",
        &entry("", "硕士研究生", "20"),
    )
    .await
    .unwrap();
    set_enabled(app, &admin(), DictKind::Education, "硕士", false)
        .await
        .unwrap();
    add_entry(
        app,
        &admin(),
        DictKind::Title,
        &entry("senior_engineer", "高级工程师", "15"),
    )
    .await
    .unwrap();

    // Saved unchanged, the retired 硕士 still validates.
    let form = ProfileForm {
        unit_id: m.unit.to_string(),
        region_code: me.region_code.to_string(),
        department: me.department.clone(),
        email: me.email.clone(),
        education: me.education.clone(),
        degree: me.degree.clone(),
        title: me.title.clone(),
    };
    save_profile(app, &person_actor(m.person.0), m.person, &form, None, None)
        .await
        .unwrap();
    // The unit reads its label, renamed, retired or not.
    let row = member(app, m.unit, m.person).await.unwrap();
    assert_eq!(row.education, "硕士研究生");
    // A new entry is accepted; the retired one is not taken up anew.
    let mut changed = form.clone();
    changed.title = "senior_engineer".into();
    changed.education = "本科".into();
    save_profile(
        app,
        &person_actor(m.person.0),
        m.person,
        &changed,
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        person(app, m.person).await.unwrap().title,
        "senior_engineer"
    );
    let mut back = changed.clone();
    back.education = "硕士".into();
    let e =
        errors_of(save_profile(app, &person_actor(m.person.0), m.person, &back, None, None).await);
    assert_eq!(e.get("education"), Some("请选择个人学历"));

    // 证件类型: a retired type refuses new registrations; an added one
    // takes a passport-like number.
    set_enabled(app, &admin(), DictKind::DocType, "passport", false)
        .await
        .unwrap();
    add_entry(
        app,
        &admin(),
        DictKind::DocType,
        &entry("officer", "军官证", "40"),
    )
    .await
    .unwrap();
    let mut f = person_form(7, new_captcha(&env).await);
    f.doc_type = "passport".into();
    f.doc_no = "E12345678".into();
    let e = errors_of(register_person(app, &visitor(), &f).await);
    assert_eq!(e.get("doc_type"), Some("请选择证件类型"));
    let mut f = person_form(7, new_captcha(&env).await);
    f.doc_type = "officer".into();
    f.doc_no = "JG2024001".into();
    register_person(app, &visitor(), &f).await.unwrap();
}

both!(a_call_admits_an_added_unit_nature_by_its_code);
async fn a_call_admits_an_added_unit_nature_by_its_code(env: TestEnv) {
    use scigrant_app::grants::applications::start;
    use scigrant_app::grants::calls::{CallForm, call, create_call, create_program, set_state};
    use scigrant_domain::grants::application::CallState;
    let app = &env.app;
    let k = DictKind::UnitNature;
    add_entry(app, &admin(), k, &entry("social_org", "社会组织", "60"))
        .await
        .unwrap();
    let manager = staff_actor(99);
    let program = create_program(app, &manager, "2023年“科创中国”系列项目", "各有关单位：……")
        .await
        .unwrap();
    let form = CallForm {
        code: "KJFWT2023-01".into(),
        name: "社会组织专项".into(),
        task: "面向社会组织".into(),
        quota: "2".into(),
        cap: "50".into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["social_org".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        form_json: String::new(),
        city_group: String::new(),
        ..CallForm::default()
    };
    let id = create_call(app, &manager, program, &form).await.unwrap();
    set_state(app, &manager, id, CallState::Published)
        .await
        .unwrap();

    // A member of a 社会组织 may apply; a member of a 科研院所 is told why not.
    let ours = ApprovedMember::builder(1)
        .unit_kind("social_org")
        .build(app)
        .await;
    start(app, &person_actor(ours.person.0), ours.person, id)
        .await
        .unwrap();
    let other = ApprovedMember::builder(2).build(app).await;
    match start(app, &person_actor(other.person.0), other.person, id).await {
        Err(AppError::Refused(m)) => assert_eq!(
            m,
            "本类别的申报主体为：社会组织；您所在单位（科研院所）不符合申报条件"
        ),
        r => panic!("expected a refusal, got {r:?}"),
    }

    // Retired and renamed: no new call may name it, the existing one still
    // reads it by its current label.
    edit_entry(app, &admin(), k, "social_org", &entry("", "社会团体", "60"))
        .await
        .unwrap();
    set_enabled(app, &admin(), k, "social_org", false)
        .await
        .unwrap();
    let mut again = form.clone();
    again.code = "KJFWT2023-02".into();
    let e = errors_of(create_call(app, &manager, program, &again).await);
    assert_eq!(e.get("eligible"), Some("请选择申报主体（单位性质）"));
    let labels: Vec<String> = call(app, id)
        .await
        .unwrap()
        .eligible
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(labels, ["社会团体"]);
}
