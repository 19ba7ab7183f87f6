//! The group's agreements (afspraken): the facilitator records and takes back short group
//! statements; each is stored, then shown to the facilitator and the projectors. No names.

use protocol::{AgreementView, ErrorCode, Phase, Refusal, ServerMsg, flow};

use super::machine::{Effect, Machine, Now, Pending, STAFF, To, not_stored};
use crate::store::Op;

impl Machine {
    /// Records an agreement, linked to `item` (an item of this deck) or to none.
    pub(super) fn agreement(
        &mut self,
        conn: u64,
        text: String,
        item: Option<String>,
        now: Now,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        if self.state.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded.into());
        }
        if item.as_deref().is_some_and(|i| self.state.deck.item(i).is_none()) {
            return Err(ErrorCode::UnknownItem.into());
        }
        let text = flow::check_agreement(&text, self.state.agreements.len())?;
        // Numbers are handed out at once, so two agreements on their way never share one.
        let number = self.state.agreements.iter().map(|a| a.number).max().unwrap_or(0).max(self.agreement_numbers) + 1;
        self.agreement_numbers = number;
        let op = Op::Agreement { code: self.state.code.clone(), number, item: item.clone(), text: text.clone(), at_ms: now.ms };
        let added = self.state.agreement(number, item, text);
        self.write(vec![op], Pending::Agreement { by: conn, added: Some(added), dropped: None }, effects);
        Ok(())
    }

    /// Takes agreement `number` back.
    pub(super) fn drop_agreement(&mut self, conn: u64, number: u32, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        if self.state.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded.into());
        }
        if !self.state.agreements.iter().any(|a| a.number == number) {
            return Err(Refusal::new(ErrorCode::BadRequest, format!("Er is geen afspraak {number} in deze sessie.")));
        }
        let op = Op::DropAgreement { code: self.state.code.clone(), number };
        self.write(vec![op], Pending::Agreement { by: conn, added: None, dropped: Some(number) }, effects);
        Ok(())
    }

    pub(super) fn agreement_stored(
        &mut self,
        by: u64,
        added: Option<AgreementView>,
        dropped: Option<u32>,
        ok: bool,
        effects: &mut Vec<Effect>,
    ) {
        if !ok {
            tracing::error!(code = %self.state.code, "an agreement could not be stored");
            effects.push(Effect::Send { to: To::Conn(by), msg: not_stored("De afspraak is niet bewaard.").into() });
            return;
        }
        self.state.agreements.retain(|a| Some(a.number) != dropped);
        self.state.agreements.extend(added);
        effects.push(Effect::Send { to: To::Roles(STAFF), msg: self.agreements_msg() });
    }

    pub(super) fn agreements_msg(&self) -> ServerMsg {
        ServerMsg::Agreements { agreements: self.state.agreements.clone() }
    }
}
