#![allow(clippy::unwrap_used)]

use super::samples::{context_fj4, context_fj5, sample_fj4, sample_fj5};
use super::*;

fn fj4() -> FormSpec {
    builtin("kczg2023-fj4").unwrap()
}

fn fj5() -> FormSpec {
    builtin("kczg2023-fj5").unwrap()
}

fn set(d: &mut FormData, key: &str, v: &str) {
    d.insert(key.into(), Value::Text(v.into()));
}

fn set_cell(d: &mut FormData, table: &str, row: usize, col: &str, v: &str) {
    match d.get_mut(table) {
        Some(Value::Rows(rows)) => {
            rows[row].insert(col.into(), v.into());
        }
        _ => panic!("{table} is not a table"),
    }
}

fn paths(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.path.as_str()).collect()
}

fn only(problems: Vec<Problem>) -> Problem {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn builtins_parse_and_are_listed() {
    assert_eq!(builtin_codes().len(), 2);
    for (code, title) in builtin_codes() {
        let spec = builtin(code).unwrap();
        assert_eq!(spec.code, *code);
        assert_eq!(spec.title, *title);
        assert_eq!(spec.version, 2);
        assert_eq!(spec.instructions.len(), 5);
        assert_eq!(spec.issued_by, ["中国科协科学技术创新部制表", "2023年4月"]);
    }
    assert!(builtin("kczg2023-fj6").is_none());
}

/// 七、项目实施步骤和进度计划 has the paper form's columns: 实施阶段 |
/// 经费预算（万元） | 目标内容 | 时间进度 (“年 月 日至 年 月 日”, the two
/// date columns under one header).
#[test]
fn the_schedule_table_has_the_seed_columns() {
    for spec in [fj4(), fj5()] {
        let Some(Entry::Table(t)) = spec.entry("phases") else {
            panic!("no phases table in {}", spec.code);
        };
        let labels: Vec<&str> = t.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "实施阶段",
                "经费预算（万元）",
                "目标内容",
                "开始日期",
                "结束日期"
            ]
        );
        assert_eq!(
            t.joined,
            [JoinedColumns {
                label: "时间进度".into(),
                first: "start".into(),
                second: "end".into(),
                between: "至".into(),
            }]
        );
    }
}

#[test]
fn joined_columns_must_be_adjacent_columns_of_the_table() {
    for (first, second) in [("start", "goal"), ("stage", "end"), ("start", "finish")] {
        let json = fj4().to_json_pretty().replacen(
            "\"first\": \"start\",\n              \"second\": \"end\"",
            &format!("\"first\": \"{first}\",\n              \"second\": \"{second}\""),
            1,
        );
        assert_ne!(json, fj4().to_json_pretty(), "the replacement applies");
        let e = FormSpec::from_json(&json).unwrap_err();
        assert!(
            e.contains("合并显示的“时间进度”须为相邻且未合并过的两列"),
            "{e}"
        );
    }
}

#[test]
fn builtins_round_trip_unchanged() {
    for (spec, text) in [(fj4(), FJ4_JSON), (fj5(), FJ5_JSON)] {
        let json = spec.to_json_pretty();
        // The shipped file is already in canonical form, so export = file.
        assert_eq!(json, text.trim_end(), "{}", spec.code);
        assert_eq!(FormSpec::from_json(&json).unwrap(), spec);
    }
}

#[test]
fn section_titles_are_the_seeds() {
    let titles = |s: &FormSpec| {
        s.sections
            .iter()
            .map(|s| s.title.clone())
            .collect::<Vec<_>>()
    };
    let expected = [
        "一、项目申报单位基本情况",
        "二、立项依据和目的（200字以内）",
        "三、项目基本信息（200字以内，据项目任务填写，不涉及可不填）",
        "四、项目主要内容（300字以内）",
        "五、项目目标及预期成果（200字以内）",
        "六、项目实施条件（300字以内）",
        "七、项目实施步骤和进度计划（每项100字以内）",
        "八、项目负责人及主要参加人员",
        "九、项目经费预算",
        "十、项目申报单位意见",
    ];
    assert_eq!(titles(&fj4()), expected);
    assert_eq!(titles(&fj5()), expected);
    let cover: Vec<String> = fj5().cover.iter().map(|f| f.label.clone()).collect();
    assert_eq!(
        cover,
        [
            "项目编号",
            "项目类别",
            "项目子类",
            "项目名称",
            "申报单位",
            "联系人",
            "手机",
            "电子信箱",
            "申报日期"
        ]
    );
    assert_eq!(
        fj4().sections[0].note.as_deref(),
        Some("注：同一项目团长与首席专家不得为同一人。")
    );
}

#[test]
fn limits_are_the_seeds() {
    let c: BTreeMap<String, u32> = counters(&fj4()).into_iter().collect();
    for (path, n) in [
        ("unit_intro", 300),
        ("rationale", 200),
        ("team_name", 200),
        ("other_info", 200),
        ("main_content", 300),
        ("outcomes", 200),
        ("conditions", 300),
        ("phases.stage", 100),
        ("phases.goal", 100),
    ] {
        assert_eq!(c.get(path), Some(&n), "{path}");
    }
    assert!(!c.contains_key("phases.budget"));
    // Form order: the cover's 项目名称 comes first.
    assert_eq!(counters(&fj4())[0], ("project_name".to_string(), 100));
    let c5: BTreeMap<String, u32> = counters(&fj5()).into_iter().collect();
    assert_eq!(c5.get("contacted_parties"), Some(&200));
}

#[test]
fn samples_validate_clean() {
    assert_eq!(validate(&fj4(), &sample_fj4(), &context_fj4()), vec![]);
    assert_eq!(validate(&fj5(), &sample_fj5(), &context_fj5()), vec![]);
    // Also without any context (nothing call-specific to check).
    assert_eq!(
        validate(&fj4(), &sample_fj4(), &ValidationContext::default()),
        vec![]
    );
}

#[test]
fn empty_form_reports_every_required_field_in_order() {
    let spec = fj4();
    let problems = validate(&spec, &FormData::new(), &context_fj4());
    let first = &problems[0];
    assert_eq!(first.path, "project_code");
    assert_eq!(first.message, "请填写项目编号");
    let required: Vec<&str> = spec
        .entries()
        .filter(|e| match e {
            Entry::Field(f) => f.required,
            Entry::Table(t) => t.min_rows > 0,
            Entry::Computed(_) => false,
        })
        .map(Entry::key)
        .collect();
    assert_eq!(paths(&problems), required);
    assert!(problems.iter().any(|p| p.message == "请填写单位简介"));
    assert!(
        problems
            .iter()
            .any(|p| p.path == "phases" && p.message == "请填写实施阶段")
    );
    // Optional ones are not mentioned.
    assert!(!paths(&problems).contains(&"budget_own"));
    assert!(!paths(&problems).contains(&"leader_office_phone"));
}

#[test]
fn whitespace_only_is_empty() {
    let mut d = sample_fj4();
    set(&mut d, "unit_name", " \u{3000}\n ");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(
        (p.path.as_str(), p.message.as_str()),
        ("unit_name", "请填写单位名称")
    );
}

#[test]
fn unit_intro_counts_characters_not_bytes() {
    let spec = fj4();
    let mut d = sample_fj4();
    let text = "科".repeat(300);
    assert_eq!(text.len(), 900);
    set(&mut d, "unit_intro", &text);
    assert_eq!(validate(&spec, &d, &context_fj4()), vec![]);
    set(&mut d, "unit_intro", &format!("{text}创"));
    let p = only(validate(&spec, &d, &context_fj4()));
    assert_eq!(p.path, "unit_intro");
    assert_eq!(p.label, "单位简介");
    assert_eq!(p.message, "单位简介不能超过300字（当前301字）");
    // CRLF from a posted textarea counts as one character, as on screen.
    let lines = format!("{}\r\n{}", "科".repeat(150), "创".repeat(149));
    set(&mut d, "unit_intro", &lines);
    assert_eq!(validate(&spec, &d, &context_fj4()), vec![]);
}

#[test]
fn phase_cells_limited_to_100() {
    let mut d = sample_fj4();
    set_cell(&mut d, "phases", 1, "goal", &"目".repeat(101));
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(p.path, "phases[1].goal");
    assert_eq!(p.label, "实施阶段第2行目标内容");
    assert_eq!(p.message, "实施阶段第2行目标内容不能超过100字（当前101字）");
}

#[test]
fn leader_and_chief_expert_must_differ() {
    let spec = fj4();
    let message = "同一项目团长与首席专家不得为同一人";
    // Same name (spacing differs), different phone.
    let mut d = sample_fj4();
    set(&mut d, "chief_expert_name", "张 伟");
    let p = only(validate(&spec, &d, &context_fj4()));
    assert_eq!(
        (p.path.as_str(), p.message.as_str()),
        ("chief_expert_name", message)
    );
    // Same phone (written differently), different name.
    let mut d = sample_fj4();
    set(&mut d, "chief_expert_mobile", "+86 139 1234 5678");
    let p = only(validate(&spec, &d, &context_fj4()));
    assert_eq!(
        (p.path.as_str(), p.message.as_str()),
        ("chief_expert_mobile", message)
    );
    // Both the same.
    let mut d = sample_fj4();
    set(&mut d, "chief_expert_name", "张伟");
    set(&mut d, "chief_expert_mobile", "13912345678");
    let p = only(validate(&spec, &d, &context_fj4()));
    assert_eq!(p.path, "chief_expert_name");
    // Empty names are not “the same”.
    let mut d = sample_fj4();
    set(&mut d, "leader_name", "");
    set(&mut d, "chief_expert_name", "");
    assert!(
        validate(&spec, &d, &context_fj4())
            .iter()
            .all(|p| p.message != message)
    );
}

#[test]
fn requested_funding_capped_by_category() {
    let spec = fj4();
    let mut d = sample_fj4();
    set(&mut d, "budget_requested", "55.00");
    assert_eq!(validate(&spec, &d, &context_fj4()), vec![]);
    // 55.01 + 9.99 keeps the total at 65, so the cap is the only problem.
    set(&mut d, "budget_requested", "55.01");
    set(&mut d, "budget_own", "9.99");
    let p = only(validate(&spec, &d, &context_fj4()));
    assert_eq!(p.path, "budget_requested");
    assert_eq!(p.message, "申请项目经费不能超过本类别经费额度55.00万元");
    // A different category's cap applies as given.
    let ctx = ValidationContext {
        category_cap_wan: Money::from_wan(35),
        ..context_fj4()
    };
    set(&mut d, "budget_requested", "55");
    set(&mut d, "budget_own", "10");
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(p.message, "申请项目经费不能超过本类别经费额度35.00万元");
    assert_eq!(validate(&spec, &d, &ValidationContext::default()), vec![]);
}

#[test]
fn phase_budgets_must_sum_to_total() {
    let mut d = sample_fj4();
    set_cell(&mut d, "phases", 2, "budget", "14");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(p.path, "phases");
    assert_eq!(p.label, "实施阶段");
    assert_eq!(
        p.message,
        "各实施阶段经费预算之和（64.00万元）应等于经费总预算（65.00万元）"
    );
    // 附件5's total includes 地方配套经费.
    let mut d = sample_fj5();
    set(&mut d, "budget_local", "");
    let problems = validate(&fj5(), &d, &context_fj5());
    assert_eq!(paths(&problems), ["phases", "expenses"]);
    assert!(problems[0].message.contains("（25.00万元）"));
}

#[test]
fn expense_total_must_equal_total() {
    let mut d = sample_fj4();
    set_cell(&mut d, "expenses", 0, "amount", "20.01");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(p.path, "expenses");
    assert_eq!(
        p.message,
        "经费支出预算表合计（65.01万元）应等于经费总预算（65.00万元）"
    );
}

#[test]
fn sums_skip_malformed_amounts_instead_of_adding_noise() {
    let mut d = sample_fj4();
    set(&mut d, "budget_requested", "55.001");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(p.path, "budget_requested");
    assert_eq!(p.message, MONEY_ERROR);
    let mut d = sample_fj4();
    set_cell(&mut d, "expenses", 3, "amount", "十万");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(
        (p.path.as_str(), p.message.as_str()),
        ("expenses[3].amount", MONEY_ERROR)
    );
    assert_eq!(p.label, "经费支出预算表第4行金额");
}

#[test]
fn project_period_rules() {
    let spec = fj4();
    let ctx = context_fj4();
    let mut d = sample_fj4();
    set(&mut d, "period_end", "2023-12-01");
    // The last phase still ends inside the project period, so only the call's limit.
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(p.path, "period_end");
    assert_eq!(
        p.message,
        "项目结束日期不能晚于本类别项目周期截止日2023-11-30"
    );

    let mut d = sample_fj4();
    set(&mut d, "period_start", "2023-12-01");
    let problems = validate(&spec, &d, &ctx);
    assert_eq!(
        paths(&problems),
        [
            "period_end",
            "phases[0].start",
            "phases[1].start",
            "phases[2].start"
        ]
    );
    assert_eq!(problems[0].message, "项目结束日期不能早于开始日期");
    assert_eq!(
        problems[2].message,
        "实施阶段第2行的开始日期不能早于项目开始日期"
    );
}

#[test]
fn phase_dates_inside_period() {
    let spec = fj4();
    let ctx = context_fj4();
    let mut d = sample_fj4();
    set_cell(&mut d, "phases", 0, "start", "2023-04-30");
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(p.path, "phases[0].start");
    assert_eq!(p.message, "实施阶段第1行的开始日期不能早于项目开始日期");

    let mut d = sample_fj4();
    set(&mut d, "period_end", "2023-11-29");
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(p.path, "phases[2].end");
    assert_eq!(p.message, "实施阶段第3行的结束日期不能晚于项目结束日期");

    let mut d = sample_fj4();
    set_cell(&mut d, "phases", 1, "start", "2023-11-01");
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(p.path, "phases[1].end");
    assert_eq!(p.message, "实施阶段第2行的结束日期不能早于开始日期");
}

#[test]
fn formats_use_the_crate_validators() {
    let spec = fj4();
    let ctx = context_fj4();
    for (key, value, message) in [
        ("leader_mobile", "1391234567", "手机号码格式不正确"),
        ("leader_email", "zhangwei@example", "电子邮箱格式不正确"),
        (
            "unit_uscc",
            "511000005000123453",
            "统一社会信用代码校验位不正确，请核对",
        ),
        ("unit_uscc", "51100000500012345", "统一社会信用代码应为18位"),
        (
            "apply_date",
            "2023-02-29",
            "请输入有效日期（格式如2023-04-25）",
        ),
        (
            "apply_date",
            "2023/04/20",
            "请输入有效日期（格式如2023-04-25）",
        ),
        ("leader_name", "张伟13912345678", "团长姓名格式不正确"),
        (
            "leader_office_phone",
            "办公室",
            "团长单位电话格式不正确（如010-62121916）",
        ),
        ("budget_own", "-1", MONEY_ERROR),
        ("project_subcategory", "产业团", "请从选项中选择项目子类"),
    ] {
        let mut d = sample_fj4();
        set(&mut d, key, value);
        let problems = validate(&spec, &d, &ctx);
        assert_eq!(problems[0].path, key, "{value}");
        assert_eq!(problems[0].message, message, "{value}");
    }
    // Accepted spellings.
    let mut d = sample_fj4();
    set(&mut d, "unit_uscc", " 511000005000123452 ");
    set(
        &mut d,
        "leader_office_phone",
        "(010) 6851-0001转8001、62129392",
    );
    set(&mut d, "leader_name", "Anna-Maria O'Neil");
    set(&mut d, "chief_expert_name", "买买提·艾力");
    set(&mut d, "apply_date", "2024-02-29");
    assert_eq!(validate(&spec, &d, &ctx), vec![]);
}

#[test]
fn code_and_subcategory_must_correspond() {
    let mut d = sample_fj4();
    set(&mut d, "project_subcategory", "专业科技服务团");
    let p = only(validate(&fj4(), &d, &context_fj4()));
    assert_eq!(p.path, "project_subcategory");
    assert!(p.message.starts_with("项目子类与项目编号不对应"));
    let mut d = sample_fj5();
    set(&mut d, "project_code", "XLPPHD2023-01");
    let p = only(validate(&fj5(), &d, &context_fj5()));
    assert_eq!(p.path, "project_subcategory");
}

#[test]
fn tables_rows_and_shapes() {
    let spec = fj4();
    let ctx = context_fj4();
    // A trailing blank row (the page's spare row) is ignored.
    let mut d = sample_fj4();
    if let Some(Value::Rows(rows)) = d.get_mut("members") {
        rows.push(BTreeMap::from([("name".to_string(), "  ".to_string())]));
        rows.push(BTreeMap::new());
    }
    assert_eq!(validate(&spec, &d, &ctx), vec![]);
    // A half-filled row is reported cell by cell.
    if let Some(Value::Rows(rows)) = d.get_mut("members") {
        rows.push(BTreeMap::from([("name".to_string(), "刘洋".to_string())]));
    }
    let problems = validate(&spec, &d, &ctx);
    assert_eq!(
        paths(&problems),
        [
            "members[5].post_title",
            "members[5].contact",
            "members[5].duty"
        ]
    );
    assert_eq!(
        problems[0].message,
        "请填写项目负责人及主要参加人员第6行工作单位及职务/职称"
    );
    // Too many rows.
    let mut d = sample_fj4();
    let row = BTreeMap::from([
        ("name".to_string(), "刘洋".to_string()),
        ("post_title".to_string(), "示范大学 讲师".to_string()),
        ("contact".to_string(), "13600000000".to_string()),
        ("duty".to_string(), "调研".to_string()),
    ]);
    d.insert("members".into(), Value::Rows(vec![row; 31]));
    let p = only(validate(&spec, &d, &ctx));
    assert_eq!(
        (p.path.as_str(), p.message.as_str()),
        ("members", "项目负责人及主要参加人员最多填写30行")
    );
    // Wrong shapes are reported, not panicked on.
    let mut d = sample_fj4();
    set(&mut d, "members", "张伟");
    d.insert("unit_name".into(), sample_fj4().remove("phases").unwrap());
    let problems = validate(&spec, &d, &ctx);
    assert_eq!(paths(&problems), ["unit_name", "members"]);
    assert_eq!(problems[0].message, "单位名称数据格式不正确");
    assert_eq!(
        problems[1].message,
        "项目负责人及主要参加人员数据格式不正确"
    );
}

#[test]
fn min_rows_message() {
    let mut spec = fj4();
    for s in &mut spec.sections {
        for item in &mut s.items {
            if let Item::Table(t) = item
                && t.key == "members"
            {
                t.min_rows = 5;
            }
        }
    }
    let p = only(validate(&spec, &sample_fj4(), &context_fj4()));
    assert_eq!(p.message, "项目负责人及主要参加人员至少填写5行");
}

#[test]
fn problems_come_in_form_order() {
    let mut d = sample_fj4();
    set(&mut d, "budget_requested", "56"); // 九 (rule), after the cells below
    set_cell(&mut d, "phases", 1, "budget", "x"); // 七, row 2
    set_cell(&mut d, "phases", 0, "goal", ""); // 七, row 1
    set(&mut d, "cover_email", "bad"); // cover
    set(&mut d, "chief_expert_name", "张伟"); // 一 (rule)
    set(&mut d, "rationale", ""); // 二
    let problems = validate(&fj4(), &d, &context_fj4());
    assert_eq!(
        paths(&problems),
        [
            "cover_email",
            "chief_expert_name",
            "rationale",
            "phases[0].goal",
            "phases[1].budget",
            "budget_requested",
            "expenses",
        ]
    );
}

#[test]
fn computed_totals() {
    let c = computed(&fj4(), &sample_fj4());
    let m = |s: &str| Money::parse(s).unwrap();
    assert_eq!(
        c,
        BTreeMap::from([
            ("budget_total".to_string(), m("65")),
            ("phases.budget".to_string(), m("65")),
            ("expenses.amount".to_string(), m("65")),
        ])
    );
    let mut d = sample_fj5();
    set(&mut d, "budget_own", "五万");
    set_cell(&mut d, "expenses", 0, "amount", "");
    let c = computed(&fj5(), &d);
    assert_eq!(c["budget_total"], m("30"));
    assert_eq!(c["expenses.amount"], m("17"));
    assert_eq!(c["phases.budget"].to_string(), "35.00");
    let empty = computed(&fj5(), &FormData::new());
    assert!(empty.values().all(|v| *v == Money::ZERO));
}

#[test]
fn digest_input_is_canonical() {
    let spec = fj4();
    let d = sample_fj4();
    let text = digest_input(&spec, &d);
    assert!(text.starts_with("scigrant-form-digest 1\ncode=\"kczg2023-fj4\"\nversion=2\n"));
    assert!(text.contains("\nproject_code=\"KJFWT2023-01\"\n"));
    assert!(text.contains("\nphases#=3\nphases[0].stage=\"第一阶段\"\nphases[0].budget=\"20\"\n"));
    assert_eq!(text, digest_input(&spec, &d.clone()));
    // Undeclared keys and blank rows do not matter; any declared value does.
    let mut noisy = d.clone();
    set(&mut noisy, "zzz_extra", "x");
    if let Some(Value::Rows(rows)) = noisy.get_mut("expenses") {
        rows.insert(0, BTreeMap::new());
    }
    assert_eq!(digest_input(&spec, &noisy), text);
    let mut changed = d.clone();
    set(&mut changed, "leader_office_phone", "010-68510009");
    assert_ne!(digest_input(&spec, &changed), text);
    // Values cannot forge lines.
    let mut forged = d.clone();
    set(&mut forged, "other_info", "\"\nbudget_requested=\"1");
    let f = digest_input(&spec, &forged);
    assert!(f.contains("\nother_info=\"\\\"\\nbudget_requested=\\\"1\"\n"));
    assert_eq!(f.lines().count(), text.lines().count());
    // Another version is another digest.
    let mut v3 = spec.clone();
    v3.version = 3;
    assert_ne!(digest_input(&v3, &d), text);
    assert_eq!(quote("a\\b\t"), "\"a\\\\b\\u{9}\"");
}

#[test]
fn from_json_checks_consistency() {
    let base = fj4().to_json_pretty();
    let err = |json: &str| FormSpec::from_json(json).unwrap_err();
    assert!(err("{").starts_with("表单定义格式错误"));
    assert!(
        err(&base.replacen("\"key\": \"unit_name\"", "\"key\": \"unit_uscc\"", 1))
            .contains("字段键“unit_uscc”重复")
    );
    assert!(
        err(&base.replacen("\"end\": \"period_end\"", "\"end\": \"period_finish\"", 1))
            .contains("不存在的字段“period_finish”")
    );
    assert!(
        err(&base.replacen(
            "\"left\": \"phases.budget\"",
            "\"left\": \"phases.goal\"",
            1
        ))
        .contains("不是金额")
    );
    assert!(
        err(&base.replacen("\"start\": \"phases.start\"", "\"start\": \"unit_name\"", 1))
            .contains("不是日期")
    );
    assert!(
        err(&base.replacen(
            "\"total_column\": \"amount\"",
            "\"total_column\": \"basis\"",
            1
        ))
        .contains("合计列")
    );
    assert!(
        err(&base.replacen("\"key\": \"unit_name\"", "\"key\": \"Unit Name\"", 1))
            .contains("不合规")
    );
    assert!(
        err(&base.replacen("\"required\": true", "\"requird\": true", 1))
            .starts_with("表单定义格式错误")
    );
    // Unknown properties are refused inside tagged items and rules too (typos in an
    // imported template must not be silently ignored).
    assert!(
        err(&base.replacen(
            "\"kind\": \"uscc\",",
            "\"kind\": \"uscc\", \"maxchars\": 5,",
            1
        ))
        .starts_with("表单定义格式错误")
    );
    assert!(
        err(&base.replacen(
            "\"rule\": \"money_within_cap\",",
            "\"rule\": \"money_within_cap\", \"cap\": 1,",
            1
        ))
        .starts_with("表单定义格式错误")
    );
    assert!(
        err(&base.replacen("\"rule\": \"money_equals\"", "\"rule\": \"money_sum\"", 1))
            .starts_with("表单定义格式错误")
    );
    assert!(err(&base.replacen("\"产业科技服务团\"\n", "\"产业团\"\n", 1)).contains("不在选项中"));
    assert!(err(&base.replacen("\"min_rows\": 1", "\"min_rows\": 11", 1)).contains("行数"));
    // Two date columns of different tables have no rows in common to compare.
    let mut two_tables = fj4();
    for s in &mut two_tables.sections {
        for item in &mut s.items {
            if let Item::Table(t) = item
                && t.key == "members"
            {
                t.columns.push(FieldSpec {
                    key: "joined".into(),
                    label: "加入日期".into(),
                    kind: FieldKind::Date,
                    required: false,
                    max_chars: None,
                    min_chars: None,
                    hint: None,
                });
            }
        }
    }
    assert_eq!(two_tables.check(), Ok(()));
    match two_tables.rules.get_mut(5) {
        Some(Rule::DateOrder { start, .. }) => *start = "members.joined".into(),
        other => panic!("{other:?}"),
    }
    assert!(two_tables.check().unwrap_err().contains("不在同一表格"));
}

#[test]
fn a_spec_can_be_built_in_code_and_exported() {
    let spec = FormSpec {
        code: "demo".into(),
        title: "示例表".into(),
        version: 3,
        instructions: vec![],
        cover: vec![],
        issued_by: vec![],
        sections: vec![SectionSpec {
            key: "s".into(),
            title: "一、示例".into(),
            note: None,
            items: vec![Item::Field(FieldSpec {
                key: "n".into(),
                label: "数量".into(),
                kind: FieldKind::Integer,
                required: true,
                max_chars: None,
                min_chars: None,
                hint: None,
            })],
        }],
        rules: vec![],
    };
    let json = spec.to_json_pretty();
    assert!(json.contains("\"type\": \"field\""));
    assert!(json.contains("\"kind\": \"integer\""));
    assert!(!json.contains("rules"));
    assert_eq!(FormSpec::from_json(&json).unwrap(), spec);
    let d = FormData::from([("n".to_string(), Value::Text("12a".into()))]);
    let p = only(validate(&spec, &d, &ValidationContext::default()));
    assert_eq!(p.message, "请输入整数");
}

#[test]
fn form_data_json_is_natural() {
    let d = sample_fj4();
    let json = serde_json::to_string(&d).unwrap();
    assert!(json.contains("\"unit_name\":\"中国示范工程学会\""));
    assert!(json.contains("\"phases\":[{\"budget\":\"20\""));
    let back: FormData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    let typed: FormData =
        serde_json::from_str(r#"{"budget_requested":"五十五","phases":[{"stage":"一"}],"x":[]}"#)
            .unwrap();
    assert_eq!(typed["x"], Value::Rows(vec![]));
    assert!(!validate(&fj4(), &typed, &context_fj4()).is_empty());
}
