//! Reads one TOML deck and reports every problem in it, each with its position, what is wrong and how to fix it.

use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::lang::is_language_code;
use super::model::{Asks, Choice, Deck, FollowUp, Item, ItemBody, Sketch, SketchRole, default_options};
use super::problem::Problem;
use super::{DEFAULT_DURATION_S, DURATION_RANGE};
use crate::fit::Shape;
use crate::tally::MinGroup;

const DECK_KEYS: &[&str] = &["id", "title", "language", "description", "predict", "reasons", "min_group", "item"];
const DILEMMA_KEYS: &[&str] = &["id", "kind", "statement", "options", "themes", "prompts", "predict", "reasons"];
const QUESTION_KEYS: &[&str] = &["id", "kind", "question", "themes", "prompts"];
const SKETCH_KEYS: &[&str] = &["id", "kind", "title", "situation", "essence", "role", "duration_s", "questions", "themes", "follow_up"];
const ROLE_KEYS: &[&str] = &["name", "briefing"];
const FOLLOW_UP_KEYS: &[&str] = &["statement", "options"];
const OPTION_KEYS: &[&str] = &["id", "label"];
const PROMPT_KEYS: &[&str] = &["text", "fits"];

/// Parses the deck in `src` (named `file` in messages). Either a deck with no problems, or all its problems.
pub fn parse_deck(file: &str, src: &str) -> Result<Deck, Vec<Problem>> {
    let mut cx = Cx { file, src, problems: Vec::new() };
    let (doc, syntax) = DeTable::parse_recoverable(src);
    for e in &syntax {
        let at = e.span().map_or(0, |s| s.start);
        cx.problem(at, format!("TOML-syntaxfout: {}. Controleer aanhalingstekens, = en [haken] op deze regel.", e.message()));
    }
    let deck = cx.deck(doc.get_ref(), doc.span());
    if cx.problems.is_empty() {
        Ok(deck)
    } else {
        cx.problems.sort_by_key(|p| (p.line, p.column));
        Err(cx.problems)
    }
}

struct Cx<'a> {
    file: &'a str,
    src: &'a str,
    problems: Vec<Problem>,
}

/// A table being read, with the span to point at when a key is missing and how to name it.
struct Tbl<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    what: String,
}

impl<'t, 'i> Tbl<'t, 'i> {
    fn get(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table.get(key)
    }
}

impl Cx<'_> {
    fn problem(&mut self, offset: usize, message: impl Into<String>) {
        self.problems.push(Problem::at(self.file, self.src, offset, message));
    }

    /// Where to point for a table: its first key if it has one, since an array-of-tables span may be empty.
    fn table_at(&self, t: &Tbl) -> usize {
        t.table.iter().map(|(k, _)| k.span().start).min().unwrap_or(t.span.start)
    }

    fn unknown_keys(&mut self, t: &Tbl, allowed: &[&str]) {
        for (key, _) in t.table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let hint = match closest(name, allowed) {
                Some(s) => format!("Bedoel je `{s}`?"),
                None => format!("Toegestaan zijn: {}.", allowed.join(", ")),
            };
            self.problem(key.span().start, format!("Onbekend veld `{name}` in {}. {hint}", t.what));
        }
    }

    fn text(&mut self, t: &Tbl, key: &str, required: bool) -> Option<String> {
        let Some(v) = t.get(key) else {
            if required {
                let at = self.table_at(t);
                self.problem(at, format!("{} mist `{key}`. Voeg een regel toe: {key} = \"…\"", t.what));
            }
            return None;
        };
        match v.get_ref() {
            DeValue::String(s) if s.trim().is_empty() && required => {
                self.problem(v.span().start, format!("`{key}` in {} is leeg. Schrijf hier de tekst.", t.what));
                None
            }
            DeValue::String(s) => Some(reflow(s)),
            other => {
                let found = other.type_str();
                self.problem(v.span().start, format!("`{key}` in {} moet tekst zijn tussen aanhalingstekens, niet een {found}.", t.what));
                None
            }
        }
    }

    fn texts(&mut self, t: &Tbl, key: &str) -> Vec<String> {
        let Some(v) = t.get(key) else { return Vec::new() };
        let Some(list) = v.get_ref().as_array() else {
            self.problem(v.span().start, format!("`{key}` in {} moet een lijst zijn: {key} = [\"…\", \"…\"]", t.what));
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in list {
            match e.get_ref().as_str() {
                Some(s) if !s.trim().is_empty() => out.push(reflow(s)),
                Some(_) => self.problem(e.span().start, format!("Een regel in `{key}` is leeg. Haal hem weg of vul hem in.")),
                None => self.problem(e.span().start, format!("Elke regel in `{key}` moet tekst zijn tussen aanhalingstekens.")),
            }
        }
        out
    }

    /// The facilitator's prompts: each a text, or `{ text = "…", fits = ["split"] }` tagged with
    /// the result shapes it suits. The tags come back one list per prompt, or none at all when
    /// no prompt is tagged.
    fn prompts(&mut self, t: &Tbl) -> (Vec<String>, Vec<Vec<Shape>>) {
        let Some(v) = t.get("prompts") else { return (Vec::new(), Vec::new()) };
        let Some(list) = v.get_ref().as_array() else {
            self.problem(v.span().start, format!("`prompts` in {} moet een lijst zijn: prompts = [\"…\", \"…\"]", t.what));
            return (Vec::new(), Vec::new());
        };
        let (mut prompts, mut fits) = (Vec::new(), Vec::new());
        for e in list {
            match e.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => {
                    prompts.push(reflow(s));
                    fits.push(Vec::new());
                }
                DeValue::Table(table) => {
                    let p = Tbl { table, span: e.span(), what: format!("een prompt van {}", t.what) };
                    self.unknown_keys(&p, PROMPT_KEYS);
                    if let Some(text) = self.text(&p, "text", true) {
                        prompts.push(text);
                        fits.push(self.shapes(&p));
                    }
                }
                DeValue::String(_) => self.problem(e.span().start, "Een regel in `prompts` is leeg. Haal hem weg of vul hem in."),
                _ => self.problem(
                    e.span().start,
                    format!("Een prompt van {} moet tekst zijn (\"…\") of {{ text = \"…\", fits = [\"split\"] }}.", t.what),
                ),
            }
        }
        if fits.iter().all(Vec::is_empty) {
            fits.clear();
        }
        (prompts, fits)
    }

    /// A prompt's `fits`: one shape name or a list of them.
    fn shapes(&mut self, p: &Tbl) -> Vec<Shape> {
        let Some(v) = p.get("fits") else { return Vec::new() };
        let names: Vec<&Spanned<DeValue>> = match v.get_ref() {
            DeValue::String(_) => vec![v],
            DeValue::Array(list) => list.iter().collect(),
            _ => Vec::new(),
        };
        let all: Vec<&str> = Shape::ALL.iter().map(|s| s.id()).collect();
        let mut out = Vec::new();
        if names.is_empty() {
            self.problem(v.span().start, format!("`fits` in {} moet een of meer namen zijn: {}.", p.what, all.join(", ")));
        }
        for n in names {
            match n.get_ref().as_str().map(|s| (s, Shape::parse(s))) {
                Some((_, Some(shape))) => out.push(shape),
                Some((s, None)) => {
                    let hint = closest(s, &all).map_or(String::new(), |c| format!(" Bedoel je \"{c}\"?"));
                    self.problem(
                        n.span().start,
                        format!("`fits = \"{s}\"` in {} bestaat niet.{hint} Kies uit: {}.", p.what, all.join(", ")),
                    );
                }
                None => self.problem(
                    n.span().start,
                    format!("`fits` in {} moet namen tussen aanhalingstekens bevatten: {}.", p.what, all.join(", ")),
                ),
            }
        }
        out
    }

    fn id(&mut self, t: &Tbl) -> Option<String> {
        let id = self.text(t, "id", true)?;
        if !is_id(&id) {
            let at = t.get("id").map_or(0, |v| v.span().start);
            self.problem(
                at,
                format!(
                    "`id = \"{id}\"` in {}: gebruik alleen kleine letters, cijfers, - en _ (bijvoorbeeld \"groen-speeltuin\"), hooguit 64 tekens.",
                    t.what
                ),
            );
            return None;
        }
        Some(id)
    }

    /// The tables of an array `[[key]]`, each named "{what} {n}{of}" in messages.
    fn tables<'t, 'i>(&mut self, parent: &Tbl<'t, 'i>, key: &str, what: &str, of: &str) -> Vec<Tbl<'t, 'i>> {
        let Some(v) = parent.get(key) else { return Vec::new() };
        let Some(list) = v.get_ref().as_array() else {
            self.problem(v.span().start, format!("`{key}` moet een lijst van tabellen zijn: schrijf elk als [[{key}]]."));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (n, e) in list.iter().enumerate() {
            match e.get_ref().as_table() {
                Some(table) => out.push(Tbl { table, span: e.span(), what: format!("{what} {}{of}", n + 1) }),
                None => self.problem(e.span().start, format!("{what} {}{of} moet een tabel zijn ([[{key}]]).", n + 1)),
            }
        }
        out
    }

    fn deck(&mut self, doc: &DeTable, span: Range<usize>) -> Deck {
        let t = Tbl { table: doc, span, what: "het deck".into() };
        self.unknown_keys(&t, DECK_KEYS);
        let id = self.id(&t).unwrap_or_default();
        let title = self.text(&t, "title", true).unwrap_or_default();
        let description = self.text(&t, "description", false).unwrap_or_default();
        let language = match self.text(&t, "language", true) {
            Some(l) if is_language_code(&l) => l,
            Some(l) => {
                let at = t.get("language").map_or(0, |v| v.span().start);
                self.problem(
                    at,
                    format!(
                        "`language = \"{l}\"` is geen taalcode. Gebruik twee kleine letters volgens ISO 639-1, zoals \"nl\" of \"en\"."
                    ),
                );
                String::new()
            }
            None => String::new(),
        };
        let tables = self.tables(&t, "item", "item", "");
        if tables.is_empty() && t.get("item").is_none() {
            let at = self.table_at(&t);
            self.problem(at, "Het deck heeft geen items. Voeg er een toe met [[item]] en daaronder id, kind en de tekst.");
        }
        let asks = Asks { predict: self.flag(&t, "predict").unwrap_or(false), reasons: self.flag(&t, "reasons").unwrap_or(false) };
        let min_group = self.min_group(&t);
        let mut seen = HashSet::new();
        let items = tables.iter().filter_map(|it| self.item(it, &language, asks, &mut seen)).collect();
        Deck { id, title, language, description, items, min_group }
    }

    /// `min_group`: from how many answers a result is shown (3 to 10; 3 when absent).
    fn min_group(&mut self, t: &Tbl) -> MinGroup {
        let Some(v) = t.get("min_group") else { return MinGroup::LEAST };
        let n = v.get_ref().as_integer().and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
        match n.and_then(|n| u32::try_from(n).ok()).and_then(MinGroup::new) {
            Some(k) => k,
            None => {
                let most = MinGroup::MOST;
                self.problem(
                    v.span().start,
                    format!("`min_group` moet een heel getal zijn van 3 tot en met {most}: vanaf zoveel antwoorden toont het spel een uitslag, bijvoorbeeld min_group = 5."),
                );
                MinGroup::LEAST
            }
        }
    }

    /// A yes/no field: `true` or `false`, or absent (`None`).
    fn flag(&mut self, t: &Tbl, key: &str) -> Option<bool> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let found = other.type_str();
                self.problem(
                    v.span().start,
                    format!("`{key}` in {} moet true of false zijn (zonder aanhalingstekens), niet een {found}.", t.what),
                );
                None
            }
        }
    }

    /// `deck` is what the deck asks of every dilemma; a dilemma's own `predict` and `reasons` win.
    fn item(&mut self, t: &Tbl, language: &str, deck: Asks, seen: &mut HashSet<String>) -> Option<Item> {
        let kind = self.text(t, "kind", true);
        let id = self.id(t);
        if let Some(id) = id.as_ref().filter(|id| !seen.insert((*id).clone())) {
            let at = t.get("id").map_or(t.span.start, |v| v.span().start);
            self.problem(at, format!("Item-id \"{id}\" komt twee keer voor. Geef elk item een eigen id."));
        }
        let what = match &id {
            Some(id) => format!("item \"{id}\""),
            None => t.what.clone(),
        };
        let t = Tbl { table: t.table, span: t.span.clone(), what };
        let themes = self.texts(&t, "themes");
        let mut asks = Asks::default();
        let body = match kind.as_deref() {
            Some("dilemma") => {
                self.unknown_keys(&t, DILEMMA_KEYS);
                asks.predict = self.flag(&t, "predict").unwrap_or(deck.predict);
                asks.reasons = self.flag(&t, "reasons").unwrap_or(deck.reasons);
                self.dilemma(&t, language)
            }
            Some("sketch") => {
                self.unknown_keys(&t, SKETCH_KEYS);
                self.sketch(&t, language)
            }
            Some("question") => {
                self.unknown_keys(&t, QUESTION_KEYS);
                let question = self.text(&t, "question", true);
                let (prompts, fits) = self.prompts(&t);
                question.map(|question| ItemBody::Question { question, prompts, fits })
            }
            Some(other) => {
                let at = t.get("kind").map_or(0, |v| v.span().start);
                self.problem(at, format!("`kind = \"{other}\"` in {} bestaat niet. Kies \"dilemma\", \"sketch\" of \"question\".", t.what));
                None
            }
            None => None,
        };
        Some(Item { id: id?, themes, body: body?, asks, from_room: false })
    }

    fn dilemma(&mut self, t: &Tbl, language: &str) -> Option<ItemBody> {
        let statement = self.text(t, "statement", true);
        let options = self.options(t, language);
        let (prompts, fits) = self.prompts(t);
        Some(ItemBody::Dilemma { statement: statement?, options: options?, prompts, fits })
    }

    fn sketch(&mut self, t: &Tbl, language: &str) -> Option<ItemBody> {
        let title = self.text(t, "title", true);
        let situation = self.text(t, "situation", true);
        let essence = self.text(t, "essence", false).unwrap_or_default();
        let questions = self.texts(t, "questions");
        let duration_s = self.duration(t);
        let roles = self.roles(t);
        let follow_up = match t.get("follow_up") {
            None => Some(None),
            Some(v) => match v.get_ref().as_table() {
                Some(table) => {
                    let f = Tbl { table, span: v.span(), what: format!("de follow_up van {}", t.what) };
                    self.unknown_keys(&f, FOLLOW_UP_KEYS);
                    let statement = self.text(&f, "statement", true);
                    let options = self.options(&f, language);
                    statement.zip(options).map(|(statement, options)| Some(FollowUp { statement, options }))
                }
                None => {
                    self.problem(
                        v.span().start,
                        format!("`follow_up` in {} moet een tabel zijn: [item.follow_up] met statement = \"…\".", t.what),
                    );
                    None
                }
            },
        };
        Some(ItemBody::Sketch(Sketch {
            title: title?,
            situation: situation?,
            essence,
            roles: roles?,
            duration_s: duration_s?,
            questions,
            follow_up: follow_up?,
        }))
    }

    fn duration(&mut self, t: &Tbl) -> Option<u32> {
        let Some(v) = t.get("duration_s") else { return Some(DEFAULT_DURATION_S) };
        let n = v.get_ref().as_integer().and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
        let (lo, hi) = (DURATION_RANGE.start(), DURATION_RANGE.end());
        match n.and_then(|n| u32::try_from(n).ok()).filter(|n| DURATION_RANGE.contains(n)) {
            Some(n) => Some(n),
            None => {
                self.problem(
                    v.span().start,
                    format!("`duration_s` in {} moet een heel aantal seconden zijn van {lo} tot en met {hi}, bijvoorbeeld 120 voor twee minuten.", t.what),
                );
                None
            }
        }
    }

    fn roles(&mut self, t: &Tbl) -> Option<Vec<SketchRole>> {
        let tables = self.tables(t, "role", "rol", &format!(" van {}", t.what));
        let mut roles = Vec::new();
        let mut ok = true;
        let mut names = HashSet::new();
        for r in &tables {
            self.unknown_keys(r, ROLE_KEYS);
            let name = self.text(r, "name", true);
            let briefing = self.text(r, "briefing", true);
            if let Some(name) = &name
                && !names.insert(name.clone())
            {
                let at = r.get("name").map_or(0, |v| v.span().start);
                self.problem(at, format!("De rol \"{name}\" komt twee keer voor in {}. Geef elke rol een eigen naam.", t.what));
                ok = false;
            }
            match name.zip(briefing) {
                Some((name, briefing)) => roles.push(SketchRole { name, briefing }),
                None => ok = false,
            }
        }
        if tables.len() < 2 {
            let at = t.get("role").map_or_else(|| self.table_at(t), |v| v.span().start);
            self.problem(
                at,
                format!("{} heeft {} rol(len); een sketch heeft er minstens twee nodig. Voeg ze toe met [[item.role]], name = \"…\" en briefing = \"…\".", t.what, tables.len()),
            );
            ok = false;
        }
        ok.then_some(roles)
    }

    fn options(&mut self, t: &Tbl, language: &str) -> Option<Vec<Choice>> {
        let Some(v) = t.get("options") else { return Some(default_options(language)) };
        let Some(list) = v.get_ref().as_array() else {
            self.problem(v.span().start, format!("`options` in {} moet een lijst zijn, zoals options = [\"Ja\", \"Nee\"].", t.what));
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        let mut ids = HashSet::new();
        for e in list {
            let choice = match e.get_ref() {
                DeValue::String(label) if !label.trim().is_empty() => Some(Choice { id: slug(label), label: label.trim().to_owned() }),
                DeValue::Table(table) => {
                    let o = Tbl { table, span: e.span(), what: format!("een optie van {}", t.what) };
                    self.unknown_keys(&o, OPTION_KEYS);
                    let id = self.id(&o);
                    let label = self.text(&o, "label", true);
                    id.zip(label).map(|(id, label)| Choice { id, label })
                }
                _ => {
                    self.problem(
                        e.span().start,
                        format!("Een optie van {} moet tekst zijn (\"Ja\") of {{ id = \"ja\", label = \"Ja\" }}.", t.what),
                    );
                    None
                }
            };
            match choice {
                Some(c) if !ids.insert(c.id.clone()) => {
                    self.problem(
                        e.span().start,
                        format!("Twee opties van {} hebben dezelfde id \"{}\". Maak de teksten of ids verschillend.", t.what, c.id),
                    );
                    ok = false;
                }
                Some(c) => out.push(c),
                None => ok = false,
            }
        }
        if list.len() < 2 {
            self.problem(
                v.span().start,
                format!(
                    "{} heeft {} optie(s); er zijn er minstens twee nodig. Of laat `options` weg voor eens / oneens / hangt ervan af.",
                    t.what,
                    list.len()
                ),
            );
            ok = false;
        }
        ok.then_some(out)
    }
}

/// Text as a trainer wraps it in an editor: single line breaks become spaces, a blank line
/// stays a paragraph break, and spaces at the ends go.
fn reflow(s: &str) -> String {
    s.trim()
        .split("\n\n")
        .map(|para| para.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_alphanumeric()
}

/// An option id made from its label: "Hangt ervan af" → "hangt_ervan_af", accents dropped.
pub fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in label.trim().to_lowercase().chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() { "optie".to_owned() } else { out.chars().take(64).collect() }
}

/// The allowed key a typo most likely meant: within two edits, or one a prefix of the other.
fn closest<'a>(typed: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(typed, a), *a))
        .filter(|(d, a)| *d <= 2 || a.starts_with(typed) || typed.starts_with(a))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_text_is_reflowed_and_paragraphs_kept() {
        assert_eq!(
            reflow("  Karim trekt\nal twee jaar  een café.\n\nNu vraagt hij\nsubsidie.\n"),
            "Karim trekt al twee jaar een café.\n\nNu vraagt hij subsidie."
        );
    }

    #[test]
    fn slugs_and_typos() {
        assert_eq!(slug("Hangt ervan af"), "hangt_ervan_af");
        assert_eq!(slug("Één keer!"), "een_keer");
        assert_eq!(closest("statment", DILEMMA_KEYS), Some("statement"));
        assert_eq!(closest("items", DECK_KEYS), Some("item"));
        assert_eq!(closest("zzzzzzzz", DECK_KEYS), None);
    }
}
