//! The facilitator's page's keyboard: N, C, R, T and Shift+E shown on their buttons and acting only when the phase allows, never while typing or while the end is asked; the focus kept on a control; answers coming in said politely, at most every five seconds.

use std::time::Duration;

use serde_json::json;

use crate::browser::{Driver, Page};
use crate::host::{create, focused, phones_in, tab_to};
use crate::pages::page_url;

/// Two statements and a sketch: the keys meet each kind.
const DECK: &str = r#"
id = "toetsen"
title = "Met het toetsenbord"
language = "nl"

[[item]]
id = "een"
kind = "dilemma"
statement = "De eerste stelling."

[[item]]
id = "twee"
kind = "dilemma"
statement = "De tweede stelling."

[[item]]
id = "scene"
kind = "sketch"
title = "Een korte scène"
situation = "Twee mensen aan de balie."
duration_s = 30
[[item.role]]
name = "Balie"
briefing = "Je staat achter de balie."
[[item.role]]
name = "Bezoeker"
briefing = "Je komt iets vragen."
"#;

/// The `control` messages the page sent since the last look.
async fn controls_sent(page: &Page) -> Vec<String> {
    page.frames_sent().await.into_iter().filter(|f| f.contains("\"type\":\"control\"")).collect()
}

/// Presses each key and lets the page act on it (a keydown is handled at once; the socket a moment later).
async fn press_all(page: &Page, keys: &[&str]) {
    for k in keys {
        page.press(k, false).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_keys_are_on_their_buttons_and_act_only_when_the_phase_allows_never_while_typing_or_asked_to_end() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start().await;
    std::fs::write(s.scenarios.join("toetsen.toml"), DECK).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.recording_laptop(downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    let code = create(&host, "toetsen", "Toetsen").await;
    let phones = phones_in(&driver, &s.url, &code, 3).await;
    host.wait_text(".join .count", "3 deelnemers").await;

    // Every key is on its button, and named for assistive technology.
    let next = host
        .js("const b = document.querySelector('[data-key=next]'); return [b.innerText, b.getAttribute('aria-keyshortcuts')]", vec![])
        .await;
    assert_eq!(next, json!(["Volgende (N)", "N"]));
    let end = host
        .js("const b = document.querySelector('[data-key=end]'); return [b.innerText, b.getAttribute('aria-keyshortcuts')]", vec![])
        .await;
    assert_eq!(end, json!(["Sessie beëindigen (⇧E)", "Shift+E"]));

    // In the lobby there is nothing to close, reveal or time: C, R and T send nothing.
    controls_sent(&host).await;
    host.js("window.scrollTo(0, 0); return true;", vec![]).await;
    press_all(&host, &["c", "r", "t"]).await;
    assert_eq!(controls_sent(&host).await, Vec::<String>::new(), "keys acted in the lobby");
    assert_eq!(host.text(".now h2").await, "Nog niets geopend");

    // Typing in a field: the letters are the field's.
    tab_to(&host, "agreement").await;
    press_all(&host, &["n", "c", "r", "t"]).await;
    assert_eq!(host.js("return document.getElementById('agreement').value", vec![]).await, json!("ncrt"));
    assert_eq!(controls_sent(&host).await, Vec::<String>::new(), "keys typed in a field acted");
    for _ in 0..4 {
        host.press("\u{E003}", false).await;
    }

    // Out of the field (Tab to the deck's first button) N opens the first statement; T (not a sketch) does nothing.
    tab_to(&host, "item-een").await;
    press_all(&host, &["n"]).await;
    host.wait_text(".now .statement", "De eerste stelling.").await;
    assert_eq!(controls_sent(&host).await.len(), 1);
    press_all(&host, &["t"]).await;
    assert_eq!(controls_sent(&host).await, Vec::<String>::new(), "T acted on a statement");
    let timer = host.js("return !!document.querySelector('[data-key=start_timer]')", vec![]).await;
    assert_eq!(timer, json!(false), "a statement has no timer button");

    // With the mouse or Enter on its button: C closes, and the focus moves on to R, which reveals; then to N.
    for phone in &phones {
        phone.tap("button[data-key=opt-eens]").await;
    }
    tab_to(&host, "close").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".phase", "Stemmen is gesloten").await;
    host.wait_for("the focus on reveal", "document.activeElement && document.activeElement.dataset.key === 'reveal'").await;
    press_all(&host, &["c"]).await;
    assert_eq!(controls_sent(&host).await.len(), 1, "only the close, none for C once closed");
    host.press("\u{E007}", false).await;
    host.wait_text(".phase", "De uitslag staat op het scherm").await;
    host.wait_for("the focus on next", "document.activeElement && document.activeElement.dataset.key === 'next'").await;
    let disabled = host.js("return ['close', 'reveal'].map(k => document.querySelector('[data-key=' + k + ']').disabled)", vec![]).await;
    assert_eq!(disabled, json!([true, true]));
    press_all(&host, &["c", "r"]).await;
    assert_eq!(controls_sent(&host).await.len(), 1, "only the reveal; C and R do nothing once revealed");

    // Shift+E asks; while it asks, N does nothing and Escape answers no, back on the end button.
    host.press("E", true).await;
    host.wait_text(".end", "De sessie beëindigen?").await;
    assert_eq!(focused(&host).await, "end-yes");
    host.assert_accessible("asked to end").await;
    press_all(&host, &["n", "c", "r"]).await;
    assert_eq!(controls_sent(&host).await, Vec::<String>::new(), "keys acted while the end was asked");
    host.press("\u{E00C}", false).await;
    host.wait_for("the question gone", "!document.querySelector('[data-key=end-yes]')").await;
    assert_eq!(focused(&host).await, "end");
    assert_eq!(host.text(".now .statement").await, "De eerste stelling.");

    // The sketch: T starts its timer; N on the last item has nothing to open.
    tab_to(&host, "item-scene").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".now h2", "Een korte scène").await;
    controls_sent(&host).await;
    press_all(&host, &["t"]).await;
    host.wait_for("the countdown", "document.getElementById('countdown')").await;
    assert_eq!(controls_sent(&host).await.len(), 1);
    press_all(&host, &["n"]).await;
    assert_eq!(controls_sent(&host).await, Vec::<String>::new(), "N acted after the last item");
    s.stop().await;
}

#[tokio::test]
async fn answers_coming_in_are_said_politely_at_most_every_five_seconds_and_the_last_count_always() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start().await;
    std::fs::write(s.scenarios.join("toetsen.toml"), DECK).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    let code = create(&host, "toetsen", "Voorlezen").await;
    let phones = phones_in(&driver, &s.url, &code, 3).await;
    host.wait_text(".join .count", "3 deelnemers").await;
    // The page's polite region, written down with when it changed.
    host.js(
        "window.said = []; const r = document.getElementById('progress');
         new MutationObserver(() => said.push([Date.now(), r.textContent])).observe(r, { childList: true, characterData: true, subtree: true });
         return r.getAttribute('aria-live');",
        vec![],
    )
    .await;

    // Three answers within a moment, then voting closed at once: the first is said, the last after five seconds.
    tab_to(&host, "item-een").await;
    host.press("\u{E007}", false).await;
    for phone in &phones {
        phone.wait_text(".statement", "De eerste stelling.").await;
        phone.tap("button[data-key=opt-eens]").await;
        phone.wait_text("#answer-note", "opgeslagen").await;
    }
    host.wait_text(".answered", "3 van 3 geantwoord").await;
    host.press("c", false).await;
    host.wait_text(".phase", "Stemmen is gesloten").await;
    host.wait_text("#progress", "3 van 3 geantwoord").await;
    let said: Vec<(f64, String)> = serde_json::from_value(host.js("return window.said", vec![]).await).unwrap();
    let texts: Vec<&str> = said.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.first(), Some(&"0 van 3 geantwoord"), "{said:?}");
    assert_eq!(texts.last(), Some(&"3 van 3 geantwoord"), "{said:?}");
    assert!(said.len() < 4, "every count said: {said:?}");
    // The observer notes a change at the end of the task that made it: the first count comes with
    // the whole page's redraw (on two busy cores up to a few hundred ms later than the page's own
    // clock), the later one from a bare timer. Five seconds on the page's clock shows as 4.5 s or
    // more here; no throttle at all would say the counts milliseconds apart.
    for pair in said.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 4500.0, "said within five seconds of the one before: {said:?}");
    }

    // The next statement with the same counts: its counts are news of their own.
    tokio::time::sleep(Duration::from_millis(5000)).await;
    host.js("window.said = []; return true;", vec![]).await;
    tab_to(&host, "item-twee").await;
    host.press("\u{E007}", false).await;
    for phone in &phones {
        phone.wait_text(".statement", "De tweede stelling.").await;
        phone.tap("button[data-key=opt-oneens]").await;
    }
    host.wait_text(".answered", "3 van 3 geantwoord").await;
    host.wait_for("the last count said", "window.said.length && window.said[window.said.length - 1][1] === '3 van 3 geantwoord'").await;
    s.stop().await;
}
