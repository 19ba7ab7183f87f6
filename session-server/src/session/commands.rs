//! What a session does with an `answer` or a `control`: check it against the phase machine, apply, store, tell.

use protocol::{ClientMsg, ControlAction, ErrorCode, Phase, Refusal, Role, ServerMsg, flow};

use super::actor::Actor;
use crate::now_ms;
use super::roles::assign_roles;
use crate::outbox::encode;
use crate::store::Op;

impl Actor {
    pub(super) async fn on_msg(&mut self, conn: u64, msg: ClientMsg) -> Result<(), Refusal> {
        let Some(c) = self.conns.get(&conn) else { return Ok(()) };
        flow::permitted(Some(c.role), &msg)?;
        match msg {
            ClientMsg::Answer { item, option } => self.answer(conn, item, option),
            ClientMsg::Control { action, item } => self.control(action, item).await,
            _ => Err(ErrorCode::BadRequest.into()),
        }
    }

    fn answer(&mut self, conn: u64, item: String, option: String) -> Result<(), Refusal> {
        let (index, option_index) = self.st.locate(&item, &option);
        let current = self.st.item().map(|i| i.id.as_str());
        flow::check_answer(self.st.phase, current, &item, index.is_some(), option_index.is_some())?;
        let (Some(index), Some(option_index)) = (index, option_index) else { return Err(ErrorCode::InvalidOption.into()) };
        let c = &self.conns[&conn];
        let (member, out) = (c.member, c.out.clone());
        let first = self.st.record_at(index, member, option_index);
        let ack = encode(&ServerMsg::AnswerAck { item: item.clone(), option: option.clone() });
        let op = Op::Answer { code: self.st.code.clone(), item, member, option, at_ms: now_ms() };
        self.store.submit(
            op,
            Some(Box::new(move |ok| {
                if ok {
                    out.text(ack);
                } else {
                    out.msg(&Refusal::new(ErrorCode::BadRequest, "Je antwoord kon niet worden opgeslagen; kies opnieuw.").into());
                }
            })),
        );
        self.tally_changed();
        if first {
            self.session_changed();
        }
        Ok(())
    }

    /// Applies a facilitator's control. The new phase (and a sketch's role draw) is committed
    /// before anyone is told, so what the room saw is what comes back after a crash.
    async fn control(&mut self, action: ControlAction, item: Option<String>) -> Result<(), Refusal> {
        let target = match (action, &item) {
            (ControlAction::Open, None) => {
                return Err(Refusal::new(ErrorCode::BadRequest, "Zeg welke stelling open moet: het veld `item` ontbreekt."));
            }
            (ControlAction::Open, Some(id)) => Some(self.st.deck.index_of(id).ok_or(ErrorCode::UnknownItem)?),
            _ => None,
        };
        let next = flow::next_phase(self.st.phase, action, self.st.item_kind())?;
        let code = self.st.code.clone();
        match action {
            ControlAction::Open => {
                self.st.current = target;
                self.st.timer = None;
            }
            ControlAction::StartTimer => {
                let duration = self.st.item().and_then(|i| i.sketch()).map_or(0, |s| s.duration_s);
                self.st.timer = Some((now_ms(), duration));
            }
            ControlAction::Close | ControlAction::Reveal | ControlAction::End => {}
        }
        self.st.phase = next;
        if action == ControlAction::Open {
            self.draw_roles();
        }
        self.persist_phase().await;
        tracing::info!(code = %code, action = ?action, item = ?self.st.item().map(|i| &i.id), phase = next.as_str(), "control");
        self.schedule_timer();
        self.broadcast_session();
        match action {
            ControlAction::Open => {
                self.send_roles();
                self.send_live_tally();
            }
            ControlAction::Reveal => {
                if let Some(t) = self.st.tally() {
                    let text = encode(&ServerMsg::Tally(t));
                    self.deliver(|_| Some(text.clone()));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Stores the phase, item and timer, and waits until that is committed (with everything before it).
    async fn persist_phase(&self) {
        let op = Op::Phase {
            code: self.st.code.clone(),
            phase: self.st.phase.as_str(),
            item: self.st.item().map(|i| i.id.clone()),
            timer: self.st.timer,
        };
        let (done, committed) = tokio::sync::oneshot::channel();
        self.store.submit(
            op,
            Some(Box::new(move |ok| {
                let _ = done.send(ok);
            })),
        );
        if !committed.await.unwrap_or(false) {
            tracing::error!(code = %self.st.code, "the phase change could not be stored");
        }
    }

    /// Opening a sketch draws its roles among the connected players, once; opening it again keeps the draw.
    fn draw_roles(&mut self) {
        let Some(item) = self.st.item() else { return };
        let Some(sketch) = item.sketch() else { return };
        if self.st.roles.contains_key(&item.id) {
            return;
        }
        let id = item.id.clone();
        let names: Vec<String> = sketch.roles.iter().map(|r| r.name.clone()).collect();
        let players: Vec<u32> = self.conns.values().filter(|c| c.role == Role::Player).map(|c| c.member).collect();
        let assignments = assign_roles(&names, &players, &mut self.rng);
        tracing::info!(code = %self.st.code, item = %id, roles = assignments.len(), "roles assigned");
        self.store.submit(Op::Roles { code: self.st.code.clone(), item: id.clone(), assignments: assignments.clone() }, None);
        self.st.roles.insert(id, assignments);
    }

    /// Each chosen player of the current sketch (and only they) gets their briefing.
    fn send_roles(&self) {
        let Some(id) = self.st.item().map(|i| &i.id) else { return };
        let Some(assigned) = self.st.roles.get(id) else { return };
        for (_, member) in assigned {
            if let Some(c) = self.by_member.get(member).and_then(|c| self.conns.get(c)) {
                self.send_role_to(*member, &c.out);
            }
        }
    }

    /// The sketch has been played: a follow-up statement stays open for answers, otherwise it closes.
    pub(super) async fn timer_ran_out(&mut self) {
        if self.st.phase != Phase::Open {
            return;
        }
        let has_follow_up = self.st.item().is_some_and(|i| !i.options().is_empty());
        self.st.phase = flow::after_timer(has_follow_up);
        self.persist_phase().await;
        tracing::info!(code = %self.st.code, phase = self.st.phase.as_str(), "sketch timer ran out");
        self.broadcast_session();
    }
}
