//! What a report reads from the database: a session's rows (answers, what the room saw at each reveal, guesses, role draws, reasons, agreements) and the links of a series.
//!
//! Only rows come out of here; the report (what the room may see of them) is made in `crate::report`.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

/// An answer row: (item, member, option, the member's team).
pub type AnswerRow = (String, u32, String, Option<String>);

/// Everything of one session a report is made from.
#[derive(Debug)]
pub struct ReportRows {
    pub code: String,
    pub title: String,
    /// The session's deck as stored (JSON).
    pub deck_json: String,
    pub phase: String,
    pub created_ms: i64,
    /// The answers now, and as the room saw them at each item's last reveal.
    pub answers: Vec<AnswerRow>,
    pub revealed: Vec<AnswerRow>,
    /// Item → whether the facilitator switched guessing on (or off) for it.
    pub predict: HashMap<String, bool>,
    /// Item → (sum of the guesses, how many).
    pub guesses: HashMap<String, (u64, u32)>,
    /// The sketches whose roles were drawn.
    pub drawn: Vec<String>,
    /// (item, the writer's answer, text, writer).
    pub reasons: Vec<(String, String, String, u32)>,
    /// (number, item, text), in order.
    pub agreements: Vec<(u32, Option<String>, String)>,
}

/// The rows of session `code` (a normalised code), or `None` when there is no such session.
pub fn report_rows(conn: &Connection, code: &str) -> rusqlite::Result<Option<ReportRows>> {
    let row: Option<(String, String, String, i64)> = conn
        .query_row("SELECT title, deck, phase, created_ms FROM sessions WHERE code = ?1", params![code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((title, deck_json, phase, created_ms)) = row else { return Ok(None) };
    let read = |table: &str| -> rusqlite::Result<Vec<AnswerRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT a.item, a.member, a.option, m.team FROM {table} a LEFT JOIN members m ON m.code = a.code AND m.member = a.member WHERE a.code = ?1"
        ))?;
        stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
    };
    let (answers, revealed) = (read("answers")?, read("revealed")?);
    let mut stmt = conn.prepare("SELECT item, predict FROM asks WHERE code = ?1")?;
    let predict = stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT item, SUM(percent), COUNT(*) FROM guesses WHERE code = ?1 GROUP BY item")?;
    let guesses = stmt.query_map(params![code], |r| Ok((r.get(0)?, (r.get::<_, i64>(1)? as u64, r.get(2)?))))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT DISTINCT item FROM roles WHERE code = ?1")?;
    let drawn = stmt.query_map(params![code], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT r.item, a.option, r.text, r.member FROM reasons r JOIN answers a ON a.code = r.code AND a.item = r.item AND a.member = r.member WHERE r.code = ?1",
    )?;
    let reasons = stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT number, item, text FROM agreements WHERE code = ?1 ORDER BY number")?;
    let agreements = stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    Ok(Some(ReportRows {
        code: code.to_owned(),
        title,
        deck_json,
        phase,
        created_ms,
        answers,
        revealed,
        predict,
        guesses,
        drawn,
        reasons,
        agreements,
    }))
}

/// The phase session `code` is in, or `None` when there is no such session.
pub fn phase_of(conn: &Connection, code: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT phase FROM sessions WHERE code = ?1", params![code], |r| r.get(0)).optional()
}

/// Whether session `code` has a member in `role` whose token has this SHA-256.
pub fn is_member(conn: &Connection, code: &str, role: protocol::Role, token_hash: &[u8; 32]) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM members WHERE code = ?1 AND role = ?2 AND token_hash = ?3)
           OR (?2 = 'facilitator' AND EXISTS (SELECT 1 FROM lead_tokens WHERE code = ?1 AND token_hash = ?3))",
        params![code, role.as_str(), &token_hash[..]],
        |r| r.get(0),
    )
}

/// The session `code` follows, if it is a follow-up.
pub fn earlier_of(conn: &Connection, code: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT earlier FROM follow_ups WHERE code = ?1", params![code], |r| r.get(0)).optional()
}

/// The sessions that follow `code`.
pub fn follow_ups_of(conn: &Connection, code: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT code FROM follow_ups WHERE earlier = ?1")?;
    stmt.query_map(params![code], |r| r.get(0))?.collect()
}
