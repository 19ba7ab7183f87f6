//! What the trainers' deck checks read: the items of a deck that sessions stored answers under (a saved deck may not drop them).

use rusqlite::Connection;

use super::StoreError;

/// The item ids of deck `id` that sessions stored answers under.
pub fn answered_items(conn: &Connection, id: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT a.item FROM answers a JOIN sessions s ON s.code = a.code WHERE s.scenario = ?1")?;
    let items = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(items)
}
