//! What the person who runs the server does to the database: list sessions, ask a running server to end one, purge old ones.
//!
//! These work on the database file while the server runs. Ending goes through the `requests`
//! table, which the server reads every few seconds (and at start), because only the server may
//! change a live session. Purging deletes ended sessions only; an ended session is never written
//! again, so that is safe while the server runs.

use rusqlite::{Connection, params};

/// One session as the operator's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub code: String,
    pub title: String,
    pub scenario: String,
    pub phase: String,
    pub created_ms: i64,
    pub members: u32,
    pub answers: u32,
    /// An end the operator asked for that the server has not carried out yet.
    pub end_requested: bool,
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(
        "SELECT s.code, s.title, s.scenario, s.phase, s.created_ms,
                (SELECT count(*) FROM members m WHERE m.code = s.code),
                (SELECT count(*) FROM answers a WHERE a.code = s.code),
                EXISTS (SELECT 1 FROM requests r WHERE r.code = s.code AND r.action = 'end')
         FROM sessions s ORDER BY s.created_ms",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SessionRow {
            code: r.get(0)?,
            title: r.get(1)?,
            scenario: r.get(2)?,
            phase: r.get(3)?,
            created_ms: r.get(4)?,
            members: r.get(5)?,
            answers: r.get(6)?,
            end_requested: r.get(7)?,
        })
    })?;
    rows.collect()
}

/// Asks the server to end the session `code`; `false` when there is no such session.
pub fn request_end(conn: &Connection, code: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let known: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sessions WHERE code = ?1)", [code], |r| r.get(0))?;
    if known {
        conn.execute("INSERT INTO requests (code, action, at_ms) VALUES (?1, 'end', ?2)", params![code, now_ms])?;
    }
    Ok(known)
}

/// The codes whose end was asked for, taken from the table (each request is carried out once).
pub fn take_end_requests(conn: &mut Connection) -> rusqlite::Result<Vec<String>> {
    let tx = conn.transaction()?;
    let codes = {
        let mut stmt = tx.prepare("SELECT DISTINCT code FROM requests WHERE action = 'end'")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?
    };
    tx.execute("DELETE FROM requests WHERE action = 'end'", [])?;
    tx.commit()?;
    Ok(codes)
}

/// Deletes every ended session created before `before_ms`, with its members, answers and role
/// draws, except those in `keep` (sessions someone still has open). Returns how many.
pub fn purge(conn: &mut Connection, before_ms: i64, keep: &[String]) -> rusqlite::Result<usize> {
    let old: Vec<String> = {
        let mut stmt = conn.prepare("SELECT code FROM sessions WHERE phase = 'ended' AND created_ms < ?1")?;
        stmt.query_map([before_ms], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    let mut purged = 0;
    for code in old.iter().filter(|c| !keep.contains(c)) {
        // In small transactions, so the live rooms' writes never wait long behind a purge; the
        // session's own row goes last, so a purge that stops halfway is finished by the next one.
        for (table, key) in ROWS {
            let sql = format!(
                "DELETE FROM {table} WHERE code = ?1 AND ({key}) IN (SELECT {key} FROM {table} WHERE code = ?1 LIMIT {PURGE_BATCH})"
            );
            while conn.execute(&sql, [code])? >= PURGE_BATCH {}
        }
        conn.execute("DELETE FROM sessions WHERE code = ?1", [code])?;
        purged += 1;
    }
    Ok(purged)
}

/// Rows deleted in one transaction of a purge: a few milliseconds of the writer's time.
pub const PURGE_BATCH: usize = 2_000;

/// A session's rows in each table, by the columns that tell them apart within the session.
const ROWS: [(&str, &str); 13] = [
    ("answers", "item, member"),
    ("revealed", "item, member"),
    ("guesses", "item, member"),
    ("reasons", "item, member"),
    ("asks", "item"),
    ("roles", "item, role"),
    ("members", "member"),
    ("requests", "rowid"),
    ("agreements", "number"),
    ("follow_ups", "earlier"),
    ("previews", "code"),
    ("session_staff", "who"),
    ("lead_tokens", "token_hash"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_connection(&dir.path().join("s.db")).unwrap();
        let add = |code: &str, phase: &str, created: i64| {
            conn.execute(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, 't', 'd', '{}', ?2, ?3)",
                params![code, phase, created],
            )
            .unwrap();
            conn.execute("INSERT INTO answers (code, item, member, option, at_ms) VALUES (?1, 'a', 1, 'eens', 1)", [code]).unwrap();
        };
        add("OLDEND", "ended", 100);
        add("OLDRUN", "open", 100);
        add("NEWEND", "ended", 900);
        add("KEPTXX", "ended", 100);
        (dir, conn)
    }

    #[test]
    fn a_big_session_is_purged_in_batches_and_whole() {
        let (_dir, mut conn) = db();
        for m in 0..(PURGE_BATCH as i64 * 2 + 17) {
            conn.execute("INSERT INTO answers (code, item, member, option, at_ms) VALUES ('OLDEND', 'b', ?1, 'eens', 1)", [m + 10])
                .unwrap();
            conn.execute("INSERT INTO members (code, member, role, token_hash) VALUES ('OLDEND', ?1, 'player', x'00')", [m + 10]).unwrap();
        }
        assert_eq!(purge(&mut conn, 500, &["KEPTXX".to_owned()]).unwrap(), 1);
        for table in ["answers", "members", "sessions"] {
            let left: i64 = conn.query_row(&format!("SELECT count(*) FROM {table} WHERE code = 'OLDEND'"), [], |r| r.get(0)).unwrap();
            assert_eq!(left, 0, "{table}");
        }
        let kept: i64 = conn.query_row("SELECT count(*) FROM answers WHERE code = 'KEPTXX'", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn purge_takes_only_old_ended_sessions_and_all_their_rows() {
        let (_dir, mut conn) = db();
        assert_eq!(purge(&mut conn, 500, &["KEPTXX".to_owned()]).unwrap(), 1);
        let codes: Vec<String> = list(&conn).unwrap().into_iter().map(|r| r.code).collect();
        assert_eq!(codes, ["OLDRUN", "KEPTXX", "NEWEND"], "in order of creation");
        let left: i64 = conn.query_row("SELECT count(*) FROM answers WHERE code = 'OLDEND'", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn an_end_request_is_listed_then_taken_once() {
        let (_dir, mut conn) = db();
        assert!(request_end(&conn, "OLDRUN", 5).unwrap());
        assert!(!request_end(&conn, "NOSUCH", 5).unwrap());
        assert!(list(&conn).unwrap().iter().any(|r| r.code == "OLDRUN" && r.end_requested));
        assert_eq!(take_end_requests(&mut conn).unwrap(), ["OLDRUN"]);
        assert!(take_end_requests(&mut conn).unwrap().is_empty());
    }
}
