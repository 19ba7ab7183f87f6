//! Whose sessions these are, on a server with staff accounts: the one who created each, the colleagues it was handed to, and the list each of them sees.
//!
//! A person is found by the provider's user id (`sub`) when they created the session, and by the
//! name the provider gives (e-mail address or user name, in lower case) when it was handed to
//! them: a colleague who never signed in yet has no user id here.

use rusqlite::{Connection, OptionalExtension, params};

use super::Owner;

/// The most browsers one session can be led from with a token of their own (`lead`); a further
/// browser is refused with a sentence (each token is a row for as long as the session is kept).
pub const MAX_LEAD_TOKENS: usize = 32;

/// One session in a member of staff's list, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSessionRow {
    pub code: String,
    pub title: String,
    pub phase: String,
    pub created_ms: i64,
    pub players: u32,
    pub follows: Option<String>,
    /// Whether the one who asks created it.
    pub own: bool,
    /// To whom it was handed (only filled for the one who created it, and for operators).
    pub shared: Vec<String>,
}

fn by_subject(subject: &str) -> String {
    format!("sub:{subject}")
}

fn by_name(name: &str) -> String {
    format!("name:{}", name.trim().to_lowercase())
}

/// The creator of a new session, written with the session itself (the writer's transaction).
pub(super) fn insert_owner(conn: &Connection, code: &str, owner: &Owner, at_ms: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO session_staff (code, who, name, owner, at_ms) VALUES (?1, ?2, ?3, 1, ?4)")?.execute(params![
        code,
        by_subject(&owner.subject),
        owner.name,
        at_ms
    ])?;
    Ok(())
}

/// The key a lead token is kept under for this member of staff: `sub:…` when they created
/// session `code` or run the server, `name:…` when it was shared with them.
pub(super) fn via(subject: &str, name: &str, shared: bool) -> String {
    if shared { by_name(name) } else { by_subject(subject) }
}

/// Whether the member of staff with this user id and name created session `code` (`Some(true)`),
/// had it handed to them (`Some(false)`), or neither (`None`).
pub(super) fn relation(conn: &Connection, code: &str, subject: &str, name: &str) -> rusqlite::Result<Option<bool>> {
    conn.query_row(
        "SELECT MAX(owner) FROM session_staff WHERE code = ?1 AND who IN (?2, ?3)",
        params![code, by_subject(subject), by_name(name)],
        |r| r.get::<_, Option<bool>>(0),
    )
    .optional()
    .map(Option::flatten)
}

/// To whom session `code` was handed, in the order it was.
pub(super) fn shared_with(conn: &Connection, code: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT name FROM session_staff WHERE code = ?1 AND owner = 0 ORDER BY at_ms, who")?;
    stmt.query_map([code], |r| r.get(0))?.collect()
}

/// Hands session `code` to `name` (a colleague), once; `false` when it already has `max` colleagues.
pub(super) fn share(conn: &Connection, code: &str, name: &str, max: usize, at_ms: i64) -> rusqlite::Result<bool> {
    let who = by_name(name);
    let there: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM session_staff WHERE code = ?1 AND who = ?2)", params![code, who], |r| r.get(0))?;
    if there {
        return Ok(true);
    }
    let count: i64 = conn.query_row("SELECT count(*) FROM session_staff WHERE code = ?1 AND owner = 0", [code], |r| r.get(0))?;
    if count as usize >= max {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO session_staff (code, who, name, owner, at_ms) VALUES (?1, ?2, ?3, 0, ?4)",
        params![code, who, name.trim(), at_ms],
    )?;
    Ok(true)
}

/// Takes session `code` back from colleague `name` (never from the one who created it), with the
/// tokens of the browsers they led it from; returns those tokens' hashes.
pub(super) fn unshare(conn: &Connection, code: &str, name: &str) -> rusqlite::Result<Vec<Vec<u8>>> {
    let who = by_name(name);
    conn.execute("DELETE FROM session_staff WHERE code = ?1 AND who = ?2 AND owner = 0", params![code, who])?;
    let mut stmt = conn.prepare_cached("DELETE FROM lead_tokens WHERE code = ?1 AND via = ?2 RETURNING token_hash")?;
    stmt.query_map(params![code, who], |r| r.get(0))?.collect()
}

/// The sessions of the member of staff with this user id and name (created by them or handed to
/// them), or with `all` every session; newest first, at most `limit`.
pub(super) fn list(conn: &Connection, subject: &str, name: &str, all: bool, limit: usize) -> rusqlite::Result<Vec<StaffSessionRow>> {
    let mine = "SELECT code FROM session_staff WHERE who IN (?1, ?2)";
    let which = if all { String::new() } else { format!("WHERE s.code IN ({mine})") };
    let sql = format!(
        "SELECT s.code, s.title, s.phase, s.created_ms,
                (SELECT count(*) FROM members m WHERE m.code = s.code AND m.role = 'player'),
                (SELECT earlier FROM follow_ups f WHERE f.code = s.code),
                EXISTS (SELECT 1 FROM session_staff o WHERE o.code = s.code AND o.who = ?1 AND o.owner = 1)
         FROM sessions s {which} ORDER BY s.created_ms DESC, s.code LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![by_subject(subject), by_name(name), limit as i64], |r| {
        Ok(StaffSessionRow {
            code: r.get(0)?,
            title: r.get(1)?,
            phase: r.get(2)?,
            created_ms: r.get(3)?,
            players: r.get(4)?,
            follows: r.get(5)?,
            own: r.get(6)?,
            shared: Vec::new(),
        })
    })?;
    let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    for row in rows.iter_mut().filter(|r| r.own || all) {
        row.shared = shared_with(conn, &row.code)?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_connection(&dir.path().join("s.db")).unwrap();
        for (code, created) in [("AAAAAA", 100), ("BBBBBB", 300), ("CCCCCC", 200)] {
            conn.execute(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, 't', 'd', '{}', 'lobby', ?2)",
                params![code, created],
            )
            .unwrap();
        }
        (dir, conn)
    }

    fn anna() -> Owner {
        Owner { subject: "u-anna".into(), name: "Anna@Utrecht.nl".into() }
    }

    #[test]
    fn the_creator_and_the_colleagues_it_was_handed_to_see_it_newest_first_and_no_one_else() {
        let (_dir, conn) = db();
        insert_owner(&conn, "AAAAAA", &anna(), 100).unwrap();
        insert_owner(&conn, "BBBBBB", &anna(), 300).unwrap();
        insert_owner(&conn, "CCCCCC", &Owner { subject: "u-bert".into(), name: "bert@utrecht.nl".into() }, 200).unwrap();
        assert!(share(&conn, "CCCCCC", " ANNA@utrecht.nl ", 10, 250).unwrap());
        let codes = |rows: Vec<StaffSessionRow>| rows.into_iter().map(|r| format!("{} {}", r.code, r.own)).collect::<Vec<_>>();
        let anna_sees = list(&conn, "u-anna", "anna@utrecht.nl", false, 200).unwrap();
        assert_eq!(codes(anna_sees), ["BBBBBB true", "CCCCCC false", "AAAAAA true"]);
        assert!(list(&conn, "u-carl", "carl@utrecht.nl", false, 200).unwrap().is_empty());
        assert_eq!(codes(list(&conn, "u-anna", "anna@utrecht.nl", false, 1).unwrap()), ["BBBBBB true"]);
        let bert_sees = list(&conn, "u-bert", "bert@utrecht.nl", false, 200).unwrap();
        assert_eq!(bert_sees[0].shared, ["ANNA@utrecht.nl"], "the creator sees to whom it went");
        assert_eq!(relation(&conn, "CCCCCC", "u-anna", "anna@utrecht.nl").unwrap(), Some(false));
        assert_eq!(relation(&conn, "CCCCCC", "u-bert", "someone").unwrap(), Some(true));
        assert_eq!(relation(&conn, "CCCCCC", "u-carl", "carl@utrecht.nl").unwrap(), None);
        // An operator's list has every session, their own marked.
        assert_eq!(list(&conn, "u-op", "op", true, 200).unwrap().len(), 3);
    }

    #[test]
    fn a_session_is_handed_to_at_most_max_colleagues_once_each_and_taken_back_from_them_only() {
        let (_dir, conn) = db();
        insert_owner(&conn, "AAAAAA", &anna(), 100).unwrap();
        assert!(share(&conn, "AAAAAA", "b@x", 2, 1).unwrap());
        assert!(share(&conn, "AAAAAA", "B@X", 2, 2).unwrap(), "the same colleague again changes nothing");
        assert!(share(&conn, "AAAAAA", "c@x", 2, 3).unwrap());
        assert!(!share(&conn, "AAAAAA", "d@x", 2, 4).unwrap(), "the third colleague is one too many");
        assert_eq!(shared_with(&conn, "AAAAAA").unwrap(), ["b@x", "c@x"]);
        conn.execute(
            "INSERT INTO lead_tokens (code, token_hash, via, at_ms) VALUES ('AAAAAA', x'01', 'name:b@x', 1), ('AAAAAA', x'02', 'sub:u-anna', 1)",
            [],
        )
        .unwrap();
        assert_eq!(unshare(&conn, "AAAAAA", "B@x").unwrap(), [vec![1u8]], "the colleague's tokens go with the share");
        assert!(unshare(&conn, "AAAAAA", "anna@utrecht.nl").unwrap().is_empty());
        assert_eq!(shared_with(&conn, "AAAAAA").unwrap(), ["c@x"]);
        assert_eq!(relation(&conn, "AAAAAA", "u-anna", "").unwrap(), Some(true), "the creator cannot be taken off");
    }
}
