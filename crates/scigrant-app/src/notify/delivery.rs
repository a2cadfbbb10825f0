//! The delivery worker: sends the outbox's due messages through their
//! providers, with retries and backoff. E-mail goes over SMTP (lettre);
//! SMS through the configured provider: by default the outbox itself,
//! which staff read (a message put there counts as delivered), or an HTTP
//! gateway taking a JSON POST. `deliver_due` is a plain async function the
//! server calls every few seconds; it holds no lock across nodes itself,
//! each message is claimed in the database before it is sent.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use scigrant_store::admin::outbox::{self, OutboxRow};

use crate::config::{Config, SmtpTls};
use crate::notify::Channel;
use crate::{App, AppError};

/// Attempts before a message is given up as `failed`.
pub const MAX_ATTEMPTS: i64 = 5;
/// Messages one call of `deliver_due` sends at most.
const BATCH: i64 = 50;
/// How long a claimed message is held from other workers: longer than
/// any provider may take (the SMTP and HTTP timeouts).
const HOLD_MS: i64 = 5 * 60 * 1000;
/// How long the SMTP server may take for each step.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The wait before attempt `attempts + 1` after `attempts` failed ones:
/// 30 s, 1 min, 2 min, 4 min; `None` once `MAX_ATTEMPTS` have failed.
pub fn retry_delay_ms(attempts: i64) -> Option<i64> {
    (attempts < MAX_ATTEMPTS).then(|| 30_000 << (attempts - 1).clamp(0, 10))
}

/// What one call of `deliver_due` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    /// Failed attempts that will be tried again.
    pub retried: usize,
    /// Messages given up after their last attempt.
    pub failed: usize,
}

/// The providers, built once from the configuration.
pub struct Providers {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    sms: SmsProvider,
    /// The webhook's signing secret and client (`webhook_url` set).
    webhook: Option<(crate::config::Secret, reqwest::Client)>,
}

/// How long a webhook receiver may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The webhook's signature header: HMAC-SM3 under `webhook_secret` over
/// `<timestamp>.<body>`, so a receiver can refuse a forged or replayed
/// call (docs/operations.md, "Webhooks").
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut h = <Hmac<sm3::Sm3> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    h.update(timestamp.to_string().as_bytes());
    h.update(b".");
    h.update(body.as_bytes());
    format!("hmac-sm3={}", hex::encode(h.finalize().into_bytes()))
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("smtp", &self.smtp.is_some())
            .field("sms", &self.sms)
            .field("webhook", &self.webhook.is_some())
            .finish()
    }
}

/// Where SMS go.
#[derive(Debug)]
pub enum SmsProvider {
    /// The outbox staff read is the delivery: a message there is sent.
    Outbox,
    /// A gateway that takes `{"phone": …, "text": …}` as a JSON POST and
    /// answers 2xx once it has the message.
    Http {
        url: String,
        client: reqwest::Client,
    },
}

impl Providers {
    pub fn from_config(cfg: &Config) -> Result<Providers, String> {
        let smtp = if cfg.smtp_host.trim().is_empty() {
            None
        } else {
            let host = cfg.smtp_host.trim();
            let builder = match cfg.smtp_tls {
                SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                    .map_err(|e| format!("smtp_host {host}: {e}"))?,
                SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                    .map_err(|e| format!("smtp_host {host}: {e}"))?,
            };
            let mut builder = builder.port(cfg.smtp_port).timeout(Some(SMTP_TIMEOUT));
            if !cfg.smtp_username.is_empty() {
                let password = cfg
                    .smtp_password
                    .as_ref()
                    .map(|p| p.expose().to_string())
                    .unwrap_or_default();
                builder =
                    builder.credentials(Credentials::new(cfg.smtp_username.clone(), password));
            }
            Some(builder.build())
        };
        let sms = if cfg.sms_http_url.trim().is_empty() {
            SmsProvider::Outbox
        } else {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(cfg.sms_http_timeout_secs.max(1)))
                .build()
                .map_err(|e| format!("sms_http_url: {e}"))?;
            SmsProvider::Http {
                url: cfg.sms_http_url.trim().to_string(),
                client,
            }
        };
        let webhook = match &cfg.webhook_secret {
            Some(secret) if !cfg.webhook_url.trim().is_empty() => {
                let client = reqwest::Client::builder()
                    .timeout(WEBHOOK_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| format!("webhook_url: {e}"))?;
                Some((secret.clone(), client))
            }
            _ => None,
        };
        Ok(Providers { smtp, sms, webhook })
    }

    /// Sends one message; the error is what staff read in the outbox (it
    /// never contains the message's text).
    async fn send(&self, app: &App, m: &OutboxRow) -> Result<(), String> {
        let to = m.recipient(&app.pii).map_err(|e| {
            tracing::error!(message = m.id, error = %e, "an outbox recipient does not open for its row");
            "收件人无法解密".to_string()
        })?;
        match Channel::from_code(&m.channel) {
            Channel::Sms => match &self.sms {
                SmsProvider::Outbox => Ok(()),
                SmsProvider::Http { url, client } => {
                    let body = serde_json::json!({ "phone": to, "text": m.body });
                    let resp = client
                        .post(url)
                        .json(&body)
                        .send()
                        .await
                        .map_err(|e| format!("短信网关无应答：{}", e.without_url()))?;
                    if resp.status().is_success() {
                        Ok(())
                    } else {
                        Err(format!("短信网关拒绝：HTTP {}", resp.status().as_u16()))
                    }
                }
            },
            Channel::Webhook => {
                let Some((secret, client)) = &self.webhook else {
                    return Err("未配置回调签名密钥（webhook_secret）".into());
                };
                let timestamp = app.now() / 1000;
                let resp = client
                    .post(&to)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header("X-SciGrant-Event", &m.subject)
                    .header("X-SciGrant-Delivery", m.id.to_string())
                    .header("X-SciGrant-Timestamp", timestamp.to_string())
                    .header(
                        "X-SciGrant-Signature",
                        webhook_signature(secret.expose(), timestamp, &m.body),
                    )
                    .body(m.body.clone())
                    .send()
                    .await
                    .map_err(|e| format!("回调地址无应答：{}", e.without_url()))?;
                if resp.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("回调地址拒绝：HTTP {}", resp.status().as_u16()))
                }
            }
            Channel::Email => {
                let Some(smtp) = &self.smtp else {
                    return Err("未配置邮件服务器（smtp_host）".into());
                };
                let from = app
                    .config
                    .mail_from
                    .parse::<Mailbox>()
                    .map_err(|e| format!("发件人 mail_from 无效：{e}"))?;
                let to = to
                    .parse::<Mailbox>()
                    .map_err(|e| format!("收件地址无效：{e}"))?;
                let mail = Message::builder()
                    .from(from)
                    .to(to)
                    .subject(m.subject.clone())
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.body.clone())
                    .map_err(|e| format!("邮件无法生成：{e}"))?;
                smtp.send(mail)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("邮件服务器错误：{e}"))
            }
        }
    }
}

/// Sends the messages due now: each is claimed (its attempt counted and
/// held from other workers), sent outside any transaction, then marked
/// `sent`, rescheduled after `retry_delay_ms`, or `failed` after
/// `MAX_ATTEMPTS`. E-mail waits in the queue while no SMTP server is
/// configured, without spending its attempts.
pub async fn deliver_due(app: &App) -> Result<Delivered, AppError> {
    let providers = app
        .cache
        .delivery
        .get_or_init(|| Providers::from_config(&app.config));
    let providers = providers
        .as_ref()
        .map_err(|e| AppError::Refused(e.clone()))?;
    let now = app.now();
    let ids = {
        let mut c = app.db.read().await?;
        outbox::due(&mut c, now, BATCH).await?
    };
    let mut done = Delivered::default();
    for id in ids {
        let mut tx = app.db.begin().await?;
        let claimed = outbox::claim(&mut tx, id, now, now + HOLD_MS).await?;
        tx.commit().await?;
        let Some(m) = claimed else { continue };
        if m.channel == Channel::Email.code() && providers.smtp.is_none() {
            // Not an attempt: held back until e-mail is configured.
            let mut tx = app.db.begin().await?;
            outbox::unclaim(&mut tx, id, now + HOLD_MS).await?;
            tx.commit().await?;
            continue;
        }
        let result = providers.send(app, &m).await;
        let at = app.now();
        let mut tx = app.db.begin().await?;
        match result {
            Ok(()) => {
                outbox::mark_sent(&mut tx, id, at).await?;
                done.sent += 1;
            }
            Err(error) => {
                let retry_at = retry_delay_ms(m.attempts).map(|d| at + d);
                tracing::warn!(message = id, attempt = m.attempts, %error, "delivery failed");
                outbox::mark_error(&mut tx, id, &error, retry_at).await?;
                if retry_at.is_some() {
                    done.retried += 1;
                } else {
                    done.failed += 1;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(done)
}
