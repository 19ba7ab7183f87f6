//! What the client knows, built only from what the server sent: the reducer from network events to `ViewState`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bevy::prelude::Resource;
use protocol::{ErrorCode, ItemView, Phase, Role, ScenarioSummary, ServerMsg, SessionView, Tally};

use crate::connection_thread::{Link, NetEvent};
use crate::i18n::Lang;

/// A player's private role in the current sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCard {
    pub item: String,
    pub role: String,
    pub briefing: String,
}

#[derive(Debug, Clone, Default, Resource)]
pub struct ViewState {
    pub lang: Lang,
    pub link: Link,
    /// The address the client talks to, shown on the start screen.
    pub server: String,
    /// This machine's LAN address: a server on this machine is announced under it, not 127.0.0.1.
    pub lan_ip: Option<std::net::Ipv4Addr>,
    /// The address phones use, when the server says it has one (`scenarios.public_url`).
    pub public_url: Option<String>,
    /// The trainers' key a shared server may ask for when a session is created (`--create-key`).
    pub create_key: Option<String>,
    pub scenarios: Vec<ScenarioSummary>,
    pub role: Option<Role>,
    pub code: Option<String>,
    /// The secret that resumes this client's identity (from `welcome`).
    pub token: Option<String>,
    /// A session from an earlier run that can be resumed (offered on the start screen).
    pub resumable: Option<crate::settings::LastSession>,
    /// Sessions this client led (from the settings): a new session may follow one of them.
    pub led: Vec<crate::settings::LedSession>,
    /// The app started against the server chosen last time (not one hosted here).
    pub remembered_server: bool,
    pub session: Option<SessionView>,
    /// When `session` arrived, to count a sketch's timer down smoothly between updates.
    pub session_at: Option<Instant>,
    /// The latest tally of the current item.
    pub tally: Option<Tally>,
    /// This player's own acknowledged answers, item → option.
    pub mine: BTreeMap<String, String>,
    /// An answer sent and not yet acknowledged.
    pub pending: Option<(String, String)>,
    pub role_card: Option<RoleCard>,
    pub error: Option<String>,
    /// In a follow-up: per item (id), its statement and options and the latest tally with the earlier
    /// result beside it, for the end screen's largest shifts.
    pub then_and_now: BTreeMap<String, (ItemView, Tally)>,
    /// The session's agreements (facilitator and projector only).
    pub agreements: Vec<protocol::AgreementView>,
    /// This player's own stored guesses and reasons, item → percent and item → text.
    pub guesses: BTreeMap<String, u32>,
    pub reasons: BTreeMap<String, String>,
    /// The facilitator's reasons for the item on screen: (item, groups, withheld).
    pub room_reasons: Option<(String, Vec<protocol::ReasonGroup>, u32)>,
    /// The reason on the projector, for everyone.
    pub shown: Option<protocol::ShownReason>,
    /// The outcome of the deck editor's last save: the deck id, or the problems it found.
    pub deck_saved: Option<Result<String, Vec<protocol::scenario::Problem>>>,
    /// On a server with staff accounts (`scenarios.accounts`): who this connection is signed in
    /// as. `None` on a server without accounts, and until the connection's `scenarios` came.
    pub accounts: Option<protocol::Accounts>,
    /// The server whose sign-in this connection's handshake carried (`None`: it carried none).
    pub bearer: Option<String>,
    /// A sign-in under way: the address the browser was sent to (`""` until it is known).
    pub signing_in: Option<String>,
}

impl ViewState {
    pub fn new(lang: Lang, server: String) -> ViewState {
        ViewState { lang, server, ..ViewState::default() }
    }

    pub fn apply(&mut self, event: NetEvent, now: Instant) {
        match event {
            NetEvent::Link(link) => self.link = link,
            NetEvent::Handshake { server, signed_in } => {
                self.bearer = signed_in.then_some(server);
                self.accounts = None;
            }
            NetEvent::Msg(msg) => self.apply_msg(msg, now),
        }
    }

    fn apply_msg(&mut self, msg: ServerMsg, now: Instant) {
        match msg {
            ServerMsg::Scenarios { scenarios, public_url, accounts, .. } => {
                self.scenarios = scenarios;
                self.public_url = public_url;
                self.accounts = accounts;
            }
            ServerMsg::Welcome { role, code, token, session, answers, guesses, reasons, .. } => {
                self.role = Some(role);
                self.code = Some(code);
                self.token = Some(token);
                self.resumable = None;
                if !answers.is_empty() || self.session.as_ref().is_none_or(|s| s.code != session.code) {
                    self.mine = answers;
                    self.guesses = guesses;
                    self.reasons = reasons;
                }
                self.error = None;
                self.set_session(session, now);
            }
            ServerMsg::Session { session } => self.set_session(session, now),
            ServerMsg::Tally(t) => {
                let t = t.into_tally();
                if let Some(item) = self.item().filter(|i| i.id == t.item) {
                    if t.earlier.as_ref().is_some_and(|e| !e.shift.is_empty()) {
                        self.then_and_now.insert(t.item.clone(), (item.clone(), t.clone()));
                    }
                    self.tally = Some(t);
                }
            }
            ServerMsg::AnswerAck { item, option } => {
                if self.pending.as_ref().is_some_and(|(i, _)| *i == item) {
                    self.pending = None;
                }
                self.mine.insert(item, option);
            }
            ServerMsg::Role { item, role, briefing } => self.role_card = Some(RoleCard { item, role, briefing }),
            // Files for the report writer and the deck editor: `pump_network` hands them to their plugins.
            ServerMsg::Report { .. } | ServerMsg::Deck { .. } => {}
            ServerMsg::Agreements { agreements } => self.agreements = agreements,
            ServerMsg::Predicted { item, percent } => {
                self.guesses.insert(item, percent);
            }
            ServerMsg::ReasonAck { item, text: Some(text) } => {
                self.reasons.insert(item, text);
            }
            ServerMsg::ReasonAck { item, text: None } => {
                self.reasons.remove(&item);
            }
            ServerMsg::Reasons { item, groups, withheld } => self.room_reasons = Some((item, groups, withheld)),
            ServerMsg::Shown { reason } => self.shown = reason,
            ServerMsg::DeckSaved { id } => self.deck_saved = Some(Ok(id)),
            // The app's editor saves (it checks as you type); only a page asks for a check alone.
            ServerMsg::DeckChecked { .. } => {}
            // Staff sessions are the facilitator's page's (the app does not sign in yet).
            ServerMsg::MySessions { .. } | ServerMsg::Shared { .. } | ServerMsg::Audit { .. } | ServerMsg::Purged { .. } => {}
            ServerMsg::AppSignedIn { .. } | ServerMsg::SignedOut => {}
            ServerMsg::DeckProblems { problems } => self.deck_saved = Some(Err(problems)),
            ServerMsg::Error { code, message } => {
                self.pending = None;
                if self.role.is_none() && matches!(code, ErrorCode::Unauthorized | ErrorCode::UnknownSession) {
                    // An earlier session that cannot be resumed is not offered again.
                    self.resumable = None;
                }
                self.error = Some(self.lang.error(code, &message));
            }
        }
    }

    fn set_session(&mut self, session: SessionView, now: Instant) {
        let item_changed = self.item().map(|i| &i.id) != session.item.as_ref().map(|i| &i.id);
        // A facilitator sees a result only once it is revealed, or with the private preview on:
        // turned off, what the preview showed goes too.
        let sees_result = session.phase == Phase::Revealed || session.preview;
        if item_changed || (self.role == Some(Role::Facilitator) && !sees_result) {
            self.tally = None;
            self.room_reasons = None;
        }
        if self.role_card.as_ref().is_some_and(|r| session.item.as_ref().is_none_or(|i| i.id != r.item)) {
            self.role_card = None;
        }
        // A facilitator keeps the deck list from earlier updates if a later one leaves it out.
        let items = session.items.clone().or_else(|| self.session.as_mut().and_then(|s| s.items.take()));
        self.session = Some(SessionView { items, ..session });
        self.session_at = Some(now);
    }

    pub fn phase(&self) -> Option<Phase> {
        self.session.as_ref().map(|s| s.phase)
    }

    pub fn item(&self) -> Option<&ItemView> {
        self.session.as_ref().and_then(|s| s.item.as_ref())
    }

    /// The option this player chose for the current item (sent or acknowledged).
    pub fn my_choice(&self) -> Option<&str> {
        let item = self.item()?;
        match &self.pending {
            Some((i, o)) if *i == item.id => Some(o),
            _ => self.mine.get(&item.id).map(String::as_str),
        }
    }

    /// What is left of a sketch's countdown at `now`, counting down between server updates.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let timer = self.session.as_ref()?.timer?;
        let since = self.session_at.map_or(Duration::ZERO, |at| now.saturating_duration_since(at));
        Some(Duration::from_millis(timer.remaining_ms).saturating_sub(since))
    }

    pub fn is_offline(&self) -> bool {
        matches!(self.link, Link::Lost { .. })
    }

    /// Why the connection closed for good, if it did.
    pub fn closed_for_good(&self) -> Option<crate::connection_thread::Final> {
        match self.link {
            Link::Closed(why) => Some(why),
            _ => None,
        }
    }

    /// What to remember for the next start of the app: the session this client is in, until it ends.
    /// The largest shifts since the earlier session, largest first: (statement, option label, points).
    pub fn largest_shifts(&self, n: usize) -> Vec<(String, String, i32)> {
        let mut all: Vec<(String, String, i32)> = self
            .then_and_now
            .values()
            .filter_map(|(item, t)| {
                let shift = &t.earlier.as_ref()?.shift;
                let (option, points) = shift.iter().max_by_key(|(o, p)| (p.abs(), std::cmp::Reverse(o.as_str())))?;
                let label = item.options.iter().find(|o| o.id == *option).map_or(option.clone(), |o| o.label.clone());
                Some((item.statement.clone().or(item.title.clone()).unwrap_or_default(), label, *points))
            })
            .collect();
        all.sort_by_key(|(_, _, p)| std::cmp::Reverse(p.abs()));
        all.truncate(n);
        all
    }

    /// The session this client leads now, to remember as one a later session may follow.
    pub fn led_now(&self) -> Option<crate::settings::LedSession> {
        if self.role != Some(Role::Facilitator) {
            return None;
        }
        let session = self.session.as_ref()?;
        Some(crate::settings::LedSession {
            server: self.server.clone(),
            code: self.code.clone()?,
            token: self.token.clone()?,
            title: session.title.clone(),
            date: crate::i18n::today(),
            scenario: session.scenario.clone(),
        })
    }

    pub fn to_remember(&self) -> Option<crate::settings::LastSession> {
        if self.phase() == Some(Phase::Ended) {
            return None;
        }
        Some(crate::settings::LastSession {
            server: self.server.clone(),
            code: self.code.clone()?,
            token: self.token.clone()?,
            role: self.role?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{ItemKind, OptionView};

    fn session(phase: Phase, item: Option<&str>) -> SessionView {
        SessionView {
            code: "K7M2QX".into(),
            title: "t".into(),
            scenario: "s".into(),
            language: "nl".into(),
            phase,
            index: item.map(|_| 0),
            count: 2,
            participants: 3,
            answered: 0,
            item: item.map(|id| ItemView {
                id: id.into(),
                kind: ItemKind::Dilemma,
                title: None,
                situation: None,
                roles: vec![],
                duration_s: None,
                statement: Some("S".into()),
                options: vec![OptionView { id: "eens".into(), label: "Eens".into() }],
                questions: vec![],
                themes: vec![],
                prompts: None,
                prompt_fits: vec![],
                predict: false,
                reasons: false,
                from_room: false,
                played: false,
            }),
            timer: None,
            items: None,
            follows: None,
            min_group: Default::default(),
            preview: false,
            teams: 0,
        }
    }

    fn msg(m: ServerMsg) -> NetEvent {
        NetEvent::Msg(m)
    }

    #[test]
    fn welcome_then_answers_then_a_new_item() {
        let now = Instant::now();
        let mut v = ViewState::default();
        v.apply(
            msg(ServerMsg::Welcome {
                role: Role::Player,
                code: "K7M2QX".into(),
                token: "t".into(),
                player_id: Some("p1".into()),
                session: session(Phase::Open, Some("a")),
                answers: [("a".to_owned(), "eens".to_owned())].into(),
                guesses: Default::default(),
                reasons: Default::default(),
            }),
            now,
        );
        assert_eq!(v.my_choice(), Some("eens"), "a resumed player sees their answer again");
        v.pending = Some(("a".into(), "oneens".into()));
        assert_eq!(v.my_choice(), Some("oneens"), "the pending choice shows at once");
        v.apply(msg(ServerMsg::AnswerAck { item: "a".into(), option: "oneens".into() }), now);
        assert_eq!((v.pending.clone(), v.my_choice()), (None, Some("oneens")));
        let tally =
            protocol::tally::tally("a", &["eens"], [("eens", None)], protocol::MinGroup::LEAST).for_the_room(protocol::MinGroup::LEAST);
        v.apply(msg(ServerMsg::Tally(tally.clone())), now);
        assert_eq!(v.tally, Some(tally.into_tally()));
        v.apply(msg(ServerMsg::Session { session: session(Phase::Open, Some("b")) }), now);
        assert_eq!(v.tally, None, "another item drops the old tally");
        assert_eq!(v.my_choice(), None);
    }

    #[test]
    fn errors_become_sentences_in_the_chosen_language() {
        let mut v = ViewState { lang: Lang::En, ..ViewState::default() };
        v.pending = Some(("a".into(), "x".into()));
        v.apply(
            msg(ServerMsg::Error { code: ErrorCode::VotingClosed, message: "Stemmen op deze stelling is gesloten.".into() }),
            Instant::now(),
        );
        assert_eq!(v.error.as_deref(), Some("Voting on this statement is closed."));
        assert_eq!(v.pending, None);
    }

    #[test]
    fn what_is_remembered_for_the_next_start() {
        let now = Instant::now();
        let mut v = ViewState::new(Lang::Nl, "ws://x/ws".into());
        v.resumable =
            Some(crate::settings::LastSession { server: "ws://x/ws".into(), code: "OLD".into(), token: "t0".into(), role: Role::Player });
        v.apply(msg(ServerMsg::Error { code: ErrorCode::Unauthorized, message: "m".into() }), now);
        assert_eq!(v.resumable, None, "a session that cannot be resumed is not offered again");
        assert_eq!(v.to_remember(), None);
        v.apply(
            msg(ServerMsg::Welcome {
                role: Role::Facilitator,
                code: "K7M2QX".into(),
                token: "t1".into(),
                player_id: None,
                session: session(Phase::Lobby, None),
                answers: Default::default(),
                guesses: Default::default(),
                reasons: Default::default(),
            }),
            now,
        );
        let last = v.to_remember().unwrap();
        assert_eq!((last.code.as_str(), last.token.as_str(), last.role), ("K7M2QX", "t1", Role::Facilitator));
        v.apply(msg(ServerMsg::Session { session: session(Phase::Ended, None) }), now);
        assert_eq!(v.to_remember(), None, "an ended session is forgotten");
    }

    #[test]
    fn who_is_signed_in_is_known_per_connection() {
        let now = Instant::now();
        let mut v = ViewState::default();
        v.apply(NetEvent::Handshake { server: "wss://d/ws".into(), signed_in: true }, now);
        let me = protocol::Account { name: "fien@gemeente.example".into(), role: protocol::StaffRole::Facilitator };
        let accounts = Some(protocol::Accounts { signed_in: Some(me), refused: false });
        v.apply(msg(ServerMsg::Scenarios { scenarios: vec![], public_url: None, key_required: false, accounts: accounts.clone() }), now);
        assert_eq!((v.bearer.as_deref(), &v.accounts), (Some("wss://d/ws"), &accounts));
        // A new connection: unknown until its own `scenarios` says.
        v.apply(NetEvent::Handshake { server: "wss://d/ws".into(), signed_in: false }, now);
        assert_eq!((v.bearer, &v.accounts), (None, &None));
    }

    #[test]
    fn the_countdown_runs_between_updates() {
        let start = Instant::now();
        let mut v = ViewState::default();
        let mut s = session(Phase::Open, Some("a"));
        s.timer = Some(protocol::TimerView { duration_s: 120, remaining_ms: 60_000 });
        v.apply(msg(ServerMsg::Session { session: s }), start);
        assert_eq!(v.remaining(start + Duration::from_secs(10)), Some(Duration::from_secs(50)));
        assert_eq!(v.remaining(start + Duration::from_secs(100)), Some(Duration::ZERO));
    }

    #[test]
    fn the_facilitator_keeps_the_item_list_and_links_show() {
        let now = Instant::now();
        let mut v = ViewState::default();
        let mut s = session(Phase::Lobby, None);
        s.items = Some(vec![]);
        v.apply(msg(ServerMsg::Session { session: s }), now);
        v.apply(msg(ServerMsg::Session { session: session(Phase::Open, Some("a")) }), now);
        assert!(v.session.as_ref().unwrap().items.is_some());
        v.apply(NetEvent::Link(Link::Lost { attempt: 1, reason: "x".into() }), now);
        assert!(v.is_offline());
    }
}
