//! Persistence for the administrators: the append-only audit log and its
//! chain, the message outbox, and stored settings.

pub mod audit;
pub mod outbox;
pub mod settings;
