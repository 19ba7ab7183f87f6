//! The operators' audit log: who created, ended, exported, took over, shared or purged a session and who saved which deck, when and from where; never a participant, an answer or a reason.

use rusqlite::{Connection, params};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at_ms: i64,
    /// The signed-in member of staff's name, or how it was done without one (`sleutel`, `zonder account`, `opdrachtregel`, `bewaartermijn`).
    pub who: String,
    /// `created`, `ended`, `exported`, `led`, `shared`, `unshared`, `deck_saved`, `end_requested`, `purged`.
    pub action: String,
    /// The session's code or the deck's id (with the format of an export; how many for a purge).
    pub what: String,
    /// The client's network address, or empty where there is none (the command line).
    pub client: String,
}

pub(super) fn record(conn: &Connection, row: &AuditRow) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO audit (at_ms, who, action, what, client) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![row.at_ms, row.who, row.action, row.what, row.client])?;
    Ok(())
}

/// The log from `since_ms` on, oldest first, at most `limit` lines (the newest of them).
pub(super) fn list(conn: &Connection, since_ms: i64, limit: usize) -> rusqlite::Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at_ms, who, action, what, client FROM
           (SELECT rowid, * FROM audit WHERE at_ms >= ?1 ORDER BY at_ms DESC, rowid DESC LIMIT ?2)
         ORDER BY at_ms, rowid",
    )?;
    let rows = stmt.query_map(params![since_ms, limit as i64], |r| {
        Ok(AuditRow { at_ms: r.get(0)?, who: r.get(1)?, action: r.get(2)?, what: r.get(3)?, client: r.get(4)? })
    })?;
    rows.collect()
}

/// Forgets the lines older than `before_ms` (the retention time); how many.
pub(super) fn forget_before(conn: &Connection, before_ms: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM audit WHERE at_ms < ?1", [before_ms])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_reads_back_in_order_the_newest_within_the_limit_and_forgets_what_is_past_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_connection(&dir.path().join("s.db")).unwrap();
        let line = |at_ms, what: &str| AuditRow {
            at_ms,
            who: "fien".into(),
            action: "created".into(),
            what: what.into(),
            client: "10.0.0.1".into(),
        };
        for (at, what) in [(30, "C"), (10, "A"), (20, "B"), (20, "B2")] {
            record(&conn, &line(at, what)).unwrap();
        }
        let whats = |rows: Vec<AuditRow>| rows.into_iter().map(|r| r.what).collect::<Vec<_>>();
        assert_eq!(whats(list(&conn, 0, 100).unwrap()), ["A", "B", "B2", "C"]);
        assert_eq!(whats(list(&conn, 0, 2).unwrap()), ["B2", "C"], "the newest two");
        assert_eq!(whats(list(&conn, 20, 100).unwrap()), ["B", "B2", "C"]);
        assert_eq!(forget_before(&conn, 20).unwrap(), 1);
        assert_eq!(whats(list(&conn, 0, 100).unwrap()), ["B", "B2", "C"]);
    }
}
