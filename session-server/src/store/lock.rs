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

/// `workshop.db` → `workshop.db.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

/// Takes the lock, or says which process holds it.
pub fn exclusive(db: &Path) -> Result<DatabaseLock, String> {
    let path = lock_path(db);
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
            return Err(format!(
                "another server uses the database {}{pid}; stop it first, or give this one its own --db",
                db.display()
            ));
        }
        Err(TryLockError::Error(e)) => return Err(format!("cannot lock {}: {e}", path.display())),
    }
    file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{}", std::process::id())).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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
        assert_eq!(lock_path(&db), dir.path().join("workshop.db.lock"));
    }
}
