//! The projector page as a stage, in Chromium at 1280×720, 1920×1080 and 3840×2160: every state of a workshop with the longest content fits without scrolling, no text under the floor, the join corner while people can join, axe clean; a phone in the same states.

use std::time::Duration;

use integration_tests::{Server, TestClient};
use protocol::{Phase, ServerMsg};
use serde_json::{Value, json};

use crate::browser::{Driver, Page};
use crate::pages::page_url;

const SIZES: [(u32, u32); 3] = [(1280, 720), (1920, 1080), (3840, 2160)];

/// The longest statement in the shipped decks: what the projector must show at its largest.
fn longest_shipped_statement() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut longest = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let deck: toml::Value = toml::from_str(&text).unwrap();
        for item in deck["item"].as_array().unwrap() {
            let follow = item.get("follow_up").and_then(|f| f.get("statement"));
            for s in [item.get("statement"), follow].into_iter().flatten().filter_map(|s| s.as_str()) {
                if s.chars().count() > longest.chars().count() {
                    longest = s.to_owned();
                }
            }
        }
    }
    assert!(longest.chars().count() > 100, "{longest}");
    longest
}

/// A deck at the limits of what a room sees: six options with long labels, a long situation with
/// eight questions.
fn deck() -> String {
    let questions: Vec<String> =
        (1..=8).map(|i| format!("\"Vraag {i}: wat zag je de ambtenaar doen, en wat had de initiatiefnemer nodig?\"")).collect();
    format!(
        r#"
id = "stage"
title = "Samenwerken met initiatiefnemers in de wijk: de middag van Team Zuidwest"
language = "nl"

[[item]]
id = "zes"
kind = "dilemma"
statement = "{statement}"
options = ["Helemaal eens, ook als het tijd kost", "Eens", "Hangt af van de wijk", "Hangt af van de initiatiefnemer", "Oneens", "Helemaal oneens, dat is niet mijn taak"]

[[item]]
id = "spel"
kind = "sketch"
title = "De subsidieaanvraag van de buurtmoestuin"
situation = "{situation}"
duration_s = 30
questions = [{questions}]
[[item.role]]
name = "Initiatiefnemer"
briefing = "Je vindt het ongemakkelijk dat de ambtenaar met wie je zo nauw samenwerkt ook je aanvraag beoordeelt."
[[item.role]]
name = "Ambtenaar"
briefing = "Je wilt helpen, maar je moet de aanvraag ook eerlijk beoordelen."
[item.follow_up]
statement = "Wie met een initiatiefnemer samenwerkt, hoort zijn aanvraag niet zelf te beoordelen."
"#,
        statement = longest_shipped_statement().replace('"', "\\\""),
        situation = "Een initiatiefnemer van een buurtmoestuin werkt al een jaar nauw samen met een ambtenaar van de gemeente. Ze bellen elke week, ze kennen elkaars kinderen. Nu vraagt hij subsidie aan voor een kas, en juist deze ambtenaar moet de aanvraag beoordelen. Hij vindt dat ongemakkelijk: mag hij haar nog om raad vragen over de aanvraag zelf, of is dat voortaan voorkennis? Zij wil hem helpen, maar ze weet ook dat haar collega's meekijken en dat andere initiatieven in de wijk niet zo'n korte lijn hebben. Het gesprek begint op het bankje naast de moestuin.",
        questions = questions.join(", ")
    )
}

/// What the stage breaks on its screen now: sizes, text under the floor, text outside the window or
/// cut off by the box around it, and whether the join corner shows `code`.
pub(crate) async fn check(page: &Page, state: &str, joins: Option<&str>) {
    let found = page
        .js(
            "const floor = 24 * Math.min(innerWidth / 1280, innerHeight / 720);
             const doc = document.documentElement;
             const bad = [];
             if (doc.scrollHeight > innerHeight || doc.scrollWidth > innerWidth) bad.push('scrolls: ' + doc.scrollWidth + 'x' + doc.scrollHeight + ' in ' + innerWidth + 'x' + innerHeight);
             let texts = 0;
             for (const e of document.querySelectorAll('h1, #view *')) {
               if (e.closest('.sr-only') || e.getClientRects().length === 0) continue;
               if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
               texts += 1;
               const what = e.tagName.toLowerCase() + '.' + e.className + ' \"' + e.textContent.trim().slice(0, 30) + '\"';
               if (getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1) bad.push('cut off in itself: ' + what);
               const size = parseFloat(getComputedStyle(e).fontSize);
               if (size < floor - 0.5) bad.push('small: ' + what + ' at ' + size + 'px (floor ' + floor + ')');
               const r = e.getBoundingClientRect();
               if (r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.left < -1 || r.top < -1) bad.push('outside the window: ' + what);
               for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                 const s = getComputedStyle(a);
                 if (s.overflowY === 'visible' && s.overflowX === 'visible') continue;
                 const b = a.getBoundingClientRect();
                 if (r.bottom > b.bottom + 1 || r.right > b.right + 1) { bad.push('cut off: ' + what + ' in ' + a.tagName.toLowerCase() + '.' + a.className); break; }
               }
             }
             if (texts < 2) bad.push('nothing on the stage');
             const code = arguments[0];
             if (code) {
               const c = [...document.querySelectorAll('.corner .code, .join .code')].find(e => e.getClientRects().length);
               const img = c && c.parentElement.closest('.corner, .join').querySelector('img');
               if (!c || c.textContent !== code) bad.push('no join code while joins are open');
               else if (!img || img.naturalWidth === 0 || img.getBoundingClientRect().bottom > innerHeight) bad.push('no QR code while joins are open');
             }
             return bad;",
            vec![joins.map_or(Value::Null, |c| json!(c))],
        )
        .await;
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    let size = page.js("return innerWidth + 'x' + innerHeight", vec![]).await;
    assert!(found.is_empty(), "the projector in state {state:?} at {size}:\n{}", found.join("\n"));
}

/// Checks `state` on every screen once it shows `css` with `want`; axe and a screenshot at the first two sizes.
async fn every_screen(screens: &[Page], state: &str, css: &str, want: &str, joins: Option<&str>) {
    // First every screen (a countdown's last ten seconds pass), then what takes longer.
    for screen in screens {
        screen.wait_text(css, want).await;
        screen.wait_for("the typeface", "document.fonts.check('1em \"Atkinson Hyperlegible\"')").await;
        check(screen, state, joins).await;
    }
    for (i, screen) in screens.iter().enumerate().take(2) {
        let (w, h) = SIZES[i];
        screen.screenshot(&format!("stage-{state}-{w}x{h}")).await;
        screen.assert_accessible(&format!("projector {state}")).await;
    }
}

/// The participant page in the same state on a 390×844 phone: nothing scrolls sideways, also at
/// 200% text, and axe finds nothing.
async fn on_the_phone(phone: &Page, state: &str, css: &str, want: &str) {
    phone.wait_text(css, want).await;
    let wide = phone.js("return [document.documentElement.scrollWidth, innerWidth]", vec![]).await;
    assert!(wide[0].as_u64() <= wide[1].as_u64(), "the phone in state {state:?} scrolls sideways: {wide}");
    phone.assert_reflows_at_200_percent(state).await;
    phone.assert_accessible(&format!("phone {state}")).await;
    phone.screenshot(&format!("stage-phone-{}", state.replace([' ', ','], "-"))).await;
}

/// Waits up to 40 s (a sketch's scene takes 30) until `script` is true on `page`.
async fn wait_long(page: &Page, what: &str, script: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    while page.js(&format!("return !!({script});"), vec![]).await != json!(true) {
        assert!(tokio::time::Instant::now() < deadline, "waited for {what}; the page shows:\n{}", page.text("body").await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn every_state_of_a_workshop_fits_the_projector_at_every_common_size_without_scrolling() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    std::fs::write(s.scenarios.join("stage.toml"), deck()).unwrap();
    let (mut f, code, _) = s.facilitator("stage").await;
    let mut screens = Vec::new();
    for (w, h) in SIZES {
        let screen = driver.screen_of(w, h).await;
        // Pages turn every 2 s here (8 s in the room), so a test sees them all in its waits.
        screen.open(&page_url(&s.url, &format!("/watch?code={code}&turn=2000"))).await;
        screens.push(screen);
    }
    // One phone in the room too, checked in the same states at 390×844.
    let phone = driver.phone().await;
    crate::pages::join_from_url(&phone, &page_url(&s.url, &format!("/?code={code}"))).await;
    // Sixty people in twenty teams, so every team has a result.
    let mut players: Vec<TestClient> = Vec::new();
    for i in 0..60 {
        players.push(s.player(&code, Some(&format!("Team {:02} Wijkaanpak", i / 3 + 1))).await.0);
    }
    every_screen(&screens, "lobby", ".join .count", "61 deelnemers", Some(&code)).await;
    on_the_phone(&phone, "lobby", ".count", "61 deelnemers").await;

    f.send(json!({"type":"ask","item":"zes","predict":true,"reasons":true})).await;
    f.control("open", Some("zes")).await;
    let reason: String =
        "Omdat een vast aanspreekpunt vertrouwen geeft, ".repeat(5).chars().take(protocol::msg::REASON_MAX_CHARS).collect();
    for (i, p) in players.iter_mut().enumerate().skip(1) {
        let v = p.session_where("open", |v| v.phase == Phase::Open).await;
        let option = v.item.unwrap().options[(i * 7 / 3) % 6].id.clone();
        p.answer("zes", &option).await;
        if i == 1 {
            p.send(json!({"type":"reason","item":"zes","text":reason})).await;
        }
        p.send(json!({"type":"predict","item":"zes","percent":(i * 13) % 100})).await;
    }
    phone.tap("button[data-key^=opt-]").await;
    on_the_phone(&phone, "six options, answered", "#answer-note", "opgeslagen").await;
    every_screen(&screens, "open", ".answered", "60 van 61 geantwoord", Some(&code)).await;
    // The room sees what it chooses between, numbered as the result will be.
    let choices = screens[0]
        .js("return [...document.querySelectorAll('.choices li')].map(li => li.innerText.replace(/\\s+/g, ' ').trim())", vec![])
        .await;
    assert_eq!(choices.as_array().map(Vec::len), Some(6), "{choices}");
    assert!(choices[0].as_str().unwrap().starts_with("1 Helemaal eens"), "{choices}");

    let id = f
        .expect("the long reason", |m| match m {
            ServerMsg::Reasons { groups, .. } => groups.iter().flat_map(|g| &g.reasons).find(|r| r.text == reason).map(|r| r.id.clone()),
            _ => None,
        })
        .await;
    f.control("close", None).await;
    every_screen(&screens, "closed", "#view", "Stemmen is gesloten", Some(&code)).await;
    f.send(json!({"type":"show_reason","reason":id})).await;
    f.control("reveal", None).await;
    let tally = f.tally_where("the reveal", |t| t.item == "zes" && t.total == 60).await;
    every_screen(&screens, "revealed", ".thought", "We dachten", Some(&code)).await;
    on_the_phone(&phone, "revealed with teams", ".result", "(jouw keuze)").await;
    // Twenty teams do not fit beside the chart at 1280×720: they come a page at a time.
    let first = &screens[0];
    // Why a team with enough answers may be missing, said where the teams are.
    assert!(
        first
            .js("return document.querySelector('.teams-note').textContent", vec![])
            .await
            .as_str()
            .unwrap()
            .contains("anders is te herleiden")
    );
    first.wait_text(".page-of", "deel 1 van").await;
    let shown = "return [...document.querySelectorAll('.teams li')].filter(li => li.getClientRects().length).length";
    let teams = first.js("return document.querySelectorAll('.teams li').length", vec![]).await.as_u64().unwrap();
    assert!(teams >= 17 && teams as usize == tally.teams.len(), "every team the room may see: {teams}");
    assert!(first.js(shown, vec![]).await.as_u64().unwrap() < teams, "some teams wait for a later page");
    // Every page in turn fits, and together they show every team the room may see.
    let mut pages = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let total = loop {
        let page = first.text(".page-of").await;
        let (_, of) = page.rsplit_once(" van ").expect("a page number");
        let names = first.js("return [...document.querySelectorAll('.teams li')].filter(li => li.getClientRects().length).map(li => li.querySelector('.team-name').innerText.split(' · ')[0])", vec![]).await;
        seen.extend(serde_json::from_value::<Vec<String>>(names).unwrap());
        if pages.insert(page.clone()) {
            check(first, &format!("revealed, {page}"), Some(&code)).await;
        }
        let total: usize = of.parse().unwrap();
        if pages.len() == total || tokio::time::Instant::now() > deadline {
            break total;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(total >= 3 && pages.len() == total, "every page came: {pages:?} of {total}");
    assert_eq!(seen, tally.teams.keys().cloned().collect(), "every team the room may see, on some page");
    let took = first.js("return performance.getEntriesByName('stage-layout').map(e => e.duration)", vec![]).await;
    eprintln!("stage layout at 1280x720 (ms): {took}");
    let took = screens[1].js("return performance.getEntriesByName('stage-layout').map(e => e.duration)", vec![]).await;
    eprintln!("stage layout at 1920x1080 (ms): {took}");

    f.control("open", Some("spel")).await;
    every_screen(&screens, "sketch", ".situation", "buurtmoestuin", Some(&code)).await;
    on_the_phone(&phone, "sketch", "#view", "buurtmoestuin").await;
    f.control("start_timer", None).await;
    every_screen(&screens, "countdown", "#countdown", "0:", Some(&code)).await;
    wait_long(first, "the last ten seconds", "document.querySelector('.almost')").await;
    every_screen(&screens, "almost", ".almost", "Nog even", Some(&code)).await;
    wait_long(first, "the time is up", "document.querySelector('.time-up')").await;
    every_screen(&screens, "time-up", ".time-up", "De tijd is om", Some(&code)).await;
    every_screen(&screens, "discussion", "#view h3", "Bespreek samen", Some(&code)).await;
    on_the_phone(&phone, "discussion", "#view", "Vraag 8").await;
    // The sketch's statement answered by latecomers and revealed: the result still names the sketch.
    for option in ["eens", "oneens", "eens", "hangt_af"] {
        let (mut late, _) = s.player(&code, None).await;
        late.session_where("the sketch's statement", |v| v.phase == Phase::Open && v.item.as_ref().is_some_and(|it| it.id == "spel")).await;
        late.answer("spel", option).await;
    }
    f.control("close", None).await;
    f.control("reveal", None).await;
    every_screen(&screens, "a sketch's result", ".reveal", "%", Some(&code)).await;
    assert!(first.text("#view h2").await.contains("De subsidieaanvraag van de buurtmoestuin"), "{}", first.text("#view").await);
    // Its discussion questions stay beside the result, on every screen (a page of them at a time).
    every_screen(&screens, "a sketch's result with its questions", ".reveal .sketch-questions h3", "Bespreek samen", Some(&code)).await;

    for i in 1..=30 {
        let text = format!("Afspraak {i}: we bellen een initiatiefnemer binnen een week terug, ook als het antwoord nog niet af is.");
        f.send(json!({"type":"agreement","text":text})).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    f.expect("thirty agreements", |m| matches!(m, ServerMsg::Agreements { agreements } if agreements.len() == 30).then_some(())).await;
    f.control("end", None).await;
    every_screen(&screens, "agreements", "ol.agreements", "Afspraak 1:", None).await;
    on_the_phone(&phone, "ended", ".statement", "afgelopen").await;
    phone.close().await;
    first.wait_text(".page-of", "deel 2 van").await;
    check(first, "agreements, second page", None).await;
    for screen in screens {
        screen.close().await;
    }
    s.stop().await;
}

/// The benchmark of the projector's layout on a reveal at 1920×1080 with twenty teams (one
/// browser, nothing else running): `scripts/bench-stage.sh` runs it and prints the figures that
/// docs/performance.md reports.
#[tokio::test]
#[ignore = "a benchmark: scripts/bench-stage.sh"]
async fn stage_layout_on_a_reveal_with_twenty_teams() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let items: String = (1..=10)
        .map(|i| format!("[[item]]\nid = \"s{i}\"\nkind = \"dilemma\"\nstatement = \"Stelling {i}: {}\"\noptions = [\"Helemaal eens\", \"Eens\", \"Hangt af van de wijk\", \"Hangt af van de initiatiefnemer\", \"Oneens\", \"Helemaal oneens\"]\n\n", longest_shipped_statement()))
        .collect();
    std::fs::write(s.scenarios.join("bench.toml"), format!("id = \"bench\"\ntitle = \"Bench\"\nlanguage = \"nl\"\n\n{items}")).unwrap();
    let (mut f, code, _) = s.facilitator("bench").await;
    let screen = driver.screen_of(1920, 1080).await;
    screen.open(&page_url(&s.url, &format!("/watch?code={code}"))).await;
    let mut players = Vec::new();
    for i in 0..60 {
        players.push(s.player(&code, Some(&format!("Team {:02} Wijkaanpak", i / 3 + 1))).await.0);
    }
    screen.wait_text(".join .count", "60 deelnemers").await;
    let mut took = Vec::new();
    for i in 1..=10 {
        let item = format!("s{i}");
        f.control("open", Some(&item)).await;
        for (j, p) in players.iter_mut().enumerate() {
            let v = p.session_where("open", |v| v.phase == Phase::Open && v.item.as_ref().is_some_and(|it| it.id == item)).await;
            p.answer(&item, &v.item.unwrap().options[(j * (i + 1)) % 6].id).await;
            p.drain(Duration::ZERO).await;
        }
        f.tally_where("every answer", |t| t.item == item && t.total == 60).await;
        f.control("reveal", None).await;
        screen.wait_for("the result", "document.querySelector('.teams')").await;
        let last = screen.js("const e = performance.getEntriesByName('stage-layout'); return e[e.length - 1].duration", vec![]).await;
        took.push(last.as_f64().unwrap());
    }
    took.sort_by(f64::total_cmp);
    println!("stage layout on a reveal at 1920x1080, 20 teams, 6 options, 10 reveals: median {:.1} ms, max {:.1} ms", took[5], took[9]);
    screen.close().await;
    s.stop().await;
}

/// A washed-out projector gets the high-contrast theme from its address (`?contrast=high`): black
/// on white and the design file's dark option colours.
#[tokio::test]
async fn the_projector_takes_the_high_contrast_theme_from_its_address() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let (_f, code, _) = s.facilitator("test").await;
    let screen = driver.screen_of(1280, 720).await;
    screen.open(&page_url(&s.url, &format!("/watch?code={code}&contrast=high"))).await;
    screen.wait_text(".join .code", &code).await;
    let look = screen.js("return [document.documentElement.dataset.contrast, getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.body).color]", vec![]).await;
    assert_eq!(look[0], json!("high"), "{look}");
    let options = screen.js("const s = getComputedStyle(document.documentElement); return [1, 2, 3, 4, 5, 6].map(i => s.getPropertyValue('--option-' + i).trim())", vec![]).await;
    let dark: Vec<String> = protocol::design::design().high_contrast.options.iter().map(|c| c.hex()).collect();
    assert_eq!(options, json!(dark), "the high-contrast option colours");
    assert_eq!(look[1], json!("rgb(255, 255, 255)"), "{look}");
    assert_eq!(look[2], json!("rgb(0, 0, 0)"), "{look}");
    check(&screen, "lobby in high contrast", Some(&code)).await;
    screen.assert_accessible("projector in high contrast").await;
    screen.close().await;
    s.stop().await;
}
