//! Statements from the room: the facilitator types a statement the group came up with; it becomes
//! the last item of this session's deck (stored with the session, so it survives a crash and is in
//! the report) and is opened and answered like any other.

use std::sync::Arc;

use protocol::scenario::{Choice, Deck, Item, ItemBody, default_options, option_id, room_theme};
use protocol::{ErrorCode, Phase, Refusal, flow};

use super::machine::{EVERYONE, Effect, Machine, Now, Pending, To, not_stored};
use crate::store::Op;

impl Machine {
    /// Adds a statement from the room to the session's deck: stored, then shown to everyone (the facilitator's list).
    pub(super) fn add_statement(
        &mut self,
        conn: u64,
        text: String,
        options: Vec<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if self.state.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded.into());
        }
        if self.statement_pending {
            return Err(Refusal::new(ErrorCode::BadRequest, "De vorige stelling wordt nog opgeslagen; probeer het zo opnieuw."));
        }
        let added = self.state.deck.items.iter().filter(|i| i.from_room).count();
        let (statement, labels) = flow::check_statement(&text, &options, added)?;
        let language = self.state.deck.language.clone();
        let options = match labels.is_empty() {
            true => default_options(&language),
            false => labels.into_iter().map(|label| Choice { id: option_id(&label), label }).collect(),
        };
        let id = (added + 1..).map(|n| format!("zaal-{n}")).find(|id| self.state.deck.item(id).is_none()).expect("a free id");
        let item = Item {
            id,
            themes: vec![room_theme(&language).to_owned()],
            body: ItemBody::Dilemma { statement, options, prompts: Vec::new(), fits: Vec::new() },
            asks: Default::default(),
            from_room: true,
        };
        let mut deck: Deck = (*self.state.deck).clone();
        deck.items.push(item);
        let deck = Arc::new(deck);
        let deck_json = serde_json::to_string(&*deck).expect("decks serialise");
        self.statement_pending = true;
        self.write(vec![Op::Deck { code: self.state.code.clone(), deck_json }], Pending::Statement { by: conn, deck }, effects);
        Ok(())
    }

    pub(super) fn statement_stored(&mut self, by: u64, deck: Arc<Deck>, ok: bool, now: Now, effects: &mut Vec<Effect>) {
        self.statement_pending = false;
        if !ok {
            tracing::error!(code = %self.state.code, "a statement from the room could not be stored");
            return effects.push(Effect::Send { to: To::Conn(by), msg: not_stored("De stelling is niet toegevoegd.").into() });
        }
        tracing::info!(code = %self.state.code, items = deck.items.len(), "a statement from the room was added");
        self.state.deck = deck;
        self.send_session(EVERYONE, now, effects);
    }
}
