//! Follow-up sessions: checking that a new session may follow an earlier one, and reading the
//! earlier session's results that a follow-up shows beside its own (then versus now).

use std::collections::HashMap;

use crate::store::Db;
use protocol::AgreementView;
use protocol::scenario::Deck;
use protocol::{EarlierTally, ErrorCode, FollowsView, Refusal, Role};

use super::{ExportError, read_report};
use crate::secrets::hash_token;
use protocol::date::utc_day;

/// The earlier session of a follow-up, as far as the follow-up needs it.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub code: String,
    pub view: FollowsView,
    /// Item id → that item's result then, for the items both sessions have and the earlier one played.
    pub tallies: HashMap<String, EarlierTally>,
    /// The agreements made then: in the follow-up each comes back as an item to answer.
    pub agreements: Vec<AgreementView>,
}

impl Earlier {
    /// What a follow-up of `code` shows when that session was deleted (by retention).
    fn gone(code: &str) -> Earlier {
        let view = FollowsView { title: String::new(), date: String::new(), compared: 0, gone: true };
        Earlier { code: code.to_owned(), view, tallies: HashMap::new(), agreements: Vec::new() }
    }
}

/// Reads session `code` as the earlier side of a follow-up on `deck`. A session no longer in the
/// database gives [`Earlier::gone`]. Its results follow both rooms' minimum group: the earlier
/// session's (its report) and the follow-up's (`deck.min_group`).
pub fn read(db: &Db, code: &str, deck: &Deck) -> Result<Earlier, ExportError> {
    let report = match read_report(db, code) {
        Ok(r) => r,
        Err(ExportError::UnknownSession(_)) => return Ok(Earlier::gone(code)),
        Err(e) => return Err(e),
    };
    let date = utc_day(report.created_ms);
    let common: Vec<&super::ItemReport> = report.items.iter().filter(|i| deck.item(&i.id).is_some()).collect();
    let tallies = common
        .iter()
        .filter(|i| i.answered())
        .filter_map(|i| Some((i.id.clone(), EarlierTally::from_tally(i.tally.clone()?.into_tally(), date.clone(), deck.min_group))))
        .collect();
    let view = FollowsView { title: report.title.clone(), date, compared: common.len(), gone: false };
    Ok(Earlier { code: report.code, view, tallies, agreements: report.agreements })
}

/// Whether a new session on `deck` may follow session `code`, proven by that session's facilitator
/// `token`: it exists, it ended, the token is its facilitator's, and the decks share items.
pub fn check(db: &Db, follows: &protocol::FollowUp, staff: Option<&crate::staff::Staff>, deck: &Deck) -> Result<Earlier, Refusal> {
    let code = protocol::codes::normalize(&follows.code).unwrap_or_else(|| follows.code.clone());
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::error!(%code, error = %e, "could not read the earlier session of a follow-up");
        Refusal::from(ErrorCode::StorageFailed)
    };
    let phase = db.phase_of(&code).map_err(|e| unreadable(&e))?;
    let Some(phase) = phase else {
        return Err(Refusal::new(
            ErrorCode::UnknownSession,
            format!("Er is geen eerdere sessie met code {code} op deze server (of ze is na de bewaartermijn verwijderd)."),
        ));
    };
    // The proof: the earlier session's facilitator token, or (without one) a sign-in that may lead it.
    let facilitator = match staff {
        Some(staff) if follows.token.is_empty() => crate::staff::sessions::may_follow(db, &code, staff),
        _ => db.is_member(&code, Role::Facilitator, &hash_token(&follows.token)),
    }
    .map_err(|e| unreadable(&e))?;
    if !facilitator {
        return Err(Refusal::new(
            ErrorCode::Unauthorized,
            format!("Alleen de facilitator van sessie {code} kan er een vervolg op maken: kies hem in de app waarmee je hem leidde."),
        ));
    }
    if phase != protocol::Phase::Ended.as_str() {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!("Sessie {code} loopt nog. Beëindig hem eerst; daarna kun je er een vervolg op maken."),
        ));
    }
    let earlier = read(db, &code, deck).map_err(|e| unreadable(&e))?;
    if earlier.view.compared == 0 && earlier.agreements.is_empty() {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            format!(
                "Het deck \"{}\" heeft geen stellingen gemeen met sessie {code}; kies hetzelfde deck (of een met dezelfde stellingen) om te vergelijken.",
                deck.title
            ),
        ));
    }
    Ok(earlier)
}

/// The earlier session of a session read back from the database, when it is a follow-up; a
/// session whose earlier one cannot be read is shown without comparison (and that is logged).
pub fn of_loaded(db: &Db, loaded: &crate::store::LoadedSession) -> Option<Earlier> {
    let earlier = loaded.follows.as_deref()?;
    match read(db, earlier, &loaded.deck) {
        Ok(e) => Some(e),
        Err(e) => {
            tracing::error!(code = %loaded.code, %earlier, error = %e, "the earlier session of this follow-up cannot be read; it is shown without comparison");
            None
        }
    }
}
