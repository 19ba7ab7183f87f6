//! The session task: takes commands in order, keeps connections, and sends coalesced `session` and `tally` messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use protocol::{ErrorCode, Phase, Refusal, Role, ServerMsg};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

use super::state::State;
use super::{Attach, Cmd};
use crate::config::Limits;
use crate::now_ms;
use crate::outbox::{Out, Outbox, encode};
use crate::secrets::{hash_token, new_token};
use crate::store::{Op, Store};

pub(super) struct Conn {
    pub member: u32,
    pub role: Role,
    pub out: Outbox,
}

pub(super) struct Actor {
    pub st: State,
    pub conns: HashMap<u64, Conn>,
    /// Connected players, kept in step with `conns` (counting them each time is O(n) per join).
    connected_players: u32,
    pub by_member: HashMap<u32, u64>,
    pub store: Store,
    pub limits: Arc<Limits>,
    pub rng: StdRng,
    ended: Arc<AtomicBool>,
    /// Coalesced `session` updates for the facilitator and watchers (10 a second)...
    staff: Coalesce,
    /// ...and for players, less often in a big room (see [`Actor::player_interval`]).
    players: Coalesce,
    /// The facilitator's live tally.
    tally: Coalesce,
    pub timer_due: Option<Instant>,
}

/// Leading-edge coalescing: the first change after a quiet spell goes out at once, later ones
/// wait until the interval has passed, and the last one is always sent.
#[derive(Debug, Default)]
struct Coalesce {
    last: Option<Instant>,
    due: Option<Instant>,
}

impl Coalesce {
    /// Whether to send now; otherwise the send is scheduled at `due`.
    fn changed(&mut self, now: Instant, interval: std::time::Duration) -> bool {
        match self.last {
            Some(last) if now < last + interval => {
                self.due.get_or_insert(last + interval);
                false
            }
            _ => true,
        }
    }

    fn sent(&mut self, now: Instant) {
        self.last = Some(now);
        self.due = None;
    }

    fn is_due(&self, now: Instant) -> bool {
        self.due.is_some_and(|d| d <= now)
    }
}

/// Who a `session` update is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    Staff,
    Players,
}

impl Audience {
    fn includes(self, role: Role) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Staff => role != Role::Player,
            Audience::Players => role == Role::Player,
        }
    }
}

impl Actor {
    pub fn new(st: State, store: Store, limits: Arc<Limits>, seed: Option<u64>, ended: Arc<AtomicBool>) -> Actor {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        let mut actor = Actor {
            st,
            conns: HashMap::new(),
            connected_players: 0,
            by_member: HashMap::new(),
            store,
            limits,
            rng,
            ended,
            staff: Coalesce::default(),
            players: Coalesce::default(),
            tally: Coalesce::default(),
            timer_due: None,
        };
        actor.schedule_timer();
        actor
    }

    pub async fn run(mut self, mut rx: mpsc::Receiver<Cmd>, shutdown: CancellationToken) {
        let far = || Instant::now() + std::time::Duration::from_secs(3600);
        loop {
            let due = [self.staff.due, self.players.due, self.tally.due, self.timer_due].into_iter().flatten().min();
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    self.handle(cmd).await;
                    // Take what else is waiting before looking at timers again.
                    for _ in 0..256 {
                        match rx.try_recv() {
                            Ok(cmd) => self.handle(cmd).await,
                            Err(_) => break,
                        }
                    }
                }
                () = tokio::time::sleep_until(due.unwrap_or_else(far)), if due.is_some() => self.on_due().await,
                () = shutdown.cancelled() => break,
            }
        }
        tracing::debug!(code = %self.st.code, "session task finished");
    }

    async fn handle(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Attach { conn, out, how, reply } => {
                let result = self.attach(conn, out, how);
                let _ = reply.send(result);
            }
            Cmd::Msg { conn, msg } => {
                if let Err(refusal) = self.on_msg(conn, msg).await
                    && let Some(c) = self.conns.get(&conn) {
                        c.out.msg(&refusal.into());
                    }
            }
            Cmd::Leave { conn } => self.leave(conn),
        }
    }

    async fn on_due(&mut self) {
        let now = Instant::now();
        if self.timer_due.is_some_and(|t| t <= now) {
            self.timer_due = None;
            self.timer_ran_out().await;
        }
        if self.staff.is_due(now) {
            self.send_session(Audience::Staff);
        }
        if self.players.is_due(now) {
            self.send_session(Audience::Players);
        }
        if self.tally.is_due(now) {
            self.send_live_tally();
        }
    }

    fn attach(&mut self, conn: u64, out: Outbox, how: Attach) -> Result<Role, Refusal> {
        let (member, role, token, fresh) = match how {
            Attach::Resume { token } => {
                let member = *self.st.tokens.get(&hash_token(&token)).ok_or_else(|| {
                    Refusal::new(
                        ErrorCode::Unauthorized,
                        "Deze sleutel hoort niet bij deze sessie; meld je opnieuw aan met de code.",
                    )
                })?;
                (member, self.st.members[&member].role, token, false)
            }
            how => {
                let (role, team) = match how {
                    Attach::Create => (Role::Facilitator, None),
                    Attach::Watcher => {
                        // A new projector on an ended session has nothing to show; one already
                        // watching can resume. Each watcher is stored, so their number is capped.
                        if self.st.phase == Phase::Ended {
                            return Err(ErrorCode::SessionEnded.into());
                        }
                        if self.st.watchers >= self.limits.max_watchers {
                            return Err(Refusal::new(
                                ErrorCode::SessionFull,
                                format!("Deze sessie heeft al {} schermen voor de zaal; gebruik er een dat al open is.", self.limits.max_watchers),
                            ));
                        }
                        (Role::Watcher, None)
                    }
                    Attach::Player { team } => {
                        if self.st.phase == Phase::Ended {
                            return Err(ErrorCode::SessionEnded.into());
                        }
                        if self.st.players >= self.limits.max_players {
                            return Err(ErrorCode::SessionFull.into());
                        }
                        let new_team = team.as_deref().is_some_and(|t| !self.st.teams.contains(t));
                        if new_team && self.st.teams.len() >= self.limits.max_teams {
                            tracing::info!(code = %self.st.code, teams = self.st.teams.len(), "team cap reached; a new team was refused");
                            return Err(Refusal::new(
                                ErrorCode::InvalidTeam,
                                format!("Deze sessie heeft al {} teams; kies een team dat er al is of laat het veld leeg.", self.limits.max_teams),
                            ));
                        }
                        (Role::Player, team)
                    }
                    Attach::Resume { .. } => unreachable!("handled above"),
                };
                let member = self.st.next_member;
                let token = new_token();
                let hash = hash_token(&token);
                self.st.add_member(member, role, team.as_deref().map(Arc::from), hash);
                let (done, gate) = oneshot::channel();
                let op = Op::Member { code: self.st.code.clone(), member, role: role.as_str(), token_hash: hash, team };
                self.store.submit(op, Some(Box::new(move |ok| {
                    let _ = done.send(ok);
                })));
                out.push(Out::Gate(gate));
                (member, role, token, true)
            }
        };
        if let Some(old) = self.by_member.insert(member, conn).and_then(|c| self.remove_conn(c)) {
            old.out.push(Out::Close(CloseCode::Normal, "elders opnieuw verbonden"));
        }
        let welcome = ServerMsg::Welcome {
            role,
            code: self.st.code.clone(),
            token,
            player_id: (role == Role::Player).then(|| format!("p{member}")),
            session: self.st.view(role == Role::Facilitator, self.participants() + u32::from(role == Role::Player), now_ms()),
            answers: if fresh || role != Role::Player { Default::default() } else { self.st.own_answers(member) },
        };
        out.msg(&welcome);
        let show_tally = match role {
            Role::Facilitator => self.st.phase != Phase::Lobby,
            _ => self.st.phase == Phase::Revealed,
        };
        if let Some(t) = self.st.tally().filter(|_| show_tally) {
            out.msg(&ServerMsg::Tally(t));
        }
        self.send_role_to(member, &out);
        tracing::info!(code = %self.st.code, role = role.as_str(), resumed = !fresh, "member attached");
        self.conns.insert(conn, Conn { member, role, out });
        if role == Role::Player {
            self.connected_players += 1;
            self.session_changed();
        }
        Ok(role)
    }

    /// Forgets a connection, keeping the player count in step.
    fn remove_conn(&mut self, conn: u64) -> Option<Conn> {
        let c = self.conns.remove(&conn)?;
        if c.role == Role::Player {
            self.connected_players -= 1;
        }
        Some(c)
    }

    fn leave(&mut self, conn: u64) {
        let Some(c) = self.remove_conn(conn) else { return };
        if self.by_member.get(&c.member) == Some(&conn) {
            self.by_member.remove(&c.member);
        }
        tracing::debug!(code = %self.st.code, role = c.role.as_str(), "member left");
        if c.role == Role::Player {
            self.session_changed();
        }
    }

    pub fn participants(&self) -> u32 {
        self.connected_players
    }

    /// Sends the current `session` to everyone, at once: every change of phase or item.
    pub fn broadcast_session(&mut self) {
        self.send_session(Audience::Everyone);
    }

    /// Sends `session` to `audience`: one serialisation for the facilitator, one for the rest.
    fn send_session(&mut self, audience: Audience) {
        let now = now_ms();
        let participants = self.participants();
        let facilitator = encode(&ServerMsg::Session { session: self.st.view(true, participants, now) });
        let public = encode(&ServerMsg::Session { session: self.st.view(false, participants, now) });
        self.deliver(|role| {
            audience.includes(role).then(|| if role == Role::Facilitator { facilitator.clone() } else { public.clone() })
        });
        let sent = Instant::now();
        if audience.includes(Role::Facilitator) {
            self.staff.sent(sent);
        }
        if audience.includes(Role::Player) {
            self.players.sent(sent);
        }
        self.ended.store(self.st.phase == Phase::Ended, Ordering::Relaxed);
    }

    /// How often players hear about changed counts: 10 a second in a normal room, less in a big
    /// one (0.1 ms per player, at most once a second), so the fan-out of a count that players do
    /// not even show stays bounded. The contract asks "at most 10 per second"; the facilitator
    /// and the projector keep 10.
    fn player_interval(&self) -> std::time::Duration {
        let scaled = std::time::Duration::from_micros(100 * u64::from(self.participants()));
        scaled.clamp(self.limits.coalesce, std::time::Duration::from_secs(1).max(self.limits.coalesce))
    }

    /// A count changed: each audience hears at once after a quiet spell, otherwise when its interval has passed.
    pub fn session_changed(&mut self) {
        let now = Instant::now();
        if self.staff.changed(now, self.limits.coalesce) {
            self.send_session(Audience::Staff);
        }
        let interval = self.player_interval();
        if self.players.changed(now, interval) {
            self.send_session(Audience::Players);
        }
    }

    pub fn tally_changed(&mut self) {
        if self.tally.changed(Instant::now(), self.limits.coalesce) {
            self.send_live_tally();
        }
    }

    /// The live tally, to the facilitator only.
    pub fn send_live_tally(&mut self) {
        self.tally.sent(Instant::now());
        let Some(t) = self.st.tally() else { return };
        let text = encode(&ServerMsg::Tally(t));
        self.deliver(|role| (role == Role::Facilitator).then(|| text.clone()));
    }

    /// Sends to every connection the text `pick` chooses for its role; drops whoever cannot keep up.
    pub fn deliver(&mut self, pick: impl Fn(Role) -> Option<tokio_tungstenite::tungstenite::Utf8Bytes>) {
        let mut slow = Vec::new();
        for (id, c) in &self.conns {
            if let Some(text) = pick(c.role)
                && !c.out.text(text) && c.out.is_kicked() {
                    slow.push(*id);
                }
        }
        for id in slow {
            tracing::info!(code = %self.st.code, "dropping a client that cannot keep up; it can resume");
            self.leave(id);
        }
    }

    /// Sends `member` their role in the current sketch, if they have one.
    pub fn send_role_to(&self, member: u32, out: &Outbox) {
        let Some(item) = self.st.item() else { return };
        let Some(sketch) = item.sketch() else { return };
        let Some(assigned) = self.st.roles.get(&item.id) else { return };
        for (role, _) in assigned.iter().filter(|(_, m)| *m == member) {
            if let Some(r) = sketch.roles.iter().find(|r| &r.name == role) {
                out.msg(&ServerMsg::Role { item: item.id.clone(), role: r.name.clone(), briefing: r.briefing.clone() });
            }
        }
    }

    pub fn schedule_timer(&mut self) {
        self.timer_due = None;
        if self.st.phase != Phase::Open {
            return;
        }
        if let Some(view) = self.st.timer_view(now_ms()) {
            self.timer_due = Some(Instant::now() + std::time::Duration::from_millis(view.remaining_ms));
        }
    }
}
