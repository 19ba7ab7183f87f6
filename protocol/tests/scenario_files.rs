//! Scenario files: the shipped decks are valid and rich enough, and a broken file gets every problem, precisely.

use std::path::Path;

use protocol::scenario::{Problem, load_dir, parse_deck};

fn problems(src: &str) -> Vec<Problem> {
    parse_deck("deck.toml", src).expect_err("this deck should have problems")
}

fn has(problems: &[Problem], line: usize, needle: &str) -> bool {
    problems.iter().any(|p| p.line == line && p.message.contains(needle))
}

#[test]
fn shipped_scenarios_are_all_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let report = load_dir(&dir);
    let listed: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(listed.is_empty(), "problems in shipped scenarios:\n{}", listed.join("\n"));
    assert_eq!(report.files, report.decks.len());
    let items = report.decks.iter().flat_map(|(_, d)| d.items.iter().map(move |i| (d, i)));
    let dutch_dilemmas = items
        .clone()
        .filter(|(d, i)| d.language == "nl" && i.kind() == protocol::ItemKind::Dilemma)
        .inspect(|(_, i)| {
            assert!(!i.themes.is_empty(), "{} has no themes", i.id);
            assert!((2..=5).contains(&i.prompts().len()), "{} needs 2-5 prompts", i.id);
            assert!(i.prompt_fits().iter().any(|f| !f.is_empty()), "{} has no prompt tagged with the result it fits", i.id);
        })
        .count();
    assert!(dutch_dilemmas >= 20, "only {dutch_dilemmas} Dutch dilemmas");
    let sketches = items.clone().filter(|(_, i)| i.kind() == protocol::ItemKind::Sketch).count();
    assert!(sketches >= 6, "only {sketches} sketches");
    assert!(items.clone().filter_map(|(_, i)| i.sketch()).all(|s| s.duration_s <= 180 && !s.questions.is_empty()));
    assert!(report.decks.iter().any(|(_, d)| d.language == "en"));
    let main = report.decks.iter().find(|(_, d)| d.id == "samen-werken").map(|(_, d)| d).unwrap();
    assert!(main.items.iter().all(|i| i.asks.reasons), "the main deck asks every statement for reasons");
    assert!(main.items.iter().filter(|i| i.asks.predict).count() >= 3, "and some for a guess of the room");
    for i in items.clone().filter(|(_, i)| i.prompt_fits().iter().flatten().any(|s| *s == protocol::fit::Shape::PredictionGap)) {
        assert!(i.1.asks.predict, "{} has a prompt for a wrong guess but asks for none", i.1.id);
    }
}

#[test]
fn a_good_deck_with_defaults() {
    let deck = parse_deck(
        "ok.toml",
        r#"
id = "mini"
title = "Mini"
language = "nl"

[[item]]
id = "groen"
kind = "dilemma"
statement = "Bewoners mogen het groen zelf beheren."
themes = ["groen"]
prompts = ["Waarom?", "Wat heb je nodig?"]

[[item]]
id = "keuze"
kind = "dilemma"
statement = "Kies."
options = ["Ja", "Nee", { id = "weet-niet", label = "Weet ik niet" }]

[[item]]
id = "petten"
kind = "sketch"
title = "Twee petten"
situation = "Een ambtenaar beoordeelt de subsidie van een initiatief waar hij zelf nauw bij betrokken is."
questions = ["Wat zag je gebeuren?"]
[[item.role]]
name = "Ambtenaar"
briefing = "Je wilt helpen maar moet ook streng zijn."
[[item.role]]
name = "Initiatiefnemer"
briefing = "Je vindt het ongemakkelijk."
[item.follow_up]
statement = "De subsidie moet een collega beoordelen."
"#,
    )
    .unwrap();
    assert_eq!(deck.items.len(), 3);
    assert_eq!(deck.items[0].option_ids(), vec!["eens", "oneens", "hangt_af"]);
    assert_eq!(deck.items[0].options()[2].label, "Hangt ervan af");
    assert_eq!(deck.items[1].option_ids(), vec!["ja", "nee", "weet-niet"]);
    let sketch = deck.items[2].sketch().unwrap();
    assert_eq!(sketch.duration_s, 120);
    assert_eq!(sketch.roles.len(), 2);
    assert_eq!(deck.items[2].option_ids(), vec!["eens", "oneens", "hangt_af"]);
    let view = deck.items[2].view(false);
    assert_eq!(view.roles, vec!["Ambtenaar", "Initiatiefnemer"]);
    assert!(view.prompts.is_none());
    assert_eq!(deck.items[0].view(true).prompts.unwrap().len(), 2);
}

#[test]
fn an_open_question_has_its_question_and_prompts_and_nothing_to_choose() {
    let src = r#"
id = "leidraad"
title = "Leidraad"
language = "nl"

[[item]]
id = "energie"
kind = "question"
question = "Waar krijg je energie van?"
themes = ["energie"]
prompts = ["Noem een moment."]

[[item]]
id = "leeg"
kind = "question"
statement = "Dit hoort bij een dilemma."
"#;
    let found = problems(src);
    assert!(has(&found, 14, "mist `question`"), "a question without `question`: {found:?}");
    assert!(has(&found, 16, "Onbekend veld `statement`"), "`statement` is not a question's key: {found:?}");
    let deck = parse_deck("ok.toml", &src[..src.find("[[item]]\nid = \"leeg\"").unwrap()]).unwrap();
    let q = &deck.items[0];
    assert_eq!(q.kind(), protocol::ItemKind::Question);
    assert!(q.options().is_empty());
    let view = q.view(true);
    assert_eq!(view.statement.as_deref(), Some("Waar krijg je energie van?"));
    assert_eq!(view.prompts.unwrap(), ["Noem een moment."]);
    assert!(q.view(false).prompts.is_none(), "the prompts are the facilitator's");
    let bad = problems("id = \"x\"\ntitle = \"X\"\nlanguage = \"nl\"\n[[item]]\nid = \"a\"\nkind = \"vraag\"\n");
    assert!(has(&bad, 6, "Kies \"dilemma\", \"sketch\" of \"question\""), "{bad:?}");
}

#[test]
fn prompts_may_be_tagged_with_the_results_they_fit() {
    use protocol::fit::Shape;
    let src = r#"
id = "tags"
title = "Tags"
language = "nl"

[[item]]
id = "groen"
kind = "dilemma"
statement = "Bewoners beheren het groen."
prompts = [
  "Wat valt je op?",
  { text = "Wat maakt dat jullie zo verdeeld zijn?", fits = ["split", "depends"] },
  { text = "Wie voelt zich de enige?", fits = "minority" },
]

[[item]]
id = "los"
kind = "dilemma"
statement = "Zonder tags."
prompts = ["Een", "Twee"]
"#;
    let deck = parse_deck("tags.toml", src).unwrap();
    let tagged = &deck.items[0];
    assert_eq!(tagged.prompts().len(), 3);
    assert_eq!(tagged.prompt_fits(), [vec![], vec![Shape::Split, Shape::Depends], vec![Shape::Minority]]);
    let view = tagged.view(true);
    assert_eq!(view.prompts.as_ref().unwrap()[1], "Wat maakt dat jullie zo verdeeld zijn?");
    assert_eq!(view.prompt_fits.len(), 3, "one list per prompt for the facilitator");
    assert!(tagged.view(false).prompt_fits.is_empty(), "the tags are the facilitator's, like the prompts");
    assert!(deck.items[1].prompt_fits().is_empty(), "untagged prompts carry no tags");
    let json = serde_json::to_string(&deck.items[1].view(true)).unwrap();
    assert!(!json.contains("prompt_fits"), "absent on the wire when nothing is tagged: {json}");

    let bad = src.replace("fits = \"minority\"", "fits = \"minorty\"").replace("fits = [\"split\", \"depends\"]", "fit = [\"split\"]");
    let found = problems(&bad);
    assert!(has(&found, 12, "Onbekend veld `fit`"), "{found:?}");
    assert!(has(&found, 12, "Bedoel je `fits`?"), "{found:?}");
    assert!(has(&found, 13, "Bedoel je \"minority\"?"), "{found:?}");
    assert!(has(&problems(&src.replace("\"Wat valt je op?\",", "3,")), 11, "fits = [\"split\"]"));
    assert!(has(&problems(&src.replace("{ text = \"Wie voelt zich de enige?\", ", "{ ")), 13, "mist `text`"));
}

#[test]
fn a_broken_deck_gets_every_problem_with_its_position() {
    let src = r#"id = "Mijn Deck"
title = ""
language = "nederlands"
colour = "blauw"

[[item]]
id = "a"
kind = "dilemma"
statment = "typo"

[[item]]
id = "a"
kind = "dilemma"
statement = "   "
options = ["Alleen één"]

[[item]]
id = "s"
kind = "sketch"
title = "Zonder rollen"
situation = "Iets"
duration_s = 5000

[[item]]
id = "t"
kind = "toneel"

[[item]]
id = "u"
kind = "sketch"
title = "Een rol"
situation = "Iets"
duration_s = 10
[[item.role]]
name = "Ambtenaar"
briefing = ""
"#;
    let p = problems(src);
    let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
    let all = text.join("\n");
    assert!(has(&p, 1, "kleine letters"), "{all}");
    assert!(has(&p, 2, "`title` in het deck is leeg"), "{all}");
    assert!(has(&p, 3, "ISO 639-1"), "{all}");
    assert!(has(&p, 4, "Onbekend veld `colour`"), "{all}");
    assert!(has(&p, 9, "Bedoel je `statement`?"), "{all}");
    assert!(has(&p, 7, "mist `statement`"), "{all}");
    assert!(has(&p, 12, "komt twee keer voor"), "{all}");
    assert!(has(&p, 14, "`statement` in item \"a\" is leeg"), "{all}");
    assert!(has(&p, 15, "minstens twee"), "{all}");
    assert!(has(&p, 22, "van 30 tot en met 900"), "{all}");
    assert!(has(&p, 18, "minstens twee nodig"), "{all}");
    assert!(has(&p, 26, "`kind = \"toneel\"` in item \"t\" bestaat niet"), "{all}");
    assert!(has(&p, 33, "van 30 tot en met 900"), "{all}");
    assert!(has(&p, 34, "1 rol(len)"), "{all}");
    assert!(has(&p, 36, "`briefing` in rol 1 van item \"u\" is leeg"), "{all}");
    assert!(text.iter().all(|t| t.starts_with("deck.toml:")), "{all}");
    let mut sorted = p.clone();
    sorted.sort_by_key(|p| (p.line, p.column));
    assert_eq!(sorted, p, "problems come in file order");
}

#[test]
fn syntax_errors_are_positioned_and_all_reported() {
    let p = problems("id = \"x\"\ntitle = \"open\nlanguage = \"nl\"\n[[item]\n");
    assert!(p.iter().any(|p| p.line == 2 && p.message.contains("TOML-syntaxfout")), "{p:?}");
    assert!(p.iter().filter(|p| p.message.contains("TOML-syntaxfout")).count() >= 2, "{p:?}");
}

#[test]
fn wrong_types_say_what_was_expected() {
    let p = problems(
        "id = \"x\"\ntitle = \"X\"\nlanguage = \"nl\"\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatement = 3\nprompts = \"één\"\n",
    );
    assert!(has(&p, 7, "moet tekst zijn"), "{p:?}");
    assert!(has(&p, 8, "moet een lijst zijn"), "{p:?}");
}

#[test]
fn an_empty_deck_and_a_duplicate_deck_id_across_files() {
    let p = problems("id = \"x\"\ntitle = \"X\"\nlanguage = \"nl\"\n");
    assert!(p.iter().any(|p| p.message.contains("geen items")), "{p:?}");

    let dir = tempdir();
    let deck = "id = \"zelfde\"\ntitle = \"X\"\nlanguage = \"en\"\n[[item]]\nid = \"a\"\nkind = \"dilemma\"\nstatement = \"S\"\n";
    std::fs::write(dir.join("a.toml"), deck).unwrap();
    std::fs::write(dir.join("b.toml"), format!("# tweede\n{deck}")).unwrap();
    std::fs::write(dir.join("c.toml"), "id = \n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a deck").unwrap();
    let report = load_dir(&dir);
    assert_eq!(report.files, 3);
    assert_eq!(report.decks.len(), 1);
    let dup = report.problems.iter().find(|p| p.message.contains("al gebruikt")).expect("duplicate reported");
    assert!(dup.file.ends_with("b.toml") && dup.line == 2, "{dup}");
    assert!(report.problems.iter().any(|p| p.file.ends_with("c.toml")));
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("decks-{}-{:?}", std::process::id(), std::thread::current().id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_file_too_large_to_be_a_deck_is_not_read_and_hides_nothing() {
    let dir = tempdir();
    std::fs::write(dir.join("groot.toml"), "#\n".repeat(protocol::scenario::MAX_FILE_BYTES as usize)).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/samen-werken.toml");
    std::fs::copy(shipped, dir.join("samen-werken.toml")).unwrap();
    let report = load_dir(&dir);
    assert_eq!(report.decks.len(), 1);
    assert!(
        report.problems.iter().any(|p| p.file.ends_with("groot.toml") && p.message.contains("groter dan 1024 KiB")),
        "{:?}",
        report.problems
    );
    std::fs::remove_dir_all(dir).unwrap();
}
