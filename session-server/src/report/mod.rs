//! A session's report: per item the result as the room may see it, the reasons and agreements, read from the database; never individual answers.
//!
//! [`write`] turns it into CSV (for Dutch Excel), JSON, Markdown or a deck file; [`series`] reports a conversation and its follow-ups together.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use protocol::scenario::{Deck, Item};
use protocol::{Tally, tally};
use serde::Serialize;

use crate::store::{Db, ReportRows, StoreError};

pub mod earlier;
pub mod series;
mod write;

pub use write::render;
pub(crate) use write::{csv_field, md, not_played};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Md,
    /// The statements from the room, as a deck file for trainers.
    Toml,
}

impl From<protocol::ReportFormat> for Format {
    fn from(f: protocol::ReportFormat) -> Format {
        match f {
            protocol::ReportFormat::Md => Format::Md,
            protocol::ReportFormat::Csv => Format::Csv,
            protocol::ReportFormat::Json => Format::Json,
            protocol::ReportFormat::Toml => Format::Toml,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("there is no session with code {0} in this database. Check the code and the --db path.")]
    UnknownSession(String),
    #[error("the deck stored with session {0} cannot be read")]
    Deck(String),
    #[error("{0}")]
    Nothing(String),
}

/// The results of one session: per item the tally, with teams only where at least three answered.
#[derive(Debug, Serialize)]
pub struct Report {
    pub code: String,
    pub title: String,
    pub scenario: String,
    pub phase: String,
    /// When the session was created (its day is the day it was played).
    #[serde(skip)]
    pub created_ms: i64,
    pub exported_ms: i64,
    pub items: Vec<ItemReport>,
    /// The agreements the group made in this session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<protocol::AgreementView>,
    #[serde(skip)]
    pub(crate) deck: Arc<Deck>,
}

#[derive(Debug, Serialize)]
pub struct ItemReport {
    pub number: usize,
    pub id: String,
    pub kind: protocol::ItemKind,
    pub text: String,
    pub themes: Vec<String>,
    pub prompts: Vec<String>,
    /// As the room may see it: a report is shown to a room too.
    pub tally: Option<protocol::RoomTally>,
    /// Whether the item was played: answered, or (a sketch) its roles were drawn.
    pub played: bool,
    /// The reasons players gave, per option in the item's order, each list sorted (so its order
    /// says nothing about who wrote what). Only where the room may see the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<ReasonsFor>,
}

/// The reasons given for one option.
#[derive(Debug, Serialize)]
pub struct ReasonsFor {
    pub option: String,
    pub texts: Vec<String>,
}

impl ItemReport {
    /// Whether anyone answered it (also when too few to show).
    pub fn answered(&self) -> bool {
        self.tally.as_ref().is_some_and(|t| t.total + t.withheld > 0)
    }
}

pub fn load_report(db: &Path, code: &str) -> Result<Report, ExportError> {
    read_report(&Db::open(db)?, code)
}

/// The report of session `code` as the database holds it.
pub fn read_report(db: &Db, code: &str) -> Result<Report, ExportError> {
    let code = protocol::codes::normalize(code).unwrap_or_else(|| code.to_owned());
    let rows = db.report_rows(&code)?.ok_or_else(|| ExportError::UnknownSession(code.clone()))?;
    from_rows(rows)
}

/// The report the room may see of a session's rows: results held back as on the screens, reasons
/// only under answers the room saw, the room's guess only beside a result shown.
pub fn from_rows(rows: ReportRows) -> Result<Report, ExportError> {
    let ReportRows { code, title, deck_json, phase, created_ms, answers, revealed, predict, guesses, drawn, reasons, agreements } = rows;
    let deck: Deck = serde_json::from_str(&deck_json).map_err(|_| ExportError::Deck(code.clone()))?;
    let k = deck.min_group;
    // The answers now, and as the room saw them at each item's last reveal (a result that differs
    // from that by one or two answers is held back, as on the screens).
    let tally_of = |_: usize, item: &Item, ids: &[&str]| {
        let now: Vec<_> = answers.iter().filter(|a| a.0 == item.id).collect();
        let then: HashMap<u32, &str> = revealed.iter().filter(|a| a.0 == item.id).map(|a| (a.1, a.2.as_str())).collect();
        let changed = now.iter().filter(|a| then.get(&a.1) != Some(&a.2.as_str())).count() as u32;
        let held_back = !then.is_empty() && tally::holds_back(changed, k);
        let shown: Vec<_> = if held_back { revealed.iter().filter(|a| a.0 == item.id).collect() } else { now };
        let mut t = tally::tally(&item.id, ids, shown.iter().map(|a| (a.2.as_str(), a.3.as_deref())), k);
        if held_back {
            t.held_back = changed;
        }
        // A held-back result holds back the room's guess too: a late guess would move it.
        if !held_back && predict.get(&item.id).copied().unwrap_or(item.asks.predict) {
            t.prediction = guesses.get(&item.id).and_then(|(sum, n)| protocol::Prediction::of(ids[0], *sum, *n, k));
        }
        t
    };
    let mut report = Report::new(code.clone(), title, Arc::new(deck), phase, crate::now_ms(), tally_of);
    report.created_ms = created_ms;
    report.mark_drawn(drawn.iter().map(String::as_str));
    // Where the result is held back, a reason shows only under an answer the room saw (its
    // writer's answer at the last reveal, unchanged): otherwise it would place a held-back answer.
    let held: std::collections::HashSet<String> =
        report.items.iter().filter(|i| i.tally.as_ref().is_some_and(|t| t.held_back > 0)).map(|i| i.id.clone()).collect();
    // What the room saw at the last reveal of those items, looked up once per reason.
    let seen: std::collections::HashSet<(&str, u32, &str)> =
        revealed.iter().filter(|r| held.contains(&r.0)).map(|r| (r.0.as_str(), r.1, r.2.as_str())).collect();
    report.add_reasons(
        reasons
            .iter()
            .filter(|(i, o, _, m)| !held.contains(i) || seen.contains(&(i.as_str(), *m, o.as_str())))
            .map(|(i, o, t, _)| (i.as_str(), o.as_str(), t.as_str())),
    );
    for (number, item, text) in agreements {
        let themes = report.deck.themes_of(item.as_deref());
        report.agreements.push(protocol::AgreementView { number, text, item, themes });
    }
    Ok(report)
}

impl Report {
    /// Adds the reasons given, as (item, option chosen, text), to the items whose result the room may see.
    pub fn add_reasons<'a>(&mut self, reasons: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) {
        let mut by: HashMap<(&str, &str), Vec<String>> = HashMap::new();
        for (item, option, text) in reasons {
            by.entry((item, option)).or_default().push(text.to_owned());
        }
        for it in &mut self.items {
            if it.tally.as_ref().is_none_or(|t| t.total == 0) {
                continue;
            }
            let Some(item) = self.deck.item(&it.id) else { continue };
            it.reasons = item
                .options()
                .iter()
                .filter_map(|o| {
                    let mut texts = by.remove(&(it.id.as_str(), o.id.as_str()))?;
                    texts.sort();
                    Some(ReasonsFor { option: o.id.clone(), texts })
                })
                .collect();
        }
    }

    /// Marks these sketches as played: their roles were drawn, so the scene was opened.
    pub fn mark_drawn<'a>(&mut self, sketches: impl IntoIterator<Item = &'a str>) {
        for id in sketches {
            if let Some(it) = self.items.iter_mut().find(|i| i.id == id) {
                it.played = true;
            }
        }
    }

    /// A report of `deck` with each dilemma's tally from `tally_of(index, item, option ids)` (the
    /// full tally; the report withholds what the room may not see).
    pub fn new(
        code: String,
        title: String,
        deck: Arc<Deck>,
        phase: String,
        exported_ms: i64,
        mut tally_of: impl FnMut(usize, &Item, &[&str]) -> Tally,
    ) -> Report {
        let items = deck
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let ids = item.option_ids();
                let mut it = ItemReport {
                    number: i + 1,
                    id: item.id.clone(),
                    kind: item.kind(),
                    text: item_text(item),
                    themes: item.themes.clone(),
                    prompts: item.prompts().to_vec(),
                    // A report is shown to a room too: fewer answers than the room's minimum stay withheld.
                    tally: (!ids.is_empty()).then(|| tally_of(i, item, &ids).for_the_room(deck.min_group)),
                    played: false,
                    reasons: Vec::new(),
                };
                it.played = it.answered();
                it
            })
            .collect();
        Report { code, title, scenario: deck.id.clone(), phase, created_ms: 0, exported_ms, items, agreements: Vec::new(), deck }
    }
}

fn item_text(item: &Item) -> String {
    match (item.sketch(), item.statement()) {
        (Some(s), Some(st)) => format!("{} — {st}", s.title),
        (Some(s), None) => s.title.clone(),
        (None, st) => st.unwrap_or_default().to_owned(),
    }
}

impl Report {
    /// The (id, label) of each option of item `id`, when this session's deck has it.
    pub fn option_labels(&self, id: &str) -> Option<Vec<(&str, &str)>> {
        Some(self.deck.item(id)?.options().iter().map(|o| (o.id.as_str(), o.label.as_str())).collect())
    }
}
