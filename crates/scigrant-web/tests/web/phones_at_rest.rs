//! Issue 7, finding 10 (rest): the phones of an application are sealed at
//! rest, and the applicant still reads them where the full value belongs:
//! on their own application page and on the printed PDF, whose receipt
//! digest (of the text as typed) still verifies. On both databases.

use axum::http::StatusCode;
use scigrant_app::grants::applications::{Verification, start, submit, verify};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, funding_call, person_actor, test_env,
};
use scigrant_domain::grants::form::Value;
use scigrant_domain::grants::form::samples::sample_fj4;
use scigrant_web::AppState;

use super::{raw_get, send, session_for};

async fn the_applicant_reads_their_phones_on_the_page_and_the_pdf(backend: Backend) {
    let env = test_env(backend).await;
    let state = AppState::new(env.app.clone());
    let app = &env.app;
    let call = funding_call(app, "KJFWT2023-01", "3", "60").await;
    let m = ApprovedMember::builder(73).build(app).await;
    let me = person_actor(m.person.0);
    let a = start(app, &me, m.person, call).await.unwrap();
    let mut data = sample_fj4();
    data.insert("cover_mobile".into(), Value::Text(m.phone.clone()));
    let receipt = submit(app, &me, m.person, a, &data).await.unwrap();
    let cookie = session_for(&env, LoginTab::Person, &m.phone, PASSWORD).await;

    let (status, _, page) = send(&state, "GET", &format!("/applications/{a}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for phone in [m.phone.as_str(), "13912345678", "010-68510001"] {
        assert!(page.contains(phone), "the page lacks {phone}");
    }
    assert!(!page.contains("sealed:sm4:") && !page.contains("无法解密"));

    let (status, kind, pdf) = raw_get(&state, &format!("/applications/{a}/pdf"), &cookie).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    let path = std::env::temp_dir().join(format!(
        "scigrant-phones-{}-{:?}.pdf",
        std::process::id(),
        backend
    ));
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is needed to read the PDF");
    std::fs::remove_file(&path).unwrap();
    let text: String = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect();
    for part in [m.phone.as_str(), "13912345678", receipt.number.as_str()] {
        assert!(text.contains(part), "the PDF lacks {part}:\n{text}");
    }
    assert!(!text.contains("sealedsm4") && !text.contains("sealed:sm4"));
    let checked = verify(app, &receipt.number, &receipt.digest).await.unwrap();
    assert!(
        matches!(checked, Verification::Matches { .. }),
        "{checked:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_reads_their_phones_on_the_page_and_the_pdf_sqlite() {
    the_applicant_reads_their_phones_on_the_page_and_the_pdf(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_reads_their_phones_on_the_page_and_the_pdf_postgres() {
    the_applicant_reads_their_phones_on_the_page_and_the_pdf(Backend::Postgres).await;
}
