//! Operations: the backup drill (backup → wipe → restore → everything
//! verifies) and the readiness probe, on both backends.

use std::sync::Arc;

use scigrant_app::grants::applications::{Verification, verify};
use scigrant_app::identity::auth::{LoginInput, LoginTab, login};
use scigrant_app::identity::captcha::new_captcha;
use scigrant_app::ops::backup::backup;
use scigrant_app::ops::restore::restore;
use scigrant_app::ops::{NotReady, readiness};
use scigrant_app::testing::{
    PASSWORD, TestEnv, accepted_application, create_pg_database, drop_pg_database, funding_call,
    visitor,
};
use scigrant_app::{App, SystemClock};
use scigrant_store::Backend;

use crate::refusal_of;

/// Number, digest and title of every submitted application, as printed on
/// its paper copy.
async fn receipts(app: &App) -> Vec<(String, String)> {
    let mut c = app.db.read().await.unwrap();
    scigrant_store::ops::submitted_digests(&mut c)
        .await
        .unwrap()
}

/// Removes everything of the installation: the data directory, and the
/// PostgreSQL database (dropped and made again, empty).
async fn wipe(env: &TestEnv) {
    env.app.db.pool.close().await;
    let cfg = &env.app.config;
    std::fs::remove_dir_all(&cfg.data_dir).unwrap();
    if env.backend == Backend::Postgres {
        let url = cfg.database_url();
        let name = url.rsplit('/').next().unwrap();
        drop_pg_database(name).await.unwrap();
        create_pg_database(name).await;
    }
}

async fn backup_drill(env: TestEnv) {
    let call = funding_call(&env.app, "KJFWT2023-01", "10", "60").await;
    let (first, _) = accepted_application(&env.app, call, 1, "高原生态监测服务").await;
    accepted_application(&env.app, call, 2, "藏药资源普查").await;
    let printed = receipts(&env.app).await;
    assert_eq!(printed.len(), 2);

    let dir = env.app.config.data_dir.with_extension("backup");
    let m = backup(&env.app, &dir).await.unwrap();
    assert_eq!(m.counts["applications"], 2);
    assert_eq!(m.counts["units"], 2);
    assert_eq!(m.counts["persons"], 2);
    assert_eq!(m.files.len() as i64, m.counts["files"]);
    assert!(
        !m.files.is_empty(),
        "the units' certificates are stored files"
    );
    assert!(m.pii_key.is_some() && m.audit_anchor.is_some());
    // A second backup into the same folder is refused, not mixed in.
    let again = backup(&env.app, &dir).await;
    assert!(refusal_of(again).starts_with("备份目录"));

    let config = (*env.app.config).clone();
    wipe(&env).await;
    let restored = restore(config.clone(), Arc::new(SystemClock), &dir, false)
        .await
        .unwrap();
    assert_eq!(restored.applications_verified, 2);
    assert_eq!(restored.audit_sealed, m.counts["audit_log"]);

    let app = App::open(config.clone(), Arc::new(env.clock.clone()))
        .await
        .unwrap();
    // What the applicants and the auditor check after the restore: each
    // paper copy verifies, the chain is intact, files and sign-in work.
    for (number, digest) in &printed {
        assert!(
            matches!(
                verify(&app, number, digest).await.unwrap(),
                Verification::Matches { .. }
            ),
            "{number} verifies after the restore"
        );
    }
    let chain = scigrant_app::admin::audit::seal_and_verify_audit(&app)
        .await
        .unwrap();
    assert!(chain.intact(), "{:?}", chain.problems);
    for f in &m.files {
        use tokio::io::AsyncReadExt;
        let mut bytes = Vec::new();
        app.files
            .open(&f.key)
            .await
            .unwrap()
            .read_to_end(&mut bytes)
            .await
            .unwrap();
        assert_eq!(bytes.len() as u64, f.size);
    }
    signs_in(&app, &first.phone).await;

    // The target now holds data: a second restore is refused unless forced.
    app.db.pool.close().await;
    let refused = restore(config.clone(), Arc::new(SystemClock), &dir, false).await;
    assert!(
        refusal_of(refused).starts_with("恢复目标不为空"),
        "a restore never overwrites by default"
    );
    let forced = restore(config, Arc::new(SystemClock), &dir, true)
        .await
        .unwrap();
    assert_eq!(forced.applications_verified, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
both!(backup_drill);

/// The applicant signs in to the restored installation: the login finds
/// the phone through the blind index, which only the restored PII key
/// computes, and checks the password hash from the restored database.
async fn signs_in(app: &App, phone: &str) {
    let input = LoginInput {
        login: phone.into(),
        password: PASSWORD.into(),
        captcha_id: new_captcha(app).await.unwrap().id,
        captcha: "TEST".into(),
        user_agent: "test".into(),
    };
    login(app, &visitor(), LoginTab::Person, &input)
        .await
        .unwrap();
}

async fn readiness_says_what_is_not_ready(env: TestEnv) {
    assert_eq!(readiness(&env.app).await, Ok(()));
    // A node of a newer build, before its last migration ran (the row is
    // hidden, then put back).
    let hide = "UPDATE _sqlx_migrations SET version = -version
                WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)";
    scigrant_store::sqlx::query(hide)
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    assert_eq!(readiness(&env.app).await, Err(NotReady::Migrations(1)));
    assert_eq!(
        NotReady::Migrations(1).to_string(),
        "数据库迁移未完成：缺 1 个"
    );
    scigrant_store::sqlx::query("UPDATE _sqlx_migrations SET version = -version WHERE version < 0")
        .execute(&env.app.db.pool)
        .await
        .unwrap();
    assert_eq!(readiness(&env.app).await, Ok(()));
    // The storage folder cannot be made (a file sits where it should be).
    let files = env.app.files.root().to_path_buf();
    let _ = std::fs::remove_dir_all(&files);
    std::fs::write(&files, b"not a folder").unwrap();
    assert_eq!(readiness(&env.app).await, Err(NotReady::Storage));
    std::fs::remove_file(&files).unwrap();
    assert_eq!(readiness(&env.app).await, Ok(()));
    env.app.db.pool.close().await;
    assert_eq!(readiness(&env.app).await, Err(NotReady::Database));
}
both!(readiness_says_what_is_not_ready);
