//! The SQLite schema and connection settings (WAL, full sync) shared by the server and `export`.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    scenario TEXT NOT NULL,
    deck TEXT NOT NULL,
    phase TEXT NOT NULL,
    item TEXT,
    timer_started_ms INTEGER,
    timer_duration_s INTEGER,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    code TEXT NOT NULL,
    member INTEGER NOT NULL,
    role TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    team TEXT,
    PRIMARY KEY (code, member)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    member INTEGER NOT NULL,
    option TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, item, member)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS requests (
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS agreements (
    code TEXT NOT NULL,
    number INTEGER NOT NULL,
    item TEXT,
    text TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS follow_ups (
    code TEXT PRIMARY KEY,
    earlier TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS asks (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    predict INTEGER NOT NULL,
    reasons INTEGER NOT NULL,
    PRIMARY KEY (code, item)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS guesses (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    member INTEGER NOT NULL,
    percent INTEGER NOT NULL,
    PRIMARY KEY (code, item, member)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reasons (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    member INTEGER NOT NULL,
    text TEXT NOT NULL,
    shuffle INTEGER NOT NULL,
    PRIMARY KEY (code, item, member)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roles (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    role TEXT NOT NULL,
    member INTEGER NOT NULL,
    PRIMARY KEY (code, item, role)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS previews (
    code TEXT PRIMARY KEY
) WITHOUT ROWID;
-- One row the health check rewrites: a write that needs the lock and room on the disk.
CREATE TABLE IF NOT EXISTS health (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL
);
-- Staff signed in with the municipality's accounts (OpenID Connect): the browser holds the token,
-- this table only its SHA-256. Never joined with members, answers, guesses or reasons.
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash BLOB PRIMARY KEY,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
-- Who may lead a session from any browser besides its tokens: the signed-in member of staff who
-- created it (owner = 1, who = 'sub:' and the provider's user id) and the colleagues it was handed
-- to (owner = 0, who = 'name:' and the name in lower case). Never joined with members' answers,
-- guesses or reasons.
CREATE TABLE IF NOT EXISTS session_staff (
    code TEXT NOT NULL,
    who TEXT NOT NULL,
    name TEXT NOT NULL,
    owner INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, who)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_staff_by_who ON session_staff (who);
-- More facilitator tokens of a session: one for each browser a member of staff led it from
-- (`lead`), with for whom (`via`, as `session_staff.who`), so taking a share back takes them too.
CREATE TABLE IF NOT EXISTS lead_tokens (
    code TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    via TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, token_hash)
) WITHOUT ROWID;
-- The operators' audit log: who did what to which session or deck, when and from where; never a
-- participant, an answer or a reason. Forgotten with the retention time.
CREATE TABLE IF NOT EXISTS audit (
    at_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at_ms);
CREATE TABLE IF NOT EXISTS revealed (
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    member INTEGER NOT NULL,
    option TEXT NOT NULL,
    PRIMARY KEY (code, item, member)
) WITHOUT ROWID;
";

/// Opens the database with the settings every user of it needs, creating the tables if new.
///
/// `synchronous = FULL` in WAL mode: a commit is on disk before it returns, so an acknowledged
/// answer survives a crash of the process and of the machine.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let open = |e| StoreError::Open { path: path.display().to_string(), source: e };
    let conn = Connection::open(path).map_err(open)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(open)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(open)?;
    conn.execute_batch(SCHEMA).map_err(open)?;
    Ok(conn)
}
