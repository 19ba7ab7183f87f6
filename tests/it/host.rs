//! The facilitator's page (/host) in Debian's Chromium: a whole session led from a browser beside phone pages, a projector and a desktop client; keys, reloads, a crash, the reports and a follow-up.

use std::path::Path;
use std::time::Duration;

use integration_tests::TestClient;
use serde_json::json;

use crate::browser::{Driver, Page};
use crate::pages::{join_from_url, page_url, shown_result};
use crate::process::{Binary, scenario_dir, server_cli};

/// A statement that asks for reasons and has prompts for two shapes of result, and a sketch with
/// two roles and a follow-up statement.
pub(crate) const DECK: &str = r#"
id = "leiden"
title = "Team Wijken leidt"
language = "nl"

[[item]]
id = "a"
kind = "dilemma"
statement = "Bewoners mogen het groen in de speeltuin zelf beheren."
reasons = true
prompts = [
  { text = "Waar zit het verschil tussen jullie?", fits = ["split"] },
  { text = "Wat maakt dat jullie het zo eens zijn?", fits = ["consensus"] },
  "Wat zou een bewoner hiervan vinden?",
]

[[item]]
id = "solo"
kind = "sketch"
title = "Eén telefoontje"
situation = "Een initiatiefnemer belt de ambtenaar over zijn aanvraag."
duration_s = 30
questions = ["Wat zag je gebeuren?"]
[[item.role]]
name = "Initiatiefnemer"
briefing = "Alleen voor de initiatiefnemer: je bent boos over de brief."
[[item.role]]
name = "Ambtenaar"
briefing = "Alleen voor de ambtenaar: je hebt de brief niet geschreven."
[item.follow_up]
statement = "Bellen werkt beter dan mailen."
"#;

/// The page's state as a keyboard user meets it: what has the focus.
pub(crate) async fn focused(page: &Page) -> String {
    page.js("const e = document.activeElement; return e ? (e.dataset.key || e.id || e.tagName) : '';", vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Tabs forward until the control `key` has the focus (at most 60 stops), as a keyboard user does.
pub(crate) async fn tab_to(page: &Page, key: &str) {
    for _ in 0..60 {
        if focused(page).await == key {
            return;
        }
        page.press("\u{E004}", false).await;
    }
    panic!("{key} is not reached with Tab; the page shows:\n{}", page.text("body").await);
}

/// Chooses deck `deck` with the keyboard: Tab to the deck list (its chosen deck), then the arrow keys.
pub(crate) async fn choose_deck(page: &Page, deck: &str) {
    page.js("document.activeElement.blur(); window.scrollTo(0, 0); return true;", vec![]).await;
    let chosen = page.js("return document.querySelector('input[name=deck]:checked').id", vec![]).await;
    tab_to(page, chosen.as_str().unwrap()).await;
    for _ in 0..60 {
        if focused(page).await == format!("deck-{deck}") {
            assert_eq!(page.js("return document.activeElement.checked", vec![]).await, json!(true));
            return;
        }
        page.press("\u{E015}", false).await;
    }
    panic!("deck-{deck} is not reached with the arrow keys");
}

/// Starts a session on the start screen: the deck, a title, submitted with the keyboard. Returns the code.
pub(crate) async fn create(host: &Page, deck: &str, title: &str) -> String {
    host.wait_for("the decks", &format!("document.getElementById('deck-{deck}')")).await;
    choose_deck(host, deck).await;
    tab_to(host, "session-title").await;
    host.press(title, false).await;
    tab_to(host, "create").await;
    host.press("\u{E007}", false).await;
    host.wait_for("the lobby", "document.querySelector('.join .code')").await;
    host.text(".join .code").await
}

/// Every tally a page's websocket received.
async fn tallies(page: &Page) -> Vec<String> {
    page.frames_received().await.into_iter().filter(|f| f.contains("\"type\":\"tally\"")).collect()
}

/// Waits until the file `name` is in `dir` and its download finished (Chromium names the final file
/// before it has written it, and keeps a `.crdownload` beside it meanwhile), and returns its bytes.
async fn downloaded(dir: &Path, name: &str) -> Vec<u8> {
    let busy = || std::fs::read_dir(dir).is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".crdownload")));
    for _ in 0..150 {
        if let Ok(bytes) = std::fs::read(dir.join(name))
            && !bytes.is_empty()
            && !busy()
        {
            return bytes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{name} was not downloaded into {}: {:?}",
        dir.display(),
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
}

fn export(db: &Path, code: &str, format: &str) -> Vec<u8> {
    let (ok, out, err) = server_cli(db, &["export".as_ref(), code.as_ref(), "--format".as_ref(), format.as_ref()]);
    assert!(ok, "{err}");
    out
}

#[tokio::test]
async fn a_browser_facilitator_leads_a_whole_session_with_phones_a_projector_and_a_desktop_client() {
    let Some(driver) = Driver::start().await else { return };
    let dir = scenario_dir(&[("leiden.toml", DECK)]);
    let downloads = tempfile::tempdir().unwrap();
    let mut server = Binary::start(dir.path(), 0).await;
    let port = server.port;
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&server.url, "/host")).await;
    host.wait_text("legend", "Kies een deck").await;
    host.wait_text(".choices-list", "Team Wijken leidt").await;
    host.wait_text(".choices-list", "Nederlands · 1 stelling, 1 sketch").await;
    host.assert_accessible("start").await;
    host.screenshot("host-start").await;
    let code = create(&host, "leiden", "Wijken, 2 december").await;
    assert_eq!(host.js("return location.search", vec![]).await, json!(format!("?code={code}")));
    host.wait_text("h1", "Wijken, 2 december").await;
    host.wait_text(".join", "met de code").await;

    // The room: three phones, a projector (both recording what their websockets receive) and a desktop client.
    let url = page_url(&server.url, &format!("/?code={code}"));
    let phones = [driver.recording_phone().await, driver.recording_phone().await, driver.recording_phone().await];
    for phone in &phones {
        join_from_url(phone, &url).await;
    }
    let projector = driver.recording_screen().await;
    projector.open(&page_url(&server.url, &format!("/watch?code={code}"))).await;
    projector.wait_text(".code", &code).await;
    let mut desktop: TestClient = server.client().await;
    desktop.send(json!({"type":"join","protocol":1,"code":code,"team":"Oost"})).await;
    desktop.welcome().await;
    host.wait_text(".join .count", "4 deelnemers · 1 team").await;
    host.assert_accessible("lobby").await;
    host.screenshot("host-lobby").await;
    host.assert_reflows_at_200_percent("lobby").await;
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text(".join .count", "4 deelnemers").await;
    // The projector button is a link to the projector page, opened in a window of its own.
    let link = host.js("const a = document.querySelector('[data-key=projector]'); return [a.getAttribute('href'), a.target]", vec![]).await;
    assert_eq!(link, json!([format!("/watch?code={code}"), "_blank"]));

    // N opens the first statement, on every screen.
    tab_to(&host, "next").await;
    host.press("n", false).await;
    host.wait_text(".now .statement", "groen in de speeltuin").await;
    for phone in &phones {
        phone.wait_text(".statement", "groen in de speeltuin").await;
    }
    projector.wait_text(".statement", "groen in de speeltuin").await;
    for (phone, option) in phones.iter().zip(["eens", "eens", "oneens"]) {
        phone.tap(&format!("button[data-key=opt-{option}]")).await;
        phone.wait_text("#answer-note", "opgeslagen").await;
    }
    phones[2].type_into("#reason", "Wie is er dan aanspreekbaar?").await;
    phones[2].tap("button[data-key=reason]").await;
    phones[2].wait_text("#view", "Wie is er dan aanspreekbaar?").await;
    desktop.answer("a", "eens").await;
    host.wait_text(".answered", "4 van 4 geantwoord").await;
    // Said politely, at most every five seconds, and the last count always.
    host.wait_text("#progress", "4 van 4 geantwoord").await;
    assert_eq!(host.js("return document.getElementById('progress').getAttribute('aria-live')", vec![]).await, json!("polite"));
    // Without the private preview the result stays hidden here too, and the page says so.
    host.wait_text(".hidden-result", "blijft verborgen").await;
    assert_eq!(host.js("return document.querySelectorAll('.now .result').length", vec![]).await, json!(0));
    tab_to(&host, "preview").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".result-card", "Alleen jij ziet dit").await;
    host.wait_text(".result-card", "4 antwoorden").await;
    host.wait_text(".reasons", "Wie is er dan aanspreekbaar?").await;
    host.assert_accessible("open with a live tally").await;
    host.screenshot("host-open-preview").await;
    // Turned off again (the laptop goes back on the projector): nothing of the result or the reasons stays.
    tab_to(&host, "preview").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".hidden-result", "blijft verborgen").await;
    let left = host.js("return [document.querySelectorAll('.result-card, .reasons').length, document.querySelector('#view').innerText.includes('Wie is er dan')]", vec![]).await;
    assert_eq!(left, json!([0, false]), "the preview's result and reasons are gone from the page");
    host.press("\u{E007}", false).await;
    host.wait_text(".result-card", "4 antwoorden").await;
    // A reload resumes as facilitator, in the same state.
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text(".result-card", "4 antwoorden").await;
    assert!(host.text("#status").await.is_empty());

    // C closes and R reveals, with the keyboard; the prompt that fits comes first, with why.
    host.press("c", false).await;
    host.wait_text(".phase", "Stemmen is gesloten").await;
    // Before the reveal no tally and no reasons reached the room's websockets; only its writer got back her own reason.
    for (i, phone) in phones.iter().enumerate() {
        let frames = phone.frames_received().await;
        assert!(!frames.iter().any(|f| f.contains("\"type\":\"tally\"")), "a phone's websocket got a tally before the reveal");
        assert!(!frames.iter().any(|f| f.contains("\"type\":\"reasons\"")), "a phone's websocket got the reasons");
        assert_eq!(
            frames.iter().any(|f| f.contains("Wie is er dan aanspreekbaar?")),
            i == 2,
            "only the writer's own socket has her reason"
        );
    }
    let frames = projector.frames_received().await;
    assert!(!frames.iter().any(|f| f.contains("\"type\":\"tally\"")), "the projector's websocket got a tally before the reveal");
    assert!(!frames.iter().any(|f| f.contains("Wie is er dan aanspreekbaar?")), "the projector got a reason before it was put on screen");
    host.assert_accessible("closed").await;
    host.press("r", false).await;
    host.wait_text(".phase", "De uitslag staat op het scherm").await;
    let on_host = shown_result(&host).await;
    assert_eq!(on_host.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>(), ["75%", "25%", "0%"]);
    for phone in &phones {
        phone.wait_text(".result", "%").await;
        let on_phone: Vec<String> = shown_result(phone).await.into_iter().map(|(_, p)| p).collect();
        assert_eq!(on_phone, on_host.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(), "the phones show what the facilitator sees");
    }
    projector.wait_text(".result", "75%").await;
    // The recording works: the reveal's tally is in every log that had none before.
    for phone in &phones {
        assert_eq!(tallies(phone).await.len(), 1, "a phone's websocket got the revealed tally");
    }
    assert_eq!(tallies(&projector).await.len(), 1);
    let first_prompt = host.text(".prompts li").await;
    assert!(
        first_prompt.contains("Wat maakt dat jullie het zo eens zijn?") && first_prompt.contains("eensgezind: 75% eens"),
        "{first_prompt}"
    );
    // A reason on the projector, with the keyboard too.
    let reason = host.js("return document.querySelector('.reasons button[data-key^=reason-]').dataset.key", vec![]).await;
    tab_to(&host, reason.as_str().unwrap()).await;
    host.press("\u{E007}", false).await;
    projector.wait_text(".shown", "Wie is er dan aanspreekbaar?").await;
    host.wait_text(".reasons", "Van het scherm halen").await;
    host.assert_accessible("revealed with prompts and reasons").await;
    host.screenshot("host-revealed").await;
    host.assert_reflows_at_200_percent("revealed").await;
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text(".reasons", "Van het scherm halen").await;
    host.wait_text(".result-card", "4 antwoorden").await;

    // An agreement about the statement, typed and recorded with the keyboard.
    tab_to(&host, "agreement").await;
    host.press("We bellen eerst, dan mailen we.", false).await;
    host.press("\u{E007}", false).await;
    host.wait_text("ol.agreements", "We bellen eerst, dan mailen we.").await;
    assert_eq!(host.js("return document.getElementById('agreement').value", vec![]).await, json!(""), "emptied once stored");
    host.assert_accessible("agreements").await;

    // The sketch: N opens it (from the check box after the field: it takes no letters), two players
    // get a role and only their phones see a briefing; T starts the timer.
    host.press("\u{E004}", false).await;
    assert_eq!(focused(&host).await, "about");
    host.press("n", false).await;
    host.wait_text(".now h2", "Eén telefoontje").await;
    host.wait_text(".roles", "Initiatiefnemer").await;
    for phone in &phones {
        phone.wait_text("#view", "Een initiatiefnemer belt").await;
    }
    // The draw's briefings come after the sketch itself: wait for both, then look at everyone else.
    let mut briefed = Vec::new();
    for _ in 0..50 {
        desktop.settle().await;
        briefed.clear();
        for (i, phone) in phones.iter().enumerate() {
            if phone.text("#view").await.contains("Jouw rol") {
                briefed.push(i);
            }
        }
        if briefed.len() + usize::from(desktop.seen.iter().any(|m| matches!(m, protocol::ServerMsg::Role { .. }))) == 2 {
            break;
        }
    }
    let desktop_briefed = desktop.seen.iter().filter(|m| matches!(m, protocol::ServerMsg::Role { .. })).count();
    assert_eq!(briefed.len() + desktop_briefed, 2, "two roles, two briefings");
    for (i, phone) in phones.iter().enumerate() {
        let frames = phone.frames_received().await;
        let got = frames.iter().any(|f| f.contains("\"type\":\"role\"") || f.contains("Alleen voor de"));
        assert_eq!(got, briefed.contains(&i), "phone {i}: a briefing reaches only the drawn");
        if !briefed.contains(&i) {
            assert!(!phone.text("#view").await.contains("Alleen voor de"));
        }
    }
    assert!(!projector.frames_received().await.iter().any(|f| f.contains("Alleen voor de")), "the projector got a briefing");
    assert!(!host.text("#view").await.contains("Alleen voor de"), "the facilitator's page shows a briefing");
    host.press("t", false).await;
    host.wait_for("the countdown", "document.getElementById('countdown')").await;
    projector.wait_for("the countdown", "document.getElementById('countdown')").await;
    host.assert_accessible("sketch with timer").await;
    host.screenshot("host-sketch").await;
    host.assert_reflows_at_200_percent("sketch").await;

    // kill -9 mid-session: the page says it reconnects, and after the restart goes on where it was.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    host.wait_text("#status", "Verbinding herstellen").await;
    let server = Binary::start(dir.path(), port).await;
    host.wait_for("reconnected", "document.getElementById('status').textContent === ''").await;
    host.wait_text(".now h2", "Eén telefoontje").await;
    // What the page shows now comes from the restarted server, not from before the crash.
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text(".now h2", "Eén telefoontje").await;
    host.wait_text("ol.agreements", "We bellen eerst").await;
    host.assert_accessible("after a restart").await;

    // Shift+E asks first, then ends; the reports are made in the browser and saved.
    host.press("E", true).await;
    host.wait_text(".end", "De sessie beëindigen?").await;
    assert_eq!(focused(&host).await, "end-yes");
    host.press("\u{E007}", false).await;
    host.wait_text("#view", "De sessie is afgelopen").await;
    for phone in &phones {
        phone.wait_text("#view", "afgelopen").await;
    }
    tab_to(&host, "export-csv").await;
    host.press("\u{E007}", false).await;
    let csv = downloaded(downloads.path(), &format!("{code}.csv")).await;
    assert_eq!(csv, export(&dir.path().join("workshop.db"), &code, "csv"), "the CSV is `session-server export`'s, byte for byte");
    tab_to(&host, "export-md").await;
    host.press("\u{E007}", false).await;
    let md = downloaded(downloads.path(), &format!("{code}.md")).await;
    assert_eq!(md, export(&dir.path().join("workshop.db"), &code, "md"));
    host.assert_accessible("ended with downloads").await;
    host.screenshot("host-ended").await;
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text("#view", "De sessie is afgelopen").await;
    drop(server);
}

/// Opens statement `a` from the deck list, lets the phones answer `answers` and reveals it with the keyboard.
async fn play_a(host: &Page, phones: &[Page], answers: &[&str]) {
    tab_to(host, "item-a").await;
    host.press("\u{E007}", false).await;
    for (phone, option) in phones.iter().zip(answers) {
        phone.wait_text(".statement", "groen in de speeltuin").await;
        phone.tap(&format!("button[data-key=opt-{option}]")).await;
        phone.wait_text("#answer-note", "opgeslagen").await;
    }
    host.wait_text(".answered", &format!("{n} van {n} geantwoord", n = answers.len())).await;
    // The focus is on the deck's button it was opened with: keys act there.
    assert_eq!(focused(host).await, "item-a");
    host.press("r", false).await;
    host.wait_text(".phase", "De uitslag staat op het scherm").await;
}

/// `n` phones joined to session `code` of the server at `url`.
pub(crate) async fn phones_in(driver: &Driver, url: &str, code: &str, n: usize) -> Vec<Page> {
    let mut phones = Vec::new();
    for _ in 0..n {
        let phone = driver.phone().await;
        join_from_url(&phone, &page_url(url, &format!("/?code={code}"))).await;
        phones.push(phone);
    }
    phones
}

#[tokio::test]
async fn a_follow_up_started_from_this_browser_shows_then_and_now_and_the_series_report_with_its_charts() {
    let Some(driver) = Driver::start().await else { return };
    let dir = scenario_dir(&[("leiden.toml", DECK)]);
    let downloads = tempfile::tempdir().unwrap();
    let server = Binary::start(dir.path(), 0).await;
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&server.url, "/host")).await;
    let first = create(&host, "leiden", "Eerste gesprek").await;
    let phones = phones_in(&driver, &server.url, &first, 3).await;
    play_a(&host, &phones, &["eens", "eens", "oneens"]).await;
    tab_to(&host, "agreement").await;
    host.press("We bellen eerst.", false).await;
    host.press("\u{E007}", false).await;
    host.wait_text("ol.agreements", "We bellen eerst.").await;
    // In the field Shift+E is a capital E; out of it (Tab) it asks for the end.
    host.press("E", true).await;
    assert!(!host.text(".end").await.contains("beëindigen?"), "a key typed in a field acted");
    host.press("\u{E004}", false).await;
    host.press("E", true).await;
    host.press("\u{E007}", false).await;
    host.wait_text("#view", "De sessie is afgelopen").await;

    // Three months later, from the same browser: the ended session is offered as the earlier one.
    tab_to(&host, "follow-up").await;
    host.press("\u{E007}", false).await;
    host.wait_for("the start screen", "document.getElementById('follows')").await;
    assert_eq!(host.js("return document.getElementById('follows').value", vec![]).await, json!(first));
    host.wait_text("#follows", "Eerste gesprek").await;
    host.assert_accessible("start of a follow-up").await;
    let second = create(&host, "leiden", "Drie maanden later").await;
    assert_ne!(first, second);
    host.wait_text(".follows", "Vervolg op \"Eerste gesprek\"").await;
    host.wait_text(".deck-list", "Afspraak: We bellen eerst.").await;
    let phones = phones_in(&driver, &server.url, &second, 3).await;
    play_a(&host, &phones, &["oneens", "oneens", "oneens"]).await;
    host.wait_text(".result-card", "toen 67%").await;
    host.wait_text(".result-card", "Nu, en eronder toen").await;
    phones[0].wait_text(".result", "toen").await;
    host.assert_accessible("follow-up revealed").await;
    host.screenshot("host-follow-up").await;

    // The series report, made in the browser: the Markdown as `session-server report` writes it, and its charts.
    tab_to(&host, "export-md-series").await;
    host.press("\u{E007}", false).await;
    let md = downloaded(downloads.path(), &format!("reeks-{second}-verslag.md")).await;
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) =
        server_cli(&dir.path().join("workshop.db"), &["report".as_ref(), second.as_ref(), "--out".as_ref(), out.path().as_os_str()]);
    assert!(ok, "{err}");
    assert_eq!(String::from_utf8(md).unwrap(), std::fs::read_to_string(out.path().join("verslag.md")).unwrap());
    let charts: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert!(!charts.is_empty());
    let links = host.js("return Array.from(document.querySelectorAll('.files a')).map(a => a.getAttribute('download'))", vec![]).await;
    for chart in &charts {
        assert!(links.as_array().unwrap().contains(&json!(chart)), "{chart} is offered beside the report: {links}");
    }
    // Each chart saved from its link is the chart `session-server report` draws.
    for chart in &charts {
        host.tap(&format!(".files a[download='{chart}']")).await;
        assert_eq!(downloaded(downloads.path(), chart).await, std::fs::read(out.path().join(chart)).unwrap(), "{chart}");
    }
    // And the series as CSV, byte for byte.
    tab_to(&host, "export-csv-series").await;
    host.press("\u{E007}", false).await;
    let csv = downloaded(downloads.path(), &format!("reeks-{second}-verslag.csv")).await;
    assert_eq!(csv, std::fs::read(out.path().join("verslag.csv")).unwrap(), "the series CSV is `session-server report`'s");
    drop(server);
}

#[tokio::test]
async fn the_start_screen_asks_for_the_key_checks_and_saves_a_deck_file_and_says_each_refusal_in_the_browsers_language() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start_with(|c| c.create_key = Some("sleutel-voor-trainers".into())).await;
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("en", downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    host.wait_text("h1", "Lead a session").await;
    host.wait_text("legend", "Choose a deck").await;
    host.wait_text(".choices-list", "Working together").await;
    host.wait_text("label[for=key]", "Trainers’ key").await;
    // Without the key: refused, said beside the form, and nothing started.
    choose_deck(&host, "samen-werken").await;
    tab_to(&host, "create").await;
    host.press("\u{E007}", false).await;
    host.wait_text("#form-error", "That is not allowed here.").await;
    let key = host
        .js("const k = document.getElementById('key'); return [k.getAttribute('aria-invalid'), k.getAttribute('aria-describedby')]", vec![])
        .await;
    assert_eq!(key, json!(["true", "key-hint form-error"]), "the refusal is linked to the key's field");
    host.assert_accessible("start refused").await;
    host.assert_reflows_at_200_percent("start refused").await;
    host.screenshot("host-refused").await;

    // A trainer's deck file with a typo: every problem with its line and column, nothing written.
    let files = tempfile::tempdir().unwrap();
    let broken = files.path().join("nieuw.toml");
    let deck = "id = \"nieuw\"\ntitle = \"Nieuw deck\"\nlanguage = \"nl\"\n\n[[item]]\nid = \"eerste\"\nkind = \"dilemma\"\nstatement = \"Een eerste stelling.\"\n";
    std::fs::write(&broken, deck.replace("statement", "statment")).unwrap();
    host.keys("#deck-file", broken.to_str().unwrap()).await;
    host.wait_text("#check-result", "line 8, column 1").await;
    host.wait_text("#check-result", "Bedoel je `statement`?").await;
    // The server's checker speaks Dutch: the English page says so, and marks its sentences as Dutch.
    host.wait_text(".check", "explains the problems in Dutch").await;
    assert_eq!(host.js("return document.querySelector('.problems li span').lang", vec![]).await, json!("nl"));
    assert!(!s.scenarios.join("nieuw.toml").exists());
    host.assert_accessible("deck file with problems").await;
    host.screenshot("host-deck-problems").await;
    let good = files.path().join("goed.toml");
    std::fs::write(&good, deck).unwrap();
    host.keys("#deck-file", good.to_str().unwrap()).await;
    host.wait_text("#check-result", "No problems found in deck \"nieuw\"").await;
    assert!(!s.scenarios.join("nieuw.toml").exists(), "a check writes nothing");
    // Saving needs the key: a wrong one is refused, the right one saves it and the list offers it.
    host.type_into("#save-key", "verkeerd").await;
    host.tap("[data-key=save-deck]").await;
    host.wait_text("#check-result", "That is not allowed here.").await;
    // The refusal is linked to the key's field, and the file can be saved again with the right key.
    let key = host
        .js(
            "const k = document.getElementById('save-key'); return [k.getAttribute('aria-invalid'), k.getAttribute('aria-describedby')]",
            vec![],
        )
        .await;
    assert_eq!(key, json!(["true", "save-key-hint check-result"]));
    host.assert_accessible("deck save refused").await;
    host.type_into("#save-key", "sleutel-voor-trainers").await;
    host.tap("[data-key=save-deck]").await;
    host.wait_text("#check-result", "Deck \"nieuw\" is saved").await;
    assert_eq!(std::fs::read_to_string(s.scenarios.join("nieuw.toml")).unwrap(), deck);
    host.wait_text(".choices-list", "Nieuw deck").await;

    // With the key the session starts; the page speaks Dutch once switched, and stays so.
    host.type_into("#key", "sleutel-voor-trainers").await;
    choose_deck(&host, "nieuw").await;
    tab_to(&host, "create").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".join", "with the code").await;
    host.tap("[data-key=lang]").await;
    host.wait_text(".join", "met de code").await;
    host.js("location.reload(); return true;", vec![]).await;
    host.wait_text(".join", "met de code").await;
    host.assert_reflows_at_200_percent("lobby").await;
    s.stop().await;
}

#[tokio::test]
async fn statements_from_the_room_agreements_taken_back_refusals_beside_their_cause_and_a_second_window() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start().await;
    std::fs::write(s.scenarios.join("leiden.toml"), DECK).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    let code = create(&host, "leiden", "Uit de zaal").await;

    // A statement the room came up with, with its own choices: last in the deck, opened like any other.
    host.type_into("#room-statement", "Een vaste contactpersoon helpt.").await;
    host.type_into("#room-options", "Ja, Nee").await;
    host.tap("[data-key=add-statement]").await;
    host.wait_text(".deck-list", "Een vaste contactpersoon helpt.").await;
    host.wait_text(".deck-list", "uit de zaal").await;
    assert_eq!(host.js("return document.getElementById('room-statement').value", vec![]).await, json!(""));
    host.tap("[data-key=item-zaal-1]").await;
    host.wait_text(".now .statement", "Een vaste contactpersoon helpt.").await;

    // Refusals, each beside what caused it: an empty agreement (the page), one too long (the page),
    // and a server's sentence for a statement with one choice.
    host.tap("[data-key=add-agreement]").await;
    host.wait_text(".agreements-panel .notice", "Vul eerst iets in.").await;
    let field = host
        .js(
            "const f = document.getElementById('agreement'); return [f.getAttribute('aria-invalid'), f.getAttribute('aria-describedby')]",
            vec![],
        )
        .await;
    assert_eq!(field, json!(["true", "agreement-hint notice-agreement"]), "the sentence is linked to its field");
    host.type_into("#room-statement", "Eén keuze is geen keuze.").await;
    host.type_into("#room-options", "Ja").await;
    host.tap("[data-key=add-statement]").await;
    let said = host.wait_text(".statement-panel .notice", "Geef 2 tot 6 antwoorden").await;
    assert_eq!(host.js("return document.querySelectorAll('.notice').length", vec![]).await, json!(1), "one sentence, by its form: {said}");
    assert_eq!(
        host.js("return document.getElementById('room-statement').value", vec![]).await,
        json!("Eén keuze is geen keuze."),
        "a refused text stays"
    );
    host.assert_accessible("a refusal").await;

    // An agreement recorded and taken back.
    host.type_into("#agreement", "We spreken elkaar elke maand.").await;
    host.tap("[data-key=add-agreement]").await;
    host.wait_text("ol.agreements", "We spreken elkaar elke maand.").await;
    host.tap("[data-key=drop-1]").await;
    host.wait_text(".agreements-panel", "Nog geen afspraken.").await;

    // The same session opened in a second window: the first says so and can take it back.
    let token = host.js(&format!("return localStorage.getItem('dilemma:host:{code}')"), vec![]).await;
    let led = host.js("return localStorage.getItem('dilemma-host-led')", vec![]).await;
    let second = driver.laptop("nl", downloads.path()).await;
    second.open(&page_url(&s.url, "/host")).await;
    second.js(&format!("localStorage.setItem('dilemma:host:{code}', arguments[0]); localStorage.setItem('dilemma-host-led', arguments[1]); return true;"), vec![token, led]).await;
    second.open(&page_url(&s.url, &format!("/host?code={code}"))).await;
    second.wait_text(".now .statement", "Een vaste contactpersoon helpt.").await;
    host.wait_text("#view", "Je leidt deze sessie nu in een ander venster").await;
    host.assert_accessible("opened elsewhere").await;
    host.tap("[data-key=here]").await;
    host.wait_text(".now .statement", "Een vaste contactpersoon helpt.").await;
    second.wait_text("#view", "Je leidt deze sessie nu in een ander venster").await;
    // The start screen lists it as led from here, and forgets it when asked.
    second.open(&page_url(&s.url, "/host")).await;
    second.wait_text(".led", &code).await;
    second.tap(&format!("[data-key=forget-{code}]")).await;
    second.wait_for("forgotten", "!document.querySelector('.led')").await;
    assert_eq!(second.js(&format!("return localStorage.getItem('dilemma:host:{code}')"), vec![]).await, json!(null));
    s.stop().await;
}

/// The benchmark of docs/performance.md (`scripts/bench-host.sh`): the load generator's crowd (1,000
/// players, `loadgen join`) answers within one second in a session the facilitator's page leads with
/// the live tally shown (the private preview on), against the server's binary. Prints how far the
/// page's count is behind the stored answers, and its longest task.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: scripts/bench-host.sh"]
async fn the_facilitators_page_keeps_up_with_a_thousand_players_answering_in_one_second() {
    const PLAYERS: usize = 1000;
    let Some(driver) = Driver::start().await else { return };
    let dir = scenario_dir(&[("leiden.toml", DECK)]);
    let server = Binary::start(dir.path(), 0).await;
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&server.url, "/host")).await;
    let code = create(&host, "leiden", "Duizend").await;
    let crowd = dilemma_tools::loadgen::CrowdOpts {
        url: format!("ws://127.0.0.1:{}/ws", server.port),
        code: code.clone(),
        players: PLAYERS,
        window: Duration::from_secs(1),
        join_concurrency: 256,
        deadline: Duration::from_secs(300),
        hold: Duration::from_secs(5),
    };
    let room = tokio::spawn(async move { dilemma_tools::loadgen::run_crowd(&crowd).await });
    host.wait_text(".join .count", &format!("{PLAYERS} deelnemers")).await;
    host.tap("[data-key=preview]").await;
    // The page writes down when it shows each count, and every task longer than 50 ms.
    host.js(
        "window.shown = []; window.longest = 0;
         new PerformanceObserver(l => l.getEntries().forEach(e => { window.longest = Math.max(window.longest, e.duration); })).observe({ type: 'longtask' });
         new MutationObserver(() => {
           const h = document.querySelector('.result-card h2');
           const n = h ? Number((h.textContent.match(/(\\d+) antwoord/) || [0, -1])[1]) : -1;
           if (n >= 0 && (!shown.length || shown[shown.length - 1][1] !== n)) shown.push([Date.now(), n]);
         }).observe(document.getElementById('view'), { childList: true, subtree: true, characterData: true });
         return true;",
        vec![],
    )
    .await;
    host.tap("[data-key=next]").await;
    host.wait_text(".result-card", &format!("{PLAYERS} antwoorden")).await;
    let report = room.await.unwrap().expect("the crowd answers");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let acked = report.acked_epoch_ms;
    assert_eq!(acked.len(), PLAYERS);
    let shown: Vec<(f64, usize)> = serde_json::from_value(host.js("return window.shown", vec![]).await).unwrap();
    // The k-th stored answer is on the page once the page shows k or more.
    let mut lags: Vec<f64> = acked
        .iter()
        .enumerate()
        .map(|(k, at)| shown.iter().find(|(_, n)| *n > k).map_or(f64::INFINITY, |(t, _)| (t - at).max(0.0)))
        .collect();
    lags.sort_by(f64::total_cmp);
    let longest = host.js("return window.longest", vec![]).await.as_f64().unwrap();
    eprintln!(
        "facilitator page, {PLAYERS} players in {:.0} ms: behind the stored answers median {:.0} ms, p99 {:.0} ms, max {:.0} ms; {} counts drawn; longest task {longest:.0} ms (0: none over 50 ms)",
        acked[PLAYERS - 1] - acked[0],
        lags[PLAYERS / 2],
        lags[PLAYERS * 99 / 100],
        lags[PLAYERS - 1],
        shown.len()
    );
    drop(server);
}
