//! The session's rules written a second time, plainly, for the property test: what the machine must do with each input it takes.
//!
//! This is not the machine's code, nor the `protocol::flow` functions it calls: the phases and
//! which control is legal in which, who may send what, when an answer, guess or reason is taken,
//! the caps on teams and projectors, resuming by token (and the older connection closed), the
//! role draw, agreements and statements from the room, the report's rate, the sketch's countdown
//! and the idle end. Inputs that arrive while a phase change is being stored wait, here as in the
//! machine, and are judged when it is stored. For every input judged the model says what must
//! follow: the writes, in order and op by op, and each refusal, acknowledgement, admission,
//! closed connection and report, to whom. [`super::Room`] compares that with the machine's
//! effects: an input dropped without a word, taken when it should be refused or refused when it
//! should be taken fails the test.

use std::collections::{BTreeSet, HashMap, VecDeque};

use protocol::{ClientMsg, ControlAction, ErrorCode, Phase, Role};

use super::super::Attach;
use super::super::machine::Input;
use super::Room;
use crate::store::Op;

/// An item of the test's deck as the model knows it (written out by hand from `DECK`).
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub id: String,
    pub options: Vec<String>,
    /// A sketch: its roles (name, briefing) and seconds.
    pub sketch: Option<(Vec<(String, String)>, u32)>,
    /// What the deck asks by default: (guess, reason).
    pub asks: (bool, bool),
}

fn item(id: &str, options: &[&str], sketch: Option<(&[(&str, &str)], u32)>, asks: (bool, bool)) -> Item {
    Item {
        id: id.into(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        sketch: sketch.map(|(roles, s)| (roles.iter().map(|(n, b)| ((*n).to_owned(), (*b).to_owned())).collect(), s)),
        asks,
    }
}

const DEFAULT: [&str; 3] = ["eens", "oneens", "hangt_af"];

/// The deck of the test, by hand.
pub(super) fn deck() -> Vec<Item> {
    vec![
        item("a", &DEFAULT, None, (true, true)),
        item("b", &DEFAULT, None, (false, false)),
        item("s", &[], Some((&[("een", "geheim een"), ("twee", "geheim twee")], 30)), (false, false)),
        item("t", &DEFAULT, Some((&[("drie", "geheim drie"), ("vier", "geheim vier")], 40)), (false, false)),
    ]
}

/// Statements the facilitator may type, and what must come of each: refused, or stored with this
/// text and these option ids.
/// A statement typed: its text, its options, and what is stored (text, option ids) or `None`: refused.
type Typed = (&'static str, &'static [&'static str], Option<(&'static str, &'static [&'static str])>);

pub(super) const STATEMENTS: [Typed; 5] = [
    ("Wij bellen eerst.", &[], Some(("Wij bellen eerst.", &DEFAULT))),
    ("  \u{7} ", &[], None),
    ("Koffie\u{7}of  thee?", &["Koffie", " Thee "], Some(("Koffie of thee?", &["koffie", "thee"]))),
    ("Ja?", &["Ja"], None),
    ("Twee keer?", &["Ja", "ja"], None),
];

/// One op of a write, as the model expects it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape {
    Create,
    Member {
        role: Role,
        team: Option<String>,
    },
    Answer {
        item: String,
        member: u32,
        option: String,
    },
    Phase {
        phase: Phase,
        item: Option<String>,
        timer: Option<(i64, u32)>,
    },
    /// The draw of a sketch's roles: these names in order, each to a different one of `among`.
    Roles {
        item: String,
        names: Vec<String>,
        among: BTreeSet<u32>,
    },
    Revealed {
        item: String,
    },
    Agreement {
        number: u32,
        item: Option<String>,
        text: String,
    },
    DropAgreement {
        number: u32,
    },
    Ask {
        item: String,
        predict: bool,
        reasons: bool,
    },
    Guess {
        item: String,
        member: u32,
        percent: u32,
    },
    Reason {
        item: String,
        member: u32,
        text: Option<String>,
    },
    /// A statement from the room: the deck (these items before) gains an item with this id, text and option ids.
    Deck {
        before: Vec<String>,
        id: String,
        text: String,
        options: Vec<String>,
    },
    Preview {
        on: bool,
    },
}

/// Whether the machine's `op` is the one the model wants.
pub(super) fn fits(want: &Shape, op: &Op) -> bool {
    match (want, op) {
        (Shape::Create, Op::CreateSession { .. }) => true,
        (Shape::Member { role, team }, Op::Member { role: r, team: t, .. }) => role == r && team == t,
        (Shape::Answer { item, member, option }, Op::Answer { item: i, member: m, option: o, .. }) => (item, member, option) == (i, m, o),
        (Shape::Phase { phase, item, timer }, Op::Phase { phase: p, item: i, timer: t, .. }) => (phase, item, timer) == (p, i, t),
        (Shape::Roles { item, names, among }, Op::Roles { item: i, assignments, .. }) => {
            let drawn: BTreeSet<u32> = assignments.iter().map(|(_, m)| *m).collect();
            let filled = names.len().min(among.len());
            let in_order = assignments.iter().map(|(r, _)| r).eq(names.iter().take(filled));
            item == i && in_order && drawn.len() == filled && drawn.is_subset(among)
        }
        (Shape::Revealed { item }, Op::Revealed { item: i, .. }) => item == i,
        (Shape::Agreement { number, item, text }, Op::Agreement { number: n, item: i, text: t, .. }) => (number, item, text) == (n, i, t),
        (Shape::DropAgreement { number }, Op::DropAgreement { number: n, .. }) => number == n,
        (Shape::Ask { item, predict, reasons }, Op::Ask { item: i, predict: p, reasons: r, .. }) => (item, predict, reasons) == (i, p, r),
        (Shape::Guess { item, member, percent }, Op::Guess { item: i, member: m, percent: p, .. }) => (item, member, percent) == (i, m, p),
        (Shape::Reason { item, member, text }, Op::Reason { item: i, member: m, text: t, .. }) => {
            (item, member) == (i, m) && text.as_deref() == t.as_ref().map(|(t, _)| t.as_str())
        }
        (Shape::Deck { before, id, text, options }, Op::Deck { deck_json, .. }) => {
            let deck: protocol::scenario::Deck = serde_json::from_str(deck_json).expect("a stored deck reads back");
            let kept = deck.items.iter().map(|i| &i.id).take(deck.items.len().saturating_sub(1)).eq(before.iter());
            let Some(last) = deck.items.last().filter(|_| kept) else { return false };
            let statement = match &last.body {
                protocol::scenario::ItemBody::Dilemma { statement, .. } => statement.as_str(),
                _ => return false,
            };
            &last.id == id && statement == text && last.option_ids() == *options
        }
        (Shape::Preview { on }, Op::Preview { on: o, .. }) => on == o,
        _ => false,
    }
}

/// Who a write is for, so that its result goes to them.
#[derive(Debug, Clone)]
pub(super) enum Origin {
    Member {
        conn: u64,
        role: Role,
        team: Option<String>,
        token: String,
        member: u32,
    },
    Answer {
        member: u32,
        item: String,
        option: String,
    },
    /// A phase change; `by` is `None` when the server made it (the countdown, idle, the operator).
    Control {
        by: Option<u64>,
        action: ControlAction,
    },
    Agreement {
        by: u64,
    },
    Guess {
        by: u64,
    },
    Reason {
        by: u64,
        item: String,
        member: u32,
    },
    Setting {
        by: u64,
    },
    Statement {
        by: u64,
        item: Item,
    },
}

/// Which acknowledgement a player gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AckKind {
    Answer,
    Guess,
    Reason,
}

/// What must follow from one input.
#[derive(Debug, Clone)]
pub(super) enum Want {
    Write {
        ops: Vec<Shape>,
        origin: Origin,
    },
    Error {
        conn: u64,
        code: ErrorCode,
    },
    /// An error to whoever leads now (the one who asked has gone).
    ErrorToFacilitator {
        code: ErrorCode,
    },
    Refused {
        conn: u64,
        code: ErrorCode,
    },
    Joined {
        conn: u64,
    },
    Close {
        conn: u64,
    },
    Ack {
        conn: u64,
        kind: AckKind,
    },
    Report {
        conn: u64,
    },
    /// A reason goes up on the projector (`true`) or comes down.
    Shown {
        up: bool,
    },
    /// Everyone hears the new phase.
    Session,
    /// A drawn player gets their role (its text is checked where it arrives).
    Role {
        conn: u64,
        role: String,
    },
    /// At a reveal the whole room gets the result.
    RoomTally,
    /// The front of the room hears the agreements.
    Agreements,
}

/// An input that waits behind a phase change.
#[derive(Debug)]
pub(super) enum Held {
    Attach { conn: u64, how: Attach },
    Msg { conn: u64, msg: ClientMsg },
    End,
}

/// The model's own bookkeeping: who is in, what waits, what is on its way.
#[derive(Debug, Default)]
pub(super) struct Model {
    /// Connections that are in: conn → (role, member).
    pub conns: HashMap<u64, (Role, u32)>,
    /// Every connection that came in, and its seat (kept after it goes).
    pub seats: HashMap<u64, (Role, u32)>,
    /// Connections that asked to come in and have had no answer, with the token they were given.
    pub waiting: HashMap<u64, String>,
    /// Connections that came in by resuming (their welcome carries what they gave before).
    pub resumed: BTreeSet<u64>,
    /// Committed members: member → (role, token, team).
    pub members: HashMap<u32, (Role, String, Option<String>)>,
    pub deferred: VecDeque<Held>,
    pub control_pending: bool,
    /// Writes on their way, by id.
    pub origin: HashMap<u64, Origin>,
    /// New members on their way: (role, team).
    pub joining: Vec<(Role, Option<String>)>,
    /// Answers on their way, in order: (item, member, option).
    pub answering: Vec<(String, u32, String)>,
    /// Reasons on their way, in order: (item, member, given or withdrawn).
    pub reasoning: Vec<(String, u32, bool)>,
    pub statement_pending: bool,
    pub items: Vec<Item>,
    /// What each item asks, as committed: (guess, reason).
    pub asks: HashMap<String, (bool, bool)>,
    pub timer: Option<(i64, u32)>,
    /// Whether the countdown of the sketch on screen is still to run out.
    pub timer_armed: bool,
    /// Whether a reason is on the projector, and whose: (item, writer).
    pub shown: bool,
    pub shown_reason: Option<(String, u32)>,
    /// The highest agreement number handed out.
    pub agreement_numbers: u32,
    /// Each connection's reports in its burst, and when (ms).
    pub reported: HashMap<u64, (f64, u64)>,
    /// When a member last did anything (test ms).
    pub last_active: u64,
    /// (item, member) → the reason's place, as committed.
    pub places: HashMap<(String, u32), u64>,
    /// Which of the rules' rarer branches this run took (for the generator's coverage).
    pub covered: BTreeSet<&'static str>,
}

/// Text as stored: control characters and runs of white space become one space, none at the ends.
fn clean(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Room {
    /// What must follow from `input`, judged now or (while a phase change is on its way) later.
    pub(super) fn expect(&mut self, input: &Input) -> Vec<Want> {
        let mut wants = Vec::new();
        match input {
            Input::Attach { conn, how, token } => {
                self.m.last_active = self.t;
                self.m.waiting.insert(*conn, token.clone());
                self.judge(Held::Attach { conn: *conn, how: how.clone() }, &mut wants);
            }
            Input::Msg { conn, msg } => {
                self.m.last_active = self.t;
                self.judge(Held::Msg { conn: *conn, msg: msg.clone() }, &mut wants);
            }
            Input::End => self.judge(Held::End, &mut wants),
            // No step leads, so none revokes (tests/it/my_sessions.rs takes a share back over real sockets).
            Input::Revoke { .. } => unreachable!("the property test does not lead"),
            Input::Leave { conn } => {
                self.m.last_active = self.t;
                self.m.reported.remove(conn);
                if self.m.conns.remove(conn).is_none() {
                    self.m.waiting.remove(conn);
                    self.m.deferred.retain(|h| !matches!(h, Held::Attach { conn: c, .. } | Held::Msg { conn: c, .. } if c == conn));
                }
            }
            Input::Committed { write, ok } => self.stored(*write, *ok, &mut wants),
            Input::Tick => self.tick(&mut wants),
        }
        wants
    }

    /// An input now, or behind the phase change on its way.
    fn judge(&mut self, held: Held, wants: &mut Vec<Want>) {
        if self.m.control_pending {
            return self.m.deferred.push_back(held);
        }
        if !matches!(held, Held::End) {
            self.m.last_active = self.t;
        }
        match held {
            Held::Attach { conn, how } => self.judge_attach(conn, how, wants),
            Held::Msg { conn, msg } => {
                if let Some(&(role, member)) = self.m.conns.get(&conn)
                    && let Err(code) = self.judge_msg(conn, role, member, msg, wants)
                {
                    wants.push(Want::Error { conn, code });
                }
            }
            Held::End => {
                if self.phase != Phase::Ended {
                    let ops = vec![Shape::Phase { phase: Phase::Ended, item: self.current.clone(), timer: self.m.timer }];
                    self.control(ops, Origin::Control { by: None, action: ControlAction::End }, wants);
                }
            }
        }
    }

    fn control(&mut self, ops: Vec<Shape>, origin: Origin, wants: &mut Vec<Want>) {
        self.m.control_pending = true;
        wants.push(Want::Write { ops, origin });
    }

    fn judge_attach(&mut self, conn: u64, how: Attach, wants: &mut Vec<Want>) {
        let token = self.m.waiting.remove(&conn).expect("a connection that asked is waiting");
        let refuse = |code| Want::Refused { conn, code };
        match how {
            Attach::Resume { token } => {
                let Some((&member, &(role, ..))) = self.m.members.iter().find(|(_, (_, t, _))| *t == token) else {
                    return wants.push(refuse(ErrorCode::Unauthorized));
                };
                if let Some(old) = self.m.conns.iter().find(|(_, (_, m))| *m == member).map(|(c, _)| *c) {
                    self.m.conns.remove(&old);
                    self.m.covered.insert("resume elsewhere");
                    wants.push(Want::Close { conn: old });
                }
                self.m.conns.insert(conn, (role, member));
                self.m.seats.insert(conn, (role, member));
                self.m.resumed.insert(conn);
                wants.push(Want::Joined { conn });
                self.want_roles(conn, member, wants);
            }
            _ if self.phase == Phase::Ended => wants.push(refuse(ErrorCode::SessionEnded)),
            Attach::Watcher => {
                let roles = self.m.members.values().map(|(r, ..)| *r).chain(self.m.joining.iter().map(|(r, _)| *r));
                let watchers = roles.filter(|r| *r == Role::Watcher).count();
                if watchers >= self.machine.limits.max_watchers {
                    return wants.push(refuse(ErrorCode::SessionFull));
                }
                self.join(conn, Role::Watcher, None, token, wants);
            }
            Attach::Player { team } => {
                let teams: BTreeSet<&String> = self
                    .m
                    .members
                    .values()
                    .filter_map(|(_, _, t)| t.as_ref())
                    .chain(self.m.joining.iter().filter_map(|(_, t)| t.as_ref()))
                    .collect();
                if team.as_ref().is_some_and(|t| !teams.contains(t)) && teams.len() >= self.machine.limits.max_teams {
                    return wants.push(refuse(ErrorCode::InvalidTeam));
                }
                self.join(conn, Role::Player, team, token, wants);
            }
            Attach::Create => self.join(conn, Role::Facilitator, None, token, wants),
            // No step leads: the hub lets only signed-in staff do it, tested over real sockets (tests/it/my_sessions.rs).
            Attach::Lead { .. } => unreachable!("the property test does not lead"),
        }
    }

    /// The roles `member` (on `conn`) plays in the sketch on screen, if any.
    fn want_roles(&self, conn: u64, member: u32, wants: &mut Vec<Want>) {
        let Some(item) = self.current.as_ref() else { return };
        if self.m.items.iter().find(|i| i.id == *item).is_none_or(|i| i.sketch.is_none()) {
            return;
        }
        for (role, who) in self.roles.get(item).into_iter().flatten() {
            if *who == member {
                wants.push(Want::Role { conn, role: role.clone() });
            }
        }
    }

    fn join(&mut self, conn: u64, role: Role, team: Option<String>, token: String, wants: &mut Vec<Want>) {
        self.m.waiting.insert(conn, token.clone());
        self.m.joining.push((role, team.clone()));
        let mut ops = vec![Shape::Member { role, team: team.clone() }];
        if role == Role::Facilitator {
            ops.insert(0, Shape::Create);
        }
        // The member's number is the machine's to choose; it is taken from the write.
        wants.push(Want::Write { ops, origin: Origin::Member { conn, role, team, token, member: 0 } });
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.m.items.iter().position(|i| i.id == id)
    }

    /// A member's message: what it asks for, or the code it is refused with.
    fn judge_msg(&mut self, conn: u64, role: Role, member: u32, msg: ClientMsg, wants: &mut Vec<Want>) -> Result<(), ErrorCode> {
        let player =
            matches!(msg, ClientMsg::Answer { .. } | ClientMsg::Predict { .. } | ClientMsg::Reason { .. } | ClientMsg::DropReason { .. });
        if (player && role != Role::Player) || (!player && role != Role::Facilitator) {
            return Err(ErrorCode::Unauthorized);
        }
        let ended = self.phase == Phase::Ended;
        match msg {
            ClientMsg::Answer { item, option } => {
                let index = self.index(&item);
                let known = index.is_some_and(|i| self.m.items[i].options.contains(&option));
                let here = self.current.as_deref() == Some(item.as_str());
                if self.phase == Phase::Scene && here && index.is_some() && !known {
                    return Err(ErrorCode::InvalidOption);
                }
                self.voting_open(&item)?;
                if !known {
                    return Err(ErrorCode::InvalidOption);
                }
                let on_way = self.m.answering.iter().any(|(i, m, _)| *i == item && *m == member);
                if self.answers.get(&(item.clone(), member)) == Some(&option) && !on_way {
                    wants.push(Want::Ack { conn, kind: AckKind::Answer });
                    return Ok(());
                }
                self.m.answering.push((item.clone(), member, option.clone()));
                let ops = vec![Shape::Answer { item: item.clone(), member, option: option.clone() }];
                wants.push(Want::Write { ops, origin: Origin::Answer { member, item, option } });
            }
            ClientMsg::Control { action, item } => return self.judge_control(conn, action, item, wants),
            ClientMsg::Agreement { text, item } => {
                if ended {
                    return Err(ErrorCode::SessionEnded);
                }
                if item.as_deref().is_some_and(|i| self.index(i).is_none()) {
                    return Err(ErrorCode::UnknownItem);
                }
                let text = clean(&text);
                if text.is_empty() || text.chars().count() > 300 || self.agreements.len() >= 30 {
                    return Err(ErrorCode::BadRequest);
                }
                let number = self.agreements.keys().max().copied().unwrap_or(0).max(self.m.agreement_numbers) + 1;
                self.m.agreement_numbers = number;
                wants.push(Want::Write { ops: vec![Shape::Agreement { number, item, text }], origin: Origin::Agreement { by: conn } });
            }
            ClientMsg::DropAgreement { number } => {
                if ended {
                    return Err(ErrorCode::SessionEnded);
                }
                if !self.agreements.contains_key(&number) {
                    return Err(ErrorCode::BadRequest);
                }
                wants.push(Want::Write { ops: vec![Shape::DropAgreement { number }], origin: Origin::Agreement { by: conn } });
            }
            ClientMsg::Ask { item, predict, reasons } => {
                if ended {
                    return Err(ErrorCode::SessionEnded);
                }
                let index = self.index(&item).ok_or(ErrorCode::UnknownItem)?;
                if self.m.items[index].options.is_empty() && (predict || reasons) {
                    return Err(ErrorCode::BadRequest);
                }
                wants.push(Want::Write { ops: vec![Shape::Ask { item, predict, reasons }], origin: Origin::Setting { by: conn } });
            }
            ClientMsg::Preview { on } => {
                if ended {
                    return Err(ErrorCode::SessionEnded);
                }
                wants.push(Want::Write { ops: vec![Shape::Preview { on }], origin: Origin::Setting { by: conn } });
            }
            ClientMsg::Predict { item, percent } => {
                self.extra_taken(&item, member, |a| a.0)?;
                if percent > 100 {
                    return Err(ErrorCode::BadRequest);
                }
                wants.push(Want::Write { ops: vec![Shape::Guess { item, member, percent }], origin: Origin::Guess { by: conn } });
            }
            ClientMsg::Reason { item, text } => {
                self.extra_taken(&item, member, |a| a.1)?;
                let text = clean(&text);
                if text.is_empty() || text.chars().count() > 200 {
                    return Err(ErrorCode::BadRequest);
                }
                self.m.reasoning.push((item.clone(), member, true));
                let origin = Origin::Reason { by: conn, item: item.clone(), member };
                wants.push(Want::Write { ops: vec![Shape::Reason { item, member, text: Some(text) }], origin });
            }
            ClientMsg::DropReason { item } => {
                self.extra_taken(&item, member, |a| a.1)?;
                // Judged as it will be once the reasons on their way are stored.
                let on_way = self.m.reasoning.iter().rev().find(|(i, m, _)| *i == item && *m == member).map(|r| r.2);
                if !on_way.unwrap_or_else(|| self.reasons.contains_key(&(item.clone(), member))) {
                    return Err(ErrorCode::BadRequest);
                }
                self.m.reasoning.push((item.clone(), member, false));
                let origin = Origin::Reason { by: conn, item: item.clone(), member };
                wants.push(Want::Write { ops: vec![Shape::Reason { item, member, text: None }], origin });
            }
            ClientMsg::ShowReason { reason } => {
                let up = match reason {
                    None => false,
                    Some(id) => {
                        self.m.shown_reason = Some(self.may_show(&id)?);
                        true
                    }
                };
                self.m.shown = up;
                wants.push(Want::Shown { up });
            }
            ClientMsg::AddStatement { statement, options } => {
                if ended {
                    return Err(ErrorCode::SessionEnded);
                }
                if self.m.statement_pending {
                    return Err(ErrorCode::BadRequest);
                }
                let (_, _, outcome) = STATEMENTS
                    .iter()
                    .find(|(s, o, _)| *s == statement && o.iter().copied().eq(options.iter().map(String::as_str)))
                    .expect("one of STATEMENTS");
                let Some((text, ids)) = outcome else { return Err(ErrorCode::BadRequest) };
                let added = self.m.items.len() - deck().len();
                if added >= 20 {
                    return Err(ErrorCode::BadRequest);
                }
                let id = format!("zaal-{}", added + 1);
                let options: Vec<String> = ids.iter().map(|o| (*o).to_owned()).collect();
                self.m.statement_pending = true;
                let new = Item { id: id.clone(), options: options.clone(), sketch: None, asks: (false, false) };
                let before = self.m.items.iter().map(|i| i.id.clone()).collect();
                wants.push(Want::Write {
                    ops: vec![Shape::Deck { before, id, text: (*text).to_owned(), options }],
                    origin: Origin::Statement { by: conn, item: new },
                });
            }
            ClientMsg::Export { format, series } => {
                if format == protocol::ReportFormat::Toml && series {
                    return Err(ErrorCode::BadRequest);
                }
                let (spent, at) = self.m.reported.get(&conn).copied().unwrap_or((0.0, self.t));
                let every = self.machine.limits.report_cooldown.as_millis() as f64;
                let spent = (spent - (self.t - at) as f64 / every).max(0.0);
                if spent + 1.0 > f64::from(self.machine.limits.report_burst) {
                    self.m.covered.insert("report burst");
                    return Err(ErrorCode::RateLimited);
                }
                self.m.reported.insert(conn, (spent + 1.0, self.t));
                wants.push(Want::Report { conn });
            }
            _ => return Err(ErrorCode::BadRequest),
        }
        Ok(())
    }

    /// Whether voting on `item` is open.
    fn voting_open(&self, item: &str) -> Result<(), ErrorCode> {
        if self.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded);
        }
        if self.index(item).is_none() {
            return Err(ErrorCode::UnknownItem);
        }
        if self.phase != Phase::Open || self.current.as_deref() != Some(item) {
            return Err(ErrorCode::VotingClosed);
        }
        Ok(())
    }

    /// Whether a guess or reason to `item` is taken: voting open, the item asks for it, and the member answered it.
    fn extra_taken(&self, item: &str, member: u32, asked: impl Fn((bool, bool)) -> bool) -> Result<(), ErrorCode> {
        self.voting_open(item)?;
        let asks = self.m.asks.get(item).copied().unwrap_or_else(|| self.m.items[self.index(item).expect("known")].asks);
        if !asked(asks) || !self.answers.contains_key(&(item.to_owned(), member)) {
            return Err(ErrorCode::BadRequest);
        }
        Ok(())
    }

    /// Whether the reason with this id may go on the projector: whose it is (item, writer).
    fn may_show(&self, id: &str) -> Result<(String, u32), ErrorCode> {
        let item = self.current.clone().ok_or(ErrorCode::BadRequest)?;
        if !matches!(self.phase, Phase::Closed | Phase::Revealed) {
            return Err(ErrorCode::BadRequest);
        }
        let now = self.answers_to(&item);
        if now.len() < self.k {
            return Err(ErrorCode::BadRequest);
        }
        let place = u64::from_str_radix(id, 16).map_err(|_| ErrorCode::BadRequest)?;
        let writer =
            self.m.places.iter().find(|((i, _), p)| *i == item && **p == place).map(|((_, m), _)| *m).ok_or(ErrorCode::BadRequest)?;
        let held = self.revealed.get(&item).filter(|then| (1..self.k).contains(&super::changed(then, &now)));
        if held.is_some_and(|then| then.get(&writer) != now.get(&writer)) {
            return Err(ErrorCode::BadRequest);
        }
        Ok((item, writer))
    }

    fn judge_control(&mut self, conn: u64, action: ControlAction, item: Option<String>, wants: &mut Vec<Want>) -> Result<(), ErrorCode> {
        let target = match action {
            ControlAction::Open => Some(self.index(item.as_deref().ok_or(ErrorCode::BadRequest)?).ok_or(ErrorCode::UnknownItem)?),
            _ => None,
        };
        if self.phase == Phase::Ended {
            return Err(ErrorCode::SessionEnded);
        }
        let here = self.current.as_deref().and_then(|c| self.index(c));
        let sketch_here = here.is_some_and(|i| self.m.items[i].sketch.is_some());
        let mut ops = Vec::new();
        let (phase, current, timer) = match action {
            ControlAction::Open => {
                let t = &self.m.items[target.expect("named")];
                let phase = match &t.sketch {
                    Some(_) if here == target && self.phase == Phase::Scene && !t.options.is_empty() => Phase::Open,
                    Some(_) => Phase::Scene,
                    None => Phase::Open,
                };
                if let Some((roles, _)) = t.sketch.as_ref().filter(|_| !self.roles.contains_key(&t.id)) {
                    let among: BTreeSet<u32> = self.m.conns.values().filter(|(r, _)| *r == Role::Player).map(|(_, m)| *m).collect();
                    ops.push(Shape::Roles { item: t.id.clone(), names: roles.iter().map(|(n, _)| n.clone()).collect(), among });
                }
                (phase, Some(t.id.clone()), None)
            }
            ControlAction::Close if self.phase == Phase::Open => (Phase::Closed, self.current.clone(), self.m.timer),
            ControlAction::Reveal if matches!(self.phase, Phase::Open | Phase::Closed) => {
                let item = self.current.clone().expect("an open item");
                let mut now = self.answers_to(&item);
                for (i, m, o) in &self.m.answering {
                    if *i == item {
                        now.insert(*m, o.clone());
                    }
                }
                let anew = match self.revealed.get(&item) {
                    None => !now.is_empty(),
                    Some(then) => !(1..self.k).contains(&super::changed(then, &now)),
                };
                if anew {
                    ops.push(Shape::Revealed { item: item.clone() });
                }
                (Phase::Revealed, Some(item), self.m.timer)
            }
            ControlAction::StartTimer if matches!(self.phase, Phase::Scene | Phase::Open) && sketch_here => {
                let seconds = self.m.items[here.expect("a sketch")].sketch.as_ref().expect("a sketch").1;
                (Phase::Scene, self.current.clone(), Some((self.now().ms, seconds)))
            }
            ControlAction::End => (Phase::Ended, self.current.clone(), self.m.timer),
            _ => return Err(ErrorCode::BadRequest),
        };
        ops.insert(0, Shape::Phase { phase, item: current, timer });
        self.control(ops, Origin::Control { by: Some(conn), action }, wants);
        Ok(())
    }

    /// A write came back (the room has applied it when it committed): what its result brings.
    fn stored(&mut self, write: u64, ok: bool, wants: &mut Vec<Want>) {
        let origin = self.m.origin.remove(&write).expect("every write has its origin");
        let conn_of = |m: &Model, member: u32| m.conns.iter().find(|(_, (_, who))| *who == member).map(|(c, _)| *c);
        match origin {
            Origin::Member { conn, role, team, token, member } => {
                let at = self.m.joining.iter().position(|j| *j == (role, team.clone())).expect("counted when it asked");
                self.m.joining.remove(at);
                let waiting = self.m.waiting.remove(&conn).is_some();
                if !ok {
                    if waiting {
                        wants.push(Want::Refused { conn, code: ErrorCode::StorageFailed });
                    }
                    return;
                }
                assert!(self.m.members.insert(member, (role, token, team)).is_none(), "member number {member} handed out twice");
                if waiting {
                    self.m.conns.insert(conn, (role, member));
                    self.m.seats.insert(conn, (role, member));
                    wants.push(Want::Joined { conn });
                }
            }
            Origin::Answer { member, item, option } => {
                let at = self.m.answering.iter().position(|a| *a == (item.clone(), member, option.clone())).expect("on its way");
                self.m.answering.remove(at);
                if let Some(conn) = conn_of(&self.m, member) {
                    wants.push(if ok {
                        Want::Ack { conn, kind: AckKind::Answer }
                    } else {
                        Want::Error { conn, code: ErrorCode::StorageFailed }
                    });
                }
                if ok {
                    self.owe_tally();
                }
            }
            Origin::Control { by, action } => {
                self.m.control_pending = false;
                if !ok {
                    wants.push(match by.filter(|c| self.m.conns.contains_key(c)) {
                        Some(conn) => Want::Error { conn, code: ErrorCode::StorageFailed },
                        None => Want::ErrorToFacilitator { code: ErrorCode::StorageFailed },
                    });
                } else {
                    wants.push(Want::Session);
                    if matches!(action, ControlAction::Open | ControlAction::StartTimer) {
                        self.m.timer_armed = true;
                    }
                    // An opening (by the facilitator, or the countdown's end opening the statement) gives each drawn player who is here their role.
                    if action == ControlAction::Open {
                        let conns: Vec<(u64, u32)> = self.m.conns.iter().map(|(c, (_, m))| (*c, *m)).collect();
                        for (conn, member) in conns {
                            self.want_roles(conn, member, wants);
                        }
                    }
                    let has_options =
                        self.current.as_deref().and_then(|c| self.index(c)).is_some_and(|i| !self.m.items[i].options.is_empty());
                    if action == ControlAction::Reveal && has_options {
                        wants.push(Want::RoomTally);
                    }
                    if matches!(action, ControlAction::Open | ControlAction::End) && std::mem::take(&mut self.m.shown) {
                        wants.push(Want::Shown { up: false });
                    }
                }
                while !self.m.control_pending {
                    let Some(held) = self.m.deferred.pop_front() else { break };
                    self.judge(held, wants);
                }
            }
            Origin::Agreement { by } => {
                wants.push(if ok { Want::Agreements } else { Want::Error { conn: by, code: ErrorCode::StorageFailed } })
            }
            Origin::Reason { by, item, member } if !ok => {
                self.reason_back(&item, member);
                wants.push(Want::Error { conn: by, code: ErrorCode::StorageFailed })
            }
            Origin::Guess { by } | Origin::Setting { by } if !ok => wants.push(Want::Error { conn: by, code: ErrorCode::StorageFailed }),
            Origin::Guess { by } => {
                wants.push(Want::Ack { conn: by, kind: AckKind::Guess });
                self.owe_tally();
            }
            Origin::Reason { by, item, member } => {
                self.reason_back(&item, member);
                wants.push(Want::Ack { conn: by, kind: AckKind::Reason });
                self.owe_tally();
            }
            Origin::Setting { .. } => {}
            Origin::Statement { by, item } => {
                self.m.statement_pending = false;
                match ok {
                    true => self.m.items.push(item),
                    false => wants.push(Want::Error { conn: by, code: ErrorCode::StorageFailed }),
                }
            }
        }
    }

    /// The oldest reason of `member` to `item` on its way came back (writes come back in order).
    fn reason_back(&mut self, item: &str, member: u32) {
        let at = self.m.reasoning.iter().position(|(i, m, _)| i == item && *m == member).expect("on its way");
        self.m.reasoning.remove(at);
    }

    /// The time has come for the sketch's countdown or the idle end.
    fn tick(&mut self, wants: &mut Vec<Want>) {
        if self.m.control_pending {
            return;
        }
        let ms = self.now().ms;
        if let Some((start, seconds)) = self.m.timer.filter(|_| self.phase == Phase::Scene && self.m.timer_armed)
            && ms >= start + i64::from(seconds) * 1000
        {
            self.m.timer_armed = false;
            self.m.covered.insert("countdown end");
            let here = &self.m.items[self.index(self.current.as_deref().expect("a sketch on screen")).expect("known")];
            let (phase, action) =
                if here.options.is_empty() { (Phase::Closed, ControlAction::Close) } else { (Phase::Open, ControlAction::Open) };
            let ops = vec![Shape::Phase { phase, item: self.current.clone(), timer: self.m.timer }];
            return self.control(ops, Origin::Control { by: None, action }, wants);
        }
        let idle = match self.phase {
            Phase::Ended => return,
            Phase::Lobby => self.machine.limits.idle_lobby,
            _ => self.machine.limits.idle_any,
        };
        let idle = idle.as_millis() as u64;
        if self.t >= self.m.last_active + idle {
            self.m.covered.insert("idle end");
            let ops = vec![Shape::Phase { phase: Phase::Ended, item: self.current.clone(), timer: self.m.timer }];
            self.control(ops, Origin::Control { by: None, action: ControlAction::End }, wants);
        }
    }
}
