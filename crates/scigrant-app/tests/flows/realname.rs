//! 实名认证 (issue 13 #4): 修改个人信息 / 修改法人信息 → 保存 asks the
//! verification provider (a real HTTP server on loopback answering pass,
//! fail or too late), the status and reason the account sees, manual
//! review without a provider or after uploading the ID card, a verified
//! field changed sending the account back, and a call that requires
//! verified applicants; a unit's 上传法人信息 reviewed the same way. Each
//! test runs on SQLite and on PostgreSQL.

use std::sync::{Arc, Mutex};

use scigrant_app::AppError;
use scigrant_app::grants::applications::start;
use scigrant_app::identity::appeal::Image;
use scigrant_app::identity::realname::person::{
    PersonInfoForm, person_info, save_person_info, upload_person_images,
};
use scigrant_app::identity::realname::provider::Request;
use scigrant_app::identity::realname::review::{decide_realname, open_image, queue, review_case};
use scigrant_app::identity::realname::unit::{
    UnitInfoForm, save_unit_info, unit_info, upload_unit_images,
};
use scigrant_app::identity::realname::{
    NO_PROVIDER, PERSON_REQUIRED, UNIT_REQUIRED, set_call_requirement, status,
};
use scigrant_app::notify::recent;
use scigrant_app::testing::s3::count_files as count_file_rows;
use scigrant_app::testing::{
    ApprovedMember, Backend, TestEnv, audit_count, funding_call, id_number, person_actor,
    staff_actor, test_env_with, unit_actor,
};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::realname::{IMAGE_MAX, RealnameStatus};
use tokio::io::AsyncReadExt;

use super::appeal::phone_jpeg;
use super::{new_person, refusal_of};

/// The provider's reason for a name it refuses.
const MISMATCH: &str = "姓名与证件号码不一致";

/// A verification provider on loopback: a name (a person's, a unit's or
/// its 法定代表人's) with 不符 fails, a name
/// with 超时 is answered after two seconds (past the test's timeout),
/// any other passes. Returns its URL and the requests it read.
async fn provider() -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/verify", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(answer(s, sink));
        }
    });
    (url, got)
}

async fn answer(mut s: tokio::net::TcpStream, sink: Arc<Mutex<Vec<Request>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let body = loop {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        let Some(at) = text.find("\r\n\r\n") else {
            continue;
        };
        let len: usize = text[..at]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() >= at + 4 + len {
            break String::from_utf8_lossy(&buf[at + 4..at + 4 + len]).to_string();
        }
    };
    let req: Request = serde_json::from_str(&body).unwrap();
    // The names checked: a person's, or a unit's and its 法定代表人's.
    let name = match &req {
        Request::Person { name, .. } => name.clone(),
        Request::Unit {
            name, legal_rep, ..
        } => format!("{name} {legal_rep}"),
    };
    sink.lock().unwrap().push(req);
    let reply = if name.contains("超时") {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        r#"{"result":"pass"}"#.to_string()
    } else if name.contains("不符") {
        format!(r#"{{"result":"fail","reason":"{MISMATCH}"}}"#)
    } else {
        r#"{"result":"pass"}"#.to_string()
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reply.len()
    );
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(reply.as_bytes()).await;
}

async fn env_with_provider(backend: Backend, url: &str) -> TestEnv {
    let url = url.to_string();
    test_env_with(backend, move |c| {
        c.realname_url = url;
        c.realname_timeout_ms = 300;
    })
    .await
}

/// 修改个人信息 of person `n` as typed, with `name`.
fn info_form(n: u32, name: &str) -> PersonInfoForm {
    PersonInfoForm {
        name: name.into(),
        gender: "男".into(),
        nation: "藏族".into(),
        post: "研究员".into(),
        email: format!("p{n}@example.cn"),
        tel: "0891-6812345".into(),
        doc_type: "mainland_id".into(),
        doc_no: String::new(),
        doc_valid_until: "2030-01-31".into(),
        address: "拉萨市城关区江苏路1号".into(),
    }
}

async fn newest_sms(env: &TestEnv) -> String {
    recent(&env.app, 1).await.unwrap().remove(0).body
}

async fn a_pass_shows_the_national_platform_verification(backend: Backend) {
    let (url, got) = provider().await;
    let env = env_with_provider(backend, &url).await;
    let p = new_person(&env, 1).await;
    let before = person_info(&env.app, p).await.unwrap();
    assert_eq!(before.realname.status.shown(), "未认证");

    let r = save_person_info(&env.app, &person_actor(p.0), p, &info_form(1, "张三"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Verified);
    assert_eq!(r.status.shown(), "国家平台实名认证通过");
    let sent = got.lock().unwrap().clone();
    assert_eq!(
        sent,
        vec![Request::Person {
            name: "张三".into(),
            id_type: "mainland_id".into(),
            id_number: id_number(1),
        }]
    );
    let info = person_info(&env.app, p).await.unwrap();
    assert_eq!(info.nation, "藏族");
    assert_eq!(info.post, "研究员");
    assert_eq!(info.tel, "0891-6812345");
    assert_eq!(info.doc_valid_until, "2030-01-31");
    assert_eq!(info.address, "拉萨市城关区江苏路1号");
    assert_eq!(info.region_kind, "中华人民共和国大陆地区");
    assert!(!info.birth_date.is_empty());
    assert_eq!(info.realname.status, RealnameStatus::Verified);
    assert_eq!(audit_count(&env.app, "person.info").await, 1);
    assert_eq!(audit_count(&env.app, "realname.verify").await, 1);
    assert_eq!(
        newest_sms(&env).await,
        "您的实名认证状态：国家平台实名认证通过。"
    );
}
by_backend!(a_pass_shows_the_national_platform_verification);

async fn a_fail_shows_the_reason_and_a_changed_field_sends_the_account_back(backend: Backend) {
    let (url, got) = provider().await;
    let env = env_with_provider(backend, &url).await;
    let p = new_person(&env, 2).await;
    let me = person_actor(p.0);
    let r = save_person_info(&env.app, &me, p, &info_form(2, "张不符"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Failed);
    assert_eq!(r.reason.as_deref(), Some(MISMATCH));
    assert_eq!(
        newest_sms(&env).await,
        format!("您的实名认证状态：认证失败。原因：{MISMATCH}")
    );

    // Corrected: verified. Saving again with only 民族 changed keeps it
    // without asking the provider; a new 姓名 asks again.
    let r = save_person_info(&env.app, &me, p, &info_form(2, "张三"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Verified);
    assert_eq!(got.lock().unwrap().len(), 2);
    let mut f = info_form(2, "张三");
    f.nation = "汉族".into();
    let r = save_person_info(&env.app, &me, p, &f).await.unwrap();
    assert_eq!(r.status, RealnameStatus::Verified);
    assert_eq!(got.lock().unwrap().len(), 2);
    let r = save_person_info(&env.app, &me, p, &info_form(2, "张不符"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Failed);
    assert_eq!(got.lock().unwrap().len(), 3);
    // A new 证件号码 goes too, and must be a valid one.
    let mut f = info_form(2, "张三");
    f.doc_no = "5401021980".into();
    let e = match save_person_info(&env.app, &me, p, &f).await {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert!(e.get("doc_no").is_some());
    f.doc_no = id_number(9);
    let r = save_person_info(&env.app, &me, p, &f).await.unwrap();
    assert_eq!(r.status, RealnameStatus::Verified);
    assert_eq!(
        got.lock().unwrap().last().cloned(),
        Some(Request::Person {
            name: "张三".into(),
            id_type: "mainland_id".into(),
            id_number: id_number(9),
        })
    );
    assert_eq!(audit_count(&env.app, "realname.verify").await, 4);
}
by_backend!(a_fail_shows_the_reason_and_a_changed_field_sends_the_account_back);

async fn a_provider_too_slow_fails_with_a_clear_reason(backend: Backend) {
    let (url, _) = provider().await;
    let env = env_with_provider(backend, &url).await;
    let p = new_person(&env, 3).await;
    let r = save_person_info(&env.app, &person_actor(p.0), p, &info_form(3, "李超时"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Failed);
    assert_eq!(
        r.reason.as_deref(),
        Some("实名认证服务响应超时，请稍后重新保存，或上传证件照片进行人工认证")
    );
    // The details were saved all the same.
    assert_eq!(person_info(&env.app, p).await.unwrap().name, "李超时");
}
by_backend!(a_provider_too_slow_fails_with_a_clear_reason);

async fn without_a_provider_staff_review_the_uploaded_id_card(backend: Backend) {
    let env = test_env_with(backend, |_| {}).await;
    let p = new_person(&env, 4).await;
    let me = person_actor(p.0);
    let r = save_person_info(&env.app, &me, p, &info_form(4, "张三"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Manual);
    assert_eq!(r.reason.as_deref(), Some(NO_PROVIDER));

    // 1 MB is taken, one byte more is not; nothing is stored on refusal.
    let img = |name: &str, bytes: Vec<u8>| Image {
        name: name.into(),
        bytes,
    };
    let over = img("正面.jpg", phone_jpeg(IMAGE_MAX as usize + 1));
    let back = img("反面.jpg", phone_jpeg(2048));
    let refused = upload_person_images(&env.app, &me, p, Some(&over), Some(&back)).await;
    assert!(
        matches!(refused, Err(AppError::Validation(ref e)) if e.get("front") == Some("上传的证件文件大小不能超过1MB"))
    );
    let front = img("正面.jpg", phone_jpeg(IMAGE_MAX as usize));
    let missing = upload_person_images(&env.app, &me, p, Some(&front), None).await;
    assert!(matches!(missing, Err(AppError::Validation(ref e)) if e.get("back").is_some()));
    let r = upload_person_images(&env.app, &me, p, Some(&front), Some(&back))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Manual);
    assert!(r.front_file_id.is_some() && r.back_file_id.is_some());
    assert!(r.front_file_id.is_some() && r.back_file_id.is_some());

    let staff = staff_actor(7);
    let q = queue(&env.app).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(
        (q[0].kind, q[0].id, q[0].has_images),
        (AccountKind::Person, p.0, true)
    );
    let case = review_case(&env.app, AccountKind::Person, p.0)
        .await
        .unwrap();
    assert_eq!(case.name, "张三");
    // Stored without the photograph's EXIF (the place it was taken).
    let mut shown = open_image(&env.app, &staff, AccountKind::Person, p.0, true)
        .await
        .unwrap();
    let mut stored = Vec::new();
    shown.content.read_to_end(&mut stored).await.unwrap();
    assert!(stored.starts_with(&[0xFF, 0xD8]) && stored.ends_with(&[0xFF, 0xD9]));
    assert!(!String::from_utf8_lossy(&stored).contains("GPS"));
    let no_reason = decide_realname(&env.app, &staff, AccountKind::Person, p.0, false, " ").await;
    assert!(
        matches!(no_reason, Err(AppError::Validation(ref e)) if e.get("reason") == Some("请填写不通过的原因"))
    );
    let to = decide_realname(&env.app, &staff, AccountKind::Person, p.0, true, "")
        .await
        .unwrap();
    assert_eq!(to, RealnameStatus::Reviewed);
    assert_eq!(
        status(&env.app, AccountKind::Person, p.0)
            .await
            .unwrap()
            .status
            .shown(),
        "已审核认证"
    );
    assert!(queue(&env.app).await.unwrap().is_empty());
    assert_eq!(newest_sms(&env).await, "您的实名认证状态：已审核认证。");
    // Decided once; documents cannot be replaced once verified.
    let again = decide_realname(&env.app, &staff, AccountKind::Person, p.0, true, "").await;
    assert_eq!(
        refusal_of(again),
        "该账号实名认证状态为“已审核认证”，无需审核"
    );
    let f2 = img("a.jpg", phone_jpeg(100));
    let b2 = img("b.jpg", phone_jpeg(100));
    let late = upload_person_images(&env.app, &me, p, Some(&f2), Some(&b2)).await;
    assert_eq!(
        refusal_of(late),
        "实名认证状态为“已审核认证”，只能查看已上传信息"
    );
    assert_eq!(audit_count(&env.app, "realname.upload").await, 1);
    assert_eq!(audit_count(&env.app, "realname.review").await, 1);
}
by_backend!(without_a_provider_staff_review_the_uploaded_id_card);

async fn staff_reject_with_a_reason_the_person_reads(backend: Backend) {
    let env = test_env_with(backend, |_| {}).await;
    let p = new_person(&env, 5).await;
    save_person_info(&env.app, &person_actor(p.0), p, &info_form(5, "张三"))
        .await
        .unwrap();
    decide_realname(
        &env.app,
        &staff_actor(7),
        AccountKind::Person,
        p.0,
        false,
        "证件照片未签字",
    )
    .await
    .unwrap();
    let v = person_info(&env.app, p).await.unwrap().realname;
    assert_eq!(v.status.shown(), "认证失败");
    assert_eq!(v.reason.as_deref(), Some("证件照片未签字"));
    assert_eq!(
        newest_sms(&env).await,
        "您的实名认证状态：认证失败。原因：证件照片未签字"
    );
}
by_backend!(staff_reject_with_a_reason_the_person_reads);

fn unit_info_form(legal_rep: &str) -> UnitInfoForm {
    UnitInfoForm {
        name: "西藏高原科学研究所1".into(),
        reg_place: "拉萨市城关区".into(),
        contact_name: "卓玛".into(),
        legal_rep: legal_rep.into(),
        legal_rep_doc_type: "mainland_id".into(),
        legal_rep_doc_no: id_number(77),
    }
}

async fn a_call_requiring_verification_refuses_until_person_and_unit_are_verified(
    backend: Backend,
) {
    let (url, got) = provider().await;
    let env = env_with_provider(backend, &url).await;
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "55").await;
    let m = ApprovedMember::builder(1).build(&env.app).await;
    let me = person_actor(m.person.0);
    set_call_requirement(&env.app, &staff_actor(99), call, true)
        .await
        .unwrap();
    assert_eq!(audit_count(&env.app, "call.realname").await, 1);
    let r = start(&env.app, &me, m.person, call).await;
    assert_eq!(refusal_of(r), PERSON_REQUIRED);

    save_person_info(&env.app, &me, m.person, &info_form(1, "张三"))
        .await
        .unwrap();
    let r = start(&env.app, &me, m.person, call).await;
    assert_eq!(refusal_of(r), UNIT_REQUIRED);

    // 修改法人信息: the 法定代表人's number is required, then verified (kind unit).
    let ua = unit_actor(m.unit.0);
    let mut missing = unit_info_form("扎西");
    missing.legal_rep_doc_no = String::new();
    let e = match save_unit_info(&env.app, &ua, m.unit, &missing).await {
        Err(AppError::Validation(e)) => e,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(e.get("legal_rep_doc_no"), Some("请填写法定代表人证件号码"));
    let failed = save_unit_info(&env.app, &ua, m.unit, &unit_info_form("扎西不符"))
        .await
        .unwrap();
    assert_eq!(failed.status, RealnameStatus::Failed);
    assert_eq!(failed.reason.as_deref(), Some(MISMATCH));
    let ok = save_unit_info(&env.app, &ua, m.unit, &unit_info_form("扎西"))
        .await
        .unwrap();
    assert_eq!(ok.status.shown(), "国家平台实名认证通过");
    assert_eq!(
        got.lock().unwrap().last().cloned(),
        Some(Request::Unit {
            name: "西藏高原科学研究所1".into(),
            uscc: m.uscc.clone(),
            legal_rep: "扎西".into(),
            legal_rep_id_type: "mainland_id".into(),
            legal_rep_id_number: id_number(77),
        })
    );
    assert_eq!(audit_count(&env.app, "unit.info").await, 2);
    start(&env.app, &me, m.person, call).await.unwrap();

    // Without the requirement an unverified applicant applies as before.
    let other = ApprovedMember::builder(2).build(&env.app).await;
    set_call_requirement(&env.app, &staff_actor(99), call, false)
        .await
        .unwrap();
    start(&env.app, &person_actor(other.person.0), other.person, call)
        .await
        .unwrap();
}
by_backend!(a_call_requiring_verification_refuses_until_person_and_unit_are_verified);

/// 上传法人信息: a unit without a provider uploads its 统一社会信用代码证
/// and its 法定代表人's ID card; one byte over 1 MB is refused with nothing
/// kept; the reviewer sees the unit's images under their own names and
/// approves.
async fn a_unit_uploads_its_documents_and_staff_approve(backend: Backend) {
    let env = test_env_with(backend, |_| {}).await;
    let m = ApprovedMember::builder(6).build(&env.app).await;
    let ua = unit_actor(m.unit.0);
    let r = save_unit_info(&env.app, &ua, m.unit, &unit_info_form("扎西"))
        .await
        .unwrap();
    assert_eq!(r.status, RealnameStatus::Manual);
    let img = |name: &str, bytes: Vec<u8>| Image {
        name: name.into(),
        bytes,
    };
    let licence = img("统一社会信用代码证.jpg", phone_jpeg(IMAGE_MAX as usize));
    let over = img("法定代表人身份证.jpg", phone_jpeg(IMAGE_MAX as usize + 1));
    assert_eq!(over.bytes.len(), 1_048_577);
    let files_before = super::count_files(&env).await;
    let rows_before = count_file_rows(&env.app).await;
    let refused = upload_unit_images(&env.app, &ua, m.unit, Some(&licence), Some(&over)).await;
    assert!(
        matches!(refused, Err(AppError::Validation(ref e)) if e.get("back") == Some("上传的证件文件大小不能超过1MB") && e.get("front").is_none()),
        "{refused:?}"
    );
    assert_eq!(super::count_files(&env).await, files_before);
    assert_eq!(count_file_rows(&env.app).await, rows_before);
    let kept = unit_info(&env.app, m.unit).await.unwrap().realname;
    assert_eq!(kept.front_file_id, None);
    assert_eq!(audit_count(&env.app, "realname.upload").await, 0);

    let id_card = img("法定代表人身份证.jpg", phone_jpeg(4096));
    let r = upload_unit_images(&env.app, &ua, m.unit, Some(&licence), Some(&id_card))
        .await
        .unwrap();
    assert_eq!(r.status.shown(), "待人工审核");
    assert!(r.front_file_id.is_some() && r.back_file_id.is_some());
    assert_eq!(count_file_rows(&env.app).await, rows_before + 2);
    assert_eq!(audit_count(&env.app, "realname.upload").await, 1);

    let staff = staff_actor(7);
    let q = queue(&env.app).await.unwrap();
    assert_eq!(
        q.iter()
            .map(|i| (i.kind, i.id, i.has_images))
            .collect::<Vec<_>>(),
        vec![(AccountKind::Unit, m.unit.0, true)]
    );
    let case = review_case(&env.app, AccountKind::Unit, m.unit.0)
        .await
        .unwrap();
    assert_eq!(case.name, "西藏高原科学研究所1");
    assert_eq!(
        (case.front_label, case.back_label),
        ("统一社会信用代码证（营业执照）", "法定代表人身份证")
    );
    open_image(&env.app, &staff, AccountKind::Unit, m.unit.0, false)
        .await
        .unwrap();
    assert_eq!(audit_count(&env.app, "realname.image.view").await, 1);
    let to = decide_realname(&env.app, &staff, AccountKind::Unit, m.unit.0, true, "")
        .await
        .unwrap();
    assert_eq!(to, RealnameStatus::Reviewed);
    let after = unit_info(&env.app, m.unit).await.unwrap().realname;
    assert_eq!(after.status.shown(), "已审核认证");
    // A unit has no e-mail: the newest message is the SMS to its 联系人手机.
    assert_eq!(
        newest_sms(&env).await,
        "【科技创新服务系统】您的实名认证状态：已审核认证。"
    );

    // Verified: the page only shows what was uploaded.
    let late = upload_unit_images(&env.app, &ua, m.unit, Some(&licence), Some(&id_card)).await;
    assert_eq!(
        refusal_of(late),
        "实名认证状态为“已审核认证”，只能查看已上传信息"
    );
    assert_eq!(count_file_rows(&env.app).await, rows_before + 2);
}
by_backend!(a_unit_uploads_its_documents_and_staff_approve);
