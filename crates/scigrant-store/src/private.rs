//! Files and folders of the data directory hold personal data (the SQLite
//! database, the PII key, uploaded documents), so they belong to the
//! service account alone: folders are created 0700 and files 0600 at the
//! moment they are made, whatever the process umask, never widened later.
//! On other platforms the calls are the plain ones.

use std::path::Path;

/// Mode of every folder the service creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file the service creates.
pub const FILE_MODE: u32 = 0o600;

/// `create_dir_all` whose new folders are 0700.
pub fn create_dir_all(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(path)
}

/// The async `create_dir_all` whose new folders are 0700.
pub async fn create_dir_all_async(path: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(path).await
}

/// Options that create a new file 0600 (and refuse an existing one).
pub fn new_file() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    opts
}

/// The async options that create a new file 0600.
pub fn new_file_async() -> tokio::fs::OpenOptions {
    tokio::fs::OpenOptions::from(new_file())
}

/// Narrows an existing folder to 0700: a data directory made by hand or
/// by an older release may be readable by others.
pub fn narrow_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
