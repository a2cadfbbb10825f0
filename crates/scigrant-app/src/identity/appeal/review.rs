//! The 账号审核员's side of 申诉找回密码: the queue (pending first), one
//! appeal with its images (every view audited), and the decision. On
//! approval the matched account gets a one-time password by SMS to the
//! phone given in the appeal ("密码将优先以短信形式反馈给用户"), flagged to
//! be changed at the next login; its sessions end and its lock clears.
//! Staff never see or choose that password.

use rand::Rng;
use rand::seq::SliceRandom;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::appeal::{AppealKind, AppealState, identity_type_label};
use scigrant_domain::identity::password::check_password as check_policy;
use scigrant_domain::mask::{mask_id, mask_phone};
use scigrant_store::identity::accounts;
use scigrant_store::identity::appeals::{
    self, AppealRow, Decided, FILE_OWNER, OneTimeTable, set_one_time_password,
};
use scigrant_store::identity::{login_guard, sessions};
use scigrant_store::{AnyConnection, files};

use crate::identity::hasher::new_password_hash;
use crate::identity::home::Download;
use crate::notify::queue_sms;
use crate::{Actor, App, AppError, audit, dictionary};

/// A line of the queue.
#[derive(Clone, Debug)]
pub struct AppealLine {
    pub id: i64,
    pub number: String,
    pub kind: AppealKind,
    pub name: String,
    pub state: AppealState,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// One appeal as the reviewer reads it: numbers masked, the images by id.
#[derive(Clone, Debug)]
pub struct AppealView {
    pub line: AppealLine,
    pub identity_type: String,
    pub doc_type: String,
    pub doc_no_masked: String,
    pub phone_masked: String,
    pub reason: String,
    /// (file id, what it is) for each image still kept.
    pub images: Vec<(i64, &'static str)>,
    pub images_purged: bool,
    /// The account an approval would reach, as "张三（个人用户）", or
    /// empty when none matches.
    pub account: String,
}

/// 申诉审核 decision.
#[derive(Clone, Debug)]
pub enum AppealVerdict {
    Approve,
    Reject(String),
}

/// The queue: pending appeals first, oldest first; then the decided.
pub async fn appeal_queue(app: &App) -> Result<Vec<AppealLine>, AppError> {
    let mut c = app.db.read().await?;
    Ok(appeals::queue(&mut c, 500)
        .await?
        .into_iter()
        .map(line)
        .collect())
}

fn line(a: AppealRow) -> AppealLine {
    AppealLine {
        id: a.id,
        kind: AppealKind::from_code(&a.kind).unwrap_or(AppealKind::Person),
        state: AppealState::from_code(&a.state).unwrap_or(AppealState::Pending),
        number: a.number,
        name: a.name,
        created_at: a.created_at,
        decided_at: a.decided_at,
    }
}

fn image_label(purpose: &str) -> &'static str {
    match purpose {
        "appeal_front" => "证件正面",
        "appeal_back" => "证件反面",
        "appeal_license" => "营业执照或统一社会信用代码证",
        "appeal_letter" => "申诉函",
        _ => "图片",
    }
}

/// The account the appeal is about: a person by 证件号码 (blind index)
/// and 姓名, a unit by the one its search found.
async fn matched_account(
    c: &mut AnyConnection,
    a: &AppealRow,
) -> Result<Option<(AccountKind, i64, String)>, AppError> {
    Ok(match AppealKind::from_code(&a.kind) {
        Some(AppealKind::Person) => accounts::person_by_doc_idx(c, &a.doc_no_idx)
            .await?
            .filter(|p| p.name.trim() == a.name.trim())
            .map(|p| (AccountKind::Person, p.id, p.name)),
        Some(AppealKind::Unit) => match a.unit_id {
            Some(id) => accounts::unit(c, id)
                .await?
                .map(|u| (AccountKind::Unit, u.id, u.name)),
            None => None,
        },
        None => None,
    })
}

/// One appeal for its reviewer.
pub async fn appeal_view(app: &App, id: i64) -> Result<AppealView, AppError> {
    let mut c = app.db.read().await?;
    let a = appeals::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let images = appeals::images(&mut c, id)
        .await?
        .into_iter()
        .map(|(fid, purpose, _)| (fid, image_label(&purpose)))
        .collect();
    let account = matched_account(&mut c, &a).await?.map(|(kind, _, name)| {
        let what = if kind == AccountKind::Unit {
            "单位用户"
        } else {
            "个人用户"
        };
        format!("{name}（{what}）")
    });
    drop(c);
    let doc_type = if a.doc_type.is_empty() {
        String::new()
    } else {
        let types =
            dictionary::dictionary(app, scigrant_domain::dictionary::DictKind::DocType).await?;
        types.label_of(&a.doc_type).to_string()
    };
    Ok(AppealView {
        identity_type: identity_type_label(&a.identity_type)
            .unwrap_or("")
            .to_string(),
        doc_type,
        doc_no_masked: mask_id(&a.doc_no(&app.pii)?),
        phone_masked: mask_phone(&a.phone(&app.pii)?),
        reason: a.reason.clone().unwrap_or_default(),
        images,
        images_purged: a.images_purged_at.is_some(),
        account: account.unwrap_or_default(),
        line: line(a),
    })
}

/// Opens one of the appeal's images for its reviewer. Audit
/// `appeal.image.view` (every view).
pub async fn appeal_image(
    app: &App,
    actor: &Actor,
    appeal_id: i64,
    file_id: i64,
) -> Result<Download, AppError> {
    let mut tx = app.db.begin().await?;
    let f = files::get(&mut tx, file_id)
        .await?
        .filter(|f| f.owner_kind == FILE_OWNER && f.owner_id == appeal_id)
        .ok_or(AppError::NotFound)?;
    audit(
        &mut tx,
        app,
        actor,
        "appeal.image.view",
        ("appeal", Some(appeal_id)),
        "success",
        image_label(&f.purpose),
    )
    .await?;
    tx.commit().await?;
    Download::open(app, f).await
}

/// A one-time password: 12 characters with upper and lower case letters,
/// digits and a symbol (the policy's 3 of 4 classes), from the thread
/// CSPRNG, without look-alike characters.
fn one_time_password() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#@%+=";
    let mut rng = rand::rng();
    loop {
        let mut chars: Vec<u8> = Vec::with_capacity(12);
        for (set, n) in [(UPPER, 4), (LOWER, 4), (DIGIT, 3), (SYMBOL, 1)] {
            for _ in 0..n {
                chars.push(set[rng.random_range(0..set.len())]);
            }
        }
        chars.shuffle(&mut rng);
        let pw: String = chars.into_iter().map(char::from).collect();
        if check_policy(&pw, &[]).is_ok() {
            return pw;
        }
    }
}

/// 审核通过 / 审核不通过. Approval: the matched account (refused when none
/// matches) gets a one-time password, flagged must-change, its sessions
/// ended and lock cleared, the password sent by SMS to the appeal's phone
/// only; audit `appeal.approve`. Rejection: the reason (required) by SMS;
/// audit `appeal.reject`. An appeal is decided once.
pub async fn decide_appeal(
    app: &App,
    actor: &Actor,
    id: i64,
    verdict: &AppealVerdict,
) -> Result<AppealState, AppError> {
    let reason = match verdict {
        AppealVerdict::Reject(r) => {
            let r = r.trim();
            if r.is_empty() {
                return Err(AppError::field("reason", "请填写不通过的原因"));
            }
            if r.chars().count() > 200 {
                return Err(AppError::field("reason", "原因不能超过200个字"));
            }
            r.to_string()
        }
        AppealVerdict::Approve => String::new(),
    };
    let (a, account) = {
        let mut c = app.db.read().await?;
        let a = appeals::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
        let account = matched_account(&mut c, &a).await?;
        (a, account)
    };
    let state = AppealState::from_code(&a.state).unwrap_or(AppealState::Pending);
    if !state.can_decide() {
        return Err(AppError::Refused(format!(
            "该申诉当前状态为“{}”，无需审核",
            state.label()
        )));
    }
    let phone = a.phone(&app.pii)?;
    let already = || AppError::Refused("该申诉已由其他审核员处理".into());
    match verdict {
        AppealVerdict::Approve => {
            let Some((kind, account_id, _)) = account else {
                return Err(AppError::Refused(
                    "未找到与申诉信息相符的账号，不能审核通过；请审核不通过并说明原因".into(),
                ));
            };
            let password = one_time_password();
            let hash = new_password_hash(app, &password).await?;
            let mut tx = app.db.begin().await?;
            let decided = appeals::decide(
                &mut tx,
                &Decided {
                    id,
                    state: AppealState::Approved.code(),
                    reason: "",
                    account: Some((kind.code(), account_id)),
                    staff_id: actor.id,
                    now: app.now(),
                },
            )
            .await?;
            if !decided {
                return Err(already());
            }
            let table = if kind == AccountKind::Unit {
                OneTimeTable::Units
            } else {
                OneTimeTable::Persons
            };
            set_one_time_password(&mut tx, table, account_id, &hash).await?;
            let ended = sessions::delete_for_account(&mut tx, kind.code(), account_id).await?;
            login_guard::clear(&mut tx, kind.code(), account_id).await?;
            let body = format!(
                "您的申诉（申诉编号：{}）已审核通过，一次性密码：{password}，请尽快登录并按提示修改密码。如非本人操作，请立即联系我们。",
                a.number
            );
            queue_sms(&mut tx, app, &phone, &body).await?;
            audit(
                &mut tx,
                app,
                actor,
                "appeal.approve",
                (kind.code(), Some(account_id)),
                "success",
                &format!(
                    "申诉编号{}；一次性密码已发送至 {}；结束会话{ended}个，解除锁定",
                    a.number,
                    mask_phone(&phone)
                ),
            )
            .await?;
            tx.commit().await?;
            Ok(AppealState::Approved)
        }
        AppealVerdict::Reject(_) => {
            let mut tx = app.db.begin().await?;
            let decided = appeals::decide(
                &mut tx,
                &Decided {
                    id,
                    state: AppealState::Rejected.code(),
                    reason: &reason,
                    account: None,
                    staff_id: actor.id,
                    now: app.now(),
                },
            )
            .await?;
            if !decided {
                return Err(already());
            }
            let body = format!(
                "您的申诉（申诉编号：{}）未通过审核，原因：{reason}。",
                a.number
            );
            queue_sms(&mut tx, app, &phone, &body).await?;
            audit(
                &mut tx,
                app,
                actor,
                "appeal.reject",
                ("appeal", Some(id)),
                "success",
                &format!("申诉编号{}；原因：{reason}", a.number),
            )
            .await?;
            tx.commit().await?;
            Ok(AppealState::Rejected)
        }
    }
}
