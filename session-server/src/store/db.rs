//! The one handle for everything outside the session writer's group commits: reports, series and follow-ups, reading a session back, the trainers' deck checks, the sweep and the operator's commands.
//!
//! It holds a connection of its own behind a lock and asks one question per method, so no
//! `rusqlite::Connection` leaves `store/`. Its methods block: call them off the async threads.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use super::load::{LoadedSession, Which, load_sessions};
use super::operator::{self, SessionRow};
use super::report::{self, ReportRows};
use super::{StoreError, open_connection};

/// To whom a session is shared now, and the hashes of the tokens taken back with a colleague.
pub type Shared = (Vec<String>, Vec<[u8; 32]>);

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

impl Db {
    /// Opens the database at `path` (creating its tables if new).
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        Ok(Db { conn: Arc::new(Mutex::new(open_connection(path)?)) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().expect("database lock")
    }

    /// Stores a new staff session under its token's hash.
    pub fn start_staff_session(&self, token_hash: &[u8; 32], row: &super::StaffRow) -> rusqlite::Result<()> {
        super::staff::insert(&self.conn(), token_hash, row, crate::now_ms())
    }

    /// The signed-in member of staff whose token has this hash, unless that session expired.
    pub fn staff_session(&self, token_hash: &[u8; 32]) -> rusqlite::Result<Option<super::StaffRow>> {
        super::staff::find(&self.conn(), token_hash, crate::now_ms())
    }

    /// Forgets the staff sign-ins that expired (the sweep); how many.
    pub fn forget_expired_staff_sessions(&self) -> rusqlite::Result<usize> {
        super::staff::forget_expired(&self.conn(), crate::now_ms())
    }

    /// Signs out: the staff session with this token's hash is gone; whether there was one.
    pub fn end_staff_session(&self, token_hash: &[u8; 32]) -> rusqlite::Result<bool> {
        super::staff::delete(&self.conn(), token_hash)
    }

    /// Adds a line to the audit log.
    pub fn audit(&self, row: &super::AuditRow) -> rusqlite::Result<()> {
        super::audit::record(&self.conn(), row)
    }

    /// The audit log from `since_ms` on, oldest first, at most the newest `limit` lines.
    pub fn audit_log(&self, since_ms: i64, limit: usize) -> rusqlite::Result<Vec<super::AuditRow>> {
        super::audit::list(&self.conn(), since_ms, limit)
    }

    /// Forgets the audit log's lines older than `before_ms` (the retention time); how many.
    pub fn forget_audit_before(&self, before_ms: i64) -> rusqlite::Result<usize> {
        super::audit::forget_before(&self.conn(), before_ms)
    }

    /// Whether this member of staff created session `code` (`Some(true)`), had it handed to them
    /// (`Some(false)`), or neither (`None`).
    pub fn staff_relation(&self, code: &str, subject: &str, name: &str) -> rusqlite::Result<Option<bool>> {
        super::owners::relation(&self.conn(), code, subject, name)
    }

    /// The sessions of this member of staff (with `all`, every session), newest first, at most `limit`.
    pub fn staff_sessions(&self, subject: &str, name: &str, all: bool, limit: usize) -> rusqlite::Result<Vec<super::StaffSessionRow>> {
        super::owners::list(&self.conn(), subject, name, all, limit)
    }

    /// Hands session `code` to colleague `name` (at most `max` colleagues), or takes it back
    /// (`remove`); to whom it is handed now, or `None` when it already has `max`.
    pub fn share_session(&self, code: &str, name: &str, remove: bool, max: usize) -> rusqlite::Result<Option<Shared>> {
        let conn = self.conn();
        let mut revoked = Vec::new();
        if remove {
            // The colleague's tokens go with the share: the hashes, for the live session to forget.
            let hashes = super::owners::unshare(&conn, code, name)?;
            revoked = hashes.into_iter().filter_map(|h| <[u8; 32]>::try_from(h.as_slice()).ok()).collect();
        } else if !super::owners::share(&conn, code, name, max, crate::now_ms())? {
            return Ok(None);
        }
        Ok(Some((super::owners::shared_with(&conn, code)?, revoked)))
    }

    /// The key a lead token is kept under for this member of staff (see `session_staff`).
    pub fn lead_via(subject: &str, name: &str, shared: bool) -> String {
        super::owners::via(subject, name, shared)
    }

    /// The rows of session `code` a report is made from, or `None` when there is no such session.
    pub fn report_rows(&self, code: &str) -> rusqlite::Result<Option<ReportRows>> {
        report::report_rows(&self.conn(), code)
    }

    /// The session `code` follows, if it is a follow-up.
    pub fn earlier_of(&self, code: &str) -> rusqlite::Result<Option<String>> {
        report::earlier_of(&self.conn(), code)
    }

    /// The sessions that follow `code`.
    pub fn follow_ups_of(&self, code: &str) -> rusqlite::Result<Vec<String>> {
        report::follow_ups_of(&self.conn(), code)
    }

    /// The phase session `code` is in, or `None` when there is no such session.
    pub fn phase_of(&self, code: &str) -> rusqlite::Result<Option<String>> {
        report::phase_of(&self.conn(), code)
    }

    /// Whether session `code` has a member in `role` whose token has this SHA-256.
    pub fn is_member(&self, code: &str, role: protocol::Role, token_hash: &[u8; 32]) -> rusqlite::Result<bool> {
        report::is_member(&self.conn(), code, role, token_hash)
    }

    /// The sessions `which` names, as the database holds them.
    pub fn load_sessions(&self, which: Which) -> Result<Vec<LoadedSession>, StoreError> {
        load_sessions(&self.conn(), which)
    }

    /// The item ids of deck `id` that sessions stored answers under.
    pub fn answered_items(&self, id: &str) -> Result<Vec<String>, StoreError> {
        super::decks::answered_items(&self.conn(), id)
    }

    /// Every session, newest first, for the operator.
    pub fn list(&self) -> rusqlite::Result<Vec<SessionRow>> {
        operator::list(&self.conn())
    }

    /// Asks the server to end session `code`; `false` when there is none.
    pub fn request_end(&self, code: &str, now_ms: i64) -> rusqlite::Result<bool> {
        operator::request_end(&self.conn(), code, now_ms)
    }

    /// The sessions the operator asked to end since the last look (the requests are taken).
    pub fn take_end_requests(&self) -> rusqlite::Result<Vec<String>> {
        operator::take_end_requests(&mut self.conn())
    }

    /// Deletes the ended sessions created before `before_ms`, except those in `keep`.
    pub fn purge(&self, before_ms: i64, keep: &[String]) -> rusqlite::Result<usize> {
        operator::purge(&mut self.conn(), before_ms, keep)
    }
}
