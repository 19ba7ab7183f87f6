//! One database, one server: an exclusive lock on a file beside the database, held while the server runs.
//!
//! A second server on the same file would load the same live sessions and hand out the same member
//! numbers; it is refused at start with the first one's process id. The operator's commands
//! (`sessions`, `export`, `report`, `backup`, `check`) only read and take no lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held for as long as the server uses the database; dropping it (or the process ending, even by
/// `kill -9`) lets the next server in.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// `workshop.db` → `workshop.db.lock`, beside the database wherever a link to it leads, so two
/// names for one database share one lock.
pub fn lock_path(db: &Path) -> PathBuf {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_owned());
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

/// Takes the lock, or says which process holds it.
pub fn exclusive(db: &Path) -> Result<DatabaseLock, String> {
    let path = lock_path(db);
    // A link or anything but a plain file where the lock goes is never opened (and emptied).
    if let Ok(meta) = std::fs::symlink_metadata(&path)
        && !meta.file_type().is_file()
    {
        return Err(format!("{} is not a plain file (a link?); remove it, then start the server again", path.display()));
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open the lock file {}: {e}; check that the folder is writable", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let pid = if holder.is_empty() { String::new() } else { format!(" (PID {holder})") };
            return Err(format!("another server uses the database {}{pid}; stop it first, or give this one its own --db", db.display()));
        }
        Err(TryLockError::Error(e)) => return Err(format!("cannot lock {}: {e}", path.display())),
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(DatabaseLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_database_is_refused_with_the_holders_pid_and_free_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workshop.db");
        let first = exclusive(&db).unwrap();
        let e = exclusive(&db).unwrap_err();
        assert!(e.contains("another server uses the database") && e.contains(&format!("PID {}", std::process::id())), "{e}");
        drop(first);
        exclusive(&db).expect("free once the first let go");
        assert_eq!(lock_path(&db), std::fs::canonicalize(dir.path()).unwrap().join("workshop.db.lock"));
    }

    #[test]
    fn a_link_where_the_lock_goes_is_refused_and_the_database_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workshop.db");
        std::fs::write(&db, b"precious").unwrap();
        std::os::unix::fs::symlink(&db, dir.path().join("workshop.db.lock")).unwrap();
        let e = exclusive(&db).unwrap_err();
        assert!(e.contains("not a plain file"), "{e}");
        assert_eq!(std::fs::read(&db).unwrap(), b"precious");
        // Another name for the same database shares its lock.
        std::fs::remove_file(dir.path().join("workshop.db.lock")).unwrap();
        std::os::unix::fs::symlink(&db, dir.path().join("alias.db")).unwrap();
        let _held = exclusive(&db).unwrap();
        assert!(exclusive(&dir.path().join("alias.db")).is_err(), "a second server through a link is refused too");
    }
}
