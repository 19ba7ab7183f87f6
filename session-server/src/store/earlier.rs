//! Follow-up sessions: checking that a new session may follow an earlier one, and reading the
//! earlier session's results that a follow-up shows beside its own (then versus now).

use std::collections::HashMap;

use protocol::AgreementView;
use protocol::scenario::{Choice, Deck, Item, ItemBody};
use protocol::{EarlierTally, ErrorCode, FollowsView, Refusal, Role};
use rusqlite::{Connection, OptionalExtension, params};

use crate::export::{ExportError, read_report, utc_day};
use crate::secrets::hash_token;

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

/// The id of the item that asks about agreement `number` of the earlier session.
pub fn agreement_item(number: u32) -> String {
    format!("afspraak-{number}")
}

/// The deck of a follow-up: `deck`, then one item per agreement made in the earlier session,
/// which the room answers with kept / partly / not kept (the facilitator then asks why).
pub fn follow_up_deck(deck: &Deck, earlier: &Earlier) -> Deck {
    let mut deck = deck.clone();
    let nl = deck.language == "nl";
    let labels = if nl { ["Nagekomen", "Deels", "Niet nagekomen"] } else { ["Kept", "Partly", "Not kept"] };
    let prompts: &[&str] = if nl {
        &["Waarom wel, of waarom niet?", "Wat hielp, en wat zat in de weg?", "Wat spreken we nu af?"]
    } else {
        &["Why, or why not?", "What helped, and what got in the way?", "What do we agree now?"]
    };
    for a in &earlier.agreements {
        let id = agreement_item(a.number);
        if deck.item(&id).is_some() {
            continue;
        }
        let options = ["nagekomen", "deels", "niet_nagekomen"]
            .into_iter()
            .zip(labels)
            .map(|(id, label)| Choice { id: id.into(), label: label.into() })
            .collect();
        let statement = if nl { format!("Afspraak: {}", a.text) } else { format!("Agreement: {}", a.text) };
        let prompts = prompts.iter().map(|p| (*p).to_owned()).collect();
        deck.items.push(Item {
            id,
            themes: a.themes.clone(),
            body: ItemBody::Dilemma { statement, options, prompts, fits: Vec::new() },
            asks: Default::default(),
            from_room: false,
        });
    }
    deck
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
pub fn read(conn: &Connection, code: &str, deck: &Deck) -> Result<Earlier, ExportError> {
    let report = match read_report(conn, code) {
        Ok(r) => r,
        Err(ExportError::UnknownSession(_)) => return Ok(Earlier::gone(code)),
        Err(e) => return Err(e),
    };
    let date = utc_day(report.created_ms);
    let common: Vec<&crate::export::ItemReport> = report.items.iter().filter(|i| deck.item(&i.id).is_some()).collect();
    let tallies = common
        .iter()
        .filter(|i| i.answered())
        .filter_map(|i| Some((i.id.clone(), EarlierTally::from_tally(i.tally.clone()?, date.clone(), deck.min_group))))
        .collect();
    let view = FollowsView { title: report.title.clone(), date, compared: common.len(), gone: false };
    Ok(Earlier { code: report.code, view, tallies, agreements: report.agreements })
}

/// Whether a new session on `deck` may follow session `code`, proven by that session's facilitator
/// `token`: it exists, it ended, the token is its facilitator's, and the decks share items.
pub fn check(conn: &Connection, code: &str, token: &str, deck: &Deck) -> Result<Earlier, Refusal> {
    let code = protocol::codes::normalize(code).unwrap_or_else(|| code.to_owned());
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::error!(%code, error = %e, "could not read the earlier session of a follow-up");
        Refusal::from(ErrorCode::StorageFailed)
    };
    let phase: Option<String> =
        conn.query_row("SELECT phase FROM sessions WHERE code = ?1", params![code], |r| r.get(0)).optional().map_err(|e| unreadable(&e))?;
    let Some(phase) = phase else {
        return Err(Refusal::new(
            ErrorCode::UnknownSession,
            format!("Er is geen eerdere sessie met code {code} op deze server (of ze is na de bewaartermijn verwijderd)."),
        ));
    };
    let hash = hash_token(token);
    let facilitator: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM members WHERE code = ?1 AND role = ?2 AND token_hash = ?3)",
            params![code, Role::Facilitator.as_str(), &hash[..]],
            |r| r.get(0),
        )
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
    let earlier = read(conn, &code, deck).map_err(|e| unreadable(&e))?;
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
