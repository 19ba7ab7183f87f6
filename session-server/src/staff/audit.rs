//! What the server writes to the operators' audit log (who signed in and out, who created, ended, exported, took over or shared a session, who saved a deck, what the retention purged) and the operators' `audit` message.
//!
//! A line names a member of staff and a session or deck, never a participant, an answer or a
//! reason. A line that could not be written is named in the server's log; what it records still happened.

use protocol::{AuditEntry, ErrorCode, Refusal, ServerMsg};

use super::{Staff, StaffRole};
use crate::forwarded::ClientAddr;
use crate::hub::Hub;
use crate::store::{AuditRow, Db};

/// Who did it, as the log says: the signed-in member of staff, else how it was allowed without one.
pub fn who(staff: Option<&Staff>, key: bool) -> String {
    match staff {
        Some(s) => s.name.clone(),
        None if key => "sleutel".to_owned(),
        None => "zonder account".to_owned(),
    }
}

/// Writes one line (blocking: the command line and the sweep).
pub fn write(db: &Db, who: &str, action: &str, what: &str, client: &str) {
    let row = AuditRow {
        at_ms: crate::now_ms(),
        who: who.to_owned(),
        action: action.to_owned(),
        what: what.to_owned(),
        client: client.to_owned(),
    };
    if let Err(e) = db.audit(&row) {
        tracing::warn!(error = %e, action, "a line of the audit log could not be written");
    }
}

/// Writes one line for a client's request, off the async threads.
pub async fn record(hub: &Hub, who: String, action: &'static str, what: String, client: ClientAddr) {
    let _ = super::with_db(hub, move |db| write(db, &who, action, &what, &client.ip.to_string())).await;
}

/// The answer to `audit`: the newest lines, for an operator only.
pub async fn log(hub: &Hub, staff: Option<&Staff>) -> Result<ServerMsg, Refusal> {
    if !staff.is_some_and(|s| s.may(StaffRole::Operator)) {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Het logboek leest alleen een beheerder, aangemeld met zijn account."));
    }
    let rows = super::with_db(hub, |db| db.audit_log(0, protocol::staff::AUDIT_SHOWN)).await?.map_err(|e| {
        tracing::error!(error = %e, "the audit log could not be read");
        Refusal::from(ErrorCode::StorageFailed)
    })?;
    let entries = rows.into_iter().map(entry).collect();
    Ok(ServerMsg::Audit { entries })
}

/// A line as the wire and the command line show it.
pub fn entry(r: AuditRow) -> AuditEntry {
    AuditEntry { at: protocol::date::utc_date(r.at_ms), who: r.who, action: r.action, what: r.what, client: r.client }
}

/// The most days an operator's `purge` may name (a hundred years: "all that ended before").
pub const PURGE_DAYS_MOST: u32 = 36_500;

/// The answer to `purge`: an operator deletes the ended sessions older than `days` days, written to the log.
pub async fn purge(hub: &Hub, staff: Option<&Staff>, days: u32, client: ClientAddr) -> Result<ServerMsg, Refusal> {
    let Some(staff) = staff.filter(|s| s.may(StaffRole::Operator)) else {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Sessies opruimen kan alleen een beheerder, aangemeld met zijn account."));
    };
    if !(1..=PURGE_DAYS_MOST).contains(&days) {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("Geef een aantal dagen van 1 tot en met {PURGE_DAYS_MOST}: afgelopen sessies die ouder zijn, worden gewist."),
        ));
    }
    let before = crate::now_ms() - i64::from(days) * 24 * 3600 * 1000;
    let purged = hub.purge_ended(before).await.map_err(|e| {
        tracing::error!(error = %e, "an operator's purge failed");
        Refusal::from(ErrorCode::StorageFailed)
    })?;
    tracing::info!(sessions = purged, days, "an operator purged ended sessions");
    record(hub, staff.name.clone(), "purged", format!("{purged} ouder dan {days} dagen"), client).await;
    Ok(ServerMsg::Purged { sessions: purged as u32, older_than_days: days })
}
