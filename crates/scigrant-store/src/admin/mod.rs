//! Persistence for the administrators: the append-only audit log and its
//! chain (with the retention purge of old records), the message outbox,
//! stored settings and the leases of scheduled jobs.

pub mod audit;
pub mod chain_upgrade;
pub mod leases;
pub mod outbox;
pub mod retention;
pub mod settings;
