//! Dilemmas written as a deck file: how a session's statements from the room reach trainers, as TOML that `validate` accepts.

use super::model::{Deck, ItemBody, default_options};

/// A deck file with the dilemmas among `items` of `deck`, under `id` and `title`, in the deck's
/// language; `comment` lines go on top. Options are written only where they differ from the
/// default, themes and prompts where there are any.
pub fn dilemmas_file<'a>(deck: &Deck, items: impl IntoIterator<Item = &'a super::Item>, id: &str, title: &str, comment: &str) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!("\nid = {}\ntitle = {}\nlanguage = {}\n", quoted(id), quoted(title), quoted(&deck.language)));
    if !deck.min_group.is_default() {
        out.push_str(&format!("min_group = {}\n", deck.min_group.get()));
    }
    for item in items {
        let ItemBody::Dilemma { statement, options, prompts, .. } = &item.body else { continue };
        out.push_str(&format!("\n[[item]]\nid = {}\nkind = \"dilemma\"\nstatement = {}\n", quoted(&item.id), quoted(statement)));
        if *options != default_options(&deck.language) {
            let list: Vec<String> = options.iter().map(|o| format!("{{ id = {}, label = {} }}", quoted(&o.id), quoted(&o.label))).collect();
            out.push_str(&format!("options = [{}]\n", list.join(", ")));
        }
        let themes: Vec<String> = item.themes.iter().filter(|t| !t.trim().is_empty()).cloned().collect();
        if !themes.is_empty() {
            out.push_str(&format!("themes = {}\n", list(&themes)));
        }
        if !prompts.is_empty() {
            out.push_str(&format!("prompts = {}\n", list(prompts)));
        }
    }
    out
}

fn list(texts: &[String]) -> String {
    format!("[{}]", texts.iter().map(|t| quoted(t)).collect::<Vec<_>>().join(", "))
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Choice, Item, parse_deck};
    use super::*;
    use proptest::prelude::*;

    fn dilemma(id: &str, statement: &str, options: Vec<Choice>, themes: Vec<String>) -> Item {
        Item {
            id: id.into(),
            themes,
            body: ItemBody::Dilemma { statement: statement.into(), options, prompts: Vec::new(), fits: Vec::new() },
            asks: Default::default(),
            from_room: true,
        }
    }

    proptest! {
        /// Whatever the room typed (cleaned of control characters, as the server stores it), the
        /// file parses back to the same statements, options and themes.
        #[test]
        fn what_is_written_reads_back_the_same(statement in "[^\\p{Cc}]{1,80}", label in "[A-Za-z][^\\p{Cc}\"]{0,20}", theme in "[a-z ]{1,12}") {
            let statement = statement.split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assume!(!statement.is_empty());
            let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            let (label, theme) = (clean(&label), clean(&theme));
            let options = vec![Choice { id: "ja".into(), label: label.clone() }, Choice { id: "nee".into(), label: "Nee".into() }];
            let deck = Deck { id: "d".into(), title: "D".into(), language: "nl".into(), description: String::new(), items: vec![], min_group: Default::default() };
            let items = [dilemma("zaal-1", &statement, default_options("nl"), vec![theme.clone(), " ".into()]), dilemma("zaal-2", "Twee", options.clone(), vec![])];
            let text = dilemmas_file(&deck, &items, "zaal-k7m2qx", "Uit \"de\" zaal", "Gemaakt\nin een sessie");
            let back = parse_deck("zaal.toml", &text).map_err(|p| TestCaseError::fail(format!("{p:?}\n{text}")))?;
            prop_assert_eq!(&back.title, "Uit \"de\" zaal");
            prop_assert_eq!(back.items[0].statement(), Some(statement.as_str()));
            let defaults = default_options("nl");
            prop_assert_eq!(back.items[0].options(), defaults.as_slice());
            prop_assert_eq!(back.items[1].options(), options.as_slice());
            prop_assert!(text.starts_with("# Gemaakt\n# in een sessie\n"));
            if !theme.is_empty() {
                prop_assert_eq!(&back.items[0].themes, &vec![theme]);
            }
        }
    }
}
