//! Prompts that fit the result: the shapes a revealed tally can have (split, consensus, …) and the facilitator's prompts ordered by them.
//!
//! A trainer tags a prompt with the shapes it suits (`fits = ["split"]`); once the result is in,
//! [`shapes`] says which shapes it has and why, and [`order`] puts the prompts that fit first.
//! Pure functions, table-tested below: the facilitator's screen only draws what they return.

use serde::{Deserialize, Serialize};

use crate::tally::{MinGroup, Tally};
use crate::view::OptionView;

/// The shape of a result a prompt can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// No option above [`SPLIT_MAX`] %.
    Split,
    /// One option at or above [`CONSENSUS_MIN`] %.
    Consensus,
    /// "Hangt ervan af" at or above [`DEPENDS_MIN`] %.
    Depends,
    /// An option chosen, but by under [`MINORITY_UNDER`] %.
    Minority,
    /// The room's average guess for the first option is [`GAP_MIN`] points or more off.
    PredictionGap,
    /// An option moved [`SHIFT_MIN`] points or more since the earlier session.
    Shift,
}

pub const SPLIT_MAX: u32 = 50;
pub const CONSENSUS_MIN: u32 = 75;
pub const DEPENDS_MIN: u32 = 30;
pub const MINORITY_UNDER: u32 = 15;
pub const GAP_MIN: u32 = 20;
pub const SHIFT_MIN: u32 = 20;

impl Shape {
    pub const ALL: [Shape; 6] = [Shape::Split, Shape::Consensus, Shape::Depends, Shape::Minority, Shape::PredictionGap, Shape::Shift];

    /// The name in a deck file (`fits = ["split"]`) and on the wire.
    pub fn id(self) -> &'static str {
        match self {
            Shape::Split => "split",
            Shape::Consensus => "consensus",
            Shape::Depends => "depends",
            Shape::Minority => "minority",
            Shape::PredictionGap => "prediction_gap",
            Shape::Shift => "shift",
        }
    }

    pub fn parse(s: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|t| t.id() == s)
    }

    /// What the facilitator reads, in the deck's language (Dutch unless English).
    pub fn name(self, language: &str) -> &'static str {
        let en = language == "en";
        match self {
            Shape::Split if en => "split",
            Shape::Split => "verdeeld",
            Shape::Consensus if en => "consensus",
            Shape::Consensus => "eensgezind",
            Shape::Depends if en => "many say it depends",
            Shape::Depends => "veel 'hangt ervan af'",
            Shape::Minority if en => "a small minority",
            Shape::Minority => "kleine minderheid",
            Shape::PredictionGap if en => "the guess was off",
            Shape::PredictionGap => "voorspelling zat ernaast",
            Shape::Shift if en => "moved since last time",
            Shape::Shift => "verschoven sinds de vorige keer",
        }
    }
}

/// A shape the result has, with the numbers that show it ("verdeeld: 45 / 40 / 15"). **(addition)**
/// On the wire in the facilitator's `tally` (`fits`), so a browser page needs no copy of [`shapes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fit {
    pub shape: Shape,
    pub why: String,
}

/// Whether an option is "hangt ervan af" (the default option, or one a trainer labelled so).
fn is_depends(o: &OptionView) -> bool {
    let label = o.label.to_lowercase();
    o.id == "hangt_af" || o.id.starts_with("hangt_ervan") || label.starts_with("hangt ervan af") || label.starts_with("it depends")
}

/// The shapes of `t`, an item's tally with its `options` in the deck's order, worded in `language`.
/// Nothing for a result the room may not see (fewer than three answers).
pub fn shapes(t: &Tally, options: &[OptionView], language: &str) -> Vec<Fit> {
    if !MinGroup::LEAST.allows(t.total) || options.is_empty() {
        return Vec::new();
    }
    let pct = |o: &OptionView| t.percentages.get(&o.id).copied().unwrap_or(0);
    let count = |o: &OptionView| t.counts.get(&o.id).copied().unwrap_or(0);
    let fit = |shape: Shape, numbers: String| Fit { shape, why: format!("{}: {numbers}", shape.name(language)) };
    let mut out = Vec::new();
    let top = options.iter().max_by_key(|o| pct(o)).expect("not empty");
    if pct(top) <= SPLIT_MAX {
        out.push(fit(Shape::Split, options.iter().map(|o| pct(o).to_string()).collect::<Vec<_>>().join(" / ")));
    }
    if pct(top) >= CONSENSUS_MIN {
        out.push(fit(Shape::Consensus, format!("{}% {}", pct(top), top.label.to_lowercase())));
    }
    if let Some(o) = options.iter().find(|o| is_depends(o) && pct(o) >= DEPENDS_MIN) {
        out.push(fit(Shape::Depends, format!("{}%", pct(o))));
    }
    if let Some(o) = options.iter().find(|o| count(o) > 0 && pct(o) < MINORITY_UNDER) {
        out.push(fit(Shape::Minority, format!("{}% {}", pct(o), o.label.to_lowercase())));
    }
    if let Some(p) = &t.prediction {
        let real = t.percentages.get(&p.option).copied().unwrap_or(0);
        if real.abs_diff(p.average) >= GAP_MIN {
            let words = if language == "en" { ("guessed", "was") } else { ("gedacht", "werd") };
            out.push(fit(Shape::PredictionGap, format!("{} {}%, {} {real}%", words.0, p.average, words.1)));
        }
    }
    if let Some((o, moved)) = t
        .earlier
        .as_ref()
        .and_then(|e| options.iter().filter_map(|o| Some((o, *e.shift.get(&o.id)?))).max_by_key(|(_, s)| s.unsigned_abs()))
        && moved.unsigned_abs() >= SHIFT_MIN
    {
        out.push(fit(Shape::Shift, format!("{} {moved:+}", o.label.to_lowercase())));
    }
    out
}

/// The order to show prompts in: those tagged with a shape in `found` first, then the rest, each
/// in the deck's order. `fits` has one entry per prompt (or none: then nothing is tagged).
/// Each index comes with the shape it fits, if any.
pub fn order(prompts: usize, fits: &[Vec<Shape>], found: &[Fit]) -> Vec<(usize, Option<Shape>)> {
    let fitting = |i: usize| fits.get(i).and_then(|tags| found.iter().map(|f| f.shape).find(|s| tags.contains(s)));
    let (first, rest): (Vec<_>, Vec<_>) = (0..prompts).map(|i| (i, fitting(i))).partition(|(_, s)| s.is_some());
    first.into_iter().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::{EarlierTally, MinGroup, Prediction, tally};

    const K: MinGroup = MinGroup::LEAST;

    fn options(language: &str) -> Vec<OptionView> {
        crate::scenario::default_options(language).into_iter().map(|c| OptionView { id: c.id, label: c.label }).collect()
    }

    /// A tally of `counts` answers to eens / oneens / hangt_af.
    fn result(counts: [usize; 3]) -> Tally {
        let ids = ["eens", "oneens", "hangt_af"];
        let answers = ids.iter().zip(counts).flat_map(|(o, n)| std::iter::repeat_n((*o, None), n));
        tally("x", &ids, answers, K)
    }

    fn found(t: &Tally) -> Vec<(Shape, String)> {
        shapes(t, &options("nl"), "nl").into_iter().map(|f| (f.shape, f.why)).collect()
    }

    #[test]
    fn each_shape_at_its_edges() {
        use Shape::*;
        type Case<'a> = ([usize; 3], &'a [(Shape, &'a str)]);
        let cases: &[Case] = &[
            ([9, 8, 3], &[(Split, "verdeeld: 45 / 40 / 15")]),
            ([10, 8, 2], &[(Split, "verdeeld: 50 / 40 / 10"), (Minority, "kleine minderheid: 10% hangt ervan af")]),
            ([51, 40, 9], &[(Minority, "kleine minderheid: 9% hangt ervan af")]),
            ([15, 5, 0], &[(Consensus, "eensgezind: 75% eens")]),
            ([74, 26, 0], &[]),
            ([4, 3, 3], &[(Split, "verdeeld: 40 / 30 / 30"), (Depends, "veel 'hangt ervan af': 30%")]),
            ([5, 3, 2], &[(Split, "verdeeld: 50 / 30 / 20")]),
            ([5, 1, 1], &[(Minority, "kleine minderheid: 14% oneens")]),
            ([1, 1, 0], &[]),
            ([0, 0, 0], &[]),
        ];
        for (counts, want) in cases {
            let want: Vec<(Shape, String)> = want.iter().map(|(s, w)| (*s, (*w).to_owned())).collect();
            assert_eq!(found(&result(*counts)), want, "counts {counts:?}");
        }
        // 86 % "hangt ervan af" is both consensus and many "depends".
        assert_eq!(found(&result([1, 0, 6])).iter().map(|f| f.0).collect::<Vec<_>>(), vec![Consensus, Depends, Minority]);
    }

    #[test]
    fn a_guess_far_from_the_result_and_a_big_shift() {
        let mut t = result([12, 6, 2]);
        t.prediction = Some(Prediction { option: "eens".into(), average: 30, guesses: 18 });
        assert!(found(&t).contains(&(Shape::PredictionGap, "voorspelling zat ernaast: gedacht 30%, werd 60%".into())));
        t.prediction = Some(Prediction { option: "eens".into(), average: 41, guesses: 18 });
        assert!(!found(&t).iter().any(|f| f.0 == Shape::PredictionGap), "19 points is not a big gap");
        let then = EarlierTally::from_tally(result([4, 12, 4]), "2026-08-29".into(), K);
        let t = result([12, 6, 2]).with_earlier(Some(&then), K);
        assert!(found(&t).contains(&(Shape::Shift, "verschoven sinds de vorige keer: eens +40".into())));
        let then = EarlierTally::from_tally(result([9, 9, 2]), "2026-08-29".into(), K);
        let t = result([12, 6, 2]).with_earlier(Some(&then), K);
        assert!(!found(&t).iter().any(|f| f.0 == Shape::Shift), "15 points is not a big shift");
    }

    #[test]
    fn english_words() {
        let fits = shapes(&result([9, 8, 3]), &options("en"), "en");
        assert_eq!(fits[0].why, "split: 45 / 40 / 15");
    }

    #[test]
    fn fitting_prompts_come_first_and_the_rest_keep_their_order() {
        use Shape::*;
        let found = [Fit { shape: Split, why: String::new() }, Fit { shape: Minority, why: String::new() }];
        let fits = vec![vec![], vec![Consensus], vec![Minority], vec![], vec![Split, Consensus]];
        assert_eq!(order(5, &fits, &found), vec![(2, Some(Minority)), (4, Some(Split)), (0, None), (1, None), (3, None)]);
        assert_eq!(order(3, &[], &found), vec![(0, None), (1, None), (2, None)], "untagged prompts keep working");
        assert_eq!(order(2, &fits[..2], &[]), vec![(0, None), (1, None)], "no result yet: the deck's order");
    }
}
