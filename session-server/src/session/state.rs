//! A session's committed state: phase, members, answers counted per option and team, role assignments, and its views.
//!
//! Only [`super::machine::Machine`] changes it, and only with what the store has committed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use protocol::scenario::{Asks, Deck, Item};
use protocol::{
    AgreementView, ItemKind, ItemView, MinGroup, Phase, Prediction, ReasonGroup, ReasonView, Role, RoomTally, SessionView, Tally,
    TimerView, tally,
};

use crate::report::earlier::Earlier;
use crate::store::LoadedSession;

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub role: Role,
    pub team: Option<Arc<str>>,
}

/// The answers to one item, counted per option and per team as they come in, with the guesses
/// and reasons players added to them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ItemAnswers {
    pub by_member: HashMap<u32, usize>,
    pub counts: Vec<u32>,
    pub teams: HashMap<Arc<str>, Vec<u32>>,
    /// Each player's guess of the share choosing the first option, and their sum.
    pub guesses: HashMap<u32, u32>,
    pub guess_sum: u64,
    /// The reasons by their random place in the order (which is also their id): (member, text).
    /// The member is only here to let them change or withdraw it; it never leaves the server.
    pub reasons: BTreeMap<u64, (u32, String)>,
    pub reason_of: HashMap<u32, u64>,
    /// The answers as the room saw them at the item's last reveal (their counts and teams); a
    /// later result that differs from it by one or two answers is not shown (see [`ItemAnswers::shown`]).
    pub revealed: Option<Box<ItemAnswers>>,
}

impl ItemAnswers {
    fn new(options: usize) -> ItemAnswers {
        ItemAnswers { counts: vec![0; options], ..ItemAnswers::default() }
    }

    /// Records `member`'s choice; a changed answer moves its count, so it counts once.
    /// Returns whether this is the member's first answer to the item.
    pub fn set(&mut self, member: u32, option: usize, team: Option<&Arc<str>>) -> bool {
        let previous = self.by_member.insert(member, option);
        shift(&mut self.counts, previous, option);
        if let Some(team) = team {
            let n = self.counts.len();
            shift(self.teams.entry(team.clone()).or_insert_with(|| vec![0; n]), previous, option);
        }
        previous.is_none()
    }

    pub fn tally(&self, item: &Item, k: MinGroup) -> Tally {
        let ids = item.option_ids();
        tally::from_counts(&item.id, &ids, &self.counts, self.teams.iter().map(|(t, c)| (&**t, c.as_slice())), k)
    }

    /// Members whose answer differs from the last reveal (new answers and changed ones), counting
    /// `pending` (member, option) as stored; `None` when the item was never revealed.
    fn changed_since_reveal(&self, pending: &[(u32, usize)]) -> Option<u32> {
        let then = self.revealed.as_ref()?;
        let differs = |(m, o): (&u32, &usize)| then.by_member.get(m) != Some(o);
        let changed = if pending.is_empty() {
            self.by_member.iter().filter(|e| differs(*e)).count()
        } else {
            // A later answer of the same member replaces the earlier, as the store will.
            let mut now = self.by_member.clone();
            now.extend(pending.iter().copied());
            now.iter().filter(|e| differs(*e)).count()
        };
        Some(changed as u32)
    }

    /// The result the room may see: the current one, unless it differs from the last reveal by
    /// fewer answers than `k`, which the difference would single out; then the last revealed one,
    /// saying how many answers it holds back.
    /// Whether the result the room may see is the last revealed one (fewer than `k` answers
    /// differ from it), which then also decides whose reasons and guesses may be shown.
    pub fn holds_back(&self, k: MinGroup) -> bool {
        self.changed_since_reveal(&[]).is_some_and(|changed| tally::holds_back(changed, k))
    }

    /// Which option each writer's reason is shown under: [`ReasonOptions::of`]. Whether the
    /// result is held back is decided once here, not for every reason (it counts every answer).
    pub fn reason_options(&self, k: MinGroup) -> ReasonOptions<'_> {
        ReasonOptions { now: &self.by_member, held: self.revealed.as_deref().filter(|_| self.holds_back(k)).map(|then| &then.by_member) }
    }

    pub fn shown(&self, item: &Item, k: MinGroup) -> Tally {
        if let (Some(then), Some(changed)) = (&self.revealed, self.changed_since_reveal(&[]))
            && tally::holds_back(changed, k)
        {
            let mut t = then.tally(item, k);
            t.held_back = changed;
            return t;
        }
        self.tally(item, k)
    }

    /// Whether a reveal now may show the current answers and those still on their way to the disk
    /// (`pending`: member, option, in the order sent), which will be stored before it: they become
    /// the new reference.
    pub fn may_reveal_anew(&self, pending: &[(u32, usize)], k: MinGroup) -> bool {
        !self.changed_since_reveal(pending).is_some_and(|changed| tally::holds_back(changed, k))
    }

    /// The answers as the room sees them at a reveal, kept to compare later reveals with.
    pub fn keep_as_revealed(&mut self) {
        let then = ItemAnswers {
            by_member: self.by_member.clone(),
            counts: self.counts.clone(),
            teams: self.teams.clone(),
            ..ItemAnswers::default()
        };
        self.revealed = Some(Box::new(then));
    }

    /// Records `member`'s guess; a changed guess replaces the earlier one.
    pub fn guess(&mut self, member: u32, percent: u32) {
        let before = self.guesses.insert(member, percent).unwrap_or(0);
        self.guess_sum = self.guess_sum - u64::from(before) + u64::from(percent);
    }

    /// The room's guess about the item's first option (from `k` guesses).
    pub fn prediction(&self, item: &Item, k: MinGroup) -> Option<Prediction> {
        Prediction::of(&item.options().first()?.id, self.guess_sum, self.guesses.len() as u32, k)
    }

    /// Sets (`Some((text, place))`) or withdraws `member`'s reason; a changed reason keeps its place.
    pub fn reason(&mut self, member: u32, text: Option<(String, u64)>) {
        if let Some(old) = self.reason_of.remove(&member) {
            self.reasons.remove(&old);
        }
        if let Some((text, place)) = text {
            self.reason_of.insert(member, place);
            self.reasons.insert(place, (member, text));
        }
    }

    /// The reasons grouped by the option their writer chose now, each in the random order of its
    /// place, at most [`protocol::msg::REASONS_SHOWN_PER_OPTION`] per option (the rest counted).
    pub fn reason_groups(&self, item: &Item, k: MinGroup) -> Vec<ReasonGroup> {
        let mut groups: Vec<ReasonGroup> =
            item.options().iter().map(|o| ReasonGroup { option: o.id.clone(), reasons: Vec::new(), more: 0 }).collect();
        let options = self.reason_options(k);
        for (place, (member, text)) in &self.reasons {
            let Some(g) = options.of(*member).and_then(|o| groups.get_mut(o)) else { continue };
            if g.reasons.len() < protocol::msg::REASONS_SHOWN_PER_OPTION {
                g.reasons.push(ReasonView { id: reason_id(*place), text: text.clone() });
            } else {
                g.more += 1;
            }
        }
        groups
    }

    /// The reason with this id, and the option its writer chose.
    pub fn find_reason(&self, id: &str, k: MinGroup) -> Option<(usize, &str)> {
        let place = u64::from_str_radix(id, 16).ok()?;
        let (member, text) = self.reasons.get(&place)?;
        Some((self.reason_options(k).of(*member)?, text))
    }
}

/// The answers a reason is shown under: the writers' answers now, and while the result is held
/// back, their answers at the last reveal.
pub(crate) struct ReasonOptions<'a> {
    now: &'a HashMap<u32, usize>,
    held: Option<&'a HashMap<u32, usize>>,
}

impl ReasonOptions<'_> {
    /// The option under which `member`'s reason is shown: their answer, or while the result is
    /// held back their answer at the last reveal, and none when it changed since (their reason
    /// would show in which group the held-back answer went).
    pub fn of(&self, member: u32) -> Option<usize> {
        let now = *self.now.get(&member)?;
        match self.held {
            Some(then) => (then.get(&member) == Some(&now)).then_some(now),
            None => Some(now),
        }
    }
}

/// A reason's id: its random place in the order, in hex. It says nothing about who wrote it.
pub(crate) fn reason_id(place: u64) -> String {
    format!("{place:016x}")
}

/// Moves one answer from `from` (if any) to `to`.
fn shift(counts: &mut [u32], from: Option<usize>, to: usize) {
    if let Some(from) = from {
        counts[from] -= 1;
    }
    counts[to] += 1;
}

/// The part of a session that is stored and restored; connections live in the machine.
#[derive(Debug)]
pub(crate) struct State {
    pub code: String,
    /// Whether the session's row is committed (a restored session always is; a new one once its creator's join is).
    pub created: bool,
    pub title: String,
    pub deck: Arc<Deck>,
    pub phase: Phase,
    pub current: Option<usize>,
    /// Sketch countdown: (started at, unix ms; duration in seconds).
    pub timer: Option<(i64, u32)>,
    pub members: HashMap<u32, Member>,
    pub tokens: HashMap<[u8; 32], u32>,
    pub next_member: u32,
    /// Members who joined as players (connected or not, committed or on their way), for the session's player cap.
    pub players: usize,
    /// Members who joined as watchers, likewise, for the session's watcher cap.
    pub watchers: usize,
    /// Every team name in the session once, with how many members carry it (on their way included):
    /// members share the name, and the cap counts names.
    pub teams: HashMap<Arc<str>, u32>,
    /// Per item, by its index in the deck.
    pub answers: HashMap<usize, ItemAnswers>,
    /// Per sketch item: (role name, member).
    pub roles: HashMap<String, Vec<(String, u32)>>,
    /// The earlier session this one follows, whose results are shown beside its own.
    pub earlier: Option<Earlier>,
    /// The agreements the group made, in order.
    pub agreements: Vec<AgreementView>,
    /// Per item (by index): what the facilitator set it to ask besides the answer, where they changed the deck's.
    pub asks: HashMap<usize, Asks>,
    /// The facilitator's private preview: the live result before the reveal reaches them.
    pub preview: bool,
    /// The signed-in member of staff who creates it, on a server with accounts (stored with its creation).
    pub owner: Option<crate::store::Owner>,
    /// How many browsers lead it with a token of their own (`lead`; stored or on their way).
    pub lead_tokens: usize,
}

impl State {
    pub fn new(code: String, title: String, deck: Arc<Deck>) -> State {
        State {
            code,
            created: false,
            title,
            deck,
            phase: Phase::Lobby,
            current: None,
            timer: None,
            members: HashMap::new(),
            tokens: HashMap::new(),
            next_member: 1,
            players: 0,
            watchers: 0,
            teams: HashMap::new(),
            answers: HashMap::new(),
            roles: HashMap::new(),
            earlier: None,
            agreements: Vec::new(),
            asks: HashMap::new(),
            preview: false,
            owner: None,
            lead_tokens: 0,
        }
    }

    /// From how many answers this session shows a result (its deck's, raised where the session asked).
    pub fn min_group(&self) -> MinGroup {
        self.deck.min_group
    }

    /// Whether the facilitator sees the result of the item on screen: once it is revealed (as
    /// everyone does), or before that only with the private preview on.
    pub fn facilitator_sees_result(&self) -> bool {
        self.phase == Phase::Revealed || (self.preview && matches!(self.phase, Phase::Open | Phase::Closed))
    }

    /// What item `index` asks of players besides the answer: the facilitator's setting, or the deck's.
    pub fn asks_of(&self, index: usize) -> Asks {
        self.asks.get(&index).copied().unwrap_or(self.deck.items[index].asks)
    }

    /// The answers (with guesses and reasons) to item `index`, made on first use.
    pub fn answers_mut(&mut self, index: usize) -> &mut ItemAnswers {
        let options = self.deck.items[index].options().len();
        self.answers.entry(index).or_insert_with(|| ItemAnswers::new(options))
    }

    /// An item as members see it, with what the session asks of it now.
    fn item_view(&self, index: usize, facilitator: bool) -> ItemView {
        let item = &self.deck.items[index];
        let mut view = item.view(facilitator);
        let asks = self.asks_of(index);
        (view.predict, view.reasons) = (asks.predict, asks.reasons);
        view.played =
            facilitator && (self.answers.get(&index).is_some_and(|a| !a.by_member.is_empty()) || self.roles.contains_key(&item.id));
        view
    }

    /// An agreement as the session shows it: with the themes of the item it came from.
    pub fn agreement(&self, number: u32, item: Option<String>, text: String) -> AgreementView {
        AgreementView { number, text, themes: self.deck.themes_of(item.as_deref()), item }
    }

    /// Rebuilds a session from the database, with its earlier session's results when it is a
    /// follow-up. Rows that no longer fit its deck are skipped.
    pub fn from_loaded(l: LoadedSession, earlier: Option<Earlier>) -> State {
        let mut s = State::new(l.code, l.title, Arc::new(l.deck));
        s.earlier = earlier;
        s.created = true;
        s.phase = l.phase;
        s.current = l.item.as_deref().and_then(|i| s.deck.index_of(i));
        if s.current.is_none() && matches!(s.phase, Phase::Scene | Phase::Open | Phase::Closed | Phase::Revealed) {
            s.phase = Phase::Lobby;
        }
        s.timer = l.timer;
        s.preview = l.preview;
        s.agreements = l.agreements.into_iter().map(|(number, item, text)| s.agreement(number, item, text)).collect();
        for m in l.members {
            let team = s.count_in(m.team.map(Arc::from), m.role);
            s.add_member(m.member, m.role, team, m.token_hash);
        }
        // Each browser a member of staff led it from resumes as its facilitator.
        s.lead_tokens = l.lead_tokens.len();
        if let Some(facilitator) = s.facilitator() {
            s.tokens.extend(l.lead_tokens.into_iter().map(|hash| (hash, facilitator)));
        }
        for (item, member, option) in l.answers {
            s.record(&item, member, &option);
        }
        // What the room saw at each item's last reveal, counted with the members' teams.
        for (item, member, option) in l.revealed {
            let (Some(i), team) = (s.deck.index_of(&item), s.members.get(&member).and_then(|m| m.team.clone())) else { continue };
            let Some(o) = s.deck.items[i].options().iter().position(|x| x.id == option) else { continue };
            let n = s.deck.items[i].options().len();
            let answers = s.answers_mut(i);
            answers.revealed.get_or_insert_with(|| Box::new(ItemAnswers::new(n))).set(member, o, team.as_ref());
        }
        for (item, role, member) in l.roles {
            s.roles.entry(item).or_default().push((role, member));
        }
        for (item, predict, reasons) in l.asks {
            if let Some(i) = s.deck.index_of(&item) {
                s.asks.insert(i, Asks { predict, reasons });
            }
        }
        for (item, member, percent) in l.guesses {
            if let Some(i) = s.deck.index_of(&item) {
                s.answers_mut(i).guess(member, percent);
            }
        }
        for (item, member, text, place) in l.reasons {
            if let Some(i) = s.deck.index_of(&item) {
                s.answers_mut(i).reason(member, Some((text, place)));
            }
        }
        s
    }

    /// Counts a member on their way in towards the caps (players, watchers, teams); returns the
    /// team name as the session shares it. Undone by [`State::uncount`] when the member's write fails.
    pub fn count_in(&mut self, team: Option<Arc<str>>, role: Role) -> Option<Arc<str>> {
        self.players += usize::from(role == Role::Player);
        self.watchers += usize::from(role == Role::Watcher);
        let team = team?;
        Some(match self.teams.get_key_value(&team) {
            Some((known, _)) => {
                let known = known.clone();
                *self.teams.get_mut(&known).expect("just found") += 1;
                known
            }
            None => {
                self.teams.insert(team.clone(), 1);
                team
            }
        })
    }

    /// Takes back a [`State::count_in`] whose member was never stored.
    pub fn uncount(&mut self, team: Option<&Arc<str>>, role: Role) {
        self.players -= usize::from(role == Role::Player);
        self.watchers -= usize::from(role == Role::Watcher);
        if let Some(team) = team
            && let Some(n) = self.teams.get_mut(team)
        {
            *n -= 1;
            if *n == 0 {
                self.teams.remove(team);
            }
        }
    }

    /// Registers a committed member (already counted in) under its token's hash; the one place members are added.
    /// The session's facilitator: the member who created it.
    pub fn facilitator(&self) -> Option<u32> {
        self.members.iter().filter(|(_, m)| m.role == Role::Facilitator).map(|(id, _)| *id).min()
    }

    pub fn add_member(&mut self, member: u32, role: Role, team: Option<Arc<str>>, token_hash: [u8; 32]) {
        self.next_member = self.next_member.max(member + 1);
        self.tokens.insert(token_hash, member);
        self.members.insert(member, Member { role, team });
    }

    pub fn item(&self) -> Option<&Item> {
        self.current.map(|i| &self.deck.items[i])
    }

    pub fn item_kind(&self) -> Option<ItemKind> {
        self.item().map(Item::kind)
    }

    /// Where an answer lands: the item's index in the deck, and the option's index in that item.
    pub fn locate(&self, item_id: &str, option: &str) -> (Option<usize>, Option<usize>) {
        let Some(index) = self.deck.index_of(item_id) else { return (None, None) };
        (Some(index), self.deck.items[index].options().iter().position(|o| o.id == option))
    }

    /// Counts an answer if the item and option exist; returns whether it was the member's first.
    pub fn record(&mut self, item_id: &str, member: u32, option: &str) -> Option<bool> {
        match self.locate(item_id, option) {
            (Some(item), Some(option)) => Some(self.record_at(item, member, option)),
            _ => None,
        }
    }

    /// Counts `member`'s choice of option `option` of item `item` (indexes from [`State::locate`]).
    pub fn record_at(&mut self, item: usize, member: u32, option: usize) -> bool {
        let team = self.members.get(&member).and_then(|m| m.team.clone());
        self.answers_mut(item).set(member, option, team.as_ref())
    }

    /// The tally of the item on screen (dilemmas and sketches with a follow-up statement) as
    /// anyone may see it: with fewer answers than the minimum group, only how many there are.
    /// The result of the item on screen as the room may see it (the only kind a `tally` message carries).
    pub fn tally(&self) -> Option<RoomTally> {
        let index = self.current?;
        (!self.deck.items[index].options().is_empty()).then(|| self.tally_at(index))
    }

    /// A tally of the item on screen as the facilitator gets it: with the shapes of the result (`fits`).
    pub fn for_facilitator(&self, t: RoomTally) -> RoomTally {
        let options = self.item().map(Item::option_views).unwrap_or_default();
        t.with_fits(&options, &self.deck.language)
    }

    fn tally_at(&self, index: usize) -> RoomTally {
        let (item, k) = (&self.deck.items[index], self.min_group());
        let mut now = match self.answers.get(&index) {
            Some(a) => a.shown(item, k),
            None => ItemAnswers::new(item.options().len()).tally(item, k),
        };
        // While the result is held back, so is the room's guess: a late guess would move it.
        if self.asks_of(index).predict && now.held_back == 0 {
            now.prediction = self.answers.get(&index).and_then(|a| a.prediction(item, k));
        }
        now.with_earlier(self.earlier.as_ref().and_then(|e| e.tallies.get(&item.id)), k).for_the_room(k)
    }

    /// The session's report as it stands, from what is stored (the same as `session-server export`).
    pub fn report(&self, now_ms: i64) -> crate::report::Report {
        // The item on screen before its reveal is the room's secret still, unless the facilitator
        // previews it: the report has it as it was last revealed (or not at all).
        let k = self.min_group();
        let hidden =
            |index: usize| Some(index) == self.current && matches!(self.phase, Phase::Scene | Phase::Open | Phase::Closed) && !self.preview;
        let tally_of = |index: usize, item: &Item, _: &[&str]| {
            if !hidden(index) {
                return self.tally_at(index).into_tally();
            }
            match self.answers.get(&index).and_then(|a| a.revealed.as_ref()) {
                Some(then) => then.tally(item, k),
                None => ItemAnswers::new(item.options().len()).tally(item, k),
            }
        };
        let mut report = crate::report::Report::new(
            self.code.clone(),
            self.title.clone(),
            self.deck.clone(),
            self.phase.as_str().into(),
            now_ms,
            tally_of,
        );
        report.agreements = self.agreements.clone();
        report.mark_drawn(self.roles.keys().map(String::as_str));
        report.add_reasons(self.answers.iter().filter(|(index, _)| !hidden(**index)).flat_map(|(index, a)| {
            let item = &self.deck.items[*index];
            let options = a.reason_options(k);
            a.reasons.values().filter_map(move |(member, text)| {
                Some((item.id.as_str(), item.options().get(options.of(*member)?)?.id.as_str(), text.as_str()))
            })
        }));
        report
    }

    pub fn answered(&self) -> u32 {
        self.current.and_then(|i| self.answers.get(&i)).map_or(0, |a| a.by_member.len() as u32)
    }

    /// A member's own guesses and reasons, item → percent and item → text: only ever sent back to that member.
    pub fn own_extras(&self, member: u32) -> (BTreeMap<String, u32>, BTreeMap<String, String>) {
        let (mut guesses, mut reasons) = (BTreeMap::new(), BTreeMap::new());
        for (index, a) in &self.answers {
            let id = &self.deck.items[*index].id;
            if let Some(g) = a.guesses.get(&member) {
                guesses.insert(id.clone(), *g);
            }
            if let Some((_, text)) = a.reason_of.get(&member).and_then(|p| a.reasons.get(p)) {
                reasons.insert(id.clone(), text.clone());
            }
        }
        (guesses, reasons)
    }

    /// A member's own answers, item → option id: only ever sent back to that member.
    pub fn own_answers(&self, member: u32) -> BTreeMap<String, String> {
        self.answers
            .iter()
            .filter_map(|(item, a)| {
                let option = *a.by_member.get(&member)?;
                let item = &self.deck.items[*item];
                Some((item.id.clone(), item.options().get(option)?.id.clone()))
            })
            .collect()
    }

    pub fn timer_view(&self, now_ms: i64) -> Option<TimerView> {
        let (started, duration_s) = self.timer?;
        let end = started + i64::from(duration_s) * 1000;
        Some(TimerView { duration_s, remaining_ms: (end - now_ms).max(0) as u64 })
    }

    pub fn view(&self, facilitator: bool, participants: u32, now_ms: i64) -> SessionView {
        SessionView {
            code: self.code.clone(),
            title: self.title.clone(),
            scenario: self.deck.id.clone(),
            language: self.deck.language.clone(),
            phase: self.phase,
            index: self.current,
            count: self.deck.items.len(),
            participants,
            answered: self.answered(),
            item: self.current.map(|i| self.item_view(i, facilitator)),
            timer: self.timer_view(now_ms),
            items: facilitator.then(|| (0..self.deck.items.len()).map(|i| self.item_view(i, true)).collect()),
            follows: self.earlier.as_ref().map(|e| e.view.clone()),
            min_group: self.min_group(),
            preview: facilitator && self.preview,
            teams: if facilitator { self.teams.len() } else { 0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deck() -> Arc<Deck> {
        let src = "id = \"d\"\ntitle = \"D\"\nlanguage = \"nl\"\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatement = \"S\"\n";
        Arc::new(protocol::scenario::parse_deck("d.toml", src).unwrap())
    }

    #[test]
    fn a_changed_answer_counts_once_also_per_team() {
        let mut s = State::new("K7M2QX".into(), "t".into(), deck());
        let team: Arc<str> = Arc::from("Oost");
        for m in 1..=3 {
            s.members.insert(m, Member { role: Role::Player, team: Some(team.clone()) });
        }
        s.current = Some(0);
        assert_eq!(s.record("a", 1, "eens"), Some(true));
        assert_eq!(s.record("a", 1, "oneens"), Some(false));
        assert_eq!(s.record("a", 2, "oneens"), Some(true));
        assert_eq!(s.record("a", 3, "hangt_af"), Some(true));
        assert_eq!(s.record("a", 3, "nope"), None);
        let t = s.tally().unwrap();
        assert_eq!(t.total, 3);
        assert_eq!(t.counts["eens"], 0);
        assert_eq!(t.counts["oneens"], 2);
        assert_eq!(t.teams["Oost"].total, 3);
        assert_eq!(t.teams["Oost"].percentages["oneens"], 67);
        assert_eq!(s.answered(), 3);
        assert_eq!(s.own_answers(1).get("a").map(String::as_str), Some("oneens"));
    }
}
