//! 上传法人信息 in process: a unit not yet verified finds the link on 我的
//! 信息, gets the page with its two images named, a file that is not an
//! image comes back with the error beside its field (the other field's
//! own error beside it), and two good images reach the 账号审核员 under
//! the unit's names for them.

use axum::http::StatusCode;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{ApprovedMember, Backend, PASSWORD, test_env};
use scigrant_domain::identity::account::StaffRole;
use scigrant_web::AppState;

use super::funding::post_multipart_as;
use super::{send, session_for, staff_session};

const BOUNDARY: &str = "----scigrant-test-boundary";

/// A multipart body of files: (field, file name, content type, bytes).
fn files_body(files: &[(&str, &str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, name, ctype, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A JPEG segment: marker `0xFF marker`, its length, `data`.
pub(crate) fn seg(marker: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, marker];
    v.extend(((data.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(data);
    v
}

/// A small JPEG's structure, as a scanner writes it.
fn scan() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    v.extend(seg(0xDB, &[0; 65]));
    v.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    v.extend([0x12, 0x34, 0xFF, 0xD9]);
    v
}

/// The `<div class="field">` holding input `name`, up to the next field
/// or the form's buttons.
fn field<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"f-{name}\""))
        .unwrap_or_else(|| panic!("field {name} on {page}"));
    let start = page[..at].rfind("<div class=\"field").unwrap();
    let end = ["<div class=\"field", "<div class=\"actions\""]
        .iter()
        .filter_map(|m| page[at..].find(m))
        .min()
        .map_or(page.len(), |n| at + n);
    &page[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_uploads_its_documents_and_a_bad_file_comes_back_beside_its_field() {
    upload_and_review(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_uploads_its_documents_and_a_bad_file_comes_back_beside_its_field_pg() {
    upload_and_review(Backend::Postgres).await;
}

async fn upload_and_review(backend: Backend) {
    let env = test_env(backend).await;
    let state = AppState::new(env.app.clone());
    let m = ApprovedMember::builder(31).build(&env.app).await;
    let unit = session_for(&env, LoginTab::Unit, &m.uscc, PASSWORD).await;

    let (status, _, info) = send(&state, "GET", "/unit/info", Some(&unit)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(info.contains(r#"href="/unit/info/upload" id="upload-info">上传法人信息</a>"#));
    assert!(info.contains("请点击“上传法人信息”上传有关证件照片，进行人工认证。"));
    let (status, _, page) = send(&state, "GET", "/unit/info/upload", Some(&unit)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(field(&page, "front").contains("统一社会信用代码证（营业执照）"));
    assert!(field(&page, "back").contains("法定代表人身份证"));
    assert!(page.contains("须签字盖章后上传；jpg/png，不超过1MB"));
    assert!(!page.contains("注册人身份证"));

    // A text file named .jpg, and no second file.
    let body = files_body(&[("front", "执照.jpg", "image/jpeg", b"not an image at all")]);
    let (status, _, page) = post_multipart_as(&state, "/unit/info/upload", Some(&unit), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("表单中有 2 处需要修改"), "{page}");
    assert!(
        field(&page, "front").contains(
            r#"<p class="error" id="e-front">上传的证件文件类型需为jpg、png、jpeg其中任何一种格式</p>"#
        ),
        "{page}"
    );
    assert!(
        field(&page, "back").contains(r#"<p class="error" id="e-back">请选择要上传的文件</p>"#)
    );

    let (a, b) = (scan(), scan());
    let body = files_body(&[
        ("front", "执照.jpg", "image/jpeg", &a),
        ("back", "法定代表人.jpeg", "image/jpeg", &b),
    ]);
    let (status, location, _) =
        post_multipart_as(&state, "/unit/info/upload", Some(&unit), body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/unit/info?ok=realname_uploaded");
    let (_, _, info) = send(&state, "GET", "/unit/info", Some(&unit)).await;
    assert!(
        info.contains(r#"id="realname-status">待人工审核</span>"#),
        "{info}"
    );

    let reviewer = staff_session(&env, StaffRole::AccountReviewer).await;
    let path = format!("/staff/realname/unit/{}", m.unit.0);
    let (status, _, case) = send(&state, "GET", &path, Some(&reviewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        case.contains("<dt>统一社会信用代码证（营业执照）</dt>"),
        "{case}"
    );
    assert!(case.contains("<dt>法定代表人身份证</dt>"));
    assert!(!case.contains("注册人身份证"));
}
