//! A member of staff's own sessions: the list on any device they sign in on, leading one from another browser, handing it to a colleague.
//!
//! Each answer reads the database on a blocking thread; who asks is the browser's sign-in as the
//! database says now (see [`crate::staff::lookup`]).

use protocol::{ErrorCode, Refusal, ServerMsg, StaffSession};

use super::{Staff, StaffRole, with_db};
use crate::hub::Hub;

/// What a refusal says when the one who asks is not signed in.
fn not_signed_in(hub: &Hub) -> Refusal {
    if hub.accounts().is_none() {
        return Refusal::new(
            ErrorCode::BadRequest,
            "Deze server werkt zonder accounts: een sessie leid je vanuit de browser of app waarin je hem begon.",
        );
    }
    Refusal::new(ErrorCode::Unauthorized, "Meld je eerst aan met je account van de gemeente.")
}

fn unreadable(e: impl std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, "a member of staff's sessions could not be read from the database");
    Refusal::from(ErrorCode::StorageFailed)
}

/// A signed-in member of staff who may lead sessions, or the refusal that says what is missing.
fn facilitator<'a>(hub: &Hub, staff: Option<&'a Staff>) -> Result<&'a Staff, Refusal> {
    let staff = staff.ok_or_else(|| not_signed_in(hub))?;
    if !staff.may(StaffRole::Facilitator) {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Je account heeft geen rol op deze server; vraag je beheerder om er een."));
    }
    Ok(staff)
}

/// How this member of staff stands to session `code`: created it (`Some(true)`), had it handed to
/// them (`Some(false)`), neither (`None`).
async fn relation(hub: &Hub, code: &str, staff: &Staff) -> Result<Option<bool>, Refusal> {
    let (code, subject, name) = (code.to_owned(), staff.subject.clone(), staff.name.clone());
    with_db(hub, move |db| db.staff_relation(&code, &subject, &name)).await?.map_err(unreadable)
}

/// Whether `staff` may lead session `code` from this browser (`lead`): they created it, it was
/// handed to them, or they are an operator; and so for whom its token is (see
/// [`crate::store::Db::lead_via`]). The session itself is looked up after (and a code that is
/// none spends the address's guesses there).
pub async fn may_lead(hub: &Hub, code: &str, staff: Option<&Staff>) -> Result<String, Refusal> {
    let staff = facilitator(hub, staff)?;
    if staff.may(StaffRole::Operator) {
        return Ok(crate::store::Db::lead_via(&staff.subject, &staff.name, false));
    }
    let Some(code) = protocol::codes::normalize(code) else {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Dat is geen code van een sessie; kies er een uit je sessies."));
    };
    match relation(hub, &code, staff).await? {
        Some(own) => Ok(crate::store::Db::lead_via(&staff.subject, &staff.name, !own)),
        None => Err(Refusal::new(
            ErrorCode::Unauthorized,
            format!("Sessie {code} is niet door jou begonnen en niet aan je overgedragen; vraag wie hem leidt om hem met je te delen."),
        )),
    }
}

/// Whether `staff` may make a follow-up of session `code` without its token: they may lead it.
pub fn may_follow(db: &crate::store::Db, code: &str, staff: &Staff) -> rusqlite::Result<bool> {
    Ok(staff.may(StaffRole::Operator)
        || (staff.may(StaffRole::Facilitator) && db.staff_relation(code, &staff.subject, &staff.name)?.is_some()))
}

/// The answer to `my_sessions`: the sessions `staff` created or had handed to them, newest first;
/// with `all`, an operator's view of every session.
pub async fn list(hub: &Hub, staff: Option<&Staff>, all: bool) -> Result<ServerMsg, Refusal> {
    let staff = facilitator(hub, staff)?;
    if all && !staff.may(StaffRole::Operator) {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Alle sessies van de server ziet alleen een beheerder."));
    }
    let (subject, name) = (staff.subject.clone(), staff.name.clone());
    let rows =
        with_db(hub, move |db| db.staff_sessions(&subject, &name, all, protocol::msg::MY_SESSIONS_MAX)).await?.map_err(unreadable)?;
    let sessions = rows
        .into_iter()
        .filter_map(|r| {
            Some(StaffSession {
                phase: protocol::Phase::parse(&r.phase)?,
                date: protocol::date::utc_day(r.created_ms),
                code: r.code,
                title: r.title,
                players: r.players,
                follows: r.follows,
                own: r.own,
                shared: r.shared,
            })
        })
        .collect();
    Ok(ServerMsg::MySessions { sessions })
}

/// The answer to `share`: session `code` handed to colleague `name` (or taken back), by the one
/// who created it or an operator.
pub async fn share(hub: &Hub, staff: Option<&Staff>, code: &str, name: &str, remove: bool) -> Result<ServerMsg, Refusal> {
    let staff = facilitator(hub, staff)?;
    let name = name.trim();
    let max = protocol::msg::STAFF_NAME_MAX_CHARS;
    if name.is_empty() || name.chars().count() > max || name.chars().any(|c| c.is_control() || protocol::team::is_format(c)) {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("Geef het e-mailadres of de gebruikersnaam van je collega, zoals die zich aanmeldt (hoogstens {max} tekens)."),
        ));
    }
    let Some(code) = protocol::codes::normalize(code) else {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Dat is geen code van een sessie; kies er een uit je sessies."));
    };
    let owner = relation(hub, &code, staff).await? == Some(true);
    let exists = {
        let code = code.clone();
        with_db(hub, move |db| db.phase_of(&code)).await?.map_err(unreadable)?.is_some()
    };
    if !exists || !(owner || staff.may(StaffRole::Operator)) {
        return Err(Refusal::new(ErrorCode::Unauthorized, format!("Alleen wie sessie {code} begon, kan hem met een collega delen.")));
    }
    let (c, n, most) = (code.clone(), name.to_owned(), protocol::msg::SHARED_MAX);
    match with_db(hub, move |db| db.share_session(&c, &n, remove, most)).await?.map_err(unreadable)? {
        Some((shared, revoked)) => {
            tracing::info!(%code, removed = remove, tokens = revoked.len(), "a session's colleagues changed");
            // A colleague it was taken back from leads it no more, in no browser.
            if !revoked.is_empty()
                && let Some(session) = hub.in_memory(&code)
            {
                session.revoke(revoked).await;
            }
            Ok(ServerMsg::Shared { code, shared })
        }
        None => {
            Err(Refusal::new(ErrorCode::SessionFull, format!("Sessie {code} is al met {most} collega's gedeeld; haal er eerst een af.")))
        }
    }
}
