//! A report as text: CSV for Dutch Excel, JSON, Markdown with bars, and the statements from the room as a deck file.

use std::fmt::Write as _;

use protocol::date::{utc_date, utc_day};
use protocol::scenario::Item;

use super::{ExportError, Format, ItemReport, Report};

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
    use protocol::tally;
    use std::sync::Arc;

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
