//! Notifications. Messages are queued in the outbox inside the use case's
//! transaction, so a decision and its notice commit together. The default
//! SMS provider is the outbox itself, which staff read in the console; a
//! real SMS gateway would implement `SmsProvider` and drain it.

use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::admin::outbox::{self, NewMessage, OutboxRow};

use crate::{App, AppError};

/// Where an SMS goes once it leaves the outbox.
pub trait SmsProvider: Send + Sync {
    /// Delivers one message; the default provider keeps it for staff.
    fn deliver(&self, phone: &str, body: &str) -> Result<(), String>;
}

/// Keeps messages in the outbox only.
#[derive(Debug, Default)]
pub struct OutboxSms;

impl SmsProvider for OutboxSms {
    fn deliver(&self, _phone: &str, _body: &str) -> Result<(), String> {
        Ok(())
    }
}

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
            channel: "sms",
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

/// A message as staff see it in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxView {
    pub row: OutboxRow,
}

pub async fn recent(app: &App, limit: i64) -> Result<Vec<OutboxRow>, AppError> {
    let mut c = app.db.read().await?;
    Ok(outbox::recent(&mut c, limit).await?)
}
