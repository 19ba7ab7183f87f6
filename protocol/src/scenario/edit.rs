//! A deck file being edited in forms: the trainer's TOML kept as a document, so the comments, the
//! order and the layout of everything not edited stay exactly as they were; each form change is one
//! small edit of that document, and the same validator as `session-server validate` checks the result.

use toml_edit::{ArrayOfTables, DocumentMut, Item as Entry, Table, Value};

use super::{Deck, Problem, parse_deck};
use crate::fit::Shape;

/// A form field: a key of the deck, or of its item number `n` (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Deck(&'static str),
    Item(usize, &'static str),
}

/// Keys whose form field may be left empty: then the key is taken out of the file.
const OPTIONAL: &[&str] = &["description", "essence", "themes", "prompts", "questions", "options"];

/// The deck file of the editor.
#[derive(Debug, Clone)]
pub struct DeckFile {
    doc: DocumentMut,
}

impl DeckFile {
    /// Reads a deck file to edit. Only its TOML has to be well-formed; what the deck lacks shows as
    /// problems beside the fields (see [`DeckFile::check`]).
    pub fn parse(text: &str) -> Result<DeckFile, String> {
        text.parse::<DocumentMut>()
            .map(|doc| DeckFile { doc })
            .map_err(|e| format!("Dit bestand is geen geldige TOML, dus niet in formulieren te openen: {}", e.message()))
    }

    /// A new deck from the template: one dilemma with eens / oneens / hangt ervan af.
    pub fn new(id: &str, title: &str, language: &str) -> DeckFile {
        let mut file = DeckFile { doc: DocumentMut::new() };
        for (key, v) in [("id", id), ("title", title), ("language", language)] {
            file.doc[key] = toml_edit::value(v);
        }
        file.add_item("dilemma");
        file
    }

    /// The file as it will be saved: unchanged parts byte for byte as they were read.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// The deck as the validator sees it, or every problem it finds.
    pub fn check(&self) -> Result<Deck, Vec<Problem>> {
        parse_deck("deck.toml", &self.text())
    }

    fn table(&self, f: Field) -> Option<&Table> {
        match f {
            Field::Deck(_) => Some(self.doc.as_table()),
            Field::Item(n, _) => self.doc.get("item")?.as_array_of_tables()?.get(n),
        }
    }

    fn table_mut(&mut self, f: Field) -> Option<&mut Table> {
        match f {
            Field::Deck(_) => Some(self.doc.as_table_mut()),
            Field::Item(n, _) => self.doc.get_mut("item")?.as_array_of_tables_mut()?.get_mut(n),
        }
    }

    fn key(f: Field) -> &'static str {
        match f {
            Field::Deck(k) | Field::Item(_, k) => k,
        }
    }

    /// A text field (empty when absent or not text).
    pub fn text_of(&self, f: Field) -> String {
        self.table(f).and_then(|t| t.get(Self::key(f))).and_then(Entry::as_str).unwrap_or_default().to_owned()
    }

    /// Sets a text field, keeping the comment before it; an optional field left empty leaves the file.
    pub fn set_text(&mut self, f: Field, text: &str) {
        let key = Self::key(f);
        let Some(t) = self.table_mut(f) else { return };
        if text.is_empty() && OPTIONAL.contains(&key) {
            t.remove(key);
            return;
        }
        set_value(t, key, Value::from(text));
    }

    /// A number field (`duration_s`), if set.
    pub fn number_of(&self, f: Field) -> Option<i64> {
        self.table(f)?.get(Self::key(f))?.as_integer()
    }

    pub fn set_number(&mut self, f: Field, n: i64) {
        let key = Self::key(f);
        if let Some(t) = self.table_mut(f) {
            set_value(t, key, Value::from(n));
        }
    }

    /// A list of texts (themes, questions; prompts as their texts; options as their labels).
    pub fn list_of(&self, f: Field) -> Vec<String> {
        let Some(list) = self.table(f).and_then(|t| t.get(Self::key(f))).and_then(Entry::as_array) else { return Vec::new() };
        list.iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.value().clone()),
                Value::InlineTable(t) => t.get("text").or_else(|| t.get("label")).and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    /// Sets a list of texts. An entry that was a table (a tagged prompt, an option with its own id)
    /// and whose text did not change stays the table it was; an empty list of an optional key leaves the file.
    pub fn set_list(&mut self, f: Field, texts: &[String]) {
        let key = Self::key(f);
        let before: Vec<Value> =
            self.table(f).and_then(|t| t.get(key)).and_then(Entry::as_array).map(|a| a.iter().cloned().collect()).unwrap_or_default();
        let Some(t) = self.table_mut(f) else { return };
        if texts.is_empty() && OPTIONAL.contains(&key) {
            t.remove(key);
            return;
        }
        let mut list = toml_edit::Array::new();
        for text in texts {
            let kept = before.iter().find(|v| matches!(v, Value::InlineTable(it) if [it.get("text"), it.get("label")].into_iter().flatten().any(|x| x.as_str() == Some(text))));
            list.push(kept.cloned().unwrap_or_else(|| Value::from(text.as_str())));
        }
        // Long lists one entry per line, as trainers write them.
        if list.len() > 1 {
            for v in list.iter_mut() {
                v.decor_mut().set_prefix("\n  ");
            }
            list.set_trailing("\n");
            list.set_trailing_comma(true);
        }
        set_value(t, key, Value::Array(list));
    }

    /// The result shapes prompt `i` of item `n` is tagged with.
    pub fn prompt_fits(&self, n: usize, i: usize) -> Vec<Shape> {
        let Some(Value::InlineTable(t)) =
            self.table(Field::Item(n, "prompts")).and_then(|t| t.get("prompts")).and_then(Entry::as_array).and_then(|a| a.get(i))
        else {
            return Vec::new();
        };
        match t.get("fits") {
            Some(Value::String(s)) => Shape::parse(s.value()).into_iter().collect(),
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().and_then(Shape::parse)).collect(),
            _ => Vec::new(),
        }
    }

    /// Tags prompt `i` of item `n` with the shapes it fits (none: a plain text again).
    pub fn set_prompt_fits(&mut self, n: usize, i: usize, fits: &[Shape]) {
        let Some(list) = self.table_mut(Field::Item(n, "prompts")).and_then(|t| t.get_mut("prompts")).and_then(Entry::as_array_mut) else {
            return;
        };
        let Some(v) = list.get_mut(i) else { return };
        let text = match &*v {
            Value::String(s) => s.value().clone(),
            Value::InlineTable(t) => t.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
            _ => return,
        };
        let decor = v.decor().clone();
        let mut new = if fits.is_empty() {
            Value::from(text)
        } else {
            let mut t = toml_edit::InlineTable::new();
            t.insert("text", Value::from(text));
            t.insert("fits", Value::Array(fits.iter().map(|s| s.id()).collect()));
            Value::InlineTable(t)
        };
        *new.decor_mut() = decor;
        *v = new;
    }

    fn items_ref(&self) -> Option<&ArrayOfTables> {
        self.doc.get("item")?.as_array_of_tables()
    }

    fn items_mut(&mut self) -> &mut ArrayOfTables {
        if self.items_ref().is_none() {
            self.doc["item"] = Entry::ArrayOfTables(ArrayOfTables::new());
        }
        self.doc["item"].as_array_of_tables_mut().expect("just made")
    }

    pub fn items(&self) -> usize {
        self.items_ref().map_or(0, ArrayOfTables::len)
    }

    /// Item `n`'s kind (`dilemma`, `sketch`, `question`), as written.
    pub fn kind_of(&self, n: usize) -> String {
        self.text_of(Field::Item(n, "kind"))
    }

    /// Adds an item of `kind` from its template at the end, with an id no other item has; its index.
    pub fn add_item(&mut self, kind: &str) -> usize {
        let id = self.free_id(kind);
        let mut t = Table::new();
        t["id"] = toml_edit::value(id);
        t["kind"] = toml_edit::value(kind);
        match kind {
            "sketch" => {
                t["title"] = toml_edit::value("");
                t["situation"] = toml_edit::value("");
                t["duration_s"] = toml_edit::value(120);
                let mut roles = ArrayOfTables::new();
                for _ in 0..2 {
                    let mut r = Table::new();
                    r["name"] = toml_edit::value("");
                    r["briefing"] = toml_edit::value("");
                    roles.push(r);
                }
                t["role"] = Entry::ArrayOfTables(roles);
            }
            "question" => t["question"] = toml_edit::value(""),
            _ => t["statement"] = toml_edit::value(""),
        }
        let items = self.items_mut();
        items.push(t);
        items.len() - 1
    }

    fn free_id(&self, kind: &str) -> String {
        let taken: Vec<String> = (0..self.items()).map(|n| self.text_of(Field::Item(n, "id"))).collect();
        let stem = match kind {
            "sketch" => "sketch",
            "question" => "vraag",
            _ => "stelling",
        };
        (1..).map(|n| format!("{stem}-{n}")).find(|id| !taken.contains(id)).expect("a free id")
    }

    /// A copy of item `n` right after it, under a new id (answers are stored under ids: never two alike).
    pub fn duplicate(&mut self, n: usize) {
        let Some(mut copy) = self.items_ref().and_then(|a| a.get(n)).cloned() else { return };
        let id = format!("{}-kopie", copy.get("id").and_then(Entry::as_str).unwrap_or("item"));
        let id = (1..)
            .map(|k| if k == 1 { id.clone() } else { format!("{id}-{k}") })
            .find(|c| (0..self.items()).all(|i| self.text_of(Field::Item(i, "id")) != *c))
            .expect("free");
        copy["id"] = toml_edit::value(id);
        self.reorder(|tables| tables.insert(n + 1, copy));
    }

    pub fn remove(&mut self, n: usize) {
        if n < self.items() {
            self.items_mut().remove(n);
        }
    }

    /// Moves item `n` one place up or down.
    pub fn move_item(&mut self, n: usize, up: bool) {
        let to = if up { n.checked_sub(1) } else { Some(n + 1).filter(|t| *t < self.items()) };
        if let Some(to) = to {
            self.reorder(|tables| tables.swap(n, to));
        }
    }

    /// Rebuilds the items in a new order: each keeps its comments, its own position is forgotten
    /// so that the file is written in the order of the list.
    fn reorder(&mut self, change: impl FnOnce(&mut Vec<Table>)) {
        let mut tables: Vec<Table> = self.items_ref().map(|a| a.iter().cloned().collect()).unwrap_or_default();
        change(&mut tables);
        let mut items = ArrayOfTables::new();
        for mut t in tables {
            t.set_position(None);
            items.push(t);
        }
        self.doc["item"] = Entry::ArrayOfTables(items);
    }

    /// A sketch's roles: (name, briefing).
    pub fn roles(&self, n: usize) -> Vec<(String, String)> {
        let Some(roles) = self.table(Field::Item(n, "role")).and_then(|t| t.get("role")).and_then(Entry::as_array_of_tables) else {
            return Vec::new();
        };
        let text = |t: &Table, k| t.get(k).and_then(Entry::as_str).unwrap_or_default().to_owned();
        roles.iter().map(|r| (text(r, "name"), text(r, "briefing"))).collect()
    }

    /// Sets a sketch's roles; a role keeps its comments where its place stays.
    pub fn set_roles(&mut self, n: usize, roles: &[(String, String)]) {
        let Some(t) = self.table_mut(Field::Item(n, "role")) else { return };
        let mut before: Vec<Table> =
            t.get("role").and_then(Entry::as_array_of_tables).map(|a| a.iter().cloned().collect()).unwrap_or_default();
        before.resize_with(roles.len(), Table::new);
        let mut list = ArrayOfTables::new();
        for (mut r, (name, briefing)) in before.into_iter().zip(roles) {
            set_value(&mut r, "name", Value::from(name.as_str()));
            set_value(&mut r, "briefing", Value::from(briefing.as_str()));
            list.push(r);
        }
        t["role"] = Entry::ArrayOfTables(list);
    }

    /// A sketch's follow-up statement (empty: none).
    pub fn follow_up(&self, n: usize) -> String {
        self.table(Field::Item(n, "follow_up"))
            .and_then(|t| t.get("follow_up"))
            .and_then(|f| f.get("statement"))
            .and_then(Entry::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    pub fn set_follow_up(&mut self, n: usize, statement: &str) {
        let Some(t) = self.table_mut(Field::Item(n, "follow_up")) else { return };
        if statement.is_empty() {
            t.remove("follow_up");
            return;
        }
        if !t.get("follow_up").is_some_and(Entry::is_table) {
            t["follow_up"] = Entry::Table(Table::new());
        }
        set_value(t["follow_up"].as_table_mut().expect("a table"), "statement", Value::from(statement));
    }

    /// The field a problem of [`DeckFile::check`] points at, to show it beside that field; `None`
    /// for a problem about the file as a whole.
    pub fn field_of(&self, p: &Problem) -> Option<Field> {
        let text = self.text();
        let offset = offset_of(&text, p.line, p.column);
        let doc = toml_edit::Document::parse(text.as_str()).ok()?;
        let within = |key: &toml_edit::Key, item: &Entry| {
            let (k, v) = (key.span()?, item.span().or_else(|| item.as_value().and_then(Value::span))?);
            Some(k.start <= offset && offset <= v.end.max(k.end))
        };
        for (key, item) in doc.as_table().iter().filter_map(|(k, _)| doc.as_table().get_key_value(k)) {
            if key.get() != "item" && within(key, item) == Some(true) {
                return deck_key(key.get()).map(Field::Deck);
            }
        }
        let items = doc.as_table().get("item")?.as_array_of_tables()?;
        // The item the problem is in: the last one that starts before it.
        let n = items
            .iter()
            .enumerate()
            .filter(|(_, t)| t.iter().filter_map(|(k, _)| t.get_key_value(k)?.0.span()).any(|s| s.start <= offset))
            .map(|(n, _)| n)
            .last()?;
        let t = items.get(n)?;
        let key = t
            .iter()
            .filter_map(|(k, _)| t.get_key_value(k))
            .filter(|(k, _)| k.span().is_some_and(|s| s.start <= offset))
            .map(|(k, _)| k.get().to_owned())
            .last();
        Some(Field::Item(n, key.as_deref().and_then(item_key).unwrap_or("id")))
    }
}

/// Replaces (or adds) `key`'s value in `t`, keeping the comment and spacing around the old value.
fn set_value(t: &mut Table, key: &str, mut v: Value) {
    if let Some(old) = t.get(key).and_then(Entry::as_value) {
        if old.to_string().trim() == v.to_string().trim() {
            return;
        }
        *v.decor_mut() = old.decor().clone();
    }
    t[key] = Entry::Value(v);
}

fn deck_key(k: &str) -> Option<&'static str> {
    ["id", "title", "language", "description", "predict", "reasons", "min_group"].into_iter().find(|x| *x == k)
}

fn item_key(k: &str) -> Option<&'static str> {
    [
        "id",
        "kind",
        "statement",
        "options",
        "themes",
        "prompts",
        "predict",
        "reasons",
        "question",
        "title",
        "situation",
        "essence",
        "role",
        "duration_s",
        "questions",
        "follow_up",
    ]
    .into_iter()
    .find(|x| *x == k)
}

/// The byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    start + rest.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shipped() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap())).collect()
    }

    #[test]
    fn every_shipped_deck_comes_back_byte_for_byte() {
        for (name, text) in shipped() {
            let file = DeckFile::parse(&text).unwrap();
            assert_eq!(file.text(), text, "{name}");
            assert_eq!(file.check().unwrap(), parse_deck("x", &text).unwrap());
        }
    }

    #[test]
    fn an_edit_changes_its_own_line_and_keeps_every_comment() {
        let (_, text) = shipped().into_iter().find(|(n, _)| n.ends_with("samen-werken.toml")).unwrap();
        let mut file = DeckFile::parse(&text).unwrap();
        file.set_text(Field::Deck("title"), "Samen werken, nieuw");
        file.set_text(Field::Item(1, "statement"), "Geld is zelden het antwoord.");
        let after = file.text();
        let changed: Vec<(&str, &str)> = text.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert_eq!(text.lines().count(), after.lines().count());
        let deck = file.check().unwrap();
        assert_eq!((deck.title.as_str(), deck.items[1].statement()), ("Samen werken, nieuw", Some("Geld is zelden het antwoord.")));
        // A tagged prompt stays tagged when the list around it changes.
        assert_eq!(file.prompt_fits(0, 2), vec![crate::fit::Shape::Depends]);
        file.set_prompt_fits(0, 0, &[crate::fit::Shape::Split, crate::fit::Shape::Minority]);
        assert_eq!(file.check().unwrap().items[0].prompt_fits()[0], vec![crate::fit::Shape::Split, crate::fit::Shape::Minority]);
        file.set_prompt_fits(0, 0, &[]);
        assert!(file.check().unwrap().items[0].prompt_fits()[0].is_empty(), "untagged again");
        let mut prompts = file.list_of(Field::Item(0, "prompts"));
        prompts.insert(0, "Een nieuwe vraag?".into());
        file.set_list(Field::Item(0, "prompts"), &prompts);
        let deck = file.check().unwrap();
        assert_eq!(deck.items[0].prompts()[0], "Een nieuwe vraag?");
        assert_eq!(deck.items[0].prompt_fits()[3], vec![crate::fit::Shape::Depends]);
    }

    #[test]
    fn items_are_added_duplicated_moved_and_removed_and_stay_valid() {
        let mut file = DeckFile::new("nieuw", "Nieuw", "nl");
        file.set_text(Field::Item(0, "statement"), "Eerst dit.");
        let s = file.add_item("sketch");
        for (key, v) in [("title", "Twee petten"), ("situation", "Karim vraagt subsidie.")] {
            file.set_text(Field::Item(s, key), v);
        }
        file.set_roles(s, &[("Karim".into(), "Je durft niets te zeggen.".into()), ("Els".into(), "Je hebt haast.".into())]);
        file.set_follow_up(s, "Een collega moet beoordelen.");
        file.duplicate(0);
        file.move_item(2, true);
        let deck = file.check().unwrap_or_else(|p| panic!("{p:?}\n{}", file.text()));
        let ids: Vec<&str> = deck.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["stelling-1", "sketch-1", "stelling-1-kopie"]);
        assert_eq!(deck.items[1].sketch().unwrap().roles.len(), 2);
        assert_eq!(file.roles(1)[0].0, "Karim");
        assert_eq!(file.follow_up(1), "Een collega moet beoordelen.");
        file.remove(0);
        assert_eq!(file.check().unwrap().items.len(), 2);
        assert_eq!(file.kind_of(0), "sketch");
    }

    #[test]
    fn a_problem_is_shown_beside_its_field() {
        let mut file = DeckFile::new("nieuw", "Nieuw", "nl");
        file.add_item("dilemma");
        file.set_text(Field::Item(0, "statement"), "Eerst dit.");
        let problems = file.check().unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(file.field_of(&problems[0]), Some(Field::Item(1, "statement")), "{problems:?}");
        file.set_text(Field::Item(1, "statement"), "Dan dat.");
        file.set_text(Field::Deck("language"), "nederlands");
        let problems = file.check().unwrap_err();
        assert_eq!(file.field_of(&problems[0]), Some(Field::Deck("language")), "{problems:?}");
        file.set_text(Field::Deck("language"), "nl");
        file.set_list(Field::Item(1, "options"), &["Ja".into()]);
        let problems = file.check().unwrap_err();
        assert_eq!(file.field_of(&problems[0]), Some(Field::Item(1, "options")), "{problems:?}");
    }

    proptest! {
        /// Any valid deck (made by the deck writer from arbitrary statements) is saved unchanged
        /// byte for byte, and after an edit and its undo it reads the same.
        #[test]
        fn a_valid_deck_round_trips(statements in prop::collection::vec("[a-zA-Z0-9 ,.?!éë'-]{1,60}", 1..6), comment in "[a-z ]{0,30}") {
            let items: Vec<super::super::Item> = statements.iter().enumerate().filter(|(_, s)| !s.trim().is_empty()).map(|(i, s)| super::super::Item {
                id: format!("s-{i}"), themes: vec![], body: super::super::ItemBody::Dilemma { statement: s.split_whitespace().collect::<Vec<_>>().join(" "), options: super::super::default_options("nl"), prompts: vec![], fits: vec![] }, asks: Default::default(), from_room: false,
            }).collect();
            prop_assume!(!items.is_empty());
            let deck = Deck { id: "d".into(), title: "D".into(), language: "nl".into(), description: String::new(), items: vec![], min_group: Default::default() };
            let text = super::super::dilemmas_file(&deck, &items, "d", "D", &comment);
            let mut file = DeckFile::parse(&text).unwrap();
            prop_assert_eq!(file.text(), text.clone());
            let before = file.text_of(Field::Item(0, "statement"));
            file.set_text(Field::Item(0, "statement"), "Iets anders.");
            file.set_text(Field::Item(0, "statement"), &before);
            prop_assert_eq!(file.check().unwrap(), parse_deck("x", &text).unwrap());
        }
    }
}
