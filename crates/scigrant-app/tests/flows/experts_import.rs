//! 专家导入 from .xlsx: a dry run reports every row and stores nothing;
//! the real run imports the valid rows as approved experts and skips the
//! others with their reasons; a second run imports nobody twice.

use rust_xlsxwriter::Workbook;
use scigrant_app::AppError;
use scigrant_app::evaluation::experts::my_expert;
use scigrant_app::evaluation::experts_import::{IMPORT_COLUMNS, RowOutcome, import_experts};
use scigrant_app::testing::{ApprovedMember, TestEnv, audit_count, id_number, staff_actor};
use scigrant_domain::evaluation::expert::ExpertState;

const SUMMARY: &str = "长期从事高原农业生态与冷链物流研究，主持多项省部级科研项目。";

fn sheet(rows: &[[&str; 7]], header: &[&str]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn outcomes(
    r: &scigrant_app::evaluation::experts_import::ImportReport,
) -> Vec<(usize, RowOutcome)> {
    r.rows.iter().map(|x| (x.row, x.outcome.clone())).collect()
}

pub(crate) async fn staff_import_experts_from_a_sheet(env: TestEnv) {
    let app = &env.app;
    let a = ApprovedMember::builder(41).build(app).await;
    let b = ApprovedMember::builder(42).build(app).await;
    let (id_a, id_b) = (id_number(41), id_number(42));
    let rows = [
        [
            id_a.as_str(),
            "张三",
            "520、52010",
            "冷链物流，农产品",
            "正高级",
            "西藏农牧科学院",
            SUMMARY,
        ],
        [
            id_b.as_str(),
            "李四",
            "520",
            "物流",
            "副高级",
            "西藏大学",
            SUMMARY,
        ],
        [id_b.as_str(), "张三", "999", "", "教授", "西藏大学", "太短"],
        [
            id_a.as_str(),
            "张三",
            "520",
            "物流",
            "正高级",
            "西藏农牧科学院",
            SUMMARY,
        ],
    ];
    let file = sheet(&rows, &IMPORT_COLUMNS);
    let manager = staff_actor(99);

    // The dry run reports, and writes nothing.
    let dry = import_experts(app, &manager, &file, true).await.unwrap();
    assert_eq!(dry.ready(), 1);
    assert_eq!(dry.refused(), 3);
    let o = outcomes(&dry);
    assert_eq!(o[0], (2, RowOutcome::Ready));
    // The test member's name is 张三 (testing::person_form): 李四 does not match.
    assert_eq!(
        o[1],
        (
            3,
            RowOutcome::Refused("未找到证件号码与姓名均相符的个人用户，请其先在本平台注册".into())
        )
    );
    let RowOutcome::Refused(why) = &o[2].1 else {
        panic!("row 4 refused")
    };
    assert!(why.contains("与第3行证件号码重复"), "{why}");
    assert!(why.contains("学科代码："), "{why}");
    assert!(why.contains("研究方向：请填写研究方向关键词"), "{why}");
    assert!(why.contains("职称：请选择职称"), "{why}");
    assert!(why.contains("研究领域：研究领域应为20至500个字"), "{why}");
    assert_eq!(o[3], (5, RowOutcome::Refused("与第2行证件号码重复".into())));
    assert_eq!(dry.rows[0].id_masked, scigrant_domain::mask::mask_id(&id_a));
    assert!(my_expert(app, a.person).await.unwrap().is_none());
    assert_eq!(audit_count(app, "expert.import").await, 0);

    // The real run imports the valid row, approved.
    let real = import_experts(app, &manager, &file, false).await.unwrap();
    assert_eq!((real.imported(), real.refused()), (1, 3));
    let e = my_expert(app, a.person).await.unwrap().expect("imported");
    assert_eq!(e.state, ExpertState::Approved);
    assert_eq!(e.disciplines.first().map(|d| d.code.as_str()), Some("520"));
    assert!(my_expert(app, b.person).await.unwrap().is_none());
    assert_eq!(audit_count(app, "expert.import").await, 1);

    // Again: nobody is imported twice.
    let again = import_experts(app, &manager, &file, false).await.unwrap();
    assert_eq!(again.imported(), 0);
    assert_eq!(
        outcomes(&again)[0],
        (2, RowOutcome::Refused("已在专家库（已入库）".into()))
    );
    assert_eq!(audit_count(app, "expert.import").await, 1);

    // Not a workbook, or the wrong header: refused beside the file field.
    for bad in [
        b"%PDF-1.4 not a sheet".to_vec(),
        sheet(&rows, &["姓名", "证件号码"]),
    ] {
        match import_experts(app, &manager, &bad, true).await {
            Err(AppError::Validation(e)) => assert!(e.get("file").is_some(), "{e:?}"),
            other => panic!("expected a file error, got {other:?}"),
        }
    }
}
both!(staff_import_experts_from_a_sheet);
