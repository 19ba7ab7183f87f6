//! What players add to an answer (a guess of the room's result, an anonymous reason) and what the
//! facilitator does with it: turn them on per item, and put one reason on the projector.
//!
//! A reason's writer is kept only so they can change or withdraw it; the facilitator gets the
//! reasons grouped by option in a random order (their random place, drawn once), never with a
//! member, and the room sees only the one reason the facilitator puts up, after voting closed.

use protocol::flow::{self, Extra as Kind};
use protocol::scenario::Asks;
use protocol::{ErrorCode, Phase, Refusal, ServerMsg, ShownReason};
use rand::Rng;

use super::machine::{EVERYONE, Effect, FACILITATOR, Machine, Now, Pending, To, not_stored};
use crate::store::Op;

/// A change to what players added, waiting for its write.
#[derive(Debug)]
pub(crate) enum Extra {
    Ask {
        item: usize,
        asks: Asks,
    },
    Preview {
        on: bool,
    },
    Guess {
        member: u32,
        item: usize,
        percent: u32,
    },
    /// A reason with its place in the order, or withdrawn (`None`).
    Reason {
        member: u32,
        item: usize,
        text: Option<(String, u64)>,
    },
}

impl Machine {
    /// The facilitator turns guessing and reasons on or off for an item.
    /// The facilitator turns the private preview of the live result on or off.
    pub(super) fn preview(&mut self, conn: u64, on: bool, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        if self.state.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded.into());
        }
        let op = Op::Preview { code: self.state.code.clone(), on };
        self.write(vec![op], Pending::Extra { by: conn, extra: Extra::Preview { on } }, effects);
        Ok(())
    }

    pub(super) fn ask(&mut self, conn: u64, item: String, asks: Asks, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        if self.state.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded.into());
        }
        let index = self.state.deck.index_of(&item).ok_or(ErrorCode::UnknownItem)?;
        if self.state.deck.items[index].options().is_empty() && !asks.is_none() {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "Bij dit item valt niets te kiezen, dus ook niets te raden of toe te lichten.",
            ));
        }
        let op = Op::Ask { code: self.state.code.clone(), item, predict: asks.predict, reasons: asks.reasons };
        self.write(vec![op], Pending::Extra { by: conn, extra: Extra::Ask { item: index, asks } }, effects);
        Ok(())
    }

    /// Where a player's guess or reason for `item` goes (the item's index), if it is taken now.
    fn extra_target(&self, member: u32, item: &str, kind: Kind) -> Result<usize, Refusal> {
        let index = self.state.deck.index_of(item);
        let asks = index.map(|i| self.state.asks_of(i)).unwrap_or_default();
        let asked = match kind {
            Kind::Guess => asks.predict,
            Kind::Reason => asks.reasons,
        };
        let answered = index.and_then(|i| self.state.answers.get(&i)).is_some_and(|a| a.by_member.contains_key(&member));
        let current = self.state.item().map(|i| i.id.as_str());
        flow::check_extra(self.state.phase, current, item, index.is_some(), asked, answered, kind)?;
        Ok(index.expect("checked"))
    }

    pub(super) fn predict(&mut self, conn: u64, member: u32, item: String, percent: u32, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        let index = self.extra_target(member, &item, Kind::Guess)?;
        if percent > 100 {
            return Err(Refusal::new(ErrorCode::BadRequest, "Een voorspelling is een percentage van 0 tot en met 100."));
        }
        let op = Op::Guess { code: self.state.code.clone(), item, member, percent };
        self.write(vec![op], Pending::Extra { by: conn, extra: Extra::Guess { member, item: index, percent } }, effects);
        Ok(())
    }

    /// A reason given or changed (`Some`), or withdrawn (`None`).
    pub(super) fn reason(
        &mut self,
        conn: u64,
        member: u32,
        item: String,
        text: Option<String>,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let index = self.extra_target(member, &item, Kind::Reason)?;
        let text = text.map(|t| flow::check_reason(&t)).transpose()?;
        // The reason as it will be once what is on its way is stored: a withdrawal twice over
        // writes once, and a changed reason keeps its place.
        let stored = || self.state.answers.get(&index).and_then(|a| a.reason_of.get(&member).copied());
        let place = self.reason_on_way(member, index).unwrap_or_else(stored);
        if text.is_none() && place.is_none() {
            return Err(Refusal::new(ErrorCode::BadRequest, "Je hebt bij deze stelling geen reden gegeven."));
        }
        // A new reason gets a random place: the order the facilitator sees is not the order of arrival.
        let text = text.map(|t| (t, place.unwrap_or_else(|| self.free_place(index))));
        let op = Op::Reason { code: self.state.code.clone(), item, member, text: text.clone() };
        self.write(vec![op], Pending::Extra { by: conn, extra: Extra::Reason { member, item: index, text } }, effects);
        Ok(())
    }

    /// A random place no reason to item `index` has yet.
    fn free_place(&mut self, index: usize) -> u64 {
        loop {
            let place = self.rng.random::<u64>();
            if !self.state.answers.get(&index).is_some_and(|a| a.reasons.contains_key(&place)) {
                return place;
            }
        }
    }

    pub(super) fn extra_stored(&mut self, by: u64, extra: Extra, ok: bool, now: Now, effects: &mut Vec<Effect>) {
        let to = To::Conn(by);
        if !ok {
            tracing::error!(code = %self.state.code, "a guess, reason or setting could not be stored");
            let what = match extra {
                Extra::Ask { .. } | Extra::Preview { .. } => "De instelling is niet bewaard.",
                Extra::Guess { .. } => "Je voorspelling is niet bewaard; probeer het opnieuw.",
                Extra::Reason { .. } => "Je reden is niet bewaard; probeer het opnieuw.",
            };
            return effects.push(Effect::Send { to, msg: not_stored(what).into() });
        }
        match extra {
            Extra::Ask { item, asks } => {
                self.state.asks.insert(item, asks);
                self.send_session(EVERYONE, now, effects);
                if self.state.current == Some(item) {
                    self.send_live_tally(now, effects);
                }
            }
            Extra::Preview { on } => {
                self.state.preview = on;
                self.send_session(FACILITATOR, now, effects);
                self.send_live_tally(now, effects);
            }
            Extra::Guess { member, item, percent } => {
                self.state.answers_mut(item).guess(member, percent);
                let id = self.state.deck.items[item].id.clone();
                if self.conns.contains_key(&by) {
                    effects.push(Effect::Send { to, msg: ServerMsg::Predicted { item: id, percent } });
                }
                self.tally_changed(now, effects);
            }
            Extra::Reason { member, item, text } => {
                let shown = text.as_ref().map(|(t, _)| t.clone());
                self.state.answers_mut(item).reason(member, text);
                let id = self.state.deck.items[item].id.clone();
                if self.conns.contains_key(&by) {
                    effects.push(Effect::Send { to, msg: ServerMsg::ReasonAck { item: id, text: shown } });
                }
                self.tally_changed(now, effects);
            }
        }
    }

    /// The reasons for the item on screen as the facilitator gets them, when it asks for reasons
    /// and the facilitator sees its result (revealed, or the private preview on).
    pub(super) fn reasons_msg(&self) -> Option<ServerMsg> {
        let index = self.state.current?;
        if !self.state.asks_of(index).reasons || !self.state.facilitator_sees_result() {
            return None;
        }
        let item = &self.state.deck.items[index];
        let answers = self.state.answers.get(&index);
        let answered = answers.map_or(0, |a| a.by_member.len() as u32);
        let (groups, withheld) = match answers {
            // Fewer answers than the minimum group: their reasons would say who chose what.
            Some(a) if !self.state.min_group().allows(answered) => (Vec::new(), a.reasons.len() as u32),
            Some(a) => (a.reason_groups(item, self.state.min_group()), 0),
            None => (Vec::new(), 0),
        };
        Some(ServerMsg::Reasons { item: item.id.clone(), groups, withheld })
    }

    /// The facilitator puts a reason of the item on screen on the projector, or takes it down.
    pub(super) fn show_reason(&mut self, reason: Option<String>, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        let shown = match reason {
            None => None,
            Some(id) => {
                let bad = |m: &str| Err(Refusal::new(ErrorCode::BadRequest, m));
                let Some(index) = self.state.current else { return bad("Er staat geen stelling op het scherm.") };
                if !matches!(self.state.phase, Phase::Closed | Phase::Revealed) {
                    return bad("Zet een reden pas op het scherm als het stemmen gesloten is; dan kan hij niet meer veranderen.");
                }
                let Some(a) = self.state.answers.get(&index) else { return bad("Bij deze stelling is geen reden gegeven.") };
                if !self.state.min_group().allows(a.by_member.len() as u32) {
                    return bad("Te weinig antwoorden: een reden zou laten zien wie wat koos.");
                }
                let Some((option, text)) = a.find_reason(&id, self.state.min_group()) else {
                    return bad("Deze reden bestaat niet (meer); kies er een uit de lijst.");
                };
                let item = &self.state.deck.items[index];
                Some(ShownReason { item: item.id.clone(), option: item.options()[option].id.clone(), text: text.to_owned() })
            }
        };
        self.shown = shown;
        effects.push(Effect::Send { to: To::Roles(EVERYONE), msg: ServerMsg::Shown { reason: self.shown.clone() } });
        Ok(())
    }

    /// A new item or the end takes the reason on the projector down.
    pub(super) fn take_down(&mut self, effects: &mut Vec<Effect>) {
        if self.shown.take().is_some() {
            effects.push(Effect::Send { to: To::Roles(EVERYONE), msg: ServerMsg::Shown { reason: None } });
        }
    }

    /// The reasons, to the facilitator, with the live tally.
    pub(super) fn send_reasons(&self, effects: &mut Vec<Effect>) {
        if let Some(msg) = self.reasons_msg() {
            effects.push(Effect::Send { to: To::Roles(FACILITATOR), msg });
        }
    }
}
