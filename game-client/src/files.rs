//! Files the client writes (settings, reports), written whole or not at all: a temporary file beside the target, renamed over it.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that a crash or a full disk never leaves half a file: the old one
/// stays until the new one is complete.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_whole_as(path, bytes, false)
}

/// [`write_whole`] for a file only its owner may read or write (mode 0600 on Unix, set before
/// it takes the file's place; on Windows the user's `%APPDATA%` is theirs alone already).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_whole_as(path, bytes, true)
}

fn write_whole_as(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_whole(&path, b"one").unwrap();
        write_whole(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_missing_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_whole(&dir.path().join("nope/a.json"), b"x").is_err());
    }
}
