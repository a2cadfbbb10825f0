//! 图形验证码: the answer is stored server-side, expires after 5 minutes
//! and is consumed by the first attempt, right or wrong.

use captcha_rs::CaptchaBuilder;
use rand::RngCore;
use scigrant_store::AnyConnection;

use crate::{App, AppError};

pub const CAPTCHA_TTL_MS: i64 = 5 * 60 * 1000;

/// A fresh captcha: its id (posted back with the form) and the image as a
/// `data:` URL.
#[derive(Clone, Debug)]
pub struct CaptchaImage {
    pub id: String,
    pub data_url: String,
}

// No 0/O, 1/I/L: characters people misread are left out.
const ALPHABET: &str = "ABCDEFGHJKMNPQRSTUVWXY3456789";

pub async fn new_captcha(app: &App) -> Result<CaptchaImage, AppError> {
    let captcha = CaptchaBuilder::new()
        .length(4)
        .chars(ALPHABET.chars().collect())
        .width(120)
        .height(40)
        .dark_mode(false)
        .complexity(2)
        .compression(60)
        .build();
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    let id = hex::encode(raw);
    let mut c = app.db.read().await?;
    let now = app.now();
    scigrant_store::identity::captcha::insert(&mut c, &id, &captcha.text.to_uppercase(), now)
        .await?;
    Ok(CaptchaImage {
        id,
        data_url: captcha.to_base64(),
    })
}

/// Deletes the captchas that have expired, answered or not, and tells how
/// many; the server calls it every minute.
pub async fn purge_expired_captchas(app: &App) -> Result<u64, AppError> {
    let mut c = app.db.read().await?;
    let cutoff = app.now() - CAPTCHA_TTL_MS;
    Ok(scigrant_store::identity::captcha::purge(&mut c, cutoff).await?)
}

/// Consumes captcha `id` and tells whether `answer` matched in time.
pub(crate) async fn take_captcha(
    c: &mut AnyConnection,
    app: &App,
    id: &str,
    answer: &str,
) -> Result<bool, AppError> {
    let stored = scigrant_store::identity::captcha::take(c, id).await?;
    let Some((expected, created)) = stored else {
        return Ok(false);
    };
    if app.now() - created > CAPTCHA_TTL_MS {
        return Ok(false);
    }
    let answer = answer.trim().to_uppercase();
    if let Some(test) = &app.config.test_captcha
        && answer == test.expose().to_uppercase()
    {
        return Ok(true);
    }
    Ok(!answer.is_empty() && answer == expected)
}
