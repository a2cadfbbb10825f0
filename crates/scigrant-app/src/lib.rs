//! Use cases of SciGrant. Each public function here is one thing a user
//! does (`register_unit`, `approve_member`, …): it validates, runs one
//! transaction, writes the audit record and queues notifications, and its
//! doc comment lists those side effects. Front ends (HTML, CLI, tests) all
//! call these same functions.

pub mod admin;
pub mod clock;
pub mod config;
pub mod dictionary;
pub mod error;
pub mod evaluation;
pub mod export;
pub mod grants;
pub mod identity;
pub mod jobs;
pub mod notify;
pub mod ops;
pub mod params;
pub mod portal;
mod record;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use scigrant_domain::identity::account::AccountKind;
use scigrant_store::files::FileStore;
use scigrant_store::pii::PiiCipher;
use scigrant_store::{Db, StoreError};

pub use clock::{Clock, SystemClock, TestClock};
pub use config::Config;
pub use error::{AppError, FieldErrors};
pub(crate) use record::audit;

/// Everything a use case needs, built once at start and shared.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub files: FileStore,
    pub pii: PiiCipher,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// Values read on every request and changed rarely (security
    /// parameters), kept a few seconds so a request costs fewer queries.
    pub cache: Arc<Caches>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).finish()
    }
}

/// Set once every stored personal-data value is bound to its row.
const PII_BOUND: &str = "pii_rows_bound";

impl App {
    /// Opens the database and key as `config` says, running migrations.
    /// The data directory is the service account's alone (0700, its files
    /// 0600): one left readable by others, by hand or by an older release,
    /// is narrowed.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<App, AppError> {
        let data_dir = &config.data_dir;
        scigrant_store::private::create_dir_all(data_dir).map_err(StoreError::from)?;
        scigrant_store::private::narrow_dir(data_dir).map_err(StoreError::from)?;
        let db = Db::connect_logging_slow(
            &config.database_url(),
            config.max_connections,
            std::time::Duration::from_millis(config.slow_query_ms),
            std::time::Duration::from_millis(config.db_acquire_timeout_ms),
        )
        .await?;
        db.migrate().await?;
        let pii = match &config.pii_key {
            Some(k) => PiiCipher::from_hex(k.expose())?,
            None => PiiCipher::load_or_create(&config.data_dir.join("pii.key"))?,
        };
        // Values an earlier release sealed without their row are bound to
        // it before anything reads them: reads accept only bound values.
        // Once: after a pass that left nothing unbound, every value is
        // written bound by this release, so later starts skip the scan.
        let bound = {
            let mut c = db.read().await?;
            let done = scigrant_store::admin::settings::get(&mut c, PII_BOUND).await?;
            if done.is_some() {
                scigrant_store::sealed::Bound::default()
            } else {
                let b = scigrant_store::sealed::bind_legacy(&mut c, &pii).await?;
                if b.refused == 0 {
                    scigrant_store::admin::settings::set(&mut c, PII_BOUND, "1").await?;
                }
                b
            }
        };
        let files = file_store(&config)?;
        let app = App {
            db,
            files,
            pii,
            clock,
            config: Arc::new(config),
            cache: Arc::default(),
        };
        if bound.bound > 0 {
            let mut tx = app.db.begin().await?;
            let detail = format!("{} 个", bound.bound);
            let (actor, target) = (Actor::system(), ("pii", None));
            record::audit(
                &mut tx, &app, &actor, "pii.bind", target, "success", &detail,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(
                values = bound.bound,
                "personal data sealed by an earlier release bound to its rows"
            );
        }
        Ok(app)
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Today's date in China Standard Time, for birth-date checks.
    pub fn today(&self) -> (i32, u32, u32) {
        scigrant_domain::calendar::civil_date(self.now())
    }
}

/// Uploads in progress under `<data_dir>/files/tmp`; accepted files kept
/// where `storage_url` says.
pub fn file_store(config: &Config) -> Result<FileStore, AppError> {
    let url = config
        .storage_url()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let storage = url.open(&config.s3_settings()).map_err(StoreError::from)?;
    Ok(FileStore::new(config.data_dir.join("files"), storage))
}

/// Per-node caches of values that change rarely or never.
#[derive(Debug, Default)]
pub struct Caches {
    /// This process's name when it holds the lease of a scheduled job.
    pub node: jobs::NodeId,
    /// Security parameters, re-read every few seconds.
    pub params: params::ParamsCache,
    /// The public pages' content, re-read every second or at a change.
    pub portal: portal::cache::PortalCache,
    /// The mail and SMS providers, built from the configuration at the
    /// first delivery (an invalid setting is reported on every run).
    pub delivery: std::sync::OnceLock<Result<notify::delivery::Providers, String>>,
    /// The 实名认证 provider, built from the configuration at first use.
    pub realname: std::sync::OnceLock<Result<identity::realname::provider::Provider, String>>,
    /// The password-hashing queue and the dummy hash of refused logins.
    pub hasher: identity::hasher::Hasher,
    /// Parsed form specifications by id: stored specifications never
    /// change, so a parse is kept for the life of the process.
    pub specs: std::sync::RwLock<
        std::collections::HashMap<i64, Arc<scigrant_domain::grants::form::FormSpec>>,
    >,
}

/// Who acts and from where; every use case receives it for the audit log.
#[derive(Clone, Debug)]
pub struct Actor {
    pub kind: Option<AccountKind>,
    pub id: Option<i64>,
    pub label: String,
    pub ip: String,
    pub request_id: String,
    /// The unit a person acts for (代办), as read on this request: every
    /// audit record the person writes is then filed under the unit too.
    pub on_behalf: Option<identity::delegation::OnBehalf>,
}

impl Actor {
    pub fn anonymous(ip: &str, request_id: &str) -> Actor {
        Actor {
            kind: None,
            id: None,
            label: "访客".into(),
            ip: ip.into(),
            request_id: request_id.into(),
            on_behalf: None,
        }
    }

    pub fn system() -> Actor {
        Actor {
            kind: None,
            id: None,
            label: "系统".into(),
            ip: "-".into(),
            request_id: "-".into(),
            on_behalf: None,
        }
    }
}

/// A page of a list: rows, the total, and the 1-based page shown.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    /// Page `page` (1-based, anything lower reads as 1) of `total` rows.
    pub fn new(rows: Vec<T>, total: i64, page: i64, per_page: i64) -> Page<T> {
        Page {
            rows,
            total,
            page: page.max(1),
            per_page,
        }
    }
    /// Page `page` of a whole list `all`, kept in the list's order; a
    /// page past the end is empty (its total still tells how many exist).
    pub fn window(all: Vec<T>, page: i64, per_page: i64) -> Page<T> {
        let total = all.len() as i64;
        let skip = usize::try_from(Page::<T>::offset(page, per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(per_page).unwrap_or(0);
        let rows = all.into_iter().skip(skip).take(take).collect();
        Page::new(rows, total, page, per_page)
    }
    /// No rows: what a list shows when its filter was refused.
    pub fn empty(per_page: i64) -> Page<T> {
        Page {
            rows: Vec::new(),
            total: 0,
            page: 1,
            per_page,
        }
    }
    /// "显示1到20,共58记录" as in the seed.
    pub fn summary(&self) -> String {
        if self.total == 0 {
            return "共0记录".into();
        }
        let first = (self.page - 1) * self.per_page + 1;
        let last = (first + self.rows.len() as i64 - 1).max(first);
        format!("显示{first}到{last},共{}记录", self.total)
    }
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page.max(1) - 1) * per_page
    }
}
