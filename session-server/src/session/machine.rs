//! The session's rules in one place: [`Machine::handle`] takes one input and returns what to store and what to send.
//!
//! It is pure: no I/O, no channels, no clock of its own (the time comes with each input). The
//! in-memory [`State`] only ever holds what the store has committed: a change that needs a write
//! is kept as [`Pending`] until its `Committed` input arrives, and only then applied and announced
//! (or, when the write failed, dropped with a `storage_failed` error to whoever asked).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use protocol::{AgreementView, ClientMsg, ControlAction, ErrorCode, Phase, Refusal, Role, ServerMsg, ShownReason};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::time::Instant;

use super::Attach;
use super::coalesce::Coalesce;
use super::extras::Extra;
use super::state::State;
use crate::config::Limits;
use crate::store::Op;

/// What a report is of: this session (its results as they are now), or its whole series (read
/// from the database).
#[derive(Debug)]
pub(crate) enum ReportOf {
    Session(Box<crate::report::Report>),
    Series,
}

/// The time an input happens at: a monotonic instant for coalescing, wall-clock ms for what is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub at: Instant,
    pub ms: i64,
}

impl Now {
    pub fn current() -> Now {
        Now { at: Instant::now(), ms: crate::now_ms() }
    }
}

/// Everything that can happen to a session.
#[derive(Debug)]
pub(crate) enum Input {
    /// A connection asks to enter; `token` is a fresh secret for a new member (unused on resume).
    Attach {
        conn: u64,
        how: Attach,
        token: String,
    },
    Msg {
        conn: u64,
        msg: ClientMsg,
    },
    Leave {
        conn: u64,
    },
    /// The store's answer for the write with this id.
    Committed {
        write: u64,
        ok: bool,
    },
    /// A time from [`Machine::next_due`] has come.
    Tick,
    /// The person who runs the server ends the session.
    End,
    /// These facilitator tokens (of browsers a colleague led from) count no more: the session was
    /// taken back from that colleague. Their rows are already gone from the database.
    Revoke {
        hashes: Vec<[u8; 32]>,
    },
}

impl Input {
    fn conn(&self) -> Option<u64> {
        match self {
            Input::Attach { conn, .. } | Input::Msg { conn, .. } | Input::Leave { conn } => Some(*conn),
            Input::Committed { .. } | Input::Tick | Input::End | Input::Revoke { .. } => None,
        }
    }
}

/// Who a message is for: one connection, or every connection whose member has one of these roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum To {
    Conn(u64),
    Roles(&'static [Role]),
}

impl To {
    /// Whether a message sent this way reaches connection `conn`, in the session as `role` (`None`: not in yet).
    pub fn reaches(self, conn: u64, role: Option<Role>) -> bool {
        match self {
            To::Conn(c) => c == conn,
            To::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
        }
    }
}

pub(crate) const EVERYONE: &[Role] = &[Role::Facilitator, Role::Player, Role::Watcher];
pub(crate) const STAFF: &[Role] = &[Role::Facilitator, Role::Watcher];
pub(crate) const PLAYERS: &[Role] = &[Role::Player];
/// Everyone but the facilitator (who gets some messages in a copy of their own).
pub(crate) const AUDIENCE: &[Role] = &[Role::Player, Role::Watcher];
pub(crate) const FACILITATOR: &[Role] = &[Role::Facilitator];

/// What the executor does, in this order.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // short-lived: a handful per input, consumed at once
pub(crate) enum Effect {
    /// Store these ops together; answer with `Input::Committed { write: id, .. }`.
    Write {
        id: u64,
        ops: Vec<Op>,
    },
    Send {
        to: To,
        msg: ServerMsg,
    },
    /// The connection is in, as `role`: broadcasts reach it from here on.
    Joined {
        conn: u64,
        role: Role,
    },
    /// The facilitator on `conn` asked for the report of this session's series: read from the
    /// database off the session's task, then sent to that connection.
    /// A report for the facilitator, rendered off the session's task (at most a few at once, server-wide).
    Report {
        conn: u64,
        format: protocol::ReportFormat,
        of: ReportOf,
    },
    /// The connection's request to enter is refused.
    Refused {
        conn: u64,
        refusal: Refusal,
    },
    /// Close this connection (its member opened the session elsewhere).
    Close {
        conn: u64,
        reason: &'static str,
    },
}

/// A connection that is in the session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conn {
    pub member: u32,
    pub role: Role,
    /// The SHA-256 of the token it came in with (a facilitator may have several: `lead`).
    pub via: [u8; 32],
}

/// A change that waits for its write.
#[derive(Debug)]
pub(crate) enum Pending {
    /// A new member (and for the creator, the session itself). `conn` is `None` once it left.
    Member {
        conn: Option<u64>,
        member: u32,
        role: Role,
        team: Option<Arc<str>>,
        token_hash: [u8; 32],
        token: String,
    },
    Answer {
        member: u32,
        item: usize,
        option: usize,
    },
    /// A new phase, item, timer or role draw; `by` is `None` when the server itself does it (a
    /// sketch's timer ran out: `close`; idle or the operator: `end`).
    Control {
        by: Option<u64>,
        action: ControlAction,
        change: Change,
    },
    /// An agreement added (`Some`) or taken back (its number), asked for on connection `by`.
    Agreement {
        by: u64,
        added: Option<AgreementView>,
        dropped: Option<u32>,
    },
    /// A guess, a reason or what an item asks, sent on connection `by`.
    Extra {
        by: u64,
        extra: Extra,
    },
    /// A statement from the room: the session's deck as it will be.
    Statement {
        by: u64,
        deck: Arc<protocol::scenario::Deck>,
    },
    /// One more token of the facilitator, for a browser a member of staff leads from (`lead`);
    /// `conn` is `None` once it left.
    LeadToken {
        conn: Option<u64>,
        member: u32,
        token_hash: [u8; 32],
        token: String,
    },
}

/// The part of the state a control changes, as it will be once stored.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub phase: Phase,
    pub current: Option<usize>,
    pub timer: Option<(i64, u32)>,
    /// A sketch's role draw: (item id, (role, member)).
    pub roles: Option<(String, Vec<(String, u32)>)>,
    /// A reveal that shows the item's current answers: they become what later reveals are compared with.
    pub revealed: Option<usize>,
}

/// Inputs that wait while a phase change is being stored, at most this many; more are refused.
const MAX_DEFERRED: usize = 100_000;

/// What a waiting input costs in memory, roughly: its message as it came, and a little for the rest.
fn weight(input: &Input) -> usize {
    match input {
        Input::Msg { msg, .. } => 64 + serde_json::to_vec(msg).map_or(0, |v| v.len()),
        _ => 128,
    }
}

pub(crate) struct Machine {
    pub(super) state: State,
    /// The highest agreement number handed out by this machine (stored or on its way).
    pub(super) agreement_numbers: u32,
    pub(super) limits: Arc<Limits>,
    pub(super) rng: StdRng,
    pub(super) conns: HashMap<u64, Conn>,
    pub(super) by_member: HashMap<u32, u64>,
    /// Connected players, kept in step with `conns` (counting them each time is O(n) per join).
    pub(super) connected_players: u32,
    pending: HashMap<u64, Pending>,
    /// Each connection's reports still counting against its burst, as of when (see `Limits::report_burst`).
    pub(super) reported: HashMap<u64, (f64, Instant)>,
    next_write: u64,
    /// Set while a phase change is being stored: other members' inputs then wait in `deferred`,
    /// so that they meet the phase the room is about to see.
    control_pending: bool,
    deferred: VecDeque<Input>,
    /// Roughly the bytes `deferred` holds (its messages as sent), bounded by `Limits::deferred_bytes`.
    deferred_bytes: usize,
    /// Whether the current sketch's countdown has been dealt with.
    pub(super) timer_done: bool,
    /// When a member last did anything (wall-clock ms): sessions left alone end by themselves.
    last_active_ms: i64,
    /// Coalesced `session` updates for the facilitator and watchers (10 a second)...
    pub(super) staff: Coalesce,
    /// ...and for players, less often in a big room (see [`Machine::player_interval`]).
    pub(super) players: Coalesce,
    /// The facilitator's live tally (and the reasons, when the item asks for them).
    pub(super) tally: Coalesce,
    /// The reason the facilitator put on the projector, until the next item (not stored: a
    /// restarted server shows none).
    pub(super) shown: Option<ShownReason>,
    /// A statement from the room is on its way to disk (one at a time: each builds on the deck before it).
    pub(super) statement_pending: bool,
}

impl Machine {
    /// A machine for `state`, whose idle clock starts at `since_ms`.
    pub fn new(state: State, limits: Arc<Limits>, seed: Option<u64>, since_ms: i64) -> Machine {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        Machine {
            state,
            agreement_numbers: 0,
            limits,
            rng,
            conns: HashMap::new(),
            by_member: HashMap::new(),
            connected_players: 0,
            pending: HashMap::new(),
            reported: HashMap::new(),
            next_write: 1,
            control_pending: false,
            deferred: VecDeque::new(),
            deferred_bytes: 0,
            timer_done: false,
            last_active_ms: since_ms,
            staff: Coalesce::default(),
            players: Coalesce::default(),
            tally: Coalesce::default(),
            shown: None,
            statement_pending: false,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The one entry: what `input` at `now` changes, and what follows from it.
    pub fn handle(&mut self, input: Input, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.step(input, now, &mut effects);
        effects
    }

    fn step(&mut self, input: Input, now: Now, effects: &mut Vec<Effect>) {
        if input.conn().is_some() {
            self.last_active_ms = now.ms;
        }
        match input {
            Input::Committed { write, ok } => self.committed(write, ok, now, effects),
            Input::Leave { conn } => self.leave(conn, now, effects),
            Input::Tick => self.tick(now, effects),
            Input::Revoke { hashes } => self.revoke(&hashes, effects),
            input @ Input::End if self.control_pending => self.defer(input, effects),
            Input::End => self.end_by_server("ended by the operator", effects),
            input if self.control_pending => self.defer(input, effects),
            Input::Attach { conn, how, token } => self.attach(conn, how, token, now, effects),
            Input::Msg { conn, msg } => self.message(conn, msg, now, effects),
        }
    }

    /// Every change that needs storing goes through here.
    /// The answers to item `item` on their way to the disk, in the order they were sent: (member, option).
    pub(super) fn answers_pending_to(&self, item: usize) -> Vec<(u32, usize)> {
        let mut pending: Vec<(u64, u32, usize)> = self
            .pending
            .iter()
            .filter_map(|(id, p)| match p {
                Pending::Answer { member, item: i, option } if *i == item => Some((*id, *member, *option)),
                _ => None,
            })
            .collect();
        pending.sort_unstable();
        pending.into_iter().map(|(_, m, o)| (m, o)).collect()
    }

    /// Whether an answer of `member` to item `item` is on its way to the disk.
    pub(super) fn answer_pending(&self, member: u32, item: usize) -> bool {
        self.pending.values().any(|p| matches!(p, Pending::Answer { member: m, item: i, .. } if *m == member && *i == item))
    }

    /// The place of `member`'s reason to item `index` as the last of its writes on the way leaves
    /// it (`Some(None)`: withdrawn), or `None` when none is on its way.
    pub(super) fn reason_on_way(&self, member: u32, index: usize) -> Option<Option<u64>> {
        let on_way = self.pending.iter().filter_map(|(id, p)| match p {
            Pending::Extra { extra: Extra::Reason { member: m, item, text }, .. } if *m == member && *item == index => {
                Some((*id, text.as_ref().map(|t| t.1)))
            }
            _ => None,
        });
        on_way.max_by_key(|(id, _)| *id).map(|(_, place)| place)
    }

    pub(super) fn write(&mut self, ops: Vec<Op>, pending: Pending, effects: &mut Vec<Effect>) {
        let id = self.next_write;
        self.next_write += 1;
        self.control_pending |= matches!(pending, Pending::Control { .. });
        self.pending.insert(id, pending);
        effects.push(Effect::Write { id, ops });
    }

    /// A write came back: apply and announce what it carried, or tell whoever asked that it failed.
    fn committed(&mut self, write: u64, ok: bool, now: Now, effects: &mut Vec<Effect>) {
        let Some(pending) = self.pending.remove(&write) else { return };
        match pending {
            Pending::Member { conn, member, role, team, token_hash, token } => {
                self.member_stored(conn, member, role, team, token_hash, token, ok, now, effects)
            }
            Pending::Answer { member, item, option } => self.answer_stored(member, item, option, ok, now, effects),
            Pending::Agreement { by, added, dropped } => self.agreement_stored(by, added, dropped, ok, effects),
            Pending::Extra { by, extra } => self.extra_stored(by, extra, ok, now, effects),
            Pending::Statement { by, deck } => self.statement_stored(by, deck, ok, now, effects),
            Pending::LeadToken { conn, member, token_hash, token } => self.lead_stored(conn, member, token_hash, token, ok, now, effects),
            Pending::Control { by, action, change } => {
                self.control_pending = false;
                self.control_stored(by, action, change, ok, now, effects);
                while !self.control_pending {
                    let Some(input) = self.deferred.pop_front() else { break };
                    self.deferred_bytes = self.deferred_bytes.saturating_sub(weight(&input));
                    self.step(input, now, effects);
                }
            }
        }
    }

    fn defer(&mut self, input: Input, effects: &mut Vec<Effect>) {
        let weight = weight(&input);
        if self.deferred.len() < MAX_DEFERRED && self.deferred_bytes + weight <= self.limits.deferred_bytes {
            self.deferred_bytes += weight;
            self.deferred.push_back(input);
            return;
        }
        let busy = Refusal::new(ErrorCode::RateLimited, "De server is even druk met opslaan; probeer het zo opnieuw.");
        match input {
            Input::Attach { conn, .. } => effects.push(Effect::Refused { conn, refusal: busy }),
            Input::Msg { conn, .. } => effects.push(Effect::Send { to: To::Conn(conn), msg: busy.into() }),
            _ => {}
        }
    }

    /// Forgets what a connection that left (before it was in) was still waiting for.
    pub(super) fn forget_waiting(&mut self, conn: u64) {
        self.deferred.retain(|i| i.conn() != Some(conn));
        self.deferred_bytes = self.deferred.iter().map(weight).sum();
        for p in self.pending.values_mut() {
            if let Pending::Member { conn: c @ Some(_), .. } | Pending::LeadToken { conn: c @ Some(_), .. } = p
                && *c == Some(conn)
            {
                *c = None;
            }
        }
    }

    /// When [`Input::Tick`] is next wanted: a coalesced message, the end of a sketch's countdown,
    /// the moment an idle session ends, or the moment an ended one may leave memory.
    pub fn next_due(&self, now: Now) -> Option<Instant> {
        let idle = self.idle_until().map(|ms| at(now, ms));
        let unload = self.unload_at().map(|ms| at(now, ms));
        [self.staff.due, self.players.due, self.tally.due, self.timer_due(now), idle, unload].into_iter().flatten().min()
    }

    /// When this session ends for lack of activity (wall-clock ms), unless someone does something.
    fn idle_until(&self) -> Option<i64> {
        if !self.state.created || self.control_pending {
            return None;
        }
        let after = match self.state.phase {
            Phase::Ended => return None,
            Phase::Lobby => self.limits.idle_lobby,
            _ => self.limits.idle_any,
        };
        Some(self.last_active_ms.saturating_add(after.as_millis() as i64))
    }

    /// When an ended session with nobody in it may leave memory.
    fn unload_at(&self) -> Option<i64> {
        let quiet = self.state.phase == Phase::Ended && self.conns.is_empty() && self.pending.is_empty() && self.deferred.is_empty();
        quiet.then(|| self.last_active_ms.saturating_add(self.limits.unload_after.as_millis() as i64))
    }

    /// Whether the session is done with memory: ended, nobody in it, nothing on its way, for a while.
    pub fn finished(&self, now: Now) -> bool {
        self.unload_at().is_some_and(|ms| ms <= now.ms)
    }

    /// The server ends the session itself (idle, or the operator asked): stored, then announced.
    fn end_by_server(&mut self, why: &'static str, effects: &mut Vec<Effect>) {
        if self.state.phase == Phase::Ended || !self.state.created {
            return;
        }
        tracing::info!(code = %self.state.code, why, "the server ends this session");
        let change = Change { phase: Phase::Ended, current: self.state.current, timer: self.state.timer, roles: None, revealed: None };
        self.write_change(None, ControlAction::End, change, effects);
    }

    pub(super) fn timer_due(&self, now: Now) -> Option<Instant> {
        if self.state.phase != Phase::Scene || self.timer_done || self.control_pending {
            return None;
        }
        let view = self.state.timer_view(now.ms)?;
        Some(now.at + std::time::Duration::from_millis(view.remaining_ms))
    }

    fn tick(&mut self, now: Now, effects: &mut Vec<Effect>) {
        if self.timer_due(now).is_some_and(|due| due <= now.at) {
            self.timer_ran_out(now, effects);
        }
        if self.idle_until().is_some_and(|ms| ms <= now.ms) {
            self.end_by_server("nobody did anything for too long", effects);
        }
        if self.staff.is_due(now.at) {
            self.send_session(STAFF, now, effects);
        }
        if self.players.is_due(now.at) {
            self.send_session(PLAYERS, now, effects);
        }
        if self.tally.is_due(now.at) {
            self.send_live_tally(now, effects);
        }
    }
}

/// The instant at wall-clock `ms`, seen from `now`.
fn at(now: Now, ms: i64) -> Instant {
    now.at + std::time::Duration::from_millis(ms.saturating_sub(now.ms).max(0) as u64)
}

/// The refusal when a write did not make it to disk: what it means for the person, then the
/// code's own sentence (what happened and what to do).
pub(super) fn not_stored(what: &str) -> Refusal {
    Refusal::new(ErrorCode::StorageFailed, format!("{what} {}", ErrorCode::StorageFailed.default_message()))
}
