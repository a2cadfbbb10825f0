//! 申诉找回密码 (issue 13 #3): a person's and a unit's appeal filed with a
//! code and two images, the 1 MB limit and the image types, the status
//! lookup, the reviewer's approval (a one-time password by SMS that must
//! be changed) and rejection (the reason by SMS), and the retention job.
//! Each test runs on SQLite and on PostgreSQL.

use scigrant_app::identity::appeal::retention::purge_appeal_images;
use scigrant_app::identity::appeal::review::{
    AppealVerdict, appeal_image, appeal_queue, appeal_view, decide_appeal,
};
use scigrant_app::identity::appeal::unit::{
    FindUnit, UNIT_UNKNOWN, UnitAppeal, find_unit, submit_unit_appeal,
};
use scigrant_app::identity::appeal::{
    CODE_REFUSED, Image, PersonAppeal, STATUS_NOT_FOUND, appeal_status, send_appeal_code,
    submit_person_appeal,
};
use scigrant_app::identity::auth::{LoginTab, PasswordChange, authenticate, change_password};
use scigrant_app::notify::{Channel, recent};
use scigrant_app::testing::{
    PASSWORD, TestEnv, audit_count, id_number, phone, unit_form, uscc, visitor,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::appeal::{AppealState, IMAGE_MAX};
use tokio::io::AsyncReadExt;

use super::{new_captcha, new_person, new_unit, refusal_of, reviewer, try_login};

fn seg(code: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, code];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A JPEG as a phone takes it (JFIF, EXIF with a place, a frame, a scan),
/// `size` bytes long: the scan is padded.
pub(crate) fn phone_jpeg(size: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    v.extend(seg(0xE1, b"Exif\0\0GPS 29.65N 91.13E"));
    v.extend(seg(0xDB, &[0; 65]));
    v.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
    let pad = size.saturating_sub(v.len() + 2);
    v.extend(std::iter::repeat_n(0x20, pad));
    v.extend([0xFF, 0xD9]);
    v
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(data);
    v.extend([0, 0, 0, 0]);
    v
}

/// A PNG with a text chunk naming the camera.
pub(crate) fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    v.extend(chunk(b"tEXt", b"Camera\0Pixel 9"));
    v.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1]));
    v.extend(chunk(b"IEND", &[]));
    v
}

fn image(name: &str, bytes: Vec<u8>) -> Image {
    Image {
        name: name.into(),
        bytes,
    }
}

/// The phone an appellant gives (not the account's reserved one).
fn appeal_phone(n: u32) -> String {
    phone(70_000 + n)
}

/// The code in the newest SMS of the outbox.
async fn code_in_outbox(env: &TestEnv) -> String {
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    let at = m.body.find("验证码：").expect("a code") + "验证码：".len();
    m.body[at..].chars().take(6).collect()
}

/// Person `n`'s appeal with a fresh code for the phone given.
async fn person_appeal(env: &TestEnv, n: u32) -> PersonAppeal {
    let phone = appeal_phone(n);
    send_appeal_code(&env.app, &visitor(), &phone)
        .await
        .unwrap();
    PersonAppeal {
        name: "张三".into(),
        identity_type: "mainland".into(),
        doc_type: "mainland_id".into(),
        doc_no: id_number(n),
        phone,
        code: code_in_outbox(env).await,
    }
}

async fn file_person(env: &TestEnv, f: &PersonAppeal) -> Result<String, AppError> {
    let front = image("正面.jpg", phone_jpeg(4096));
    let back = image("反面.png", png());
    submit_person_appeal(&env.app, &visitor(), f, Some(&front), Some(&back)).await
}

fn errors_of(r: Result<String, AppError>) -> FieldErrors {
    match r {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected validation errors, got {other:?}"),
    }
}

/// Files kept by the local storage (the working folder `tmp` aside).
fn stored_files(env: &TestEnv) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    if p.file_name().is_some_and(|n| n == "tmp") {
                        0
                    } else {
                        walk(&p)
                    }
                } else {
                    1
                }
            })
            .sum()
    }
    walk(env.app.files.root())
}

async fn only_appeal_id(env: &TestEnv) -> i64 {
    let q = appeal_queue(&env.app).await.unwrap();
    assert_eq!(q.len(), 1);
    q[0].id
}

async fn a_person_appeal_waits_for_review_and_its_status_is_looked_up(env: TestEnv) {
    let f = person_appeal(&env, 1).await;
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(sms.channel, Channel::Sms);
    assert_eq!(
        sms.recipient_masked,
        scigrant_domain::mask::mask_phone(&f.phone)
    );
    let number = file_person(&env, &f).await.unwrap();
    assert!(number.starts_with("SS") && number.len() == 14, "{number}");
    assert_eq!(stored_files(&env), 2);

    // The same code does not file a second appeal.
    let again = file_person(&env, &f).await;
    assert_eq!(errors_of(again).get("code"), Some(CODE_REFUSED));

    let s = appeal_status(&env.app, &number, &f.phone).await.unwrap();
    assert_eq!(s.state, AppealState::Pending);
    assert_eq!(s.number, number);
    // Another phone and an unknown number get one answer.
    let other = appeal_status(&env.app, &number, &appeal_phone(2)).await;
    assert_eq!(refusal_of(other), STATUS_NOT_FOUND);
    let unknown = appeal_status(&env.app, "SS000000000000", &f.phone).await;
    assert_eq!(refusal_of(unknown), STATUS_NOT_FOUND);

    // The reviewer sees it, masked, with its two images stripped of
    // metadata; each view is audited.
    let id = only_appeal_id(&env).await;
    let v = appeal_view(&env.app, id).await.unwrap();
    assert_eq!(v.line.state, AppealState::Pending);
    assert_eq!(
        v.doc_no_masked,
        scigrant_domain::mask::mask_id(&id_number(1))
    );
    assert_eq!(v.identity_type, "中华人民共和国大陆地区");
    assert_eq!(v.account, "", "nobody registered with that number");
    let labels: Vec<&str> = v.images.iter().map(|i| i.1).collect();
    assert_eq!(labels, ["证件正面", "证件反面"]);
    let r = reviewer(&env).await;
    let mut front = appeal_image(&env.app, &r, id, v.images[0].0).await.unwrap();
    let mut bytes = Vec::new();
    front.content.read_to_end(&mut bytes).await.unwrap();
    assert_eq!(front.content_type, "image/jpeg");
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(!String::from_utf8_lossy(&bytes).contains("GPS"));
    let back = appeal_image(&env.app, &r, id, v.images[1].0).await.unwrap();
    assert_eq!(back.content_type, "image/png");
    assert!(matches!(
        appeal_image(&env.app, &r, id + 1, v.images[0].0).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(audit_count(&env.app, "appeal.image.view").await, 2);
    assert_eq!(audit_count(&env.app, "appeal.submit").await, 1);
    assert_eq!(audit_count(&env.app, "appeal.code").await, 1);
}
both!(a_person_appeal_waits_for_review_and_its_status_is_looked_up);

async fn a_unit_appeal_starts_from_the_unit_name(env: TestEnv) {
    let unit = new_unit(&env, 1).await;
    let name = unit_form(1).name;
    let unknown = find_unit(
        &env.app,
        &visitor(),
        &FindUnit {
            name: "不存在的单位".into(),
            captcha_id: new_captcha(&env).await,
            captcha: "TEST".into(),
        },
    )
    .await;
    assert_eq!(refusal_of(unknown), UNIT_UNKNOWN);
    let found = find_unit(
        &env.app,
        &visitor(),
        &FindUnit {
            name: name.clone(),
            captcha_id: new_captcha(&env).await,
            captcha: "TEST".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(found.name, name);
    assert_eq!(found.uscc_masked, scigrant_domain::mask::mask_id(&uscc(1)));
    let phone = appeal_phone(9);
    send_appeal_code(&env.app, &visitor(), &phone)
        .await
        .unwrap();
    let f = UnitAppeal {
        ticket: found.ticket.clone(),
        phone: phone.clone(),
        code: code_in_outbox(&env).await,
    };
    let license = image("营业执照.jpeg", phone_jpeg(2048));
    let letter = image("申诉函.PNG", png());
    // A forged ticket is refused before anything else.
    let forged = UnitAppeal {
        ticket: format!("{}-9999999999999-x", unit.0),
        ..f.clone()
    };
    let r = submit_unit_appeal(&env.app, &visitor(), &forged, Some(&license), Some(&letter)).await;
    assert_eq!(refusal_of(r), "操作已超时，请重新检索单位名称");
    let number = submit_unit_appeal(&env.app, &visitor(), &f, Some(&license), Some(&letter))
        .await
        .unwrap();
    let s = appeal_status(&env.app, &number, &phone).await.unwrap();
    assert_eq!(s.state, AppealState::Pending);
    let id = only_appeal_id(&env).await;
    let v = appeal_view(&env.app, id).await.unwrap();
    assert_eq!(v.line.name, name);
    assert_eq!(v.account, format!("{name}（单位用户）"));
    let labels: Vec<&str> = v.images.iter().map(|i| i.1).collect();
    assert_eq!(labels, ["营业执照或统一社会信用代码证", "申诉函"]);

    // Approval: the unit logs in with the one-time password by USCC.
    let rv = reviewer(&env).await;
    decide_appeal(&env.app, &rv, id, &AppealVerdict::Approve)
        .await
        .unwrap();
    let otp = otp_in_outbox(&env).await;
    let s = try_login(&env, LoginTab::Unit, &uscc(1), &otp)
        .await
        .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert!(info.caller.must_change_password());
}
both!(a_unit_appeal_starts_from_the_unit_name);

async fn an_image_one_byte_over_1mb_is_refused_and_nothing_is_stored(env: TestEnv) {
    let f = person_appeal(&env, 1).await;
    let over = image("正面.jpg", phone_jpeg(1_048_577));
    let back = image("反面.png", png());
    let r = submit_person_appeal(&env.app, &visitor(), &f, Some(&over), Some(&back)).await;
    assert_eq!(
        errors_of(r).get("front"),
        Some("上传的证件文件大小不能超过1MB")
    );
    assert_eq!(stored_files(&env), 0);
    assert!(appeal_queue(&env.app).await.unwrap().is_empty());
    // The code was not spent: exactly 1 MB passes with it.
    let full = image("正面.jpg", phone_jpeg(IMAGE_MAX as usize));
    assert_eq!(full.bytes.len(), 1_048_576);
    submit_person_appeal(&env.app, &visitor(), &f, Some(&full), Some(&back))
        .await
        .unwrap();
    assert_eq!(stored_files(&env), 2);
}
both!(an_image_one_byte_over_1mb_is_refused_and_nothing_is_stored);

async fn images_of_another_type_are_refused(env: TestEnv) {
    let f = person_appeal(&env, 1).await;
    let wrong = "上传的证件文件类型需为jpg、png、jpeg其中任何一种格式";
    let pdf = image("正面.jpg", b"%PDF-1.4 a statement".to_vec());
    let gif = image("反面.png", b"GIF89a\x01\0\x01\0".to_vec());
    let r = submit_person_appeal(&env.app, &visitor(), &f, Some(&pdf), Some(&gif)).await;
    let e = errors_of(r);
    assert_eq!(e.get("front"), Some(wrong));
    assert_eq!(e.get("back"), Some(wrong));
    // A JPEG under another name, and a missing image.
    let named = image("正面.pdf", phone_jpeg(1024));
    let r = submit_person_appeal(&env.app, &visitor(), &f, Some(&named), None).await;
    let e = errors_of(r);
    assert_eq!(e.get("front"), Some(wrong));
    assert_eq!(e.get("back"), Some("请选择要上传的文件"));
    assert_eq!(stored_files(&env), 0);
    assert!(appeal_queue(&env.app).await.unwrap().is_empty());
}
both!(images_of_another_type_are_refused);

/// The one-time password in the newest SMS.
async fn otp_in_outbox(env: &TestEnv) -> String {
    let m = recent(&env.app, 1).await.unwrap().remove(0);
    let at = m.body.find("一次性密码：").expect("a password") + "一次性密码：".len();
    m.body[at..].chars().take_while(|c| *c != '，').collect()
}

async fn approval_sends_a_one_time_password_that_must_be_changed(env: TestEnv) {
    let person = new_person(&env, 1).await;
    let login = phone(50_001);
    let open = try_login(&env, LoginTab::Person, &login, PASSWORD)
        .await
        .unwrap();
    for _ in 0..5 {
        let _ = try_login(&env, LoginTab::Person, &login, "Wrong#pass1").await;
    }
    let f = person_appeal(&env, 1).await;
    let number = file_person(&env, &f).await.unwrap();
    let id = only_appeal_id(&env).await;
    assert_eq!(
        appeal_view(&env.app, id).await.unwrap().account,
        "张三（个人用户）"
    );
    let r = reviewer(&env).await;
    let state = decide_appeal(&env.app, &r, id, &AppealVerdict::Approve)
        .await
        .unwrap();
    assert_eq!(state, AppealState::Approved);

    // The password went by SMS to the phone given in the appeal only.
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(sms.channel, Channel::Sms);
    assert_eq!(
        sms.recipient_masked,
        scigrant_domain::mask::mask_phone(&f.phone)
    );
    let otp = otp_in_outbox(&env).await;
    assert_eq!(otp.chars().count(), 12, "{}", sms.body);
    assert!(sms.body.contains(&number));

    // Sessions ended, the lock cleared, the old password gone.
    assert!(authenticate(&env.app, &open.token).await.unwrap().is_none());
    assert!(matches!(
        try_login(&env, LoginTab::Person, &login, PASSWORD).await,
        Err(AppError::LoginFailed)
    ));
    let s = try_login(&env, LoginTab::Person, &login, &otp)
        .await
        .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert_eq!(info.account_id, person.0);
    assert!(info.caller.must_change_password());
    let new = "Changed#Kj2026";
    change_password(
        &env.app,
        &visitor(),
        &info,
        &PasswordChange {
            old: otp.clone(),
            new: new.into(),
            confirm: new.into(),
        },
    )
    .await
    .unwrap();
    let info = authenticate(&env.app, &s.token).await.unwrap().unwrap();
    assert!(!info.caller.must_change_password());

    // Decided once; the status shows it; the audit names the account.
    let twice = decide_appeal(&env.app, &r, id, &AppealVerdict::Approve).await;
    assert_eq!(refusal_of(twice), "该申诉当前状态为“审核通过”，无需审核");
    let s = appeal_status(&env.app, &number, &f.phone).await.unwrap();
    assert_eq!(s.state, AppealState::Approved);
    assert!(s.decided_at.is_some());
    assert_eq!(audit_count(&env.app, "appeal.approve").await, 1);
}
both!(approval_sends_a_one_time_password_that_must_be_changed);

async fn an_appeal_matching_no_account_cannot_be_approved(env: TestEnv) {
    new_person(&env, 1).await;
    // The right number with another name matches nobody.
    let mut f = person_appeal(&env, 1).await;
    f.name = "李四".into();
    file_person(&env, &f).await.unwrap();
    let id = only_appeal_id(&env).await;
    let r = reviewer(&env).await;
    let refused = decide_appeal(&env.app, &r, id, &AppealVerdict::Approve).await;
    assert_eq!(
        refusal_of(refused),
        "未找到与申诉信息相符的账号，不能审核通过；请审核不通过并说明原因"
    );
    assert_eq!(
        appeal_view(&env.app, id).await.unwrap().line.state,
        AppealState::Pending
    );
}
both!(an_appeal_matching_no_account_cannot_be_approved);

async fn a_rejection_tells_the_reason(env: TestEnv) {
    let f = person_appeal(&env, 1).await;
    let number = file_person(&env, &f).await.unwrap();
    let id = only_appeal_id(&env).await;
    let r = reviewer(&env).await;
    let blank = decide_appeal(&env.app, &r, id, &AppealVerdict::Reject("  ".into())).await;
    match blank {
        Err(AppError::Validation(e)) => assert_eq!(e.get("reason"), Some("请填写不通过的原因")),
        other => panic!("{other:?}"),
    }
    decide_appeal(
        &env.app,
        &r,
        id,
        &AppealVerdict::Reject("证件照片未签字".into()),
    )
    .await
    .unwrap();
    let sms = recent(&env.app, 1).await.unwrap().remove(0);
    assert_eq!(
        sms.body,
        format!(
            "【科技创新服务系统】您的申诉（申诉编号：{number}）未通过审核，原因：证件照片未签字。"
        )
    );
    let s = appeal_status(&env.app, &number, &f.phone).await.unwrap();
    assert_eq!(s.state, AppealState::Rejected);
    assert_eq!(s.reason, "证件照片未签字");
    assert_eq!(audit_count(&env.app, "appeal.reject").await, 1);
}
both!(a_rejection_tells_the_reason);

async fn images_are_purged_90_days_after_the_decision(env: TestEnv) {
    let f = person_appeal(&env, 1).await;
    file_person(&env, &f).await.unwrap();
    let id = only_appeal_id(&env).await;
    let r = reviewer(&env).await;
    decide_appeal(&env.app, &r, id, &AppealVerdict::Reject("不清晰".into()))
        .await
        .unwrap();
    assert_eq!(stored_files(&env), 2);
    env.clock.advance_ms(90 * 86_400_000 - 1_000);
    assert_eq!(purge_appeal_images(&env.app).await.unwrap(), 0);
    assert_eq!(stored_files(&env), 2);
    env.clock.advance_ms(2_000);
    assert_eq!(purge_appeal_images(&env.app).await.unwrap(), 1);
    assert_eq!(stored_files(&env), 0);
    let v = appeal_view(&env.app, id).await.unwrap();
    assert!(v.images.is_empty());
    assert!(v.images_purged);
    assert_eq!(v.line.state, AppealState::Rejected);
    assert_eq!(purge_appeal_images(&env.app).await.unwrap(), 0);
    assert_eq!(audit_count(&env.app, "appeal.purge").await, 1);
}
both!(images_are_purged_90_days_after_the_decision);
