//! The browser pages in Debian's Chromium at phone size: join, answer, survive a crash, see the reveal, a private role, the end, and every error.

use std::time::Duration;

use integration_tests::{Server, TestClient, limits};
use protocol::{Phase, Tally};
use serde_json::json;

use crate::browser::{Driver, Page};
use crate::process::{Binary, scenario_dir};

/// A deck for the pages: a dilemma, and a sketch with two roles for three players, so one is left out.
const DECK: &str = r#"
id = "browser"
title = "Team Wijken"
language = "nl"

[[item]]
id = "a"
kind = "dilemma"
statement = "Bewoners mogen het groen in de speeltuin zelf beheren."

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

pub(crate) fn page_url(ws_url: &str, path: &str) -> String {
    ws_url.replace("ws://", "http://").replace("/ws", path)
}

/// The overall result a page shows: (label, percentage text) per option, in order.
pub(crate) async fn shown_result(page: &Page) -> Vec<(String, String)> {
    let v = page
        .js(
            "return Array.from(document.querySelector('.result').children).map(li => [li.querySelector('.label').innerText, li.querySelector('.pct').innerText]);",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// What the facilitator's tally says, as the page should show it: the percentages in option order.
fn expected(tally: &Tally, options: &[(&str, &str)]) -> Vec<String> {
    options.iter().map(|(id, _)| format!("{}%", tally.percentages[*id])).collect()
}

const OPTIONS: [(&str, &str); 3] = [("eens", "Eens"), ("oneens", "Oneens"), ("hangt_af", "Hangt ervan af")];

pub(crate) async fn join_from_url(page: &Page, url: &str) {
    page.open(url).await;
    page.wait_text("button[data-key=submit]", "Meedoen").await;
    page.tap("button[data-key=submit]").await;
    page.wait_text("#view", "Wacht op de facilitator").await;
}

#[tokio::test]
async fn a_phone_plays_a_dilemma_through_a_server_crash_beside_a_desktop_client() {
    let Some(driver) = Driver::start().await else { return };
    let dir = scenario_dir(&[("browser.toml", DECK)]);
    let mut server = Binary::start(dir.path(), 0).await;
    let port = server.port;
    let (mut f, code, ftoken) = server.facilitator("browser").await;
    let mut desktop = server.client().await;
    desktop.send(json!({"type":"join","protocol":1,"code":code,"team":"Oost"})).await;
    desktop.welcome().await;

    // The QR code's address, typed sloppily: lower case with a dash.
    let phone = driver.phone().await;
    let sloppy = format!("{}-{}", &code[..3], &code[3..]).to_lowercase();
    phone.open(&page_url(&server.url, &format!("/?code={sloppy}"))).await;
    phone.wait_text("button[data-key=submit]", "Meedoen").await;
    assert_eq!(phone.js("return document.getElementById('code').value", vec![]).await, json!(code), "prefilled, normalised");
    phone.assert_accessible("join form").await;
    phone.assert_reflows_at_200_percent("join form").await;
    phone.screenshot("web-join").await;
    phone.tap("button[data-key=submit]").await;
    phone.wait_text("#view", "Wacht op de facilitator").await;
    assert_eq!(phone.js("return location.search", vec![]).await, json!(format!("?code={code}")));
    phone.assert_accessible("lobby").await;
    phone.screenshot("web-lobby").await;

    f.control("open", Some("a")).await;
    phone.wait_text(".statement", "groen in de speeltuin").await;
    phone.wait_text("#answer-note", "Kies wat").await;
    phone.assert_accessible("statement open").await;
    phone.screenshot("web-open").await;
    phone.tap("button[data-key=opt-eens]").await;
    phone.wait_text("#answer-note", "opgeslagen").await;
    phone.tap("button[data-key=opt-oneens]").await;
    phone.wait_text("#answer-note", "opgeslagen").await;
    phone.wait_for("oneens chosen", "document.querySelector('[data-key=opt-oneens]').getAttribute('aria-pressed') === 'true'").await;
    phone.screenshot("web-saved").await;
    desktop.session_where("open", |v| v.phase == Phase::Open).await;
    desktop.answer("a", "eens").await;
    // A third player, so the result may be shown (one or two answers are withheld, for everyone).
    let mut third = server.client().await;
    third.send(json!({"type":"join","protocol":1,"code":code})).await;
    third.welcome().await;
    third.answer("a", "oneens").await;
    let live = f.tally_where("three answers, the changed one once", |t| t.total == 3).await;
    assert_eq!((live.counts["eens"], live.counts["oneens"]), (1, 2));

    // kill -9: the page says it is reconnecting, and after the restart shows its answer again.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    phone.wait_text("#status", "Verbinding herstellen").await;
    phone.screenshot("web-reconnecting").await;
    let server = Binary::start(dir.path(), port).await;
    phone.wait_for("reconnected", "document.getElementById('status').textContent === ''").await;
    phone
        .wait_for("the answer shown again", "document.querySelector('[data-key=opt-oneens]').getAttribute('aria-pressed') === 'true'")
        .await;
    phone.wait_text("#answer-note", "opgeslagen").await;
    // A reload resumes too (the token is kept per tab), with the answer shown again.
    phone.js("location.reload(); return true;", vec![]).await;
    phone.wait_for("resumed after a reload", "document.querySelector('[data-key=opt-oneens]') && document.querySelector('[data-key=opt-oneens]').getAttribute('aria-pressed') === 'true'").await;
    phone.wait_text("#answer-note", "opgeslagen").await;

    let mut f: TestClient = server.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":ftoken})).await;
    f.welcome().await;
    f.control("close", None).await;
    phone.wait_text("#answer-note", "Stemmen is gesloten").await;
    phone.assert_accessible("voting closed").await;
    phone.screenshot("web-closed").await;
    f.control("reveal", None).await;
    let tally = f.tally_where("the revealed tally", |t| t.item == "a").await;
    phone.wait_text(".result", "%").await;
    let shown = shown_result(&phone).await;
    assert_eq!(shown.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(), expected(&tally, &OPTIONS));
    assert_eq!(shown[1].0, "Oneens (jouw keuze)");
    phone.wait_text("#announce", "Uitslag: Eens 33%, Oneens 67%").await;
    phone.assert_accessible("revealed").await;
    phone.assert_reflows_at_200_percent("revealed").await;
    phone.screenshot("web-revealed").await;

    f.control("end", None).await;
    phone.wait_text("#view", "afgelopen").await;
    phone.assert_accessible("ended").await;
    phone.screenshot("web-ended").await;
    phone.close().await;
}

#[tokio::test]
async fn only_the_drawn_phone_sees_its_role_and_everyone_sees_the_countdown_end() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    std::fs::write(s.scenarios.join("browser.toml"), DECK).unwrap();
    let (mut f, code, _) = s.facilitator("browser").await;
    // A desktop client and three phones for two roles: whatever the draw, at least one phone is
    // drawn and at least one watches (no seed decides who).
    let (mut desktop, _) = s.player(&code, None).await;
    let url = page_url(&s.url, &format!("/?code={code}"));
    let phones = [driver.phone().await, driver.phone().await, driver.phone().await];
    for phone in &phones {
        join_from_url(phone, &url).await;
    }
    f.session_where("four players", |v| v.participants == 4).await;
    f.control("open", Some("solo")).await;
    let mut drawn = Vec::new();
    for phone in &phones {
        phone.wait_text("h2", "Eén telefoontje").await;
        phone.wait_text("#view", "Een initiatiefnemer belt").await;
        drawn.push(phone.text("#view").await.contains("Jouw rol"));
    }
    // Everything the opening brought the desktop client has come once the session answered a later message.
    desktop.settle().await;
    let desktop_drawn = desktop.seen.iter().any(|m| matches!(m, protocol::ServerMsg::Role { .. }));
    assert_eq!(
        drawn.iter().filter(|d| **d).count() + usize::from(desktop_drawn),
        2,
        "two roles, two players drawn: {drawn:?}, desktop {desktop_drawn}"
    );
    let actor = &phones[drawn.iter().position(|d| *d).expect("a drawn phone")];
    let audience = &phones[drawn.iter().position(|d| !*d).expect("a phone in the audience")];
    let (role, briefing, other) = if actor.text("#view").await.contains("Jouw rol: Initiatiefnemer") {
        ("Initiatiefnemer", "je bent boos over de brief", "je hebt de brief niet geschreven")
    } else {
        ("Ambtenaar", "je hebt de brief niet geschreven", "je bent boos over de brief")
    };
    actor.wait_text(".card.private", &format!("Jouw rol: {role}")).await;
    actor.wait_text(".card.private", briefing).await;
    audience.wait_text("#view", "Jij kijkt deze keer toe").await;
    // The scene comes first: its statement and answer buttons wait until the time is up.
    for phone in &phones {
        let buttons = phone
            .js("return document.querySelectorAll('button.option').length + document.querySelectorAll('.statement').length", vec![])
            .await;
        assert_eq!(buttons.as_u64(), Some(0), "no statement or answer buttons during the scene: {}", phone.text("#view").await);
    }
    for (page, secrets) in [(audience, vec![briefing, other]), (actor, vec![other])] {
        let source = page.js("return document.documentElement.outerHTML", vec![]).await;
        for secret in secrets {
            assert!(!source.as_str().unwrap().contains(secret), "a page holds a briefing that is not its own");
        }
    }
    actor.assert_accessible("sketch with a role").await;
    audience.assert_accessible("sketch in the audience").await;
    actor.screenshot("web-sketch-role").await;
    audience.screenshot("web-sketch-audience").await;

    f.control("start_timer", None).await;
    for phone in &phones {
        phone.wait_for("the countdown", "/^0:[0-9]{2}$/.test((document.getElementById('countdown') || {}).textContent)").await;
    }
    actor.screenshot("web-sketch-countdown").await;
    // The scene takes 30 s; then the time is up on every page, said aloud, and the discussion starts.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while !audience.text("#announce").await.contains("De tijd is om") {
        assert!(tokio::time::Instant::now() < deadline, "the countdown never ended: {}", audience.text("body").await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for phone in &phones {
        phone.wait_text(".time-up", "De tijd is om.").await;
        phone.wait_text("#view", "Bespreek samen").await;
        phone.wait_text("#view", "Wat zag je gebeuren?").await;
        phone.wait_text(".statement", "Bellen werkt beter").await;
        // The vote comes first now; the situation and the role fold away under it.
        let order = phone
            .js("const d = document.querySelector('details.card'); return !!d && !d.open && !!(document.querySelector('.statement').compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING) && d.innerText.includes('De situatie en je rol')", vec![])
            .await;
        assert_eq!(order, json!(true), "the statement before the folded scene: {}", phone.text("#view").await);
    }
    // With the keyboard: the number key 1 answers the first option.
    audience.keys("button[data-key=opt-hangt_af]", "1").await;
    audience.wait_text("#answer-note", "opgeslagen").await;
    audience.wait_for("eens chosen by key", "document.querySelector('[data-key=opt-eens]').getAttribute('aria-pressed') === 'true'").await;
    audience.assert_accessible("discussion and follow-up").await;
    audience.screenshot("web-sketch-discuss").await;
    f.tally_where("the follow-up answer", |t| t.item == "solo" && t.total + t.withheld == 1).await;
    for phone in phones {
        phone.close().await;
    }
    s.stop().await;
}

#[tokio::test]
async fn the_projector_page_shows_the_code_the_room_and_the_reveal_in_the_decks_language() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("working-together").await;
    let screen = driver.screen().await;
    screen.open(&page_url(&s.url, &format!("/watch?code={code}"))).await;
    screen.wait_text("#view", &code).await;
    assert_eq!(screen.js("return document.documentElement.lang", vec![]).await, json!("en"));
    // The address to type (the code stands large under it), and the whole join link in the QR code's text.
    let host = s.url.trim_start_matches("ws://").trim_end_matches("/ws").to_owned();
    assert_eq!(screen.wait_text(".address", &host).await, host);
    let alt = screen.js("return document.querySelector('.join img').alt", vec![]).await;
    assert!(alt.as_str().unwrap().ends_with(&format!("/?code={code}")), "{alt}");
    screen.wait_for("the QR code", "document.querySelector('.join img').naturalWidth > 0").await;
    let mut players = Vec::new();
    for choice in ["eens", "eens", "oneens"] {
        let (p, _) = s.player(&code, Some("West")).await;
        players.push((p, choice));
    }
    screen.wait_text("#view", "3 participants").await;
    screen.assert_accessible("projector lobby").await;
    crate::stage::check(&screen, "lobby", Some(&code)).await;
    screen.screenshot("web-watch-lobby").await;

    f.control("open", Some("green-playground")).await;
    screen.wait_text(".statement", "Residents may look after").await;
    // Latecomers can still join: the code and a small QR code stay in a corner.
    screen.wait_text(".corner .code", &code).await;
    screen.wait_for("the corner's QR code", "document.querySelector('.corner img').naturalWidth > 0").await;
    for (p, choice) in &mut players {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("green-playground", choice).await;
    }
    screen.wait_text(".answered", "3 of 3 answered").await;
    f.control("reveal", None).await;
    let tally = f.tally_where("reveal", |t| t.item == "green-playground" && t.total == 3).await;
    screen.wait_text(".result", "%").await;
    let shown: Vec<String> = shown_result(&screen).await.into_iter().map(|(_, p)| p).collect();
    assert_eq!(shown, expected(&tally, &OPTIONS));
    screen.wait_text("#view", "Per team (from 3 answers)").await;
    screen.wait_text("#announce", "Result:").await;
    screen.assert_accessible("projector revealed").await;
    crate::stage::check(&screen, "revealed", Some(&code)).await;
    screen.screenshot("web-watch-revealed").await;

    // Two answers in all: the projector shows that there are too few, never whose they are.
    f.control("open", Some("money-as-answer")).await;
    screen.wait_text(".statement", "money is usually the best thing").await;
    for (p, choice) in players.iter_mut().take(2) {
        p.session_where("open", |v| v.phase == Phase::Open && v.item.as_ref().is_some_and(|i| i.id == "money-as-answer")).await;
        p.answer("money-as-answer", choice).await;
    }
    screen.wait_text(".answered", "2 of 3 answered").await;
    f.control("reveal", None).await;
    screen.wait_text(".withheld", "2 answers: too few to show").await;
    screen.wait_text("#announce", "too few to show").await;
    assert_eq!(screen.js("return document.querySelectorAll('.result').length", vec![]).await, json!(0), "no bars");
    screen.assert_accessible("projector, too few answers").await;
    crate::stage::check(&screen, "too few answers", Some(&code)).await;
    screen.screenshot("web-watch-withheld").await;

    // The end: the projector lists the group's agreements.
    f.send(json!({"type":"agreement","text":"We call before we email.","item":"green-playground"})).await;
    f.send(json!({"type":"agreement","text":"A coffee with the initiators every month."})).await;
    f.control("end", None).await;
    screen.wait_text("ol.agreements", "A coffee with the initiators every month.").await;
    screen.wait_text("#view", "Your agreements").await;
    let items = screen.js("return Array.from(document.querySelectorAll('ol.agreements li')).map(li => li.innerText)", vec![]).await;
    assert_eq!(items, json!(["We call before we email.", "A coffee with the initiators every month."]));
    screen.assert_accessible("projector, the end with agreements").await;
    crate::stage::check(&screen, "the end with agreements", None).await;
    screen.screenshot("web-watch-agreements").await;
    screen.close().await;
    s.stop().await;
}

#[tokio::test]
async fn every_refusal_and_a_vanished_server_get_a_sentence_on_the_page() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start_with(limits(|l| l.max_players = 1)).await;
    let root = page_url(&s.url, "/");
    let phone = driver.phone().await;
    phone.open(&root).await;
    phone.wait_text("button[data-key=submit]", "Meedoen").await;
    let attempt = |code: &'static str| {
        let phone = &phone;
        async move {
            phone.type_into("#code", code).await;
            phone.tap("button[data-key=submit]").await;
        }
    };

    attempt("abc").await;
    phone.wait_text("#form-error", "6 letters en cijfers").await;
    // Six characters, but ones a code never has: the page says which.
    attempt("ABC123").await;
    phone.wait_text("#form-error", "nooit 0, 1, I, L of O").await;
    phone.assert_accessible("a malformed code").await;
    phone.screenshot("web-error-code").await;
    attempt("ZZZZZZ").await;
    phone.wait_text("#form-error", "hoort bij geen sessie").await;

    let (_f1, full, _) = s.facilitator("test").await;
    s.player(&full, None).await;
    phone.type_into("#code", &full).await;
    phone.tap("button[data-key=submit]").await;
    phone.wait_text("#form-error", "vol").await;

    let (mut f2, ended, _) = s.facilitator("test").await;
    f2.control("end", None).await;
    f2.session_where("ended", |v| v.phase == Phase::Ended).await;
    phone.type_into("#code", &ended).await;
    phone.tap("button[data-key=submit]").await;
    phone.wait_text("#form-error", "afgelopen").await;

    // An old page after the server was upgraded: it speaks another protocol version.
    let (_f3, live, _) = s.facilitator("test").await;
    phone.js("document.documentElement.dataset.protocol = '2'; return true;", vec![]).await;
    phone.type_into("#code", &live).await;
    phone.tap("button[data-key=submit]").await;
    phone.wait_text("#view", "verouderd").await;
    phone.wait_text("button[data-key=reload]", "opnieuw laden").await;
    phone.assert_accessible("protocol mismatch").await;

    // Opened elsewhere: another connection resumes this page's member; the page stops and offers to go on here.
    let fresh = driver.phone().await;
    join_from_url(&fresh, &page_url(&s.url, &format!("/?code={live}"))).await;
    let token = fresh.js(&format!("return sessionStorage.getItem('dilemma:play:{live}')"), vec![]).await;
    let mut other = s.client().await;
    other.send(json!({"type":"resume","protocol":1,"code":live,"token":token})).await;
    other.welcome().await;
    fresh.wait_text("#view", "ander venster").await;
    fresh.assert_accessible("opened elsewhere").await;
    fresh.tap("button[data-key=here]").await;
    fresh.wait_text("#view", "Wacht op de facilitator").await;
    other.closed().await;

    // The server goes away for good: the page keeps trying and says what to check.
    s.stop().await;
    fresh.wait_text("#status", "Verbinding herstellen").await;
    fresh.wait_text("#status", "niet bereikbaar").await;
    fresh.assert_accessible("server gone").await;
    fresh.screenshot("web-server-gone").await;
    phone.close().await;
    fresh.close().await;
}

#[tokio::test]
async fn a_phone_whose_session_the_server_lost_is_asked_to_join_again() {
    let Some(driver) = Driver::start().await else { return };
    let dir = scenario_dir(&[("browser.toml", DECK)]);
    let mut server = Binary::start(dir.path(), 0).await;
    let port = server.port;
    let (_f, code, _) = server.facilitator("browser").await;
    let phone = driver.phone().await;
    join_from_url(&phone, &page_url(&server.url, &format!("/?code={code}"))).await;
    // The server dies and comes back with a new, empty database.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for file in ["workshop.db", "workshop.db-wal", "workshop.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(file));
    }
    let _server = Binary::start(dir.path(), port).await;
    phone.wait_text("#form-error", "niet meer te hervatten").await;
    assert_eq!(phone.js("return document.getElementById('code').value", vec![]).await, json!(code));
    phone.assert_accessible("session lost").await;
    phone.close().await;
}

#[tokio::test]
async fn a_follow_up_shows_then_beside_now_on_the_phone_and_the_projector() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let (mut f, first, token) = s.facilitator("test").await;
    let mut earlier = Vec::new();
    for _ in 0..3 {
        earlier.push(s.player(&first, None).await.0);
    }
    f.control("open", Some("a")).await;
    for (p, choice) in earlier.iter_mut().zip(["eens", "eens", "oneens"]) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", choice).await;
    }
    f.tally_where("three answers", |t| t.total == 3).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;

    let mut f = s.client().await;
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test","follows":{"code":first,"token":token}})).await;
    let (code, _, _) = f.welcome().await;
    let phone = driver.phone().await;
    join_from_url(&phone, &page_url(&s.url, &format!("/?code={code}"))).await;
    let screen = driver.screen().await;
    screen.open(&page_url(&s.url, &format!("/watch?code={code}"))).await;
    screen.wait_text("#view", &code).await;
    let mut now = Vec::new();
    for _ in 0..2 {
        now.push(s.player(&code, None).await.0);
    }
    f.control("open", Some("a")).await;
    phone.wait_text(".statement", "groen zelf beheren").await;
    phone.tap("button[data-key=opt-oneens]").await;
    phone.wait_text("#answer-note", "opgeslagen").await;
    for (p, choice) in now.iter_mut().zip(["oneens", "hangt_af"]) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", choice).await;
    }
    f.tally_where("three answers", |t| t.total == 3).await;
    f.control("reveal", None).await;
    let then_rows = "return Array.from(document.querySelectorAll('.then-row')).map(p => p.innerText)";
    for page in [&phone, &screen] {
        page.wait_text(".then-about", "Nu, en eronder toen (").await;
        page.wait_text(".then-row", "toen").await;
        let rows = page.js(then_rows, vec![]).await;
        assert_eq!(rows, json!(["toen 67% · −67 punten", "toen 33% · +34 punten", "toen 0% · +33 punten"]));
        page.wait_text("#announce", "(toen 67%)").await;
        page.assert_accessible("then beside now").await;
    }
    phone.screenshot("web-then-now").await;
    crate::stage::check(&screen, "then and now", Some(&code)).await;
    screen.screenshot("web-watch-then-now").await;
    phone.close().await;
    screen.close().await;
    s.stop().await;
}

#[tokio::test]
async fn a_phone_guesses_the_room_and_gives_a_reason_and_the_projector_shows_the_one_put_up() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let phone = driver.phone().await;
    join_from_url(&phone, &page_url(&s.url, &format!("/?code={code}"))).await;
    let screen = driver.screen().await;
    screen.open(&page_url(&s.url, &format!("/watch?code={code}"))).await;
    screen.wait_text("#view", &code).await;
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(s.player(&code, None).await.0);
    }
    // The deck does not ask for them; the facilitator turns both on for this statement.
    f.send(json!({"type":"ask","item":"a","predict":true,"reasons":true})).await;
    f.control("open", Some("a")).await;
    phone.wait_text(".statement", "groen zelf beheren").await;
    assert!(phone.js("return document.querySelector('.extra') === null", vec![]).await == json!(true), "first the answer");
    phone.tap("button[data-key=opt-eens]").await;
    phone.wait_text("label[for=guess]", "Wat denk je: hoeveel procent van de zaal koos 'Eens'?").await;
    phone.js("const r = document.getElementById('guess'); r.value = 30; r.dispatchEvent(new Event('input')); return null;", vec![]).await;
    assert_eq!(phone.text("output").await, "30%");
    phone.tap("button[data-key=guess]").await;
    phone.wait_text(".extra [role=status]", "Je schatting (30%) is opgeslagen").await;
    phone.type_into("#reason", "Het is hun eigen buurt.").await;
    phone.tap("button[data-key=reason]").await;
    phone.wait_text("#view", "Je reden: “Het is hun eigen buurt.”").await;
    phone.assert_accessible("guess and reason").await;
    phone.assert_reflows_at_200_percent("guess and reason").await;
    phone.screenshot("web-guess-reason").await;
    for ((p, choice), guess) in others.iter_mut().zip(["eens", "oneens", "hangt_af"]).zip([40, 50, 90]) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", choice).await;
        p.send(json!({"type":"predict","item":"a","percent":guess})).await;
        p.expect("predicted", |m| matches!(m, protocol::ServerMsg::Predicted { .. }).then_some(())).await;
    }
    let id = f
        .expect("the phone's reason", |m| match m {
            protocol::ServerMsg::Reasons { groups, .. } => {
                groups.iter().flat_map(|g| &g.reasons).find(|r| r.text == "Het is hun eigen buurt.").map(|r| r.id.clone())
            }
            _ => None,
        })
        .await;
    f.control("close", None).await;
    f.session_where("closed", |v| v.phase == Phase::Closed).await;
    f.send(json!({"type":"show_reason","reason":id})).await;
    for page in [&phone, &screen] {
        page.wait_text(".shown", "“Het is hun eigen buurt.”").await;
        page.wait_text(".shown", "— een reden bij 'Eens'").await;
    }
    screen.wait_text("#announce", "Het is hun eigen buurt.").await;
    f.control("reveal", None).await;
    for page in [&phone, &screen] {
        page.wait_text(".thought", "We dachten: 53% eens. Het werd 50%.").await;
        page.assert_accessible("the guess beside the result, a reason on screen").await;
    }
    crate::stage::check(&screen, "a reason and the guess", Some(&code)).await;
    screen.screenshot("web-watch-reason-guess").await;
    phone.close().await;
    screen.close().await;
    s.stop().await;
}

#[tokio::test]
async fn before_joining_the_page_speaks_the_servers_language_or_the_join_links_and_the_switch_is_kept() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let phone = driver.english_phone().await;
    // An English browser on the plain page: the server's language (Dutch), with a switch.
    phone.open(&page_url(&s.url, "/")).await;
    phone.wait_text("button[data-key=submit]", "Meedoen").await;
    phone.wait_text("button[data-key=lang]", "English").await;
    phone.assert_accessible("the join form with its language switch").await;
    // A join link of an English session: English from the first screen.
    let (_f, code, _) = s.facilitator("working-together").await;
    phone.open(&page_url(&s.url, &format!("/?code={code}"))).await;
    phone.wait_text("button[data-key=submit]", "Join").await;
    assert_eq!(phone.js("return document.documentElement.lang", vec![]).await.as_str(), Some("en"));
    // The person chooses Dutch: kept on the next page, also inside the English session.
    phone.tap("button[data-key=lang]").await;
    phone.wait_text("button[data-key=submit]", "Meedoen").await;
    phone.open(&page_url(&s.url, &format!("/?code={code}"))).await;
    phone.wait_text("button[data-key=submit]", "Meedoen").await;
    phone.tap("button[data-key=submit]").await;
    phone.wait_text("#view", "Wacht op de facilitator").await;
    s.stop().await;
}

#[tokio::test]
async fn a_scene_that_ends_early_still_gets_its_discussion_questions_on_the_phone() {
    let Some(driver) = Driver::start().await else { return };
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let phone = driver.phone().await;
    join_from_url(&phone, &page_url(&s.url, &format!("/?code={code}"))).await;
    f.control("open", Some("s")).await;
    phone.wait_text("#view", "De ambtenaar beoordeelt ook de subsidie.").await;
    assert!(!phone.text("#view").await.contains("Wat zag je?"), "no discussion during the scene");
    // The actors were done early: the facilitator opens the statement; the room discusses the scene.
    f.control("open", Some("s")).await;
    phone.wait_text(".statement", "Een collega moet beoordelen.").await;
    phone.wait_text("#view", "Wat zag je?").await;
    s.stop().await;
}
