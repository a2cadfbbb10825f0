//! 申诉找回密码: a person or a unit that forgot its login name or reserved
//! phone appeals with its identity data and signed images, proving the
//! phone it gives with a 手机验证码; the appeal waits for the 账号审核员
//! ([`review`]), who approves (a one-time password goes by SMS to that
//! phone) or rejects with a reason. The appellant follows it by its
//! 申诉编号 and phone ([`appeal_status`]). The images are checked by
//! content, stripped of their metadata, stored, visible only to the
//! reviewers, and deleted [`IMAGE_KEEP_DAYS`] after the decision
//! ([`retention`]).

pub mod retention;
pub mod review;
pub mod unit;

use rand::Rng;
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::appeal::{
    AppealKind, AppealState, IMAGE_KINDS, IMAGE_MAX, identity_type_label, image_kind, image_refusal,
};
use scigrant_domain::identity::id_number::parse_document_code_number;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::mask::mask_phone;
use scigrant_domain::upload::strip_image_metadata;
use scigrant_store::files::{self, NewFile, StoredFile};
use scigrant_store::identity::appeals::{self, FILE_OWNER, NewAppeal};

pub use scigrant_domain::identity::appeal::IMAGE_KEEP_DAYS;

use crate::identity::codes::{self, Purpose};
use crate::notify::queue_sms;
use crate::{Actor, App, AppError, FieldErrors, audit, dictionary};

/// A code refused at submission: wrong, spent, expired or void.
pub const CODE_REFUSED: &str = "验证码不正确或已失效，请重新获取";
/// The status lookup's one answer for an unknown number or another phone.
pub const STATUS_NOT_FOUND: &str = "未找到该申诉，请核对申诉编号和手机号";

/// An uploaded image as read: the name it came with and its bytes (a
/// reader stops keeping bytes past `IMAGE_MAX + 1`, which is refusal
/// enough).
#[derive(Clone, Debug, Default)]
pub struct Image {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// 自然人申诉找回密码, as typed.
#[derive(Clone, Debug, Default)]
pub struct PersonAppeal {
    pub name: String,
    /// 身份类型: `mainland`, `hkmt` or `other`.
    pub identity_type: String,
    pub doc_type: String,
    pub doc_no: String,
    pub phone: String,
    pub code: String,
}

/// The one-time code's account for a phone typed in an appeal: codes are
/// kept per account, and this phone may be nobody's, so it stands in as a
/// keyed 60-bit number of the phone (kind `appeal_phone`).
pub(crate) fn phone_account(app: &App, phone: &str) -> (&'static str, i64) {
    let idx = phone_index(app, phone);
    let id = i64::from_str_radix(&idx[..15], 16).unwrap_or(0);
    ("appeal_phone", id)
}

/// The blind index a phone given in an appeal is kept under.
pub(crate) fn phone_index(app: &App, phone: &str) -> String {
    app.pii.index("appeal_phone", phone)
}

/// 获取验证码 for the phone typed in an appeal. Refused over the send limits
/// of `codes`. Audit `appeal.code`. The masked phone.
pub async fn send_appeal_code(app: &App, actor: &Actor, phone: &str) -> Result<String, AppError> {
    let phone = Phone::parse(phone).map_err(|e| AppError::field("phone", e.to_string()))?;
    let phone = phone.as_str().to_string();
    let mut tx = app.db.begin().await?;
    codes::admit_send(
        &mut tx,
        app,
        &codes::recipient_index(app, &phone),
        &actor.ip,
    )
    .await?;
    let account = phone_account(app, &phone);
    let code = codes::issue(&mut tx, app, Purpose::Appeal, account, "phone").await?;
    let body = format!(
        "您正在进行申诉找回密码，验证码：{code}，5分钟内有效。如非本人操作，请忽略本消息，切勿告诉他人。"
    );
    queue_sms(&mut tx, app, &phone, &body).await?;
    let masked = mask_phone(&phone);
    audit(
        &mut tx,
        app,
        actor,
        "appeal.code",
        ("appeal", None),
        "success",
        &format!("验证码发送至 {masked}"),
    )
    .await?;
    tx.commit().await?;
    Ok(masked)
}

/// The phone and code fields of either appeal: the phone normalised, when
/// both are well-formed.
fn check_phone_and_code(e: &mut FieldErrors, phone: &str, code: &str) -> Option<String> {
    let phone = match Phone::parse(phone) {
        Ok(p) => Some(p.as_str().to_string()),
        Err(err) => {
            e.add("phone", err.to_string());
            None
        }
    };
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        e.add("code", "请输入6位验证码");
    }
    phone
}

/// Checks an image field and returns its bytes without metadata.
pub(crate) fn clean_image(
    e: &mut FieldErrors,
    field: &str,
    image: Option<&Image>,
) -> Option<Vec<u8>> {
    let Some(image) = image.filter(|i| !i.bytes.is_empty() || !i.name.is_empty()) else {
        e.add(field, "请选择要上传的文件");
        return None;
    };
    if let Some(why) = image_refusal(&image.name, &image.bytes) {
        e.add(field, why);
        return None;
    }
    match strip_image_metadata(&image.bytes) {
        Ok(clean) if image_kind(&clean).is_some() => Some(clean),
        Ok(_) => {
            e.add(
                field,
                "上传的证件文件类型需为jpg、png、jpeg其中任何一种格式",
            );
            None
        }
        Err(err) => {
            e.add(field, err.to_string());
            None
        }
    }
}

/// Checks the code against the phone; the refusal sits beside the code.
async fn check_code(app: &App, phone: &str, code: &str) -> Result<(), AppError> {
    if codes::check(app, Purpose::Appeal, phone_account(app, phone), code).await? {
        Ok(())
    } else {
        Err(AppError::field("code", CODE_REFUSED))
    }
}

/// A cleaned image to keep: its purpose in `files`, its name, its bytes.
pub(crate) struct ToStore<'a> {
    pub purpose: &'static str,
    pub name: &'a str,
    pub bytes: Vec<u8>,
}

/// Stores the cleaned images through the checked uploads of the file
/// store (content and size checked once more); on any failure nothing
/// stays.
pub(crate) async fn store_images<'a>(
    app: &App,
    images: Vec<ToStore<'a>>,
) -> Result<Vec<(ToStore<'a>, StoredFile)>, AppError> {
    let mut kept: Vec<(ToStore<'a>, StoredFile)> = Vec::new();
    for img in images {
        let stored = async {
            let mut up = app
                .files
                .begin_any(&IMAGE_KINDS, IMAGE_MAX)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            up.write(&img.bytes).await?;
            Ok::<_, AppError>(up.finish().await?)
        }
        .await;
        match stored {
            Ok(s) => kept.push((img, s)),
            Err(e) => {
                discard(app, &kept).await;
                return Err(e);
            }
        }
    }
    Ok(kept)
}

pub(crate) async fn discard(app: &App, kept: &[(ToStore<'_>, StoredFile)]) {
    for (_, s) in kept {
        app.files.remove(&s.key).await;
    }
}

/// A fresh 申诉编号: "SS" and 12 random digits (not guessable, and the
/// status lookup needs the phone besides).
fn new_number() -> String {
    let n: u64 = rand::rng().random_range(0..1_000_000_000_000);
    format!("SS{n:012}")
}

/// What an appeal being filed holds besides its images.
pub(crate) struct Filing<'a> {
    pub kind: AppealKind,
    pub name: &'a str,
    pub identity_type: &'a str,
    pub doc_type: &'a str,
    pub doc_no: &'a str,
    pub doc_no_idx: &'a str,
    pub phone: &'a str,
    pub unit_id: Option<i64>,
}

/// Files a checked appeal: stores the images, then in one transaction
/// spends the code, inserts the appeal and its image rows and writes
/// audit `appeal.submit`. The 申诉编号.
pub(crate) async fn file_appeal(
    app: &App,
    actor: &Actor,
    f: &Filing<'_>,
    images: Vec<ToStore<'_>>,
) -> Result<String, AppError> {
    let kept = store_images(app, images).await?;
    let done = async {
        let mut tx = app.db.begin().await?;
        let account = phone_account(app, f.phone);
        if !codes::spend(&mut tx, app, Purpose::Appeal, account).await? {
            return Err(AppError::field("code", CODE_REFUSED));
        }
        let number = new_number();
        let now = app.now();
        let id = appeals::insert(
            &mut tx,
            &app.pii,
            &NewAppeal {
                number: &number,
                kind: f.kind.code(),
                name: f.name,
                identity_type: f.identity_type,
                doc_type: f.doc_type,
                doc_no: f.doc_no,
                doc_no_idx: f.doc_no_idx,
                phone: f.phone,
                phone_idx: &phone_index(app, f.phone),
                unit_id: f.unit_id,
                now,
            },
        )
        .await?;
        for (img, stored) in &kept {
            files::insert(
                &mut tx,
                NewFile {
                    owner_kind: FILE_OWNER,
                    owner_id: id,
                    purpose: img.purpose,
                    original_name: img.name,
                    stored,
                    now,
                },
            )
            .await?;
        }
        audit(
            &mut tx,
            app,
            actor,
            "appeal.submit",
            ("appeal", Some(id)),
            "success",
            &format!("{} {number}", f.kind.label()),
        )
        .await?;
        tx.commit().await?;
        Ok::<String, AppError>(number)
    }
    .await;
    if done.is_err() {
        discard(app, &kept).await;
    }
    done
}

/// 自然人申诉找回密码 → 上传证件 → 等待审核. Every field is checked and
/// every error returned at once; then the code; then the images are
/// stored and the appeal filed ([`file_appeal`]). The 申诉编号.
pub async fn submit_person_appeal(
    app: &App,
    actor: &Actor,
    f: &PersonAppeal,
    front: Option<&Image>,
    back: Option<&Image>,
) -> Result<String, AppError> {
    let mut e = FieldErrors::new();
    e.require("name", &f.name, "姓名", 50);
    if identity_type_label(&f.identity_type).is_none() {
        e.add("identity_type", "请选择身份类型");
    }
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let doc_no = if doc_types.accepts(&f.doc_type, None) {
        parse_document_code_number(&f.doc_type, &f.doc_no, app.today())
            .map_err(|m| e.add("doc_no", m))
            .ok()
    } else {
        e.add("doc_type", "请选择证件类型");
        None
    };
    let phone = check_phone_and_code(&mut e, &f.phone, &f.code);
    let front = clean_image(&mut e, "front", front);
    let back = clean_image(&mut e, "back", back);
    e.into_result()?;
    let (Some(doc_no), Some(phone), Some(front), Some(back)) = (doc_no, phone, front, back) else {
        return Err(AppError::Internal(
            "a valid appeal without its values".into(),
        ));
    };
    check_code(app, &phone, &f.code).await?;
    let doc_idx = app.pii.index("doc", &doc_no);
    let name = f.name.trim();
    file_appeal(
        app,
        actor,
        &Filing {
            kind: AppealKind::Person,
            name,
            identity_type: &f.identity_type,
            doc_type: &f.doc_type,
            doc_no: &doc_no,
            doc_no_idx: &doc_idx,
            phone: &phone,
            unit_id: None,
        },
        vec![
            ToStore {
                purpose: "appeal_front",
                name: "证件正面",
                bytes: front,
            },
            ToStore {
                purpose: "appeal_back",
                name: "证件反面",
                bytes: back,
            },
        ],
    )
    .await
}

/// What the appellant sees of an appeal.
#[derive(Clone, Debug)]
pub struct AppealStatus {
    pub number: String,
    pub kind: AppealKind,
    pub state: AppealState,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The reason given with a rejection.
    pub reason: String,
}

/// 申诉进度查询 by 申诉编号 and the phone given in the appeal; an unknown
/// number and another phone get the same [`STATUS_NOT_FOUND`].
pub async fn appeal_status(app: &App, number: &str, phone: &str) -> Result<AppealStatus, AppError> {
    let mut e = FieldErrors::new();
    e.require("number", number, "申诉编号", 20);
    let phone = match Phone::parse(phone) {
        Ok(p) => Some(p.as_str().to_string()),
        Err(err) => {
            e.add("phone", err.to_string());
            None
        }
    };
    e.into_result()?;
    let phone = phone.unwrap_or_default();
    let mut c = app.db.read().await?;
    let row = appeals::by_number(&mut c, number.trim().to_ascii_uppercase().as_str()).await?;
    let idx = phone_index(app, &phone);
    let Some(a) = row.filter(|a| a.phone_idx == idx) else {
        return Err(AppError::Refused(STATUS_NOT_FOUND.into()));
    };
    Ok(AppealStatus {
        number: a.number,
        kind: AppealKind::from_code(&a.kind).unwrap_or(AppealKind::Person),
        state: AppealState::from_code(&a.state).unwrap_or(AppealState::Pending),
        created_at: a.created_at,
        decided_at: a.decided_at,
        reason: if a.state == "rejected" {
            a.reason.unwrap_or_default()
        } else {
            String::new()
        },
    })
}
