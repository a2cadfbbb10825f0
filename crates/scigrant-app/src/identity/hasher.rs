//! Password hashing off the async workers. PBKDF2 is deliberately slow, so
//! each hash or check runs on tokio's blocking pool behind a semaphore
//! sized to the cores: parallel logins queue here instead of starving the
//! request threads. It also keeps the one dummy hash that refused logins
//! are checked against, so every refused path costs exactly one check at
//! the configured iteration count, whether the account exists or not.
//!
//! It also checks the bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) that accounts
//! imported from a predecessor system bring (`identity::legacy`): login
//! replaces such a hash with the house PBKDF2-HMAC-SM3 at the first
//! successful sign-in ([`needs_upgrade`]).

use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use scigrant_domain::identity::password_hash::{hash_password, iterations_of, verify_password};
use tokio::sync::{OnceCell, Semaphore};

use crate::{App, AppError};

/// The blocking-pool gate, the dummy hash and a count of checks.
#[derive(Debug)]
pub struct Hasher {
    permits: Semaphore,
    dummy: OnceCell<String>,
    /// Passwords checked against a stored account hash (not the dummy):
    /// the guesses an attacker actually got evaluated.
    evaluated: AtomicU64,
}

impl Default for Hasher {
    fn default() -> Self {
        // Two to four hashes at once: enough to use the cores, few enough
        // that the async workers keep a core for other requests.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: Semaphore::new(cores.clamp(2, 4)),
            dummy: OnceCell::new(),
            evaluated: AtomicU64::new(0),
        }
    }
}

impl Hasher {
    /// How many passwords were checked against a stored account hash.
    pub fn evaluated(&self) -> u64 {
        self.evaluated.load(Ordering::SeqCst)
    }
}

async fn blocking<T: Send + 'static>(
    app: &App,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = app
        .cache
        .hasher
        .permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("hash queue closed: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// A new hash of `password` with a random salt at the configured cost.
/// Call it before opening a transaction: it takes tens of milliseconds.
pub(crate) async fn new_password_hash(app: &App, password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let password = password.to_owned();
    let iterations = app.config.password_iterations;
    blocking(app, move || hash_password(&password, &salt, iterations)).await
}

/// The highest bcrypt cost accepted from an import: 2^14 rounds is about
/// a second; a hostile file must not make one check run for minutes.
pub const MAX_BCRYPT_COST: u32 = 14;

/// Whether `hash` is a bcrypt hash the import accepts: the modular-crypt
/// form `$2a$`/`$2b$`/`$2y$`, cost 4–[`MAX_BCRYPT_COST`].
pub fn is_legacy_hash(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
        && hash
            .parse::<bcrypt::HashParts>()
            .is_ok_and(|h| (4..=MAX_BCRYPT_COST).contains(&h.get_cost()))
}

/// Whether a stored hash is to be replaced at the next successful login:
/// a legacy bcrypt hash, or PBKDF2 below the configured cost.
pub(crate) fn needs_upgrade(app: &App, hash: &str) -> bool {
    if is_legacy_hash(hash) {
        return true;
    }
    iterations_of(hash).is_some_and(|i| i < app.config.password_iterations)
}

fn verify_any(password: &str, hash: &str) -> bool {
    if is_legacy_hash(hash) {
        return bcrypt::verify(password, hash).unwrap_or(false);
    }
    verify_password(password, hash)
}

/// Whether `password` matches the stored `hash` (counted as evaluated).
pub(crate) async fn check_password(
    app: &App,
    password: &str,
    hash: &str,
) -> Result<bool, AppError> {
    app.cache.hasher.evaluated.fetch_add(1, Ordering::SeqCst);
    let (password, hash) = (password.to_owned(), hash.to_owned());
    blocking(app, move || verify_any(&password, &hash)).await
}

/// One check against the dummy hash, for a refused login: the same work
/// as checking a real account's password, with a result that is ignored.
pub(crate) async fn check_against_dummy(app: &App, password: &str) -> Result<(), AppError> {
    let dummy = app
        .cache
        .hasher
        .dummy
        .get_or_try_init(|| new_password_hash(app, "scigrant-no-such-account"))
        .await?
        .clone();
    let password = password.to_owned();
    blocking(app, move || verify_password(&password, &dummy)).await?;
    Ok(())
}
