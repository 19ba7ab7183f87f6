//! A consistent copy of the database while the server runs (`VACUUM INTO`), and the check that a database file is sound.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// What a database holds, as `check` reports it.
#[derive(Debug, PartialEq, Eq)]
pub struct Soundness {
    /// `PRAGMA integrity_check`'s findings; empty when the file is sound.
    pub problems: Vec<String>,
    pub sessions: i64,
    pub answers: i64,
}

fn open_read_only(db: &Path) -> anyhow::Result<Connection> {
    anyhow::ensure!(db.is_file(), "the database {} does not exist; pass the server's database (--db)", db.display());
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Writes a copy of `db` to `to` as one read transaction: everything committed before it began,
/// nothing after; the server goes on writing meanwhile. Never overwrites a file.
pub fn backup(db: &Path, to: &Path) -> anyhow::Result<Soundness> {
    anyhow::ensure!(!to.exists(), "{} already exists; a backup never overwrites a file, so give a new name", to.display());
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        anyhow::ensure!(dir.is_dir(), "the folder {} does not exist", dir.display());
    }
    let conn = open_read_only(db)?;
    let target = to.to_str().ok_or_else(|| anyhow::anyhow!("{} is not a path SQLite can take (not UTF-8)", to.display()))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(|e| anyhow::anyhow!("copying {} to {}: {e}", db.display(), to.display()))?;
    check(to)
}

/// Whether `db` is a sound database, and how many sessions and answers it holds.
pub fn check(db: &Path) -> anyhow::Result<Soundness> {
    let conn = open_read_only(db)?;
    let not_ours = |e: rusqlite::Error| anyhow::anyhow!("{} is not a database of this server: {e}", db.display());
    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(not_ours)?;
    let mut rows = stmt.query([]).map_err(not_ours)?;
    while let Some(row) = rows.next().map_err(not_ours)? {
        let line: String = row.get(0)?;
        if line != "ok" {
            problems.push(line);
        }
    }
    let count = |table: &str| conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).map_err(not_ours);
    Ok(Soundness { sessions: count("sessions")?, answers: count("answers")?, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_a_sound_copy_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workshop.db");
        let conn = super::super::open_connection(&db).unwrap();
        conn.execute(
            "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES ('K7M2QX', 't', 's', '{}', 'lobby', 1)",
            [],
        )
        .unwrap();
        let copy = dir.path().join("copy.db");
        let s = backup(&db, &copy).unwrap();
        assert_eq!(s, Soundness { problems: vec![], sessions: 1, answers: 0 });
        let e = backup(&db, &copy).unwrap_err().to_string();
        assert!(e.contains("already exists"), "{e}");
        std::fs::write(dir.path().join("junk.db"), b"not a database at all, just some text that is long enough").unwrap();
        let e = check(&dir.path().join("junk.db")).unwrap_err().to_string();
        assert!(e.contains("is not a database of this server"), "{e}");
        assert!(check(&dir.path().join("missing.db")).unwrap_err().to_string().contains("does not exist"));
    }

    #[test]
    fn a_damaged_database_is_not_called_sound() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workshop.db");
        let conn = super::super::open_connection(&db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
        for i in 0..2000 {
            conn.execute(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, 'een titel van enige lengte', 's', '{}', 'lobby', 1)",
                [format!("C{i:05}")],
            )
            .unwrap();
        }
        drop(conn);
        assert!(check(&db).unwrap().problems.is_empty(), "sound before");
        // Garbage over the middle of the file, as a failing disk would leave it.
        let mut bytes = std::fs::read(&db).unwrap();
        let mid = bytes.len() / 2 / 4096 * 4096;
        bytes[mid..mid + 4096].fill(0x5a);
        std::fs::write(&db, bytes).unwrap();
        match check(&db) {
            Ok(s) => assert!(!s.problems.is_empty(), "damage went unnoticed: {s:?}"),
            Err(e) => assert!(e.to_string().contains("malformed") || e.to_string().contains("not a database"), "{e}"),
        }
    }
}
