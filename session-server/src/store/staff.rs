//! The signed-in staff's browser sessions: a token's hash, who it is and until when; nothing else.

use rusqlite::{Connection, OptionalExtension, params};

/// One signed-in member of staff, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    /// The provider's stable user id (`sub`).
    pub subject: String,
    /// What the page shows: the e-mail address or user name the provider gave.
    pub name: String,
    /// `facilitator`, `trainer` or `operator`.
    pub role: String,
    pub expires_ms: i64,
}

pub(super) fn insert(conn: &Connection, token_hash: &[u8; 32], row: &StaffRow, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO staff_sessions (token_hash, subject, name, role, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![&token_hash[..], row.subject, row.name, row.role, now_ms, row.expires_ms],
    )?;
    Ok(())
}

/// Forgets the sign-ins that expired (the sweep, so the table never grows past the staff who use it); how many.
pub(super) fn forget_expired(conn: &Connection, now_ms: i64) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM staff_sessions WHERE expires_ms <= ?1", params![now_ms])
}

/// The staff session with this token's hash, when it has not expired.
pub(super) fn find(conn: &Connection, token_hash: &[u8; 32], now_ms: i64) -> rusqlite::Result<Option<StaffRow>> {
    conn.query_row(
        "SELECT subject, name, role, expires_ms FROM staff_sessions WHERE token_hash = ?1 AND expires_ms > ?2",
        params![&token_hash[..], now_ms],
        |r| Ok(StaffRow { subject: r.get(0)?, name: r.get(1)?, role: r.get(2)?, expires_ms: r.get(3)? }),
    )
    .optional()
}

/// Ends the staff session with this token's hash (signing out); whether there was one.
pub(super) fn delete(conn: &Connection, token_hash: &[u8; 32]) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM staff_sessions WHERE token_hash = ?1", params![&token_hash[..]])? > 0)
}
