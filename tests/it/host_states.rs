//! The facilitator's page in the states a workshop rarely meets: a full server, a disk that cannot store, reports asked too fast, a deck file too big, a lost connection, a countdown at 0:00 and a page of another protocol version than its server's; each a sentence beside its cause, each without an accessibility violation.

use std::time::Duration;

use integration_tests::limits;
use protocol::Phase;

use crate::browser::Driver;
use crate::host::{choose_deck, create, phones_in, tab_to};
use crate::pages::page_url;
use crate::storage::lock;

#[tokio::test]
async fn a_full_server_a_disk_that_cannot_store_reports_too_fast_and_a_deck_too_big_are_each_said_beside_their_cause() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start_with(limits(|l| {
        l.max_sessions = 1;
        l.report_burst = 1;
        l.report_cooldown = Duration::from_secs(600);
        l.store_busy = Duration::from_millis(200);
    }))
    .await;
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    host.wait_for("the decks", "document.getElementById('deck-test')").await;

    // A deck file larger than any deck: said by the page, nothing sent to the server.
    let files = tempfile::tempdir().unwrap();
    let big = files.path().join("groot.toml");
    std::fs::write(&big, format!("id = \"groot\"\ntitle = \"Groot\"\n# {}\n", "x".repeat(17 * 1024))).unwrap();
    host.keys("#deck-file", big.to_str().unwrap()).await;
    host.wait_text("#check-result", "groter dan 16 KiB").await;
    assert!(host.js("return document.querySelector('[data-key=save-deck]') === null", vec![]).await.as_bool().unwrap());
    host.assert_accessible("deck file too big").await;

    // The server has room for one live session, and another facilitator holds it.
    let (mut other, _, _) = s.facilitator("test").await;
    choose_deck(&host, "test").await;
    tab_to(&host, "create").await;
    host.press("\u{E007}", false).await;
    host.wait_text("#form-error", "maximale aantal sessies").await;
    host.assert_accessible("start refused: the server is full").await;
    other.control("end", None).await;
    other.session_where("ended", |v| v.phase == Phase::Ended).await;
    let code = create(&host, "test", "Volle schijf").await;
    let phones = phones_in(&driver, &s.url, &code, 3).await;

    // The database locked by another program: closing is refused with why, beside the controls, and nothing changed.
    host.wait_text(".join .count", "3 deelnemers").await;
    host.press("n", false).await;
    host.wait_text(".now .statement", "Bewoners mogen het groen zelf beheren.").await;
    let held = lock(&s.db);
    host.press("c", false).await;
    host.wait_text(".now .controls + .notice", "kon dit niet opslaan").await;
    assert_eq!(host.text(".phase").await, "Stemmen is open");
    host.assert_accessible("storage failed").await;
    drop(held);
    host.press("c", false).await;
    host.wait_text(".phase", "Stemmen is gesloten").await;
    assert_eq!(
        host.js("return document.querySelectorAll('.notice').length", vec![]).await,
        serde_json::json!(0),
        "the sentence goes once it worked"
    );

    // Reports: one, then the next too soon is refused beside the report buttons.
    tab_to(&host, "export-csv").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".reports", &format!("{code}.csv")).await;
    tab_to(&host, "export-md").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".reports .notice", "Zoveel verslagen zo snel kan niet").await;
    assert!(!host.text(".reports").await.contains("Verslag maken…"), "a refused report is not still being made");
    host.assert_accessible("reports too fast").await;
    drop(phones);
    s.stop().await;
}

#[tokio::test]
async fn a_lost_connection_a_countdown_at_zero_and_a_page_of_another_protocol_are_said_and_accessible() {
    let Some(driver) = Driver::start().await else { return };
    let s = integration_tests::Server::start().await;
    let downloads = tempfile::tempdir().unwrap();
    let host = driver.laptop("nl", downloads.path()).await;
    host.open(&page_url(&s.url, "/host")).await;
    let code = create(&host, "test", "Tijd").await;
    let _phones = phones_in(&driver, &s.url, &code, 2).await;

    // The sketch's countdown runs out: 0:00, "time is up", said once.
    tab_to(&host, "item-s").await;
    host.press("\u{E007}", false).await;
    host.wait_text(".now h2", "Twee petten").await;
    host.press("t", false).await;
    host.wait_for("the countdown", "document.getElementById('countdown')").await;
    host.js(
        "window.said = []; const r = document.getElementById('announce');
         new MutationObserver(() => said.push(r.textContent)).observe(r, { childList: true, characterData: true, subtree: true });
         return true;",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    host.wait_text("#countdown", "0:00").await;
    host.wait_text(".time-up", "De tijd is om.").await;
    // Said 50 ms after it shows (so a screen reader notices the change): wait for it, then give
    // the clock's ticks and the server's time-up redraw a second to say it a second time.
    host.wait_for("'time is up' said", "window.said.some(t => t.includes('De tijd is om'))").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let said = host.js("return window.said.filter(t => t.includes('De tijd is om'))", vec![]).await;
    assert_eq!(said.as_array().map(Vec::len), Some(1), "{said}");
    host.assert_accessible("countdown at 0:00").await;

    // The server goes away: the page says it reconnects, and stays usable for a screen reader.
    let addr = s.addr().to_string();
    let dir = s.stop().await;
    host.wait_text("#status", "Verbinding herstellen").await;
    host.assert_accessible("reconnecting").await;

    // Meanwhile the server was upgraded to another protocol than this page's: the page says to reload, and nothing else.
    host.js("document.documentElement.dataset.protocol = '2'; return true;", vec![]).await;
    let s = integration_tests::Server::start_at(dir, &addr, |_| {}).await;
    host.wait_text("#view", "verouderd").await;
    host.wait_text("button[data-key=reload]", "opnieuw laden").await;
    host.assert_accessible("page out of date").await;
    s.stop().await;
}
