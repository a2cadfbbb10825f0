//! 通知附件 (issue 12, seed 003 “具体要求：见附件1”): the 项目管理员 uploads
//! a call's documents on its console page and removes them; a file whose
//! content is not one of the accepted kinds, or whose name does not fit
//! its content, is refused beside the field with the title kept and
//! nothing stored; visitors and applicants see and download the documents
//! once the call is published, never while it is a draft.

use axum::http::StatusCode;
use scigrant_app::grants::applications::start;
use scigrant_app::grants::calls::{CallForm, create_call, create_program, set_state};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::s3::count_files;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, audit_count, pdf, person_actor, staff_actor, test_env,
};
use scigrant_domain::grants::application::CallState;
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::CallId;
use scigrant_web::AppState;

use super::funding::{multipart_body, post_form, post_multipart_as};
use super::{raw_get, send, session_for, staff_session};

/// A draft call of the 附件4 form, open 2023-04-10 to 04-25.
async fn draft_call(app: &scigrant_app::App) -> CallId {
    let manager = staff_actor(99);
    let program = create_program(app, &manager, "2023年“科创中国”系列项目", "各有关单位：……")
        .await
        .unwrap();
    let form = CallForm {
        code: "KJFWT2023-01".into(),
        name: "产业科技服务团".into(),
        task: "发挥全国学会科技人才汇聚优势".into(),
        quota: "80".into(),
        cap: "55".into(),
        period_end: "2023-11-30".into(),
        eligible: vec!["institute".into()],
        opens: "2023-04-10".into(),
        closes: "2023-04-25".into(),
        paper_deadline: "2023-04-28 12:00".into(),
        template: "kczg2023-fj4".into(),
        ..CallForm::default()
    };
    create_call(app, &manager, program, &form).await.unwrap()
}

/// The id of the first document a page links under `prefix`.
fn first_document(page: &str, prefix: &str) -> String {
    let start = page
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {page}"))
        + prefix.len();
    page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

async fn staff_and_visitors_handle_documents(backend: Backend) {
    let env = test_env(backend).await;
    let app = &env.app;
    let state = AppState::new(app.clone());
    let call = draft_call(app).await;
    let manager = staff_session(&env, StaffRole::ProgramManager).await;
    let upload_path = format!("/staff/calls/{call}/documents");
    let requirements = pdf(3000);

    // Content that is none of PDF, Word, Excel, WPS or ZIP: refused while
    // it streams in, the title kept, nothing stored.
    let files_before = count_files(app).await;
    let body = multipart_body(
        &[("title", "附件1 项目实施要求")],
        (
            "document",
            "实施要求.pdf",
            "application/pdf",
            b"MZ\x90\x00 not a document",
        ),
    );
    let (status, _, page) = post_multipart_as(&state, &upload_path, Some(&manager), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(r#"<p class="error" id="e-document">"#),
        "{page}"
    );
    assert!(page.contains(r#"value="附件1 项目实施要求""#), "{page}");
    assert_eq!(count_files(app).await, files_before);

    // A PDF named .docx: the name must agree with the content.
    let body = multipart_body(
        &[("title", "附件1 项目实施要求")],
        (
            "document",
            "实施要求.docx",
            "application/pdf",
            &requirements,
        ),
    );
    let (status, _, page) = post_multipart_as(&state, &upload_path, Some(&manager), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("附件《实施要求.docx》的文件名与内容不符（内容为PDF）"),
        "{page}"
    );
    assert_eq!(count_files(app).await, files_before);

    // No file chosen.
    let (status, _, page) = post_multipart_as(
        &state,
        &upload_path,
        Some(&manager),
        multipart_body(
            &[("title", "")],
            ("document", "", "application/octet-stream", b""),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("请选择要上传的附件文件"), "{page}");

    // A PDF with its title, and a Word document without one.
    let body = multipart_body(
        &[("title", "附件1 项目实施要求")],
        ("document", "实施要求.pdf", "application/pdf", &requirements),
    );
    let (status, location, _) = post_multipart_as(&state, &upload_path, Some(&manager), body).await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/calls/{call}?ok=saved").as_str()
        )
    );
    let mut ole2 = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole2.resize(2048, 0);
    let body = multipart_body(
        &[("title", "")],
        (
            "document",
            "供应商账号注册流程.doc",
            "application/msword",
            &ole2,
        ),
    );
    let (status, _, _) = post_multipart_as(&state, &upload_path, Some(&manager), body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count_files(app).await, files_before + 2);
    assert_eq!(audit_count(app, "call.document_add").await, 2);

    let (_, _, console) = send(
        &state,
        "GET",
        &format!("/staff/calls/{call}"),
        Some(&manager),
    )
    .await;
    assert!(
        console.contains(">附件1 项目实施要求</a></td><td>实施要求.pdf</td>"),
        "{console}"
    );
    assert!(console.contains(">供应商账号注册流程.doc</a>"), "{console}");
    let staff_prefix = format!("/staff/calls/{call}/documents/");
    let doc = first_document(&console, &staff_prefix);

    // While the call is a draft, only staff read its documents.
    let public_doc = format!("/calls/{call}/documents/{doc}");
    let (status, _, _) = send(&state, "GET", &public_doc, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, kind, bytes) = raw_get(&state, &format!("{staff_prefix}{doc}"), &manager).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert_eq!(bytes, requirements);

    // Published: on the call's page, downloaded with its name.
    set_state(app, &staff_actor(99), call, CallState::Published)
        .await
        .unwrap();
    let (status, _, guide) = send(&state, "GET", &format!("/calls/{call}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        guide.contains(&format!(
            r#"<li><a href="{public_doc}">附件1 项目实施要求</a>（2KB）</li>"#
        )),
        "{guide}"
    );
    assert!(guide.contains(">供应商账号注册流程.doc</a>"), "{guide}");
    let res = super::send_full(&state, &public_doc).await;
    assert_eq!(res.0, StatusCode::OK);
    assert_eq!(res.1.get("content-type").unwrap(), "application/pdf");
    assert_eq!(res.1.get("content-length").unwrap(), "3000");
    let disposition = res.1.get("content-disposition").unwrap().to_str().unwrap();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"file-{doc}.pdf\"; filename*=UTF-8''%E5%AE%9E%E6%96%BD%E8%A6%81%E6%B1%82.pdf"
        )
    );
    assert_eq!(res.2, requirements);

    // The applicant's form shows them too.
    let m = ApprovedMember::builder(71).build(app).await;
    let a = start(app, &person_actor(m.person.0), m.person, call)
        .await
        .unwrap();
    let person = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;
    let (_, _, edit) = send(
        &state,
        "GET",
        &format!("/applications/{a}/edit"),
        Some(&person),
    )
    .await;
    assert!(
        edit.contains(&format!(
            r#"通知附件：<a href="{public_doc}">附件1 项目实施要求</a>"#
        )),
        "{edit}"
    );
    // Applicants do not reach the console's copy, nor remove anything.
    let (status, _, _) = send(
        &state,
        "GET",
        &format!("{staff_prefix}{doc}"),
        Some(&person),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Removed: gone from the page and from download.
    let (status, location, _) = post_form(
        &state,
        &format!("{staff_prefix}{doc}/remove"),
        &manager,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/staff/calls/{call}?ok=saved").as_str()
        )
    );
    let (_, _, guide) = send(&state, "GET", &format!("/calls/{call}"), None).await;
    assert!(!guide.contains("附件1 项目实施要求"), "{guide}");
    assert!(guide.contains(">供应商账号注册流程.doc</a>"), "{guide}");
    let (status, _, _) = send(&state, "GET", &public_doc, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Removing it twice finds nothing.
    let (status, _, _) = post_form(
        &state,
        &format!("{staff_prefix}{doc}/remove"),
        &manager,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(app, "call.document_remove").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_documents_on_sqlite() {
    staff_and_visitors_handle_documents(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_documents_on_postgres() {
    staff_and_visitors_handle_documents(Backend::Postgres).await;
}
