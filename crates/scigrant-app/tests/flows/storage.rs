//! Moving the stored documents to an S3-compatible bucket (moto on
//! loopback): `scigrant storage migrate` copies every recorded file once,
//! verified by digest, a second run copies nothing, and after the switch
//! the same documents are read from the bucket.

use scigrant_app::AppError;
use scigrant_app::admin::storage::{MigrationReport, migrate_storage};
use scigrant_app::testing::s3::{Moto, configure_s3, use_bucket};
use scigrant_app::testing::{ApprovedMember, TestEnv};
use scigrant_store::sqlx::{self, Row};
use tokio::io::AsyncReadExt;

/// Storage key and content of every recorded file, by id.
async fn stored_files(env: &TestEnv) -> Vec<(String, Vec<u8>)> {
    let rows = sqlx::query("SELECT storage_key FROM files ORDER BY id")
        .fetch_all(&env.app.db.pool)
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in rows {
        let key: String = r.get("storage_key");
        let mut bytes = Vec::new();
        env.app
            .files
            .open(&key)
            .await
            .unwrap()
            .read_to_end(&mut bytes)
            .await
            .unwrap();
        out.push((key, bytes));
    }
    out
}

async fn documents_move_to_a_bucket_once_verified_by_digest(mut env: TestEnv) {
    let bucket = format!("sg-migrate-{}", std::process::id());
    let moto = Moto::start(&bucket).await;
    // A unit's two certificates and its member's two proofs, kept locally.
    ApprovedMember::builder(1).build(&env.app).await;
    let before = stored_files(&env).await;
    assert_eq!(before.len(), 4);

    configure_s3(&mut env, &moto);
    let to = format!("s3://{bucket}/docs");
    let first = migrate_storage(&env.app, &to).await.unwrap();
    assert_eq!(
        first,
        MigrationReport {
            copied: 4,
            present: 0,
            failed: vec![]
        }
    );
    let again = migrate_storage(&env.app, &to).await.unwrap();
    assert_eq!(
        again,
        MigrationReport {
            copied: 0,
            present: 4,
            failed: vec![]
        },
        "a second run copies nothing and verifies every file"
    );
    let mut keys = moto.keys().await;
    keys.sort();
    let mut want: Vec<String> = before.iter().map(|(k, _)| format!("docs/{k}")).collect();
    want.push("docs/ready".into());
    want.sort();
    assert_eq!(keys, want);

    // The configured storage itself, and an address that is not one.
    let here = env.app.config.storage_url().unwrap().to_string();
    match migrate_storage(&env.app, &here).await {
        Err(AppError::Refused(m)) => {
            assert_eq!(m, format!("目标存储 {here} 就是当前使用的存储，无需迁移"))
        }
        other => panic!("migrating onto itself: {other:?}"),
    }
    match migrate_storage(&env.app, "s3://A").await {
        Err(AppError::Refused(m)) => assert_eq!(
            m,
            "存储地址 s3://A 无效：存储桶名称应为 3 到 63 个小写字母、数字、点或连字符（应为 file://目录 或 s3://存储桶/前缀）"
        ),
        other => panic!("a bad address: {other:?}"),
    }

    // After the switch every document reads back from the bucket, equal.
    use_bucket(&mut env, &moto, "docs");
    assert_eq!(
        env.app.config.storage_url().unwrap().to_string(),
        format!("s3://{bucket}/docs")
    );
    scigrant_app::ops::readiness(&env.app).await.unwrap();
    assert_eq!(stored_files(&env).await, before);
}
both!(documents_move_to_a_bucket_once_verified_by_digest);
