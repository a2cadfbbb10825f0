//! 专家导入 over HTTP: the 项目管理员 uploads a sheet, sees the dry run's
//! report row by row, then imports; a file that is not a workbook comes
//! back with a clear error.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rust_xlsxwriter::Workbook;
use scigrant_app::evaluation::experts_import::IMPORT_COLUMNS;
use scigrant_app::testing::{ApprovedMember, Backend, id_number, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

use super::{csrf, send, staff_session};

const BOUNDARY: &str = "----scigrant-import-boundary";

fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in IMPORT_COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn upload(state: &AppState, cookie: &str, mode: &str, file: &[u8]) -> (StatusCode, String) {
    let (cookies, token) = csrf(state, Some(cookie)).await;
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n{mode}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"专家.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let req = Request::post("/staff/experts/import")
        .header("cookie", cookies)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_try_then_import_a_sheet_of_experts() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    ApprovedMember::builder(51).build(&env.app).await;
    let cookie = staff_session(&env, StaffRole::ProgramManager).await;

    let (status, _, page) = send(&state, "GET", "/staff/experts/import", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("“证件号码”、“姓名”、“学科代码”"), "{page}");

    let row = |name: &str| {
        vec![
            id_number(51),
            name.to_string(),
            "520".into(),
            "冷链物流".into(),
            "正高级".into(),
            "西藏农牧科学院".into(),
            "长期从事高原农业生态与冷链物流研究，主持多项省部级科研项目。".into(),
        ]
    };
    let file = sheet(&[row("张三"), row("王五")]);
    let (status, page) = upload(&state, &cookie, "dry", &file).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("试导入：可导入 1 名，有误 1 行（未写入任何数据）"),
        "{page}"
    );
    assert!(page.contains("<td>可导入</td>"), "{page}");
    assert!(page.contains("未导入：与第2行证件号码重复"), "{page}");
    // The ID number is masked in the report.
    assert!(!page.contains(&id_number(51)), "{page}");

    let (status, page) = upload(&state, &cookie, "import", &file).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("已导入 1 名，未导入 1 行"), "{page}");
    let (_, _, list) = send(&state, "GET", "/staff/experts", Some(&cookie)).await;
    assert!(list.contains("已入库"), "{list}");

    let (status, page) = upload(&state, &cookie, "dry", b"%PDF-1.4 not a sheet").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("无法读取该文件，请上传 .xlsx 格式的 Excel 文件"),
        "{page}"
    );
}
