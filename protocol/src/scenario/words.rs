//! The words a deck gets from the game itself, in the deck's language: the theme of a statement from
//! the room, and the items a follow-up adds to ask about the agreements made the first time.

use super::{Choice, Deck, Item, ItemBody};
use crate::AgreementView;

/// The theme a statement from the room carries, in the deck's language.
pub fn room_theme(language: &str) -> &'static str {
    if language == "en" { "from the room" } else { "uit de zaal" }
}

/// The id of the item that asks about agreement `number` of the earlier session.
pub fn agreement_item(number: u32) -> String {
    format!("afspraak-{number}")
}

/// The deck of a follow-up: `deck`, then one item per agreement made in the earlier session (`agreements`),
/// which the room answers with kept / partly / not kept (the facilitator then asks why).
pub fn follow_up_deck(deck: &Deck, agreements: &[AgreementView]) -> Deck {
    let mut deck = deck.clone();
    let nl = deck.language == "nl";
    let labels = if nl { ["Nagekomen", "Deels", "Niet nagekomen"] } else { ["Kept", "Partly", "Not kept"] };
    let prompts: &[&str] = if nl {
        &["Waarom wel, of waarom niet?", "Wat hielp, en wat zat in de weg?", "Wat spreken we nu af?"]
    } else {
        &["Why, or why not?", "What helped, and what got in the way?", "What do we agree now?"]
    };
    for a in agreements {
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
