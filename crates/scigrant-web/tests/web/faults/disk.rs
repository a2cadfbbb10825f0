//! A full disk during uploads: the documents folder is a small tmpfs the
//! test mounts (as root), filled to the last few kilobytes. An applicant's
//! 完善个人信息 with two PDFs — the first fits, the second does not — is
//! refused with a clear Chinese message; nothing of it is kept (no row, no
//! file, nothing left in the upload folder), every row still has its file
//! and every file its row. Once space is freed the same post is accepted.

use std::path::{Path, PathBuf};
use std::process::Command;

use scigrant_app::testing::s3::count_files;
use scigrant_app::testing::{Backend, test_env_with};
use scigrant_web::AppState;

/// A tmpfs mounted for the test, unmounted when it ends.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output()
            .unwrap_or_else(|e| panic!("the full-disk test runs `mount -t tmpfs` (as root): {e}"));
        assert!(
            out.status.success(),
            "the full-disk test mounts a {size} tmpfs at {} and must run as root: {}",
            at.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn pdf_of(size: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.extend((0..size - 9).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

/// 完善个人信息 joining `unit` with both proofs, as the page posts it.
async fn post_profile(
    state: &AppState,
    session: &str,
    unit: i64,
    files: [&[u8]; 2],
) -> (u16, String) {
    let body = crate::storage::profile_body(unit, files[0], files[1]);
    crate::storage::post_profile_reply(state, session, body).await
}

/// The kept documents under `root` (the upload folder `tmp` apart), and
/// what is left in the upload folder.
fn on_disk(root: &Path) -> (Vec<String>, Vec<String>) {
    let (mut kept, mut tmp) = (Vec::new(), Vec::new());
    for sub in std::fs::read_dir(root).unwrap().flatten() {
        let name = sub.file_name().to_string_lossy().into_owned();
        if !sub.path().is_dir() {
            continue; // the filler
        }
        let list = if name == "tmp" { &mut tmp } else { &mut kept };
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            list.push(f.file_name().to_string_lossy().into_owned());
        }
    }
    kept.sort();
    (kept, tmp)
}

/// Fills the filesystem of `root` with one file, then frees `leave` bytes.
fn fill(root: &Path, leave: u64) -> PathBuf {
    use std::io::Write;
    let filler = root.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0x5au8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "filling: {e}");
                break;
            }
        }
        assert!(written < 64 << 20, "the tmpfs does not fill up");
    }
    f.set_len(written.saturating_sub(leave)).unwrap();
    filler
}

async fn full_disk_on(backend: Backend) {
    let mut mount = None;
    let env = test_env_with(backend, |c| {
        mount = Some(Tmpfs::mount(&c.data_dir.join("files"), "2m"));
    })
    .await;
    let root = env.app.config.data_dir.join("files");
    let (other, _, me) = crate::storage::newcomer_beside_a_unit(&env).await;
    let state = AppState::new(env.app.clone());

    let rows = count_files(&env.app).await;
    let (kept, _) = on_disk(&root);
    assert_eq!(
        kept.len() as i64,
        rows,
        "{backend:?}: a file for every row before"
    );
    let filler = fill(&root, 64 * 1024);

    // The first PDF fits, the second does not.
    let (status, page) = post_profile(
        &state,
        &me,
        other.unit.0,
        [&pdf_of(16_000, 1), &pdf_of(400_000, 2)],
    )
    .await;
    assert_eq!(status, 422, "{backend:?}: the form again, with the problem");
    assert!(
        page.contains("服务器存储空间不足，文件未能保存"),
        "{backend:?}: a clear message: {}",
        page.chars()
            .filter(|c| !c.is_ascii_whitespace())
            .take(3000)
            .collect::<String>()
    );
    assert!(!page.contains("os error"), "{backend:?}: no internals");
    assert_eq!(
        count_files(&env.app).await,
        rows,
        "{backend:?}: no row kept"
    );
    let (after, tmp) = on_disk(&root);
    assert_eq!(
        after, kept,
        "{backend:?}: no file kept, not even the one that fitted"
    );
    assert!(
        tmp.is_empty(),
        "{backend:?}: nothing left half-written: {tmp:?}"
    );

    // Space is freed: the same post goes through, row and file together.
    std::fs::remove_file(filler).unwrap();
    let (status, _) = post_profile(
        &state,
        &me,
        other.unit.0,
        [&pdf_of(16_000, 1), &pdf_of(400_000, 2)],
    )
    .await;
    assert_eq!(status, 303, "{backend:?}: accepted once there is room");
    let rows_after = count_files(&env.app).await;
    let (kept_after, tmp) = on_disk(&root);
    assert_eq!(rows_after, rows + 2, "{backend:?}");
    assert_eq!(
        kept_after.len() as i64,
        rows_after,
        "{backend:?}: a file for every row, a row for every file"
    );
    assert!(tmp.is_empty(), "{backend:?}: {tmp:?}");
    println!(
        "{backend:?}: a full disk refused an upload of 2 PDFs cleanly ({rows} rows, {} files kept before and after); accepted once freed",
        kept.len()
    );
    drop(state);
    drop(mount);
    drop(env);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_an_upload_clearly_and_keeps_rows_and_files_in_step() {
    full_disk_on(Backend::Sqlite).await;
    full_disk_on(Backend::Postgres).await;
}
