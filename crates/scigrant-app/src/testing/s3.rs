//! Test environments whose documents go to a real S3-compatible server
//! (moto on loopback), configured as an operator would: `storage_url` and
//! the `s3_*` settings.

use std::sync::Arc;

pub use scigrant_store::testing::Moto;

use super::TestEnv;
use crate::App;
use crate::config::Secret;

/// Gives `env` the S3 settings of `moto` (endpoint, region, credentials)
/// without changing where its documents are kept, as an operator does
/// before `scigrant storage migrate`.
pub fn configure_s3(env: &mut TestEnv, moto: &Moto) {
    let s = moto.settings();
    let mut cfg = (*env.app.config).clone();
    cfg.s3_endpoint = s.endpoint;
    cfg.s3_region = s.region;
    cfg.s3_access_key_id = s.access_key_id;
    cfg.s3_secret_access_key = Some(Secret::new(s.secret_access_key));
    cfg.s3_allow_http = s.allow_http;
    cfg.check().expect("a valid S3 configuration");
    env.app.config = Arc::new(cfg);
}

/// Keeps `env`'s accepted documents in `moto`'s bucket under `prefix`
/// from now on (`storage_url = "s3://bucket/prefix"`).
pub fn use_bucket(env: &mut TestEnv, moto: &Moto, prefix: &str) {
    configure_s3(env, moto);
    let mut cfg = (*env.app.config).clone();
    cfg.storage_url = moto.url(prefix).to_string();
    cfg.check().expect("a valid storage address");
    env.app.files = crate::file_store(&cfg).expect("the bucket's file store");
    env.app.config = Arc::new(cfg);
}

/// Rows in the `files` table, for tests that check a refused upload left
/// none.
pub async fn count_files(app: &App) -> i64 {
    use scigrant_store::sqlx::{self, Row};
    sqlx::query("SELECT COUNT(*) AS n FROM files")
        .fetch_one(&app.db.pool)
        .await
        .expect("count the files table")
        .get("n")
}
