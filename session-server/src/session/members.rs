//! Who comes in and goes: joining (and creating) with its write, resuming with a token, leaving, the caps.

use std::sync::Arc;

use protocol::{ErrorCode, Phase, Refusal, Role, ServerMsg};

use super::Attach;
use super::machine::{Conn, Effect, Machine, Now, Pending, To, not_stored};
use crate::secrets::hash_token;
use crate::store::Op;

impl Machine {
    pub(super) fn attach(&mut self, conn: u64, how: Attach, token: String, now: Now, effects: &mut Vec<Effect>) {
        let admitted = match how {
            Attach::Resume { token } => {
                let hash = hash_token(&token);
                match self.state.tokens.get(&hash) {
                    Some(&member) => return self.connect(conn, member, (token, hash), false, now, effects),
                    None => Err(Refusal::new(
                        ErrorCode::Unauthorized,
                        "Deze sleutel hoort niet bij deze sessie; meld je opnieuw aan met de code.",
                    )),
                }
            }
            Attach::Lead { via } => return self.lead(conn, token, via, now, effects),
            how => self.admit(how),
        };
        let (role, team) = match admitted {
            Ok(admitted) => admitted,
            Err(refusal) => return effects.push(Effect::Refused { conn, refusal }),
        };
        let team = self.state.count_in(team, role);
        let member = self.state.next_member;
        self.state.next_member += 1;
        let token_hash = hash_token(&token);
        let mut ops = Vec::with_capacity(2);
        if !self.state.created {
            ops.push(Op::CreateSession {
                code: self.state.code.clone(),
                title: self.state.title.clone(),
                scenario: self.state.deck.id.clone(),
                deck_json: serde_json::to_string(&*self.state.deck).expect("decks serialise"),
                created_ms: now.ms,
                follows: self.state.earlier.as_ref().map(|e| e.code.clone()),
                owner: self.state.owner.clone(),
            });
            if self.state.preview {
                ops.push(Op::Preview { code: self.state.code.clone(), on: true });
            }
        }
        let code = self.state.code.clone();
        ops.push(Op::Member { code, member, role, token_hash, team: team.as_deref().map(str::to_owned) });
        self.write(ops, Pending::Member { conn: Some(conn), member, role, team, token_hash, token }, effects);
    }

    /// Whether a new member may come in this way: the phase, and the caps on players, watchers and teams.
    fn admit(&self, how: Attach) -> Result<(Role, Option<Arc<str>>), Refusal> {
        let created = self.state.created;
        match how {
            Attach::Create if !created => Ok((Role::Facilitator, None)),
            Attach::Create => Err(ErrorCode::BadRequest.into()),
            _ if !created => Err(ErrorCode::UnknownSession.into()),
            // A new projector on an ended session has nothing to show; one already watching can
            // resume. Each watcher is stored, so their number is capped.
            _ if self.state.phase == Phase::Ended => Err(ErrorCode::SessionEnded.into()),
            Attach::Watcher if self.state.watchers >= self.limits.max_watchers => Err(Refusal::new(
                ErrorCode::SessionFull,
                format!("Deze sessie heeft al {} schermen voor de zaal; gebruik er een dat al open is.", self.limits.max_watchers),
            )),
            Attach::Watcher => Ok((Role::Watcher, None)),
            Attach::Player { .. } if self.state.players >= self.limits.max_players => Err(ErrorCode::SessionFull.into()),
            Attach::Player { team } => {
                // A spelling of a team that is there already ("oost" for "Oost") joins that team.
                let team: Option<Arc<str>> =
                    team.map(|t| self.state.teams.keys().find(|k| protocol::team::same(k, &t)).cloned().unwrap_or_else(|| Arc::from(t)));
                let new_team = team.as_ref().is_some_and(|t| !self.state.teams.contains_key(t));
                if new_team && self.state.teams.len() >= self.limits.max_teams {
                    tracing::info!(code = %self.state.code, teams = self.state.teams.len(), "team cap reached; a new team was refused");
                    return Err(Refusal::new(
                        ErrorCode::InvalidTeam,
                        format!("Deze sessie heeft al {} teams; kies een team dat er al is of laat het veld leeg.", self.limits.max_teams),
                    ));
                }
                Ok((Role::Player, team))
            }
            Attach::Resume { .. } | Attach::Lead { .. } => unreachable!("a resume or a lead is not an admission"),
        }
    }

    /// A member of staff leads the session from one more browser: the facilitator with a token of
    /// its own, stored before it counts (also in an ended session: its report can be read).
    fn lead(&mut self, conn: u64, token: String, via: String, now: Now, effects: &mut Vec<Effect>) {
        let Some(member) = self.state.facilitator().filter(|_| self.state.created) else {
            return effects.push(Effect::Refused { conn, refusal: ErrorCode::UnknownSession.into() });
        };
        if self.state.lead_tokens >= crate::store::MAX_LEAD_TOKENS {
            let refusal = Refusal::new(
                ErrorCode::SessionFull,
                format!(
                    "Deze sessie is al vanuit {} browsers geleid; ga verder in een browser waarin je hem eerder leidde.",
                    crate::store::MAX_LEAD_TOKENS
                ),
            );
            return effects.push(Effect::Refused { conn, refusal });
        }
        self.state.lead_tokens += 1;
        let token_hash = hash_token(&token);
        let op = Op::LeadToken { code: self.state.code.clone(), token_hash, via, at_ms: now.ms };
        self.write(vec![op], Pending::LeadToken { conn: Some(conn), member, token_hash, token }, effects);
    }

    #[allow(clippy::too_many_arguments)] // the fields of `Pending::LeadToken`, and the machine's
    pub(super) fn lead_stored(
        &mut self,
        conn: Option<u64>,
        member: u32,
        token_hash: [u8; 32],
        token: String,
        ok: bool,
        now: Now,
        effects: &mut Vec<Effect>,
    ) {
        if !ok {
            self.state.lead_tokens -= 1;
            tracing::error!(code = %self.state.code, "a facilitator's token for another browser could not be stored; refused");
            if let Some(conn) = conn {
                effects.push(Effect::Refused { conn, refusal: not_stored("Het overnemen van de sessie is niet doorgegaan.") });
            }
            return;
        }
        self.state.tokens.insert(token_hash, member);
        if let Some(conn) = conn {
            self.connect(conn, member, (token, token_hash), false, now, effects);
        }
    }

    #[allow(clippy::too_many_arguments)] // the fields of `Pending::Member`
    pub(super) fn member_stored(
        &mut self,
        conn: Option<u64>,
        member: u32,
        role: Role,
        team: Option<Arc<str>>,
        token_hash: [u8; 32],
        token: String,
        ok: bool,
        now: Now,
        effects: &mut Vec<Effect>,
    ) {
        if !ok {
            self.state.uncount(team.as_ref(), role);
            tracing::error!(code = %self.state.code, role = role.as_str(), "a new member could not be stored; refused");
            if let Some(conn) = conn {
                effects.push(Effect::Refused { conn, refusal: not_stored("Je aanmelding is niet doorgegaan.") });
            }
            return;
        }
        self.state.created = true;
        self.state.add_member(member, role, team, token_hash);
        if let Some(conn) = conn {
            self.connect(conn, member, (token, token_hash), true, now, effects);
        }
    }

    /// Puts a stored member on `conn`: their welcome, the tally they may see, their role; an
    /// older connection of the same member is closed.
    /// `token` is the one it came in with, with its hash.
    fn connect(&mut self, conn: u64, member: u32, token: (String, [u8; 32]), fresh: bool, now: Now, effects: &mut Vec<Effect>) {
        let (token, via) = token;
        let role = self.state.members[&member].role;
        if let Some(old) = self.by_member.insert(member, conn).filter(|old| *old != conn)
            && self.remove_conn(old).is_some()
        {
            effects.push(Effect::Close { conn: old, reason: "elders opnieuw verbonden" });
        }
        self.conns.insert(conn, Conn { member, role, via });
        self.connected_players += u32::from(role == Role::Player);
        effects.push(Effect::Joined { conn, role });
        let (guesses, reasons) = if fresh || role != Role::Player { Default::default() } else { self.state.own_extras(member) };
        let welcome = ServerMsg::Welcome {
            role,
            code: self.state.code.clone(),
            token,
            player_id: (role == Role::Player).then(|| format!("p{member}")),
            session: self.state.view(role == Role::Facilitator, self.connected_players, now.ms),
            answers: if fresh || role != Role::Player { Default::default() } else { self.state.own_answers(member) },
            guesses,
            reasons,
        };
        effects.push(Effect::Send { to: To::Conn(conn), msg: welcome });
        let show_tally = match role {
            Role::Facilitator => self.state.facilitator_sees_result(),
            _ => self.state.phase == Phase::Revealed,
        };
        let tally = self.state.tally().filter(|_| show_tally);
        if let Some(t) = tally.map(|t| if role == Role::Facilitator { self.state.for_facilitator(t) } else { t }) {
            effects.push(Effect::Send { to: To::Conn(conn), msg: ServerMsg::Tally(t) });
        }
        self.send_role_to(member, conn, effects);
        if let Some(reasons) = self.reasons_msg().filter(|_| role == Role::Facilitator) {
            effects.push(Effect::Send { to: To::Conn(conn), msg: reasons });
        }
        if self.shown.is_some() {
            effects.push(Effect::Send { to: To::Conn(conn), msg: ServerMsg::Shown { reason: self.shown.clone() } });
        }
        if role != Role::Player && !self.state.agreements.is_empty() {
            effects.push(Effect::Send { to: To::Conn(conn), msg: self.agreements_msg() });
        }
        tracing::info!(code = %self.state.code, role = role.as_str(), resumed = !fresh, "member attached");
        if role == Role::Player {
            self.session_changed(now, effects);
        }
    }

    /// Forgets facilitator tokens of a colleague the session was taken back from, and closes the
    /// connections that came in with them.
    pub(super) fn revoke(&mut self, hashes: &[[u8; 32]], effects: &mut Vec<Effect>) {
        for hash in hashes {
            if self.state.tokens.remove(hash).is_some() {
                self.state.lead_tokens = self.state.lead_tokens.saturating_sub(1);
            }
        }
        let closing: Vec<u64> = self.conns.iter().filter(|(_, c)| hashes.contains(&c.via)).map(|(id, _)| *id).collect();
        for conn in closing {
            if let Some(c) = self.remove_conn(conn)
                && self.by_member.get(&c.member) == Some(&conn)
            {
                self.by_member.remove(&c.member);
            }
            effects.push(Effect::Close { conn, reason: "niet meer met je gedeeld" });
        }
        tracing::info!(code = %self.state.code, tokens = hashes.len(), "a colleague's facilitator tokens were taken back");
    }

    /// Forgets a connection, keeping the player count in step.
    fn remove_conn(&mut self, conn: u64) -> Option<Conn> {
        let c = self.conns.remove(&conn)?;
        self.connected_players -= u32::from(c.role == Role::Player);
        Some(c)
    }

    pub(super) fn leave(&mut self, conn: u64, now: Now, effects: &mut Vec<Effect>) {
        self.reported.remove(&conn);
        let Some(c) = self.remove_conn(conn) else {
            self.forget_waiting(conn);
            return;
        };
        if self.by_member.get(&c.member) == Some(&conn) {
            self.by_member.remove(&c.member);
        }
        tracing::debug!(code = %self.state.code, role = c.role.as_str(), "member left");
        if c.role == Role::Player {
            self.session_changed(now, effects);
        }
    }

    /// The connection a member is on now, if any.
    pub(super) fn conn_of(&self, member: u32) -> Option<u64> {
        self.by_member.get(&member).copied()
    }

    /// Tells a member (wherever they are connected now) that what they sent was not stored.
    pub(super) fn tell_not_stored(&self, member: u32, what: &str, effects: &mut Vec<Effect>) {
        if let Some(conn) = self.conn_of(member) {
            effects.push(Effect::Send { to: To::Conn(conn), msg: not_stored(what).into() });
        }
    }
}
