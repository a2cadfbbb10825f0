//! Documents in an S3-compatible bucket (moto on loopback), through the
//! site as an applicant uses it: the PDFs posted with 完善个人信息 land in
//! the bucket, the owner downloads one back through `/files/{id}` with the
//! usual headers, another applicant still gets 404, and a refused
//! upload leaves no object and no row. Also the same form's text arriving
//! in pieces that split its characters.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::register::register_person;
use scigrant_app::testing::s3::{Moto, use_bucket};
use scigrant_app::testing::{
    ApprovedMember, Backend, PASSWORD, TestEnv, person_form, test_env, visitor,
};
use scigrant_domain::ids::PersonId;
use scigrant_web::AppState;
use scigrant_web::routes::router;
use tower::ServiceExt;

use super::{csrf, session_for};

const BOUNDARY: &str = "----scigrant-s3-boundary";

/// 完善个人信息 joining `unit`, with an `id_proof` and a `title_proof`.
pub(crate) fn profile_body(unit: i64, id_proof: &[u8], title_proof: &[u8]) -> Vec<u8> {
    profile_body_in(unit, "中心", id_proof, title_proof)
}

/// [`profile_body`] with 所在部门 `department`.
fn profile_body_in(unit: i64, department: &str, id_proof: &[u8], title_proof: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let fields = [
        ("unit_id", unit.to_string()),
        ("region_code", "540102".into()),
        ("department", department.into()),
        ("email", "p2@example.cn".into()),
        ("education", "硕士".into()),
        ("degree", "博士".into()),
        ("title", "高级".into()),
    ];
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in [
        ("id_proof", "身份证明.pdf", id_proof),
        ("title_proof", "职称证明.pdf", title_proof),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_profile(state: &AppState, session: &str, body: Vec<u8>) -> StatusCode {
    StatusCode::from_u16(post_profile_reply(state, session, body).await.0).unwrap()
}

/// Posts 完善个人信息 (`body` from [`profile_body`]) as the page does:
/// status and page.
pub(crate) async fn post_profile_reply(
    state: &AppState,
    session: &str,
    body: Vec<u8>,
) -> (u16, String) {
    post_profile_in_pieces(state, session, body, usize::MAX).await
}

/// [`post_profile_reply`] with the body arriving `piece` bytes at a time,
/// as a slow or small-windowed connection delivers it.
async fn post_profile_in_pieces(
    state: &AppState,
    session: &str,
    body: Vec<u8>,
    piece: usize,
) -> (u16, String) {
    // The form token is the first part, as the page's hidden field is.
    let (cookies, token) = csrf(state, Some(session)).await;
    let mut full =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n")
            .into_bytes();
    full.extend_from_slice(&body);
    let req = Request::post("/person/profile")
        .header("cookie", cookies)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(pieces(full, piece)))
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// `bytes` as a stream of `piece`-byte chunks, each after a pause (the
/// reader sees each piece alone, as from a slow connection).
fn pieces(
    bytes: Vec<u8>,
    piece: usize,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    use futures_util::StreamExt;
    let chunks: Vec<axum::body::Bytes> = bytes
        .chunks(piece)
        .map(axum::body::Bytes::copy_from_slice)
        .collect();
    futures_util::stream::iter(chunks).then(|c| async move {
        tokio::task::yield_now().await;
        Ok(c)
    })
}

/// Unit 1 with its member, and person 2 registered and signed in but not
/// yet anyone's member (who posts 完善个人信息): the unit, person 2 and
/// their session.
pub(crate) async fn newcomer_beside_a_unit(env: &TestEnv) -> (ApprovedMember, PersonId, String) {
    let unit = ApprovedMember::builder(1).build(&env.app).await;
    let captcha_id = scigrant_app::identity::captcha::new_captcha(&env.app)
        .await
        .unwrap()
        .id;
    let form = person_form(2, captcha_id);
    let person = register_person(&env.app, &visitor(), &form).await.unwrap();
    let me = session_for(env, LoginTab::Person, &form.phone, PASSWORD).await;
    (unit, person, me)
}

async fn file_rows(env: &TestEnv) -> i64 {
    scigrant_app::testing::s3::count_files(&env.app).await
}

fn pdf_of(size: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..size - 9).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicants_pdf_goes_to_the_bucket_and_downloads_back() {
    let mut env = test_env(Backend::Postgres).await;
    let moto = Moto::start(&format!("sg-web-{}", std::process::id())).await;
    use_bucket(&mut env, &moto, "docs");
    let (other, person, me) = newcomer_beside_a_unit(&env).await;
    let state = AppState::new(env.app.clone());

    // A refused upload (a JPEG as 身份证明) keeps nothing: not the refused
    // file, not the valid 职称证明 posted with it.
    let objects = moto.keys().await.len();
    let rows = file_rows(&env).await;
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0];
    let status = post_profile(
        &state,
        &me,
        profile_body(other.unit.0, &jpeg, &pdf_of(5000, 1)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        moto.keys().await.len(),
        objects,
        "no object left in the bucket"
    );
    assert_eq!(file_rows(&env).await, rows, "no row in the files table");

    // Accepted: both PDFs are objects in the bucket.
    let id_proof = pdf_of(300_000, 7);
    let status = post_profile(
        &state,
        &me,
        profile_body(other.unit.0, &id_proof, &pdf_of(4000, 2)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(moto.keys().await.len(), objects + 2);
    assert_eq!(file_rows(&env).await, rows + 2);
    let file = scigrant_app::identity::members::person(&env.app, person)
        .await
        .unwrap()
        .id_proof_file_id
        .unwrap();

    // The owner downloads it back from the bucket, as an attachment.
    let req = Request::get(format!("/files/{file}"))
        .header("cookie", format!("sg_session={me}"))
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], id_proof.len().to_string().as_str());
    assert_eq!(
        h["content-disposition"],
        format!(
            "attachment; filename=\"file-{file}.pdf\"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%E6%98%8E.pdf"
        )
        .as_str()
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    let body = axum::body::to_bytes(res.into_body(), 1024 * 1024)
        .await
        .unwrap();
    assert!(
        body.as_ref() == id_proof.as_slice(),
        "the same bytes come back"
    );

    // Another applicant still gets 404 for it.
    let stranger = session_for(&env, LoginTab::Person, &other.phone, PASSWORD).await;
    let (status, _, _) =
        super::send(&state, "GET", &format!("/files/{file}"), Some(&stranger)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A text field of a multipart form arriving in pieces that end inside
/// its characters (each 汉字 is three bytes in UTF-8) is kept exactly as
/// typed, not with U+FFFD where a piece ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_text_field_split_inside_its_characters_is_kept_as_typed() {
    let env = test_env(Backend::Sqlite).await;
    let (other, person, me) = newcomer_beside_a_unit(&env).await;
    let state = AppState::new(env.app.clone());
    let department = "西藏自治区农牧科学院农业研究所高原作物育种研究室";
    let body = profile_body_in(other.unit.0, department, &pdf_of(3000, 3), &pdf_of(3000, 4));
    let (status, page) = post_profile_in_pieces(&state, &me, body, 7).await;
    assert_eq!(status, 303, "{page}");
    let saved = scigrant_app::identity::members::person(&env.app, person)
        .await
        .unwrap()
        .department;
    assert_eq!(saved, department);
}
