//! Notifications. A use case queues its messages in the outbox inside its
//! own transaction, so a decision and its notice commit together; the
//! delivery worker (`delivery::deliver_due`) sends them afterwards, so a
//! slow mail server or SMS gateway never slows a request. A notice about
//! an account also lands in that account's 消息中心 (`centre`).

pub mod centre;
pub mod delivery;

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::admin::outbox::{self, NewMessage, OutboxRow};
use scigrant_store::identity::messages;

use crate::{App, AppError};

pub(crate) async fn queue_sms(
    c: &mut AnyConnection,
    app: &App,
    phone: &str,
    body: &str,
) -> Result<(), AppError> {
    let body = format!("【{}】{}", app.config.site_name, body);
    outbox::insert(
        c,
        &app.pii,
        &NewMessage {
            channel: Channel::Sms.code(),
            recipient: phone,
            recipient_masked: &mask_phone(phone),
            subject: "",
            body: &body,
            now: app.now(),
        },
    )
    .await?;
    Ok(())
}

/// Queues an e-mail; the subject carries the site's name.
pub(crate) async fn queue_email(
    c: &mut AnyConnection,
    app: &App,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    outbox::insert(
        c,
        &app.pii,
        &NewMessage {
            channel: Channel::Email.code(),
            recipient: to,
            recipient_masked: &scigrant_domain::mask::mask_email(to),
            subject: &format!("【{}】{}", app.config.site_name, subject),
            body,
            now: app.now(),
        },
    )
    .await?;
    Ok(())
}

/// Where a notice about an account goes: its 消息中心 always, its phone
/// by SMS, and its e-mail when it has one.
pub(crate) struct Recipient<'a> {
    pub kind: AccountKind,
    pub id: i64,
    pub phone: &'a str,
    pub email: Option<&'a str>,
}

/// Tells an account of an event: a row in its 消息中心, an SMS, and an
/// e-mail (subject `subject`) when it has an address.
pub(crate) async fn notify_account(
    c: &mut AnyConnection,
    app: &App,
    to: &Recipient<'_>,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    messages::insert(c, to.kind.code(), to.id, body, app.now()).await?;
    queue_sms(c, app, to.phone, body).await?;
    if let Some(email) = to.email.filter(|e| !e.trim().is_empty()) {
        queue_email(c, app, email, subject, body).await?;
    }
    Ok(())
}

/// Queues a webhook call: `payload` (JSON) POSTed to the configured
/// `webhook_url` as event `event`; nothing when no webhook is configured.
pub(crate) async fn queue_webhook(
    c: &mut AnyConnection,
    app: &App,
    event: &str,
    payload: &str,
) -> Result<(), AppError> {
    let url = app.config.webhook_url.trim();
    if url.is_empty() {
        return Ok(());
    }
    // Staff read where it went, not the path (which may carry a token).
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(url);
    outbox::insert(
        c,
        &app.pii,
        &NewMessage {
            channel: Channel::Webhook.code(),
            recipient: url,
            recipient_masked: host,
            subject: event,
            body: payload,
            now: app.now(),
        },
    )
    .await?;
    Ok(())
}

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
    /// A signed JSON POST to the deployment's webhook (`webhook_url`).
    Webhook,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
    fn from_code(code: &str) -> Channel {
        match code {
            "sms" => Channel::Sms,
            "webhook" => Channel::Webhook,
            _ => Channel::Email,
        }
    }
}

/// Where a message stands in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting for its (next) attempt.
    Queued,
    /// Handed over to the mail server or SMS provider.
    Sent,
    /// Given up after the last attempt failed.
    Failed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }
    fn from_code(code: &str) -> Status {
        match code {
            "sent" => Status::Sent,
            "failed" => Status::Failed,
            _ => Status::Queued,
        }
    }
}

/// A message as staff see it in the outbox (the recipient masked).
#[derive(Clone, Debug)]
pub struct OutboxView {
    pub created_at: i64,
    pub channel: Channel,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    pub status: Status,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    /// The last delivery error.
    pub error: Option<String>,
}

impl OutboxView {
    /// The body as the 短信发件箱 shows it: codes and one-time passwords
    /// masked (`scigrant_domain::mask::mask_secrets`), so no staff member
    /// reads another person's secret.
    pub fn body_for_staff(&self) -> String {
        scigrant_domain::mask::mask_secrets(&self.body)
    }
}

impl From<OutboxRow> for OutboxView {
    fn from(r: OutboxRow) -> OutboxView {
        OutboxView {
            created_at: r.created_at,
            channel: Channel::from_code(&r.channel),
            recipient_masked: r.recipient_masked,
            subject: r.subject,
            body: r.body,
            status: Status::from_code(&r.status),
            attempts: r.attempts,
            sent_at: r.sent_at,
            error: r.error,
        }
    }
}

/// The newest `limit` messages, newest first.
pub async fn recent(app: &App, limit: i64) -> Result<Vec<OutboxView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = outbox::recent(&mut c, limit).await?;
    Ok(rows.into_iter().map(OutboxView::from).collect())
}
