//! What a member sends in a session: an answer or a facilitator's control, checked against the phase machine, stored, then told.

use protocol::scenario::Asks;
use protocol::{ClientMsg, ControlAction, ErrorCode, Phase, Refusal, ReportFormat, Role, ServerMsg, flow};

use super::machine::{AUDIENCE, Change, EVERYONE, Effect, FACILITATOR, Machine, Now, Pending, ReportOf, To, not_stored};
use super::roles::assign_roles;
use crate::store::Op;

impl Machine {
    pub(super) fn message(&mut self, conn: u64, msg: ClientMsg, now: Now, effects: &mut Vec<Effect>) {
        let Some(c) = self.conns.get(&conn).copied() else { return };
        let result = flow::may_send(c.role, &msg).and_then(|()| match msg {
            ClientMsg::Answer { item, option } => self.answer(c.member, item, option, now, effects),
            ClientMsg::Control { action, item } => self.control(conn, action, item, now, effects),
            ClientMsg::Agreement { text, item } => self.agreement(conn, text, item, now, effects),
            ClientMsg::DropAgreement { number } => self.drop_agreement(conn, number, effects),
            ClientMsg::Ask { item, predict, reasons } => self.ask(conn, item, Asks { predict, reasons }, effects),
            ClientMsg::Preview { on } => self.preview(conn, on, effects),
            ClientMsg::Predict { item, percent } => self.predict(conn, c.member, item, percent, effects),
            ClientMsg::Reason { item, text } => self.reason(conn, c.member, item, Some(text), effects),
            ClientMsg::DropReason { item } => self.reason(conn, c.member, item, None, effects),
            ClientMsg::ShowReason { reason } => self.show_reason(reason, effects),
            ClientMsg::AddStatement { statement, options } => self.add_statement(conn, statement, options, effects),
            ClientMsg::Export { format: ReportFormat::Toml, series: true } => {
                Err(Refusal::new(ErrorCode::BadRequest, "De stellingen uit de zaal horen bij één sessie; vraag ze zonder `series`."))
            }
            ClientMsg::Export { format, series } => {
                // A few at once (the end screen saves Markdown and CSV together), then one per cooldown.
                let (burst, every) = (f64::from(self.limits.report_burst.max(1)), self.limits.report_cooldown.as_secs_f64().max(1e-3));
                let (spent, at) = self.reported.get(&conn).copied().unwrap_or((0.0, now.at));
                let spent = (spent - now.at.saturating_duration_since(at).as_secs_f64() / every).max(0.0);
                if spent + 1.0 > burst {
                    return Err(Refusal::new(
                        ErrorCode::RateLimited,
                        "Zoveel verslagen zo snel kan niet; probeer het over een paar seconden opnieuw.",
                    ));
                }
                self.reported.insert(conn, (spent + 1.0, now.at));
                // Other sessions are in the database, not here: the actor reads them.
                let of = if series { ReportOf::Series } else { ReportOf::Session(Box::new(self.state.report(now.ms))) };
                effects.push(Effect::Report { conn, format, of });
                Ok(())
            }
            _ => Err(ErrorCode::BadRequest.into()),
        });
        if let Err(refusal) = result {
            effects.push(Effect::Send { to: To::Conn(conn), msg: refusal.into() });
        }
    }

    /// Takes an answer if the phase allows it; it counts (and is acknowledged) once stored.
    fn answer(&mut self, member: u32, item: String, option: String, now: Now, effects: &mut Vec<Effect>) -> Result<(), Refusal> {
        let (index, option_index) = self.state.locate(&item, &option);
        let current = self.state.item().map(|i| i.id.as_str());
        flow::check_answer(self.state.phase, current, &item, index.is_some(), option_index.is_some())?;
        let (Some(index), Some(option_index)) = (index, option_index) else { return Err(ErrorCode::InvalidOption.into()) };
        // The same option again, with nothing of this member's on its way to the disk: it is
        // stored already, so it is acknowledged without a write (a loop of one answer costs nothing).
        if self.state.answers.get(&index).and_then(|a| a.by_member.get(&member)) == Some(&option_index)
            && !self.answer_pending(member, index)
        {
            if let Some(conn) = self.conn_of(member) {
                effects.push(Effect::Send { to: To::Conn(conn), msg: ServerMsg::AnswerAck { item, option } });
            }
            return Ok(());
        }
        let op = Op::Answer { code: self.state.code.clone(), item, member, option, at_ms: now.ms };
        self.write(vec![op], Pending::Answer { member, item: index, option: option_index }, effects);
        Ok(())
    }

    pub(super) fn answer_stored(&mut self, member: u32, item: usize, option: usize, ok: bool, now: Now, effects: &mut Vec<Effect>) {
        if !ok {
            tracing::error!(code = %self.state.code, "an answer could not be stored; the player is told to choose again");
            return self.tell_not_stored(member, "Je antwoord is niet bewaard; kies opnieuw.", effects);
        }
        let first = self.state.record_at(item, member, option);
        if let Some(conn) = self.conn_of(member) {
            let it = &self.state.deck.items[item];
            let ack = ServerMsg::AnswerAck { item: it.id.clone(), option: it.options()[option].id.clone() };
            effects.push(Effect::Send { to: To::Conn(conn), msg: ack });
        }
        self.tally_changed(now, effects);
        if first {
            self.session_changed(now, effects);
        }
    }

    /// A facilitator's control: checked now, stored, and applied and announced once stored, so
    /// what the room saw is what comes back after a crash.
    fn control(
        &mut self,
        conn: u64,
        action: ControlAction,
        item: Option<String>,
        now: Now,
        effects: &mut Vec<Effect>,
    ) -> Result<(), Refusal> {
        let target = match (action, &item) {
            (ControlAction::Open, None) => {
                return Err(Refusal::new(ErrorCode::BadRequest, "Zeg welke stelling open moet: het veld `item` ontbreekt."));
            }
            (ControlAction::Open, Some(id)) => Some(self.state.deck.index_of(id).ok_or(ErrorCode::UnknownItem)?),
            _ => None,
        };
        let phase = flow::next_phase(self.state.phase, action, self.state.item_kind())?;
        let mut change = Change { phase, current: self.state.current, timer: self.state.timer, roles: None, revealed: None };
        match action {
            ControlAction::Open => {
                let index = target.expect("open names its item");
                let item = &self.state.deck.items[index];
                change.phase = flow::opened(self.state.phase, item.kind(), !item.options().is_empty(), target == self.state.current);
                change.current = target;
                change.timer = None;
                change.roles = self.draw_roles(target);
            }
            ControlAction::StartTimer => {
                let duration = self.state.item().and_then(|i| i.sketch()).map_or(0, |s| s.duration_s);
                change.timer = Some((now.ms, duration));
            }
            ControlAction::Reveal => {
                // Answers still on their way to the disk are stored before the reveal: they count.
                change.revealed = self.state.current.filter(|i| {
                    let pending = self.answers_pending_to(*i);
                    match self.state.answers.get(i) {
                        Some(a) => a.may_reveal_anew(&pending, self.state.min_group()),
                        None => !pending.is_empty(),
                    }
                });
            }
            ControlAction::Close | ControlAction::End => {}
        }
        self.write_change(Some(conn), action, change, effects);
        Ok(())
    }

    pub(super) fn write_change(&mut self, by: Option<u64>, action: ControlAction, change: Change, effects: &mut Vec<Effect>) {
        let code = self.state.code.clone();
        let item = change.current.map(|i| self.state.deck.items[i].id.clone());
        let mut ops = vec![Op::Phase { code: code.clone(), phase: change.phase, item, timer: change.timer }];
        if let Some((item, assignments)) = &change.roles {
            ops.push(Op::Roles { code: code.clone(), item: item.clone(), assignments: assignments.clone() });
        }
        if let Some(i) = change.revealed {
            ops.push(Op::Revealed { code, item: self.state.deck.items[i].id.clone() });
        }
        self.write(ops, Pending::Control { by, action, change }, effects);
    }

    /// Opening a sketch draws its roles among the connected players, once; opening it again keeps the draw.
    fn draw_roles(&mut self, target: Option<usize>) -> Option<(String, Vec<(String, u32)>)> {
        let item = &self.state.deck.items[target?];
        let sketch = item.sketch()?;
        if self.state.roles.contains_key(&item.id) {
            return None;
        }
        let names: Vec<String> = sketch.roles.iter().map(|r| r.name.clone()).collect();
        let players: Vec<u32> = self.conns.values().filter(|c| c.role == Role::Player).map(|c| c.member).collect();
        Some((item.id.clone(), assign_roles(&names, &players, &mut self.rng)))
    }

    pub(super) fn control_stored(
        &mut self,
        by: Option<u64>,
        action: ControlAction,
        change: Change,
        ok: bool,
        now: Now,
        effects: &mut Vec<Effect>,
    ) {
        if !ok {
            tracing::error!(code = %self.state.code, ?action, "a change of phase could not be stored; the room keeps the screen it has");
            let to = by.filter(|c| self.conns.contains_key(c)).map_or(To::Roles(FACILITATOR), To::Conn);
            let msg = not_stored("Deze stap is niet doorgevoerd; de zaal ziet nog het vorige scherm.").into();
            return effects.push(Effect::Send { to, msg });
        }
        if matches!(action, ControlAction::Open | ControlAction::StartTimer) {
            self.timer_done = false;
        }
        self.state.phase = change.phase;
        self.state.current = change.current;
        self.state.timer = change.timer;
        if let Some((item, assignments)) = change.roles {
            tracing::info!(code = %self.state.code, item = %item, roles = assignments.len(), "roles assigned");
            self.state.roles.insert(item, assignments);
        }
        if let Some(i) = change.revealed {
            self.state.answers_mut(i).keep_as_revealed();
        }
        tracing::info!(code = %self.state.code, ?action, item = ?self.state.item().map(|i| &i.id), phase = self.state.phase.as_str(), "phase stored");
        if matches!(action, ControlAction::Open | ControlAction::End) {
            self.take_down(effects);
        }
        self.send_session(EVERYONE, now, effects);
        match action {
            ControlAction::Open => {
                self.send_roles(effects);
                self.send_live_tally(now, effects);
            }
            ControlAction::Reveal => {
                // Everyone sees the same result (too few answers only as "withheld"); the
                // facilitator now also gets the reasons, which waited for the reveal unless previewed.
                if let Some(t) = self.state.tally() {
                    let theirs = self.state.for_facilitator(t.clone());
                    effects.push(Effect::Send { to: To::Roles(AUDIENCE), msg: ServerMsg::Tally(t) });
                    effects.push(Effect::Send { to: To::Roles(FACILITATOR), msg: ServerMsg::Tally(theirs) });
                }
                self.send_reasons(effects);
            }
            _ => {}
        }
    }

    /// The scene has been played: its statement opens for answers (the room hears that time is
    /// up), or, without one, the item closes.
    pub(super) fn timer_ran_out(&mut self, _now: Now, effects: &mut Vec<Effect>) {
        self.timer_done = true;
        let has_follow_up = self.state.item().is_some_and(|i| !i.options().is_empty());
        let phase = flow::after_timer(has_follow_up);
        tracing::info!(code = %self.state.code, phase = phase.as_str(), "sketch timer ran out");
        let change = Change { phase, current: self.state.current, timer: self.state.timer, roles: None, revealed: None };
        let action = if phase == Phase::Open { ControlAction::Open } else { ControlAction::Close };
        self.write_change(None, action, change, effects);
    }
}
