//! `session-server export`: a session's results as CSV (for Dutch Excel), JSON or a Markdown report. Never individual answers.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use protocol::scenario::{Deck, Item};
use protocol::{Tally, tally};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::store::{StoreError, open_connection};
use protocol::date::{utc_date, utc_day};

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
    pub tally: Option<Tally>,
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
    read_report(&open_connection(db)?, code)
}

/// An answer row as a report reads it: (item, member, option, the member's team).
type AnswerRow = (String, u32, String, Option<String>);

/// The report of session `code` as the database holds it.
pub fn read_report(conn: &rusqlite::Connection, code: &str) -> Result<Report, ExportError> {
    let code = protocol::codes::normalize(code).unwrap_or_else(|| code.to_owned());
    let row: Option<(String, String, String, i64)> = conn
        .query_row("SELECT title, deck, phase, created_ms FROM sessions WHERE code = ?1", params![code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let (title, deck, phase, created_ms) = row.ok_or_else(|| ExportError::UnknownSession(code.clone()))?;
    let deck: Deck = serde_json::from_str(&deck).map_err(|_| ExportError::Deck(code.clone()))?;
    let k = deck.min_group;
    // The answers now, and as the room saw them at each item's last reveal (a result that differs
    // from that by one or two answers is held back, as on the screens).
    let read = |table: &str| -> rusqlite::Result<Vec<AnswerRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT a.item, a.member, a.option, m.team FROM {table} a LEFT JOIN members m ON m.code = a.code AND m.member = a.member WHERE a.code = ?1"
        ))?;
        stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
    };
    let (answers, revealed) = (read("answers")?, read("revealed")?);
    let mut stmt = conn.prepare("SELECT item, predict FROM asks WHERE code = ?1")?;
    let predict: HashMap<String, bool> = stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT item, SUM(percent), COUNT(*) FROM guesses WHERE code = ?1 GROUP BY item")?;
    let guesses: HashMap<String, (u64, u32)> =
        stmt.query_map(params![code], |r| Ok((r.get(0)?, (r.get::<_, i64>(1)? as u64, r.get(2)?))))?.collect::<Result<_, _>>()?;
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
    let mut stmt = conn.prepare("SELECT DISTINCT item FROM roles WHERE code = ?1")?;
    let drawn: Vec<String> = stmt.query_map(params![code], |r| r.get(0))?.collect::<Result<_, _>>()?;
    report.mark_drawn(drawn.iter().map(String::as_str));
    let mut stmt = conn.prepare(
        "SELECT r.item, a.option, r.text, r.member FROM reasons r JOIN answers a ON a.code = r.code AND a.item = r.item AND a.member = r.member WHERE r.code = ?1",
    )?;
    let reasons: Vec<(String, String, String, u32)> =
        stmt.query_map(params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<Result<_, _>>()?;
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
    let mut stmt = conn.prepare("SELECT number, item, text FROM agreements WHERE code = ?1 ORDER BY number")?;
    let rows = stmt.query_map(params![code], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (number, item, text) = row?;
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

/// The report in `format`; only the deck file can be missing (a session without statements from the room).
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, ExportError> {
    Ok(match format {
        Format::Csv => csv(report),
        Format::Json => serde_json::to_vec_pretty(report).expect("reports serialise"),
        Format::Md => markdown(report).into_bytes(),
        Format::Toml => room_deck(report)?.into_bytes(),
    })
}

/// The session's statements from the room as a deck file trainers can add to their scenarios,
/// checked by the same validator as every deck before it is handed out.
fn room_deck(report: &Report) -> Result<String, ExportError> {
    let items: Vec<&Item> = report.deck.items.iter().filter(|i| i.from_room).collect();
    if items.is_empty() {
        return Err(ExportError::Nothing(format!(
            "Sessie {} heeft geen stellingen uit de zaal. / Session {} has no statements from the room.",
            report.code, report.code
        )));
    }
    let comment = format!(
        "Stellingen uit de zaal van sessie {} (\"{}\"), {}.\nZet dit bestand in de map scenarios/ en controleer het met: session-server validate scenarios/",
        report.code,
        report.title,
        utc_day(if report.created_ms > 0 { report.created_ms } else { report.exported_ms })
    );
    let id = format!("zaal-{}", report.code.to_lowercase());
    let title = format!("{} — {}", protocol::scenario::room_theme(&report.deck.language), report.title);
    let text = protocol::scenario::dilemmas_file(&report.deck, items, &id, &title, &comment);
    protocol::scenario::parse_deck(&format!("{id}.toml"), &text).map_err(|p| ExportError::Nothing(format!("{p:?}")))?;
    Ok(text)
}

impl Report {
    /// The (id, label) of each option of item `id`, when this session's deck has it.
    pub fn option_labels(&self, id: &str) -> Option<Vec<(&str, &str)>> {
        Some(self.deck.item(id)?.options().iter().map(|o| (o.id.as_str(), o.label.as_str())).collect())
    }
}

fn labels<'a>(report: &'a Report, item: &str) -> Vec<(&'a str, &'a str)> {
    report.option_labels(item).unwrap_or_default()
}

/// The label of option `option` of `item` (its id, should the deck lack it).
fn label<'a>(report: &'a Report, item: &str, option: &'a str) -> &'a str {
    labels(report, item).into_iter().find(|(id, _)| *id == option).map_or(option, |(_, l)| l)
}

/// One CSV field: quoted where needed, and never a formula. Team names come from players; a
/// field that Excel would read as a formula (`=`, `+`, `-`, `@`, tab or carriage return first)
/// gets a leading apostrophe, which Excel shows as text.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([';', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// Semicolon-separated with a byte-order mark: what Excel with Dutch settings opens correctly.
fn csv(report: &Report) -> Vec<u8> {
    let field = csv_field;
    let mut out = String::from("\u{feff}nr;item;stelling;groep;antwoorden;optie;label;aantal;percentage\r\n");
    for it in report.items.iter().filter(|i| i.played) {
        let Some(t) = &it.tally else { continue };
        if t.withheld > 0 {
            // As the room saw it: too few to show, not "0 answers".
            let (nr, id, text) = (it.number, field(&it.id), field(&it.text));
            let _ = write!(out, "{nr};{id};{text};Iedereen;te weinig om te tonen ({});;;;\r\n", t.withheld);
            continue;
        }
        let mut groups = vec![("Iedereen".to_owned(), t.total, &t.counts, &t.percentages)];
        groups.extend(t.teams.iter().map(|(name, tt)| (name.clone(), tt.total, &tt.counts, &tt.percentages)));
        for (group, total, counts, pct) in groups {
            for (id, label) in labels(report, &it.id) {
                let _ = write!(
                    out,
                    "{};{};{};{};{};{};{};{};{}\r\n",
                    it.number,
                    field(&it.id),
                    field(&it.text),
                    field(&group),
                    total,
                    field(id),
                    field(label),
                    counts.get(id).copied().unwrap_or(0),
                    pct.get(id).copied().unwrap_or(0),
                );
            }
        }
        if let Some(p) = &t.prediction {
            let label = label(report, &it.id, &p.option);
            let (nr, id, text, opt) = (it.number, field(&it.id), field(&it.text), field(&p.option));
            let _ = write!(out, "{nr};{id};{text};Voorspelling;{};{opt};{};;{}\r\n", p.guesses, field(label), p.average);
        }
    }
    out.into_bytes()
}

fn bar(pct: u32) -> String {
    let filled = (pct as usize + 2) / 5;
    format!("{}{}", "█".repeat(filled), "░".repeat(20 - filled.min(20)))
}

fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(&report.title));
    let _ = writeln!(
        out,
        "Sessie `{}` · scenario `{}` · {} · geëxporteerd {} (UTC)\n",
        report.code,
        report.scenario,
        phase_in_words(&report.phase),
        utc_date(report.exported_ms)
    );
    let k = report.deck.min_group.get();
    let _ = writeln!(out, "Alleen groepsuitslagen; een uitslag en een team staan er pas bij vanaf {k} antwoorden.\n");
    for it in report.items.iter().filter(|i| i.played) {
        let _ = writeln!(out, "## {}. {}\n", it.number, md(&it.text));
        if !it.themes.is_empty() {
            let _ = writeln!(out, "*Thema's: {}*\n", md(&it.themes.join(", ")));
        }
        if let Some(t) = it.tally.as_ref().filter(|t| t.withheld > 0) {
            let _ = writeln!(out, "{} antwoord(en): te weinig om te tonen (een uitslag pas vanaf {k})\n", t.withheld);
        } else if let Some(t) = &it.tally {
            let width = labels(report, &it.id).iter().map(|(_, l)| l.chars().count()).max().unwrap_or(0);
            let _ = writeln!(out, "{} antwoorden\n\n```text", t.total);
            for (id, label) in labels(report, &it.id) {
                let pct = t.percentages.get(id).copied().unwrap_or(0);
                let count = t.counts.get(id).copied().unwrap_or(0);
                let label = in_code(label);
                let _ = writeln!(out, "{label:<width$}  {}  {pct:>3}%  ({count})", bar(pct));
            }
            let _ = writeln!(out, "```\n");
            if let Some(p) = &t.prediction {
                let label = md(&label(report, &it.id, &p.option).to_lowercase());
                let real = t.percentages.get(&p.option).copied().unwrap_or(0);
                let _ = writeln!(out, "Voorspeld: gemiddeld {}% {label} ({} gokken); het werd {real}%.\n", p.average, p.guesses);
            }
            for (team, tt) in &t.teams {
                let parts: Vec<String> = labels(report, &it.id)
                    .iter()
                    .map(|(id, l)| format!("{} {}%", md(l), tt.percentages.get(*id).copied().unwrap_or(0)))
                    .collect();
                let _ = writeln!(out, "- **{}** ({} antwoorden): {}", md(team), tt.total, parts.join(" · "));
            }
            if !t.teams.is_empty() {
                out.push('\n');
            }
        }
        if !it.prompts.is_empty() {
            let _ = writeln!(out, "**Vragen voor het gesprek**\n");
            for p in &it.prompts {
                let _ = writeln!(out, "- {}", md(p));
            }
            out.push('\n');
        }
    }
    agreements(report, &mut out);
    themes(report, &mut out);
    let unplayed: Vec<String> = report.items.iter().filter(|i| !i.played).map(|i| format!("{}. {}", i.number, md(&i.text))).collect();
    if let Some(line) = not_played(&unplayed) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// "*Niet gespeeld: …*" for the items not played (none: `None`), with one full stop at the end,
/// also when the last statement brings its own.
pub(crate) fn not_played(items: &[String]) -> Option<String> {
    let list = items.join(" · ");
    let stop = if list.ends_with(['.', '!', '?']) { "" } else { "." };
    (!items.is_empty()).then(|| format!("*Niet gespeeld: {list}{stop}*"))
}

/// Where the session stands, in the report's words.
fn phase_in_words(phase: &str) -> &'static str {
    match protocol::Phase::parse(phase) {
        Some(protocol::Phase::Lobby) => "nog niet begonnen",
        Some(protocol::Phase::Scene) => "een sketch wordt gespeeld",
        Some(protocol::Phase::Open) => "stemmen staat open",
        Some(protocol::Phase::Closed) => "stemmen gesloten",
        Some(protocol::Phase::Revealed) => "uitslag getoond",
        Some(protocol::Phase::Ended) => "afgelopen",
        None => "onbekende fase",
    }
}

/// The agreements, each with the item it came from.
fn agreements(report: &Report, out: &mut String) {
    if report.agreements.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Afspraken\n");
    for a in &report.agreements {
        let from = a.item.as_deref().and_then(|id| report.items.iter().find(|i| i.id == id));
        let _ = write!(out, "{}. {}", a.number, md(&a.text));
        if let Some(it) = from {
            let _ = write!(out, " *(bij {}. {})*", it.number, md(&it.text));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The results gathered by theme, for the analysis group that bundles what was said per subject.
fn themes(report: &Report, out: &mut String) {
    let mut by_theme: std::collections::BTreeMap<&str, Vec<&ItemReport>> = Default::default();
    for it in report.items.iter().filter(|i| i.played) {
        for t in &it.themes {
            by_theme.entry(t.as_str()).or_default().push(it);
        }
    }
    if by_theme.is_empty() && report.items.iter().all(|i| i.reasons.is_empty()) {
        return;
    }
    let _ = writeln!(out, "## Per thema\n");
    for (theme, items) in by_theme {
        let _ = writeln!(out, "### {}\n", md(theme));
        for it in items {
            let result = match &it.tally {
                Some(t) if t.total > 0 => labels(report, &it.id)
                    .iter()
                    .map(|(id, l)| format!("{} {}%", md(l), t.percentages.get(*id).copied().unwrap_or(0)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                Some(t) if t.withheld > 0 => "te weinig antwoorden om te tonen".to_owned(),
                Some(_) => "nog geen antwoorden".to_owned(),
                None => "sketch zonder stelling".to_owned(),
            };
            let _ = writeln!(out, "- {}. {} — {result}", it.number, md(&it.text));
            reasons_md(report, it, out);
        }
        out.push('\n');
    }
    let without: Vec<&ItemReport> = report.items.iter().filter(|i| i.themes.is_empty() && !i.reasons.is_empty()).collect();
    if !without.is_empty() {
        let _ = writeln!(out, "### Zonder thema\n");
        for it in without {
            let _ = writeln!(out, "- {}. {}", it.number, md(&it.text));
            reasons_md(report, it, out);
        }
        out.push('\n');
    }
}

/// An item's reasons under it, per option: the analysis reads what was said by theme.
fn reasons_md(report: &Report, it: &ItemReport, out: &mut String) {
    for r in &it.reasons {
        let label = md(label(report, &it.id, &r.option));
        let _ = writeln!(out, "  - Redenen bij *{label}*:");
        for text in &r.texts {
            let _ = writeln!(out, "    - \"{}\"", md(text));
        }
    }
}

/// Text someone typed (a title, a team, a reason, an agreement, a statement from the room), safe in
/// Markdown: every character that could start emphasis, code, a link or image (`[`), HTML or an
/// entity (`<`, `&`), or a table cell is escaped with a backslash, and line breaks become spaces
/// (texts never start a line here, so `#`, `-` and `1.` stay plain), so nothing typed becomes
/// markup in a viewer.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a fenced code block, where escapes do not work: no backtick can close the fence.
fn in_code(text: &str) -> String {
    text.replace('`', "'").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of a stricter room (`min_group = 5`) whose first statement had four answers and
    /// whose statement from the room, ending in a full stop, was not played.
    fn strict_report() -> Report {
        let src = "id = \"d\"\ntitle = \"D\"\nlanguage = \"nl\"\nmin_group = 5\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatement = \"Eerst.\"\n[[item]]\nid = \"zaal-1\"\nkind = \"dilemma\"\nstatement = \"Beter teamoverleg.\"\n";
        let deck = Arc::new(protocol::scenario::parse_deck("d.toml", src).unwrap());
        let k = deck.min_group;
        let tally_of = |i: usize, item: &Item, ids: &[&str]| {
            // Four answers: shown in a room of three, withheld in this one of five.
            let answers: Vec<(&str, Option<&str>)> =
                if i == 0 { vec![("eens", None), ("oneens", None), ("eens", None), ("eens", None)] } else { vec![] };
            tally::tally(&item.id, ids, answers, k)
        };
        Report::new("K7M2QX".into(), "Strenger".into(), deck, "ended".into(), 0, tally_of)
    }

    #[test]
    fn a_report_speaks_dutch_uses_the_rooms_minimum_and_ends_a_sentence_once() {
        let r = strict_report();
        let md = markdown(&r);
        assert!(md.contains("· afgelopen ·") && !md.contains("ended"), "{md}");
        assert!(md.contains("vanaf 5 antwoorden") && md.contains("(een uitslag pas vanaf 5)"), "{md}");
        assert!(md.ends_with("*Niet gespeeld: 2. Beter teamoverleg.*\n"), "one full stop: {md}");
        let csv = String::from_utf8(csv(&r)).unwrap();
        assert!(csv.contains("1;a;Eerst.;Iedereen;te weinig om te tonen (4);;;;"), "withheld as the room saw it: {csv}");
        assert!(!csv.contains(";Iedereen;0;"), "never '0 answers' for a withheld item: {csv}");
    }

    #[test]
    fn typed_text_cannot_become_markup_in_a_report() {
        assert_eq!(md("<img src=x onerror=alert(1)>"), "\\<img src=x onerror=alert(1)\\>");
        assert_eq!(
            md("![a](http://x) **vet** `code` a|b ~~s~~ &lt;"),
            "!\\[a\\](http://x) \\*\\*vet\\*\\* \\`code\\` a\\|b \\~\\~s\\~\\~ \\&lt;"
        );
        assert_eq!(md("twee\nregels"), "twee regels");
        assert_eq!(md("Bewoners (en de wijk) beheren het groen."), "Bewoners (en de wijk) beheren het groen.", "plain text stays plain");
        assert_eq!(in_code("```\nuit"), "''' uit");
    }

    #[test]
    fn csv_fields_are_never_formulas() {
        assert_eq!(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(csv_field("+31 6"), "'+31 6");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("Wijkteam Oost"), "Wijkteam Oost");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0).chars().filter(|c| *c == '█').count(), 0);
        assert_eq!(bar(100).chars().filter(|c| *c == '█').count(), 20);
        assert_eq!(bar(43).chars().count(), 20);
    }
}
