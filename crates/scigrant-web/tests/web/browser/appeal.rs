//! 自然人申诉找回密码 in Chromium: a person who lost their login files an
//! appeal with signed ID images and the SMS code, the 账号审核员 opens it
//! (images included) and approves, the one-time password read from the
//! SMS outbox signs the person in, and 修改密码 comes before anything else.

use scigrant_app::testing::{Backend, PASSWORD, id_number, phone, staff_with_password};
use scigrant_domain::identity::account::StaffRole;

use super::start;

fn seg(code: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, code];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A small JPEG's structure with EXIF, as a phone writes it.
fn photo() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    v.extend(seg(0xE1, b"Exif\0\0GPS 29.65N 91.13E"));
    v.extend(seg(0xDB, &[0; 65]));
    v.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    v.extend([0x12, 0x34, 0xFF, 0xD9]);
    v
}

/// The newest SMS's text after `label`, up to `end`.
async fn newest_after(app: &scigrant_app::App, label: &str, end: char) -> String {
    let m = scigrant_app::notify::recent(app, 1)
        .await
        .unwrap()
        .remove(0);
    let at = m.body.find(label).expect("the SMS") + label.len();
    m.body[at..].chars().take_while(|c| *c != end).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_person_appeal_is_approved_and_the_one_time_password_must_be_changed() {
    let s = start(Backend::Sqlite).await;
    let mobile = super::registered_person(&s.env, 12).await;
    staff_with_password(
        &s.env.app,
        "reviewer",
        "审核员",
        StaffRole::AccountReviewer,
        PASSWORD,
    )
    .await;

    // 忘记密码？ → 自然人申诉找回密码.
    s.go("/password/forgot").await;
    s.click_to(
        ".recover-ways a[href='/password/appeal/person']",
        "/password/appeal/person",
    )
    .await;
    assert_eq!(s.text(".steps li.on").await, "上传证件");
    let new_phone = phone(977);
    s.fill("name", "次仁").await;
    s.fill("doc_no", &id_number(12)).await;
    s.fill("phone", &new_phone).await;
    s.click("#send-code").await;
    s.wait_text(
        "#code-sent",
        "验证码已发送至手机 139****0977，5分钟内有效。",
    )
    .await;
    let code = newest_after(&s.env.app, "验证码：", '，').await;
    let front = s.file("正面.jpg", &photo());
    let back = s.file("反面.jpeg", &photo());
    s.attach("front", &front).await;
    s.attach("back", &back).await;
    s.fill("code", &code).await;
    s.click("#appeal-next").await;
    s.wait_text(".steps li.on", "等待审核").await;
    let number = s.text("#appeal-number").await;
    assert!(number.starts_with("SS"), "{number}");

    // The reviewer opens the queue, the appeal and its images, and approves.
    s.staff_login("reviewer", PASSWORD).await;
    s.wait_path("/staff").await;
    s.go("/staff/appeals").await;
    let row = s.text("#appeals tbody tr").await;
    assert!(row.contains(&number) && row.contains("等待审核"), "{row}");
    s.click_to("#appeals a.btn", "/staff/appeals/").await;
    assert_eq!(s.text("#appeal-account").await, "次仁（个人用户）");
    assert_eq!(
        s.c.find_all(fantoccini::Locator::Css(".appeal-image img"))
            .await
            .unwrap()
            .len(),
        2
    );
    s.click_to("#approve", "/staff/appeals?ok=approved").await;
    assert!(s.body().await.contains("已审核通过"));
    // The page never showed the password; the SMS to the appeal's phone has it.
    let otp = newest_after(&s.env.app, "一次性密码：", '，').await;
    assert!(!s.body().await.contains(&otp));

    // The status lookup shows the decision.
    s.sign_out().await;
    s.go("/password/appeal/status").await;
    s.fill("number", &number).await;
    s.fill("phone", &new_phone).await;
    s.click("#lookup").await;
    s.wait_text("#appeal-state", "审核通过").await;

    // The one-time password signs in, and 修改密码 comes first.
    s.login("person", &mobile, &otp).await;
    s.wait_path("/account/password").await;
    assert_eq!(
        s.text("#one-time").await,
        "您正在使用申诉审核通过后发送的一次性密码，请先修改密码后再使用其他功能。"
    );
    s.go("/person").await;
    s.wait_path("/account/password").await;
    let new = "Appeal#Kj2026x";
    s.fill("old", &otp).await;
    s.fill("new", new).await;
    s.fill("confirm", new).await;
    s.submit().await;
    s.wait_path("/person").await;
    s.login("person", &mobile, new).await;
    s.wait_path("/person").await;
    s.done().await;
}
