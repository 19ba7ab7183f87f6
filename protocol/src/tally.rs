//! Counts → whole percentages that add up to exactly 100, and the team breakdown that hides small teams.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The smallest group whose result may be shown: a result of fewer people (the whole room, a
/// team, the rest beside the teams, the guesses, the reasons, a change since the last reveal)
/// would be those people's answers. At least 3 (the default); a session or a deck may raise it to
/// [`MinGroup::MOST`] for a stricter room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MinGroup(u32);

impl MinGroup {
    /// The default and the least: three.
    pub const LEAST: MinGroup = MinGroup(3);
    /// The strictest a room may be.
    pub const MOST: u32 = 10;

    /// `n` as a minimum group, when it lies between 3 and [`MinGroup::MOST`].
    pub fn new(n: u32) -> Option<MinGroup> {
        (Self::LEAST.0..=Self::MOST).contains(&n).then_some(MinGroup(n))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether a group of `n` (more than none, fewer than the minimum) would single its people out.
    pub fn singles_out(self, n: u32) -> bool {
        (1..self.0).contains(&n)
    }

    /// Whether `n` is enough to show: at least the minimum.
    pub fn allows(self, n: u32) -> bool {
        n >= self.0
    }

    pub fn is_default(&self) -> bool {
        *self == Self::LEAST
    }
}

impl Default for MinGroup {
    fn default() -> MinGroup {
        MinGroup::LEAST
    }
}

impl TryFrom<u32> for MinGroup {
    type Error = String;
    fn try_from(n: u32) -> Result<MinGroup, String> {
        MinGroup::new(n).ok_or_else(|| format!("the minimum group must lie between 3 and {}, not {n}", MinGroup::MOST))
    }
}

impl From<MinGroup> for u32 {
    fn from(k: MinGroup) -> u32 {
        k.0
    }
}

/// The group's result for one item. Every option appears in `counts` and `percentages`, also with 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub item: String,
    pub total: u32,
    pub counts: BTreeMap<String, u32>,
    pub percentages: BTreeMap<String, u32>,
    #[serde(default)]
    pub teams: BTreeMap<String, TeamTally>,
    /// **(addition)** How many answers this tally leaves out because there are fewer than
    /// the session's [`MinGroup`] in all: then `total`, `counts` and `percentages` are all zero, so one
    /// or two people's answers are never shown to the room. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: u32,
    /// **(addition)** After the item was revealed before: how many answers (new or changed since
    /// that reveal) this result leaves out, because showing them (one or two) would single out
    /// whose they are by subtraction (fewer than the session's [`MinGroup`]). The result is then that earlier one. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub held_back: u32,
    /// **(addition)** In a follow-up session: the same item's result in the earlier session, with
    /// the shift since then. Absent when the item was not played there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier: Option<Box<EarlierTally>>,
    /// **(addition)** What the room guessed, when the item asked for guesses: the average share
    /// the players thought would choose `option`. Absent with fewer than three guesses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// **(addition)** Only in the facilitator's copy: the shapes this result has, with why (see
    /// [`crate::fit::shapes`]), for the prompts that fit it. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fits: Vec<crate::fit::Fit>,
}

/// The room's guess of its own result: the average of the players' guesses of the share choosing `option`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// The option guessed about: the item's first.
    pub option: String,
    /// The average guess in whole percent, rounded half up.
    pub average: u32,
    /// How many guesses it averages (at least three).
    pub guesses: u32,
}

impl Prediction {
    /// The room's guess from the sum and number of the guesses; none from fewer than `k`, so
    /// no one's guess can be read off it.
    pub fn of(option: &str, sum: u64, guesses: u32, k: MinGroup) -> Option<Prediction> {
        k.allows(guesses).then(|| Prediction {
            option: option.to_owned(),
            average: ((sum * 2 + u64::from(guesses)) / (2 * u64::from(guesses))) as u32,
            guesses,
        })
    }
}

/// An item's result in the earlier session of a follow-up, as the room may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierTally {
    /// The day the earlier session was played, `YYYY-MM-DD`.
    pub date: String,
    pub total: u32,
    pub counts: BTreeMap<String, u32>,
    pub percentages: BTreeMap<String, u32>,
    /// One or two answers then: nothing shown, like [`Tally::withheld`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: u32,
    /// Now minus then, in percentage points per option; empty unless both sides are shown.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shift: BTreeMap<String, i32>,
}

impl EarlierTally {
    /// The earlier side from that session's tally (as the room may see it), played on `date`.
    pub fn from_tally(then: Tally, date: String, k: MinGroup) -> EarlierTally {
        let then = then.for_the_room(k).into_tally();
        EarlierTally {
            date,
            total: then.total,
            counts: then.counts,
            percentages: then.percentages,
            withheld: then.withheld,
            shift: BTreeMap::new(),
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Whether a result that differs from the one the room last saw by `changed` answers must be held
/// back: fewer differences than `k` would show those people's choices by subtraction.
pub fn holds_back(changed: u32, k: MinGroup) -> bool {
    k.singles_out(changed)
}

/// A tally the room may see. Only [`Tally::for_the_room`] makes one (and reading a `tally` message
/// off the wire), and a `tally` message carries only this type: a result of fewer people than the
/// room's minimum group cannot be sent by mistake. Its fields read as a [`Tally`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomTally(Tally);

impl std::ops::Deref for RoomTally {
    type Target = Tally;
    fn deref(&self) -> &Tally {
        &self.0
    }
}

impl RoomTally {
    /// The tally itself, to keep or compare (what it shows stays what the room may see).
    pub fn into_tally(self) -> Tally {
        self.0
    }

    /// The facilitator's copy: with the shapes the result has (`fits`), worded in `language`.
    pub fn with_fits(mut self, options: &[crate::view::OptionView], language: &str) -> RoomTally {
        self.0.fits = crate::fit::shapes(&self.0, options, language);
        self
    }
}

impl Tally {
    /// The tally as the room (players, projectors, reports, the facilitator's screen) may see it:
    /// with fewer than `k` answers in all, nothing but how many were left out.
    pub fn for_the_room(self, k: MinGroup) -> RoomTally {
        if !k.singles_out(self.total) {
            return RoomTally(self);
        }
        let zero = |m: BTreeMap<String, u32>| m.into_keys().map(|k| (k, 0)).collect();
        RoomTally(Tally {
            withheld: self.total,
            total: 0,
            counts: zero(self.counts),
            percentages: zero(self.percentages),
            teams: BTreeMap::new(),
            item: self.item,
            earlier: self.earlier.map(|mut e| {
                e.shift.clear();
                e
            }),
            prediction: self.prediction,
            held_back: self.held_back,
            fits: Vec::new(),
        })
    }

    /// Puts the earlier session's result beside this one, with the shift per option when both
    /// sides have something to show.
    pub fn with_earlier(mut self, earlier: Option<&EarlierTally>, k: MinGroup) -> Tally {
        self.earlier = earlier.map(|e| {
            let mut e = e.clone();
            e.shift = if k.allows(self.total) && k.allows(e.total) {
                self.percentages
                    .iter()
                    .map(|(o, now)| (o.clone(), *now as i32 - e.percentages.get(o).copied().unwrap_or(0) as i32))
                    .collect()
            } else {
                BTreeMap::new()
            };
            Box::new(e)
        });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamTally {
    pub total: u32,
    #[serde(default)]
    pub counts: BTreeMap<String, u32>,
    pub percentages: BTreeMap<String, u32>,
}

/// Whole percentages by the largest-remainder method.
///
/// When the total is above zero they add up to exactly 100, each is the exact share rounded down
/// or up, and an option with no answers gets 0. Ties in the remainder go to the larger count, then
/// to the earlier option, so the same counts always give the same result. All zero when no one answered.
pub fn percentages(counts: &[u32]) -> Vec<u32> {
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let mut result: Vec<u32> = counts.iter().map(|&c| (u64::from(c) * 100 / total) as u32).collect();
    let given: u32 = result.iter().sum();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    let remainder = |i: usize| u64::from(counts[i]) * 100 % total;
    order.sort_by(|&a, &b| remainder(b).cmp(&remainder(a)).then(counts[b].cmp(&counts[a])).then(a.cmp(&b)));
    for &i in order.iter().take((100 - given) as usize) {
        result[i] += 1;
    }
    result
}

/// Builds the tally of one item from its answers, each an option id with the answerer's team.
///
/// Answers naming an option the item lacks are not counted (they cannot be accepted in the
/// first place). Teams below `k` are left out.
pub fn tally<'a>(item: &str, options: &[&str], answers: impl IntoIterator<Item = (&'a str, Option<&'a str>)>, k: MinGroup) -> Tally {
    let mut counts = vec![0u32; options.len()];
    let mut team_counts: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (option, team) in answers {
        let Some(i) = options.iter().position(|o| *o == option) else { continue };
        counts[i] += 1;
        if let Some(team) = team {
            team_counts.entry(team).or_insert_with(|| vec![0; options.len()])[i] += 1;
        }
    }
    from_counts(item, options, &counts, team_counts.iter().map(|(t, c)| (*t, c.as_slice())), k)
}

/// Builds a tally from counts kept per option (in `options` order), overall and per team.
/// This is what the server calls on every change; [`tally`] counts first and then calls it.
///
/// A team is shown only from `k` answers, and only while the rest of the room (overall minus
/// every shown team) is empty or also at least that many: otherwise subtracting the shown numbers
/// would give away the answers of fewer than `k` people.
pub fn from_counts<'a>(
    item: &str,
    options: &[&str],
    counts: &[u32],
    teams: impl IntoIterator<Item = (&'a str, &'a [u32])>,
    k: MinGroup,
) -> Tally {
    let named = |values: &[u32]| -> BTreeMap<String, u32> { options.iter().zip(values).map(|(o, v)| ((*o).to_owned(), *v)).collect() };
    let total: u32 = counts.iter().sum();
    let mut shown: Vec<(&str, &[u32], u32)> =
        teams.into_iter().map(|(team, c)| (team, c, c.iter().sum::<u32>())).filter(|(_, _, n)| k.allows(*n)).collect();
    // The rest of the room (no team, or a hidden one) is overall minus the shown teams: it must
    // not be fewer than k people either. Hiding the smallest shown team folds it into the rest (≥ k).
    let rest = total - shown.iter().map(|t| t.2).sum::<u32>();
    if k.singles_out(rest)
        && let Some(smallest) = shown.iter().enumerate().min_by_key(|(_, t)| (t.2, std::cmp::Reverse(t.0))).map(|(i, _)| i)
    {
        shown.remove(smallest);
    }
    let teams = shown
        .into_iter()
        .map(|(team, c, n)| (team.to_owned(), TeamTally { total: n, counts: named(c), percentages: named(&percentages(c)) }))
        .collect();
    Tally {
        item: item.to_owned(),
        total,
        percentages: named(&percentages(counts)),
        counts: named(counts),
        teams,
        withheld: 0,
        held_back: 0,
        earlier: None,
        prediction: None,
        fits: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const K: MinGroup = MinGroup::LEAST;

    #[test]
    fn then_versus_now_shifts_only_when_both_sides_may_be_shown() {
        let opts = ["eens", "oneens"];
        let then =
            EarlierTally::from_tally(tally("a", &opts, [("eens", None), ("eens", None), ("oneens", None)], K), "2026-08-29".into(), K);
        assert_eq!((then.total, then.percentages["eens"]), (3, 67));
        let now = tally("a", &opts, [("eens", None), ("oneens", None), ("oneens", None), ("oneens", None)], K).with_earlier(Some(&then), K);
        let e = now.earlier.as_ref().unwrap();
        assert_eq!(e.shift, [("eens".to_owned(), -42), ("oneens".to_owned(), 42)].into());
        assert_eq!(e.date, "2026-08-29");
        // Two answers now: the room sees neither the numbers nor a shift that would give them away.
        let few = tally("a", &opts, [("eens", None), ("oneens", None)], K).with_earlier(Some(&then), K);
        assert!(few.earlier.as_ref().unwrap().shift.is_empty(), "no shift from two answers, for anyone");
        let room = few.for_the_room(K);
        assert!(room.earlier.as_ref().unwrap().shift.is_empty());
        assert_eq!(room.earlier.as_ref().unwrap().percentages["eens"], 67, "the earlier side stays");
        // One or two answers then: withheld there too, and no shift.
        let thin = EarlierTally::from_tally(tally("a", &opts, [("eens", None)], K), "2026-08-29".into(), K);
        assert_eq!((thin.total, thin.withheld), (0, 1));
        let now = tally("a", &opts, [("eens", None); 4], K).with_earlier(Some(&thin), K);
        assert!(now.earlier.unwrap().shift.is_empty());
    }

    #[test]
    fn the_rooms_guess_is_the_rounded_average_of_three_or_more() {
        assert_eq!(Prediction::of("eens", 100, 3, K).map(|p| p.average), Some(33));
        assert_eq!(Prediction::of("eens", 101, 2, K), None, "two guesses: nothing");
        assert_eq!(Prediction::of("eens", 5, 10, K).map(|p| p.average), Some(1), "0.5 rounds up");
        assert_eq!(Prediction::of("eens", 4, 10, K).map(|p| p.average), Some(0));
        assert_eq!(Prediction::of("eens", 300, 3, K).map(|p| (p.average, p.guesses)), Some((100, 3)));
    }

    #[test]
    fn a_stricter_room_shows_from_its_own_minimum() {
        let five = MinGroup::new(5).unwrap();
        let four = tally("x", &["a", "b"], [("a", Some("Oost")); 4], five);
        assert!(four.teams.is_empty(), "a team of four is hidden in a room of five");
        let room = four.for_the_room(five);
        assert_eq!((room.total, room.withheld), (0, 4));
        assert!(Prediction::of("a", 200, 4, five).is_none());
        assert!(holds_back(4, five) && !holds_back(5, five) && !holds_back(0, five));
        assert_eq!(MinGroup::new(2), None);
        assert_eq!(MinGroup::new(11), None);
        assert_eq!(serde_json::from_str::<MinGroup>("7").unwrap().get(), 7);
        assert!(serde_json::from_str::<MinGroup>("2").is_err());
    }

    #[test]
    fn example_of_the_contract() {
        assert_eq!(percentages(&[10, 8, 5]), vec![43, 35, 22]);
    }

    #[test]
    fn thirds_break_ties_towards_the_earlier_option() {
        assert_eq!(percentages(&[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(percentages(&[2, 1, 1, 2]), vec![33, 17, 17, 33]);
    }

    #[test]
    fn nobody_answered_is_all_zero() {
        assert_eq!(percentages(&[0, 0, 0]), vec![0, 0, 0]);
        assert_eq!(percentages(&[]), Vec::<u32>::new());
    }

    #[test]
    fn small_teams_are_hidden_and_every_option_is_listed() {
        let answers = [
            ("eens", Some("Oost")),
            ("eens", Some("Oost")),
            ("oneens", Some("Oost")),
            ("eens", Some("West")),
            ("oneens", Some("West")),
            ("oneens", None),
        ];
        let t = tally("x", &["eens", "oneens", "hangt_af"], answers, K);
        assert_eq!(t.total, 6);
        assert_eq!(t.counts["hangt_af"], 0);
        assert_eq!(t.percentages["hangt_af"], 0);
        assert_eq!(t.percentages.values().sum::<u32>(), 100);
        assert_eq!(t.teams.keys().collect::<Vec<_>>(), vec!["Oost"]);
        assert_eq!(t.teams["Oost"].total, 3);
        assert_eq!(t.teams["Oost"].percentages["eens"], 67);
    }

    #[test]
    fn one_or_two_answers_are_not_shown_to_the_room_only_counted_as_withheld() {
        let two = tally("x", &["a", "b"], [("a", None), ("b", None)], K).for_the_room(K);
        assert_eq!((two.total, two.withheld, two.counts["a"], two.percentages["b"]), (0, 2, 0, 0));
        assert_eq!(two.counts.len(), 2, "every option still listed");
        let three = tally("x", &["a", "b"], [("a", None), ("b", None), ("b", None)], K);
        assert_eq!(three.clone().for_the_room(K).into_tally(), three, "from three answers the room sees everything");
        let none = tally("x", &["a"], [], K);
        assert_eq!(none.clone().for_the_room(K).into_tally(), none);
        assert!(!serde_json::to_string(&three).unwrap().contains("withheld"), "absent when zero");
    }

    #[test]
    fn a_team_is_hidden_when_the_rest_of_the_room_would_be_one_or_two_people() {
        // Oost 3 and West 3 shown with one person outside: overall minus both teams is that person.
        let mut answers = vec![("eens", Some("Oost")); 3];
        answers.extend(vec![("oneens", Some("West")); 4]);
        answers.push(("hangt_af", None));
        let t = tally("x", &["eens", "oneens", "hangt_af"], answers.clone(), K);
        assert_eq!(t.teams.keys().collect::<Vec<_>>(), vec!["West"], "the smaller team joins the rest");
        answers.push(("eens", None));
        answers.push(("eens", None));
        let t = tally("x", &["eens", "oneens", "hangt_af"], answers, K);
        assert_eq!(t.teams.len(), 2, "a rest of three may stand beside both teams");
    }

    proptest! {
        /// Whatever the room, every group the team numbers can be subtracted down to (a union of
        /// shown teams, or the room minus one) is empty or has at least 3 people. (The overall
        /// result itself is the room's; how small a room may see it is not the teams' rule.)
        #[test]
        fn no_combination_of_shown_numbers_singles_out_fewer_than_the_minimum(
            people in prop::collection::vec((0usize..3, prop::option::of(0usize..5)), 0..60),
            k in 3u32..=10,
        ) {
            let k = MinGroup::new(k).unwrap();
            let options = ["a", "b", "c"];
            let names = ["t0", "t1", "t2", "t3", "t4"];
            let answers: Vec<_> = people.iter().map(|(o, t)| (options[*o], t.map(|t| names[t]))).collect();
            let t = tally("x", &options, answers, k).for_the_room(k);
            prop_assert!(!k.singles_out(t.total), "the room sees {} answers", t.total);
            let shown: Vec<u32> = t.teams.values().map(|team| team.total).collect();
            for mask in 1u32..(1 << shown.len()) {
                let picked: u32 = shown.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| n).sum();
                for group in [picked, t.total - picked] {
                    prop_assert!(!k.singles_out(group), "a group of {} from {:?} of {}", group, shown, t.total);
                }
            }
        }

        #[test]
        fn always_sums_to_100_and_stays_within_one_of_exact(counts in prop::collection::vec(0u32..10_000, 1..8)) {
            let p = percentages(&counts);
            let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
            prop_assert_eq!(p.len(), counts.len());
            if total == 0 {
                prop_assert!(p.iter().all(|&x| x == 0));
            } else {
                prop_assert_eq!(p.iter().sum::<u32>(), 100);
                for (c, x) in counts.iter().zip(&p) {
                    let exact = f64::from(*c) * 100.0 / total as f64;
                    prop_assert!((f64::from(*x) - exact).abs() < 1.0, "{} vs {}", x, exact);
                    if *c == 0 { prop_assert_eq!(*x, 0); }
                }
            }
        }

        #[test]
        fn a_larger_count_never_gets_a_smaller_percentage(counts in prop::collection::vec(0u32..1_000, 2..6)) {
            let p = percentages(&counts);
            for i in 0..counts.len() {
                for j in 0..counts.len() {
                    if counts[i] > counts[j] { prop_assert!(p[i] >= p[j]); }
                }
            }
        }

        #[test]
        fn the_same_shares_give_the_same_percentages(counts in prop::collection::vec(0u32..1_000, 1..6), factor in 2u32..50) {
            // Only the shares count: every count times the same factor changes nothing, ties included.
            let scaled: Vec<u32> = counts.iter().map(|c| c * factor).collect();
            prop_assert_eq!(percentages(&counts), percentages(&scaled));
        }

        #[test]
        fn teams_shown_only_from_three(team_sizes in prop::collection::vec(0usize..6, 1..5)) {
            let mut answers = Vec::new();
            let names: Vec<String> = (0..team_sizes.len()).map(|i| format!("t{i}")).collect();
            for (i, n) in team_sizes.iter().enumerate() {
                for k in 0..*n { answers.push((if k % 2 == 0 { "a" } else { "b" }, Some(names[i].as_str()))); }
            }
            let t = tally("x", &["a", "b"], answers, K);
            for (i, n) in team_sizes.iter().enumerate() {
                if *n < 3 { prop_assert!(!t.teams.contains_key(&names[i])); }
            }
        }
    }
}
