//! Who hears what and how often: `session` views per audience, the facilitator's live tally, and role briefings.

use protocol::{Role, ServerMsg};

use super::machine::{Effect, FACILITATOR, Machine, Now, PLAYERS, STAFF, To};

impl Machine {
    /// Sends `session` to `audience`: the facilitator's view to the facilitator, the public view to the rest.
    pub(super) fn send_session(&mut self, audience: &'static [Role], now: Now, effects: &mut Vec<Effect>) {
        let participants = self.connected_players;
        let has = |r: Role| audience.contains(&r);
        if has(Role::Facilitator) {
            let session = self.state.view(true, participants, now.ms);
            effects.push(Effect::Send { to: To::Roles(FACILITATOR), msg: ServerMsg::Session { session } });
            self.staff.sent(now.at);
        }
        let others: &'static [Role] = match (has(Role::Player), has(Role::Watcher)) {
            (true, true) => &[Role::Player, Role::Watcher],
            (true, false) => PLAYERS,
            (false, true) => &[Role::Watcher],
            (false, false) => &[],
        };
        if !others.is_empty() {
            let session = self.state.view(false, participants, now.ms);
            effects.push(Effect::Send { to: To::Roles(others), msg: ServerMsg::Session { session } });
        }
        if has(Role::Player) {
            self.players.sent(now.at);
        }
    }

    /// How often players hear about changed counts: 10 a second in a normal room, less in a big
    /// one (0.1 ms per player, at most once a second), so the fan-out of a count that players do
    /// not even show stays bounded. The contract asks "at most 10 per second"; the facilitator
    /// and the projector keep 10.
    fn player_interval(&self) -> std::time::Duration {
        let scaled = std::time::Duration::from_micros(100 * u64::from(self.connected_players));
        scaled.clamp(self.limits.coalesce, std::time::Duration::from_secs(1).max(self.limits.coalesce))
    }

    /// A count changed: each audience hears at once after a quiet spell, otherwise when its interval has passed.
    pub(super) fn session_changed(&mut self, now: Now, effects: &mut Vec<Effect>) {
        if self.staff.changed(now.at, self.limits.coalesce) {
            self.send_session(STAFF, now, effects);
        }
        let interval = self.player_interval();
        if self.players.changed(now.at, interval) {
            self.send_session(PLAYERS, now, effects);
        }
    }

    pub(super) fn tally_changed(&mut self, now: Now, effects: &mut Vec<Effect>) {
        if self.tally.changed(now.at, self.limits.coalesce) {
            self.send_live_tally(now, effects);
        }
    }

    /// The live tally, to the facilitator only, once the item is revealed or with the private
    /// preview on: players and watchers see a tally at the reveal.
    pub(super) fn send_live_tally(&mut self, now: Now, effects: &mut Vec<Effect>) {
        self.tally.sent(now.at);
        if !self.state.facilitator_sees_result() {
            return;
        }
        if let Some(t) = self.state.tally().map(|t| self.state.for_facilitator(t)) {
            effects.push(Effect::Send { to: To::Roles(FACILITATOR), msg: ServerMsg::Tally(t) });
        }
        self.send_reasons(effects);
    }

    /// Each drawn player of the current sketch (and only they) gets their briefing.
    pub(super) fn send_roles(&self, effects: &mut Vec<Effect>) {
        let Some(id) = self.state.item().map(|i| &i.id) else { return };
        let Some(assigned) = self.state.roles.get(id) else { return };
        for (_, member) in assigned {
            if let Some(conn) = self.conn_of(*member) {
                self.send_role_to(*member, conn, effects);
            }
        }
    }

    /// Sends `member` (on `conn`) their role in the current sketch, if they have one.
    pub(super) fn send_role_to(&self, member: u32, conn: u64, effects: &mut Vec<Effect>) {
        let Some(item) = self.state.item() else { return };
        let Some(sketch) = item.sketch() else { return };
        let Some(assigned) = self.state.roles.get(&item.id) else { return };
        for (role, _) in assigned.iter().filter(|(_, m)| *m == member) {
            if let Some(r) = sketch.roles.iter().find(|r| &r.name == role) {
                let msg = ServerMsg::Role { item: item.id.clone(), role: r.name.clone(), briefing: r.briefing.clone() };
                effects.push(Effect::Send { to: To::Conn(conn), msg });
            }
        }
    }
}
