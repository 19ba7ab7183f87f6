//! Reads every session back from the database at start-up, with its members, answers and role assignments.
//!
//! A session whose rows cannot be read (a deck, phase or role this version does not know) is
//! named in the log and left out; the other sessions start as usual.

use std::collections::HashMap;

use protocol::scenario::Deck;
use protocol::{Phase, Role};
use rusqlite::Connection;

use super::StoreError;

#[derive(Debug, Clone)]
pub struct LoadedMember {
    pub member: u32,
    pub role: Role,
    pub token_hash: [u8; 32],
    pub team: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LoadedSession {
    pub code: String,
    pub title: String,
    pub deck: Deck,
    pub phase: Phase,
    pub item: Option<String>,
    pub timer: Option<(i64, u32)>,
    pub members: Vec<LoadedMember>,
    /// (item, member, option)
    pub answers: Vec<(String, u32, String)>,
    /// (item, member, option) as the room saw them at each item's last reveal.
    pub revealed: Vec<(String, u32, String)>,
    /// (item, role, member)
    pub roles: Vec<(String, String, u32)>,
    /// The code of the session this one follows, when it is a follow-up (its results are read
    /// by `crate::report::earlier`).
    pub follows: Option<String>,
    /// (number, item, text), in order.
    pub agreements: Vec<(u32, Option<String>, String)>,
    /// (item, predict, reasons) as the facilitator set them.
    pub asks: Vec<(String, bool, bool)>,
    /// (item, member, percent)
    pub guesses: Vec<(String, u32, u32)>,
    /// (item, member, text, place in the order)
    pub reasons: Vec<(String, u32, String, u64)>,
    /// The facilitator's private preview of the live result is on.
    pub preview: bool,
    /// The SHA-256 of the further tokens that lead it as its facilitator (`lead`, from other browsers).
    pub lead_tokens: Vec<[u8; 32]>,
}

/// Which sessions to read.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// Every session that has not ended: what a server holds in memory from its start.
    Live,
    /// One session, ended or not: loaded on demand (a resume or a projector on an ended session).
    Code(&'a str),
}

/// How one row of a table is put into its session.
type AddRow<'a> = Box<dyn FnMut(&mut LoadedSession, &rusqlite::Row) -> rusqlite::Result<()> + 'a>;

/// Reads the sessions `which` names, with their members, answers and role draws.
pub fn load_sessions(conn: &Connection, which: Which) -> Result<Vec<LoadedSession>, StoreError> {
    let mut sessions = Vec::new();
    let mut index = HashMap::new();
    let (filter, code) = match which {
        Which::Live => ("phase <> 'ended'", ""),
        Which::Code(code) => ("code = ?1", code),
    };
    let params: &[&dyn rusqlite::ToSql] = if code.is_empty() { &[] } else { &[&code] };
    let mut stmt = conn.prepare(&format!(
        "SELECT code, title, deck, phase, item, timer_started_ms, timer_duration_s FROM sessions WHERE {filter} ORDER BY created_ms"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<u32>>(6)?,
        ))
    })?;
    for row in rows {
        let (code, title, deck, phase, item, started, duration) = row?;
        let deck: Deck = match serde_json::from_str(&deck) {
            Ok(deck) => deck,
            Err(e) => {
                tracing::error!(%code, error = %e, "this session's deck cannot be read; the session is left out");
                continue;
            }
        };
        let Some(phase) = Phase::parse(&phase) else {
            tracing::error!(%code, phase, "this session's phase is unknown to this version; the session is left out");
            continue;
        };
        index.insert(code.clone(), sessions.len());
        sessions.push(LoadedSession {
            code,
            title,
            deck,
            phase,
            item,
            timer: started.zip(duration),
            members: Vec::new(),
            answers: Vec::new(),
            revealed: Vec::new(),
            roles: Vec::new(),
            follows: None,
            agreements: Vec::new(),
            asks: Vec::new(),
            guesses: Vec::new(),
            reasons: Vec::new(),
            preview: false,
            lead_tokens: Vec::new(),
        });
    }
    let only = |table: &str, columns: &str| match which {
        Which::Live => format!("SELECT {columns} FROM {table}"),
        Which::Code(_) => format!("SELECT {columns} FROM {table} WHERE code = ?1"),
    };
    let mut stmt = conn.prepare(&only("members", "code, member, role, token_hash, team"))?;
    let mut rows = stmt.query(params)?;
    let mut unreadable = Vec::new();
    while let Some(r) = rows.next()? {
        let code: String = r.get(0)?;
        let Some(&i) = index.get(&code) else { continue };
        let hash: Vec<u8> = r.get(3)?;
        let role: String = r.get(2)?;
        match (Role::parse(&role), <[u8; 32]>::try_from(hash.as_slice())) {
            (Some(role), Ok(token_hash)) => sessions[i].members.push(LoadedMember { member: r.get(1)?, role, token_hash, team: r.get(4)? }),
            _ => {
                tracing::error!(%code, role, "a member row of this session cannot be read; the session is left out");
                unreadable.push(i);
            }
        }
    }
    // Each table's rows go to their session (rows of sessions left out are skipped).
    let mut rows = |sql: String, mut add: AddRow<'_>| -> Result<(), StoreError> {
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = index.get(&r.get::<_, String>(0)?) {
                add(&mut sessions[i], r)?;
            }
        }
        Ok(())
    };
    rows(
        only("answers", "code, item, member, option"),
        Box::new(|s, r| {
            s.answers.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    rows(
        only("revealed", "code, item, member, option"),
        Box::new(|s, r| {
            s.revealed.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    rows(
        only("roles", "code, item, role, member"),
        Box::new(|s, r| {
            s.roles.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    let agreements = format!("{} ORDER BY number", only("agreements", "code, number, item, text"));
    rows(
        agreements,
        Box::new(|s, r| {
            s.agreements.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    rows(
        only("asks", "code, item, predict, reasons"),
        Box::new(|s, r| {
            s.asks.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    rows(
        only("guesses", "code, item, member, percent"),
        Box::new(|s, r| {
            s.guesses.push((r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        }),
    )?;
    let reasons = only("reasons", "code, item, member, text, shuffle");
    rows(
        reasons,
        Box::new(|s, r| {
            s.reasons.push((r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)? as u64));
            Ok(())
        }),
    )?;
    rows(
        only("previews", "code"),
        Box::new(|s, _| {
            s.preview = true;
            Ok(())
        }),
    )?;
    rows(
        only("lead_tokens", "code, token_hash"),
        Box::new(|s, r| {
            // A row of another length is no token anyone holds: nothing to resume with.
            if let Ok(hash) = <[u8; 32]>::try_from(r.get::<_, Vec<u8>>(1)?.as_slice()) {
                s.lead_tokens.push(hash);
            }
            Ok(())
        }),
    )?;
    let mut stmt = conn.prepare(&only("follow_ups", "code, earlier"))?;
    let links: Vec<(String, String)> = stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (code, earlier) in links {
        if let Some(&i) = index.get(&code) {
            sessions[i].follows = Some(earlier);
        }
    }
    unreadable.sort_unstable();
    unreadable.dedup();
    for i in unreadable.into_iter().rev() {
        sessions.remove(i);
    }
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_sessions_are_left_out_and_the_rest_load() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open_connection(&dir.path().join("s.db")).unwrap();
        let deck = r#"{"id":"d","title":"D","language":"nl","description":"","items":[]}"#;
        let session = |code: &str, deck: &str, phase: &str| {
            conn.execute(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, 't', 'd', ?2, ?3, 1)",
                rusqlite::params![code, deck, phase],
            )
            .unwrap();
        };
        session("GOODGG", deck, "lobby");
        session("PHASEX", deck, "paused");
        session("DECKXX", "{not json", "lobby");
        session("ROLEXX", deck, "lobby");
        let member = |code: &str, role: &str| {
            conn.execute(
                "INSERT INTO members (code, member, role, token_hash) VALUES (?1, 1, ?2, ?3)",
                rusqlite::params![code, role, &[7u8; 32][..]],
            )
            .unwrap();
        };
        member("GOODGG", "facilitator");
        member("ROLEXX", "spectator");
        session("ENDEDX", deck, "ended");
        member("ENDEDX", "player");
        let loaded = load_sessions(&conn, Which::Live).unwrap();
        let codes: Vec<&str> = loaded.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["GOODGG"], "ended sessions stay on disk until asked for");
        assert_eq!(loaded[0].members[0].role, Role::Facilitator);
        assert_eq!(loaded[0].phase, Phase::Lobby);
        let ended = load_sessions(&conn, Which::Code("ENDEDX")).unwrap();
        assert_eq!((ended.len(), ended[0].phase, ended[0].members.len()), (1, Phase::Ended, 1));
        assert!(load_sessions(&conn, Which::Code("PHASEX")).unwrap().is_empty(), "unreadable on demand too");
    }
}
