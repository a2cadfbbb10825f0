//! 征求意见 over HTTP: the editor opens a consultation on a published
//! guide (errors beside the fields, input kept), the guide's page and the
//! list say 征求意见中（截至 …）, the visitor's comment form refuses bad
//! input beside each field with the text kept as typed, staff read the
//! comments per section with phones masked, answer them, export them to
//! .xlsx (masked) and close with the 说明 the portal then shows.

use axum::http::StatusCode;
use scigrant_app::Actor;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::portal::content::{ArticleForm, create_article, review_article, submit_article};
use scigrant_app::testing::{Backend, PASSWORD, TestEnv, staff_with_password, test_env};
use scigrant_domain::calendar::{DayPart, parse_moment};
use scigrant_domain::identity::account::{AccountKind, StaffRole};
use scigrant_domain::ids::ArticleId;
use scigrant_web::AppState;

use super::funding::post_form;
use super::{raw_get, send, session_for};

const TITLE: &str = "定日6.8级地震应急攻关项目申报指南（征求意见稿）";

async fn staff(env: &TestEnv, login: &str, role: StaffRole) -> (Actor, String) {
    let id = staff_with_password(&env.app, login, login, role, PASSWORD).await;
    let session = session_for(env, LoginTab::Staff, login, PASSWORD).await;
    (
        Actor {
            kind: Some(AccountKind::Staff),
            id: Some(id),
            label: login.into(),
            ip: "127.0.0.1".into(),
            request_id: "t".into(),
            on_behalf: None,
        },
        session,
    )
}

async fn guide(env: &TestEnv, editor: &Actor, reviewer: &Actor) -> ArticleId {
    let f = ArticleForm {
        section: "sbzn".into(),
        title: TITLE.into(),
        publisher: "西藏自治区科学技术厅".into(),
        body: "## 一、总体目标\n\n……\n\n## 二、申报方向\n\n……".into(),
        ..ArticleForm::default()
    };
    let id = create_article(&env.app, editor, &f, &[]).await.unwrap();
    submit_article(&env.app, editor, id).await.unwrap();
    review_article(&env.app, reviewer, id, true, "")
        .await
        .unwrap();
    id
}

/// The captcha id a page carries in its hidden field.
fn captcha_id(page: &str) -> String {
    let marker = r#"name="captcha_id" value=""#;
    let start = page.find(marker).expect("a captcha on the page") + marker.len();
    page[start..start + 32].to_string()
}

/// The number after `marker` in `text` (an id in an address).
pub(super) fn id_after(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

pub(crate) fn xlsx_strings(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx (zip) file");
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .expect("shared strings")
        .read_to_string(&mut xml)
        .expect("utf-8 xml");
    xml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_comment_per_section_and_staff_answer_export_and_close() {
    let env = test_env(Backend::Sqlite).await;
    let state = AppState::new(env.app.clone());
    let (editor, editor_s) = staff(&env, "editor1", StaffRole::ContentEditor).await;
    let (reviewer, _) = staff(&env, "checker1", StaffRole::ContentReviewer).await;
    let article = guide(&env, &editor, &reviewer).await;

    // The editor opens it; a bad form comes back as typed.
    let (status, _, page) = send(&state, "GET", "/staff/consultations", Some(&editor_s)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(r#"<option value="{article}">{TITLE}</option>"#)));
    let a = article.to_string();
    let (status, _, page) = post_form(
        &state,
        "/staff/consultations",
        &editor_s,
        &[
            ("article", &a),
            ("opens", "2023-04-20 09:00"),
            ("closes", "2023-04-28 18:00"),
            ("anonymous", "1"),
            ("sections", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="error" id="e-sections">请填写指南的章节标题，每行一个</p>"#)
    );
    assert!(page.contains(r#"value="2023-04-28 18:00""#));
    let (status, location, _) = post_form(
        &state,
        "/staff/consultations",
        &editor_s,
        &[
            ("article", &a),
            ("opens", "2023-04-20 09:00"),
            ("closes", "2023-04-28 18:00"),
            ("anonymous", "1"),
            ("sections", "一、总体目标\n二、申报方向"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = id_after(&location, "/staff/consultations/");
    let public = format!("/consultations/{id}");

    // The guide's page and the list say it is open, to the minute.
    let (_, _, page) = send(&state, "GET", &format!("/articles/{article}"), None).await;
    assert!(page.contains(&format!(
        r#"征求意见中（截至 2023-04-28 18:00）<a href="{public}">提出意见</a>"#
    )));
    let (_, _, list) = send(&state, "GET", "/consultations", None).await;
    assert!(list.contains(&format!(r#"<a href="{public}">{TITLE}</a>"#)));
    assert!(list.contains("征求意见中（截至 2023-04-28 18:00）"));

    // The visitor's form: errors beside the fields, text kept.
    let (status, _, page) = send(&state, "GET", &public, None).await;
    assert_eq!(status, StatusCode::OK);
    let body = "建议在申报方向中增加“震后次生地质灾害监测预警”。";
    let fields = |name: &'static str, phone: &'static str, captcha: String| {
        vec![
            ("section", "2".to_string()),
            ("body", body.to_string()),
            ("name", name.to_string()),
            ("unit", "西藏大学".to_string()),
            ("phone", phone.to_string()),
            ("captcha_id", captcha),
            ("captcha", "TEST".to_string()),
        ]
    };
    let post = |v: Vec<(&'static str, String)>| {
        let state = state.clone();
        let path = format!("{public}/comments");
        async move {
            let pairs: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
            post_form(&state, &path, "", &pairs).await
        }
    };
    let (status, _, refused) = post(fields("", "1391234", captcha_id(&page))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains(r#"<p class="error" id="e-phone">手机号码格式不正确</p>"#));
    assert!(refused.contains(r#"<p class="error" id="e-name">请输入姓名</p>"#));
    assert!(refused.contains(&format!(">{body}</textarea>")));
    assert!(refused.contains(r#"value="西藏大学""#));
    assert!(refused.contains(r#"value="1391234""#));
    assert!(refused.contains(r#"<option value="2" selected>二、申报方向</option>"#));
    // A wrong captcha is named beside its field.
    let mut wrong = fields("次仁", "13912345678", captcha_id(&refused));
    wrong[6].1 = "NOPE".into();
    let (status, _, refused) = post(wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains(
            r#"<p class="error" id="e-captcha">图形验证码不正确或已过期，请重新输入</p>"#
        )
    );
    let (status, location, _) = post(fields("次仁", "13912345678", captcha_id(&refused))).await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("{public}?ok=comment").as_str()
        )
    );
    let (_, _, shown) = send(&state, "GET", &location, None).await;
    assert!(shown.contains(r#"id="comment-taken""#));

    // Staff read it under its section, the phone masked.
    let staff_page = format!("/staff/consultations/{id}");
    let (status, _, page) = send(&state, "GET", &staff_page, Some(&editor_s)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"一、总体目标（<span class="count">0</span> 条意见）"#));
    assert!(page.contains(r#"二、申报方向（<span class="count">1</span> 条意见）"#));
    assert!(page.contains("次仁（西藏大学）"));
    assert!(page.contains("139****5678"));
    assert!(!page.contains("13912345678"));
    let comment = id_after(&page, r#"action="/staff/comments/"#);

    // The export, read back: masked as on screen.
    let (status, kind, bytes) = raw_get(&state, &format!("{staff_page}/export"), &editor_s).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let strings = xlsx_strings(&bytes);
    for s in [
        "指南章节",
        "意见内容",
        "联系电话",
        "二、申报方向",
        "次仁",
        "139****5678",
        "待处理",
    ] {
        assert!(strings.contains(s), "{s} in {strings}");
    }
    assert!(!strings.contains("13912345678"));

    // Answering: a refusal beside the reply, then saved.
    let handle = format!("/staff/comments/{comment}/handle");
    let (status, _, page) = post_form(
        &state,
        &handle,
        &editor_s,
        &[
            ("consultation", &id),
            ("state", "not_adopted"),
            ("reply", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!(
        r#"<p class="error" id="e-reply-{comment}">请填写处理意见（采纳以外的处理须说明理由）</p>"#
    )));
    let (status, _, _) = post_form(
        &state,
        &handle,
        &editor_s,
        &[
            ("consultation", &id),
            ("state", "adopted"),
            ("reply", "已增加该方向。"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Closing waits for the period's end; then the portal shows the outcome.
    let close = format!("{staff_page}/close");
    let explanation = [("explanation", "共收到意见1条，已采纳1条。")];
    let (status, _, page) = post_form(&state, &close, &editor_s, &explanation).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(
        r#"<p class="error" id="e-explanation">征求意见期至 2023-04-28 18:00:00 截止，截止后方可结束并公布处理情况</p>"#
    ));
    assert!(page.contains("共收到意见1条，已采纳1条。</textarea>"));
    env.clock
        .set(parse_moment("2023-04-28 18:00:01", DayPart::Start).unwrap());
    // Days later: the editor signs in again.
    let editor_s = session_for(&env, LoginTab::Staff, "editor1", PASSWORD).await;
    let (status, location, _) = post_form(&state, &close, &editor_s, &explanation).await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("{staff_page}?ok=saved").as_str()
        )
    );
    let (_, _, page) = send(&state, "GET", &public, None).await;
    assert!(page.contains(r#"<span id="comment-total">1</span>"#));
    assert!(page.contains("<tr><td>已采纳</td><td>1</td></tr>"));
    assert!(page.contains("<p>共收到意见1条，已采纳1条。</p>"));
    assert!(!page.contains(r#"id="comment-form""#));
    let (_, _, page) = send(&state, "GET", &format!("/articles/{article}"), None).await;
    assert!(page.contains("查看意见处理情况"));
}
