//! One-time codes (手机验证码 / 邮箱验证码) sent to an account's reserved
//! phone or e-mail: 6 digits from the operating system's CSPRNG, stored as
//! a keyed HMAC-SM3 only, valid 300 seconds, spent by their first right
//! entry, void after 5 wrong ones; a new code voids the old. Sends are
//! limited per recipient (1 a minute, 5 an hour, 10 a day: the common SMS
//! gateway defaults) and per client address, counted on what was typed,
//! whether or not it belongs to an account. A code never reaches a log:
//! only the outbox (the message itself) holds it.

use rand::Rng;
use scigrant_store::AnyConnection;
use scigrant_store::identity::codes::{self, NewCode};

use crate::{App, AppError};

/// How long a code is accepted: 5 minutes (the seed's "有效期为5分钟").
pub const CODE_TTL_MS: i64 = 300_000;
/// Entries a code takes, right or wrong, before it is void.
pub const CODE_MAX_TRIES: i64 = 5;
/// Sends to one phone or e-mail: at most one a minute, five an hour, ten a day.
pub const SEND_LIMITS: [(i64, i64); 3] = [(60_000, 1), (3_600_000, 5), (86_400_000, 10)];
/// Sends requested from one client address in an hour.
pub const SENDS_PER_IP_HOUR: i64 = 20;
/// The refusal of a send over any limit.
pub const SEND_REFUSED: &str = "验证码发送过于频繁，请稍后再试";

/// What a code is for; codes of different purposes never stand in for
/// each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// 登录名重置密码.
    PasswordReset,
    /// 申诉找回密码: the code goes to the phone typed in the appeal, which
    /// need not be any account's (see `appeal::phone_account`).
    Appeal,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::Appeal => "appeal",
        }
    }
}

/// A fresh 6-digit code from the thread RNG (ChaCha12 seeded from the OS).
fn new_code() -> String {
    let n: u32 = rand::rng().random_range(0..1_000_000);
    format!("{n:06}")
}

fn code_hash(app: &App, purpose: Purpose, kind: &str, id: i64, code: &str) -> String {
    app.pii.index(
        "one_time_code",
        &format!("{}:{kind}:{id}:{code}", purpose.code()),
    )
}

/// Forgets send requests older than a day (the longest limit's window);
/// the server runs it every minute.
pub async fn purge_old_sends(app: &App) -> Result<u64, AppError> {
    let mut c = app.db.read().await?;
    Ok(codes::purge_sends(&mut c, app.now() - 86_400_000).await?)
}

/// The keyed index a recipient's sends are counted under.
pub(crate) fn recipient_index(app: &App, recipient: &str) -> String {
    app.pii.index("code_recipient", recipient.trim())
}

/// Counts a send request to `recipient_idx` from `ip`, or refuses it with
/// [`SEND_REFUSED`] when it would pass a limit (a refused request is not
/// counted). Requests older than a day are forgotten by a scheduled job.
pub(crate) async fn admit_send(
    c: &mut AnyConnection,
    app: &App,
    recipient_idx: &str,
    ip: &str,
) -> Result<(), AppError> {
    let now = app.now();
    for (window, max) in SEND_LIMITS {
        if codes::sends_to(c, recipient_idx, now - window).await? >= max {
            return Err(AppError::Refused(SEND_REFUSED.into()));
        }
    }
    if codes::sends_from(c, ip, now - 3_600_000).await? >= SENDS_PER_IP_HOUR {
        return Err(AppError::Refused(SEND_REFUSED.into()));
    }
    codes::log_send(c, recipient_idx, ip, now).await?;
    Ok(())
}

/// Makes and stores a new code for the account (voiding its old one) and
/// returns it, for the caller to put in the message only.
pub(crate) async fn issue(
    c: &mut AnyConnection,
    app: &App,
    purpose: Purpose,
    account: (&str, i64),
    channel: &str,
) -> Result<String, AppError> {
    let code = new_code();
    let now = app.now();
    codes::replace(
        c,
        &NewCode {
            purpose: purpose.code(),
            account_kind: account.0,
            account_id: account.1,
            channel,
            code_hash: &code_hash(app, purpose, account.0, account.1, &code),
            expires_at: now + CODE_TTL_MS,
            now,
        },
    )
    .await?;
    Ok(code)
}

/// Checks an entered code, in its own committed transaction so a wrong
/// entry counts even when the caller fails later. True when the code is
/// open and right; the caller spends it with [`spend`] in the transaction
/// that acts on it.
pub(crate) async fn check(
    app: &App,
    purpose: Purpose,
    account: (&str, i64),
    entered: &str,
) -> Result<bool, AppError> {
    let mut tx = app.db.begin().await?;
    let open = codes::take_try(
        &mut tx,
        purpose.code(),
        account.0,
        account.1,
        CODE_MAX_TRIES,
        app.now(),
    )
    .await?;
    tx.commit().await?;
    let Some(open) = open else {
        return Ok(false);
    };
    let entered = entered.trim();
    Ok(entered.len() == 6
        && open.code_hash == code_hash(app, purpose, account.0, account.1, entered))
}

/// Spends a code [`check`] accepted; false when it was spent meanwhile.
pub(crate) async fn spend(
    c: &mut AnyConnection,
    app: &App,
    purpose: Purpose,
    account: (&str, i64),
) -> Result<bool, AppError> {
    Ok(codes::mark_used(c, purpose.code(), account.0, account.1, app.now()).await?)
}
