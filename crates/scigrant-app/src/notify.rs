//! Notifications. Messages are queued in the outbox inside the use case's
//! transaction, so a decision and its notice commit together. Until an SMS
//! gateway is configured the outbox is where messages stay, and staff read
//! them in the console.

use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::admin::outbox::{self, NewMessage, OutboxRow};

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
        &NewMessage {
            channel: Channel::Sms.code(),
            recipient_enc: &app.pii.seal(phone),
            recipient_masked: &mask_phone(phone),
            subject: "",
            body: &body,
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
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
    fn from_code(code: &str) -> Channel {
        if code == "sms" {
            Channel::Sms
        } else {
            Channel::Email
        }
    }
}

/// A message as staff see it in the outbox (the recipient masked).
#[derive(Clone, Debug)]
pub struct OutboxView {
    pub created_at: i64,
    pub channel: Channel,
    pub recipient_masked: String,
    pub body: String,
    pub sent_at: Option<i64>,
}

impl From<OutboxRow> for OutboxView {
    fn from(r: OutboxRow) -> OutboxView {
        OutboxView {
            created_at: r.created_at,
            channel: Channel::from_code(&r.channel),
            recipient_masked: r.recipient_masked,
            body: r.body,
            sent_at: r.sent_at,
        }
    }
}

/// The newest `limit` messages, newest first.
pub async fn recent(app: &App, limit: i64) -> Result<Vec<OutboxView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = outbox::recent(&mut c, limit).await?;
    Ok(rows.into_iter().map(OutboxView::from).collect())
}
