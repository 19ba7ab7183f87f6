//! Follow-up sessions: the same team three months later, its results beside the earlier ones (then versus now).

use std::path::Path;

use integration_tests::{Server, TEST_DECK, TestClient};
use protocol::{ErrorCode, Phase, ServerMsg, Tally};

use crate::process::{Binary, scenario_dir};

/// 29 August 2026, 10:00 UTC: the first conversation, three months before the follow-up.
pub(crate) const AUGUST: i64 = 1_787_997_600_000;

/// Players join `code`, answer item `a` with these options, and the facilitator reveals; returns the players.
pub(crate) async fn play_a(url_of: impl AsyncFn() -> TestClient, f: &mut TestClient, code: &str, answers: &[&str]) -> Vec<TestClient> {
    let mut players = Vec::new();
    for _ in answers {
        let mut p = url_of().await;
        p.send(serde_json::json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }
    f.control("open", Some("a")).await;
    for (p, option) in players.iter_mut().zip(answers) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", option).await;
    }
    f.tally_where("all answers", |t| t.total as usize == answers.len()).await;
    f.control("reveal", None).await;
    players
}

/// Sets the day session `code` was played, as if it were played then.
pub(crate) fn played_on(db: &Path, code: &str, ms: i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    assert_eq!(conn.execute("UPDATE sessions SET created_ms = ?1 WHERE code = ?2", rusqlite::params![ms, code]).unwrap(), 1);
}

pub(crate) async fn create_follow_up(f: &mut TestClient, scenario: &str, code: &str, token: &str) {
    f.send(serde_json::json!({"type":"create_session","protocol":1,"preview":true,"scenario":scenario,"title":"Drie maanden later","follows":{"code":code,"token":token}})).await;
}

/// The revealed tally a player gets for `item`.
async fn revealed(p: &mut TestClient, item: &str) -> Tally {
    p.expect("revealed tally", |m| match m {
        ServerMsg::Tally(t) if t.item == item => Some(t.clone().into_tally()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_follow_up_shows_each_items_earlier_result_and_the_shift_equal_to_what_is_stored() {
    let s = Server::start().await;
    let (mut f, first, token) = s.facilitator("test").await;
    play_a(async || s.client().await, &mut f, &first, &["eens", "eens", "oneens"]).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let dir = s.stop().await;
    played_on(&dir.path().join("workshop.db"), &first, AUGUST);
    let s = Server::start_in(dir, |_| {}).await;

    let mut f = s.client().await;
    create_follow_up(&mut f, "test", &first.to_lowercase(), &token).await;
    let (second, _, view) = f.welcome().await;
    let follows = view.follows.expect("a follow-up says what it follows");
    assert_eq!((follows.date.as_str(), follows.title.as_str(), follows.compared, follows.gone), ("2026-08-29", "Test", 4, false));

    let mut players = play_a(async || s.client().await, &mut f, &second, &["eens", "oneens", "oneens", "hangt_af"]).await;
    let now = revealed(&mut players[0], "a").await;
    let then = now.earlier.as_ref().expect("the earlier result beside the new one");
    assert_eq!(then.date, "2026-08-29");
    assert_eq!((now.percentages["eens"], now.percentages["oneens"], now.percentages["hangt_af"]), (25, 50, 25));
    assert_eq!((then.percentages["eens"], then.percentages["oneens"], then.percentages["hangt_af"]), (67, 33, 0));
    assert_eq!(then.shift, [("eens".to_owned(), -42), ("hangt_af".to_owned(), 25), ("oneens".to_owned(), 17)].into());
    let projector = {
        let mut w = s.client().await;
        w.send(serde_json::json!({"type":"watch","protocol":1,"code":second})).await;
        w.welcome().await;
        revealed(&mut w, "a").await
    };
    assert_eq!(projector, now, "the projector shows the same pair");

    // An item not played the first time has nothing beside it.
    f.control("open", Some("b")).await;
    let b = f.tally_where("b", |t| t.item == "b").await;
    assert!(b.earlier.is_none());

    // Both sides are exactly what the database holds for the two sessions.
    let dir = s.stop().await;
    let db = dir.path().join("workshop.db");
    let db = rusqlite::Connection::open(&db).unwrap();
    let stored = |code: &str| -> std::collections::BTreeMap<String, u32> {
        let mut rows = db.prepare("SELECT option, count(*) FROM answers WHERE code = ?1 AND item = 'a' GROUP BY option").unwrap();
        rows.query_map([code], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let shown = |t: &std::collections::BTreeMap<String, u32>| t.iter().filter(|(_, n)| **n > 0).map(|(o, n)| (o.clone(), *n)).collect();
    assert_eq!(stored(&first), shown(&then.counts));
    assert_eq!(stored(&second), shown(&now.counts));
    assert_eq!(stored(&first), [("eens".to_owned(), 2), ("oneens".to_owned(), 1)].into(), "the answers the first session's players gave");
}

#[tokio::test]
async fn following_needs_the_earlier_facilitators_token_an_ended_session_and_common_items() {
    let s = Server::start().await;
    let (mut f, first, token) = s.facilitator("test").await;
    let refused = async |scenario: &str, code: &str, token: &str| {
        let mut c = s.client().await;
        create_follow_up(&mut c, scenario, code, token).await;
        c.error().await
    };
    let (_, player_token) = s.player(&first, None).await;
    let (code, message) = refused("test", &first, &token).await;
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(message.contains("loopt nog"), "{message}");
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;

    let (code, message) = refused("test", &first, "not-the-token").await;
    assert_eq!(code, ErrorCode::Unauthorized);
    assert!(message.contains("Alleen de facilitator"), "{message}");
    let (code, _) = refused("test", &first, &player_token).await;
    assert_eq!(code, ErrorCode::Unauthorized, "a player's token is no proof");
    let (code, _) = refused("test", "ZZZZZZ", &token).await;
    assert_eq!(code, ErrorCode::UnknownSession);
    let (code, message) = refused("acteren-via-b", &first, &token).await;
    assert_eq!(code, ErrorCode::BadRequest);
    assert!(message.contains("geen stellingen gemeen"), "{message}");

    // A room on the same server played on meanwhile, and each of its answers counts.
    let (mut other, room, _) = s.facilitator("test").await;
    play_a(async || s.client().await, &mut other, &room, &["eens", "oneens", "eens"]).await;
    let t = other.tally_where("the room's result", |t| t.item == "a" && t.total == 3).await;
    assert_eq!((t.counts["eens"], t.counts["oneens"]), (2, 1));

    let mut ok = s.client().await;
    create_follow_up(&mut ok, "test", &first, &token).await;
    let (_, _, view) = ok.welcome().await;
    assert!(view.follows.is_some());
    s.stop().await;
}

#[tokio::test]
async fn a_follow_up_survives_kill_9_and_says_when_its_earlier_session_was_deleted() {
    let dir = scenario_dir(&[("test.toml", TEST_DECK)]);
    let mut b = Binary::start(dir.path(), 0).await;
    let port = b.port;
    let (mut f, first, token) = b.facilitator("test").await;
    play_a(async || b.client().await, &mut f, &first, &["eens", "oneens", "oneens"]).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let mut f = b.client().await;
    create_follow_up(&mut f, "test", &first, &token).await;
    let (second, second_token, _) = f.welcome().await;
    let mut players = play_a(async || b.client().await, &mut f, &second, &["eens", "eens", "eens"]).await;
    let before = revealed(&mut players[0], "a").await;
    assert!(before.earlier.is_some());

    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let mut b = Binary::start(dir.path(), port).await;
    let mut w = b.client().await;
    w.send(serde_json::json!({"type":"watch","protocol":1,"code":second})).await;
    let (_, _, view) = w.welcome().await;
    assert_eq!(view.follows.as_ref().map(|f| f.gone), Some(false), "the link is durable");
    assert_eq!(revealed(&mut w, "a").await, before, "then and now as before the crash");
    b.child.kill().unwrap();
    b.child.wait().unwrap();

    // The retention time deletes the first session: the follow-up goes on without a comparison.
    played_on(&dir.path().join("workshop.db"), &first, AUGUST - 400 * 86_400_000);
    let purge = ["sessions", "purge", "--older-than-days", "365"].map(std::ffi::OsStr::new);
    let (ok, _, err) = crate::process::server_cli(&dir.path().join("workshop.db"), &purge);
    assert!(ok, "{err}");
    let mut b = Binary::start(dir.path(), port).await;
    let mut f = b.client().await;
    f.send(serde_json::json!({"type":"resume","protocol":1,"code":second,"token":second_token})).await;
    let (_, _, view) = f.welcome().await;
    let follows = view.follows.expect("still a follow-up");
    assert!(follows.gone, "{follows:?}");
    let t = f.tally_where("revealed", |t| t.item == "a").await;
    assert!(t.earlier.is_none());
    assert_eq!(t.total, 3, "its own answers are all there");
    b.child.kill().unwrap();
    b.child.wait().unwrap();
}

#[tokio::test]
async fn the_second_conversation_guide_follows_the_first_and_open_questions_take_no_answers() {
    let s = Server::start().await;
    let (mut f, first, token) = s.facilitator("gesprek-1").await;
    let (mut p, _) = s.player(&first, None).await;
    f.control("open", Some("energie-krijgen")).await;
    let view = p.session_where("open question", |v| v.phase == Phase::Open).await;
    let item = view.item.expect("the question on screen");
    assert_eq!((item.kind, item.options.len()), (protocol::ItemKind::Question, 0));
    assert!(item.prompts.is_none(), "its prompts are the facilitator's");
    p.send(serde_json::json!({"type":"answer","item":"energie-krijgen","option":"eens"})).await;
    assert_eq!(p.error().await.0, ErrorCode::InvalidOption, "nothing to choose");
    f.control("open", Some("doelen")).await;
    f.send(serde_json::json!({"type":"agreement","text":"We bellen elke maand even.","item":"doelen"})).await;
    f.expect("the agreement stored", |m| matches!(m, ServerMsg::Agreements { agreements } if agreements.len() == 1).then_some(())).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;

    let mut f = s.client().await;
    create_follow_up(&mut f, "gesprek-2", &first, &token).await;
    let (_, _, view) = f.welcome().await;
    assert_eq!(view.follows.as_ref().map(|f| f.compared), Some(3), "the three statements both guides ask");
    let items = view.items.unwrap();
    let asked = items.last().unwrap();
    assert_eq!((asked.id.as_str(), asked.statement.as_deref()), ("afspraak-1", Some("Afspraak: We bellen elke maand even.")));
    assert_eq!(asked.themes, ["afspraken"]);
    s.stop().await;
}

#[tokio::test]
async fn a_wrong_follow_up_token_or_deck_key_spends_the_addresss_guesses() {
    let s = Server::start_with(|c| {
        c.create_key = Some("sleutel".into());
        c.limits.join_failure_budget = 4;
        c.limits.join_failure_refill = std::time::Duration::from_secs(3600);
        c.limits.loopback_unlimited = false;
    })
    .await;
    let mut f = s.client().await;
    f.send(serde_json::json!({"type":"create_session","protocol":1,"scenario":"test","key":"sleutel"})).await;
    let (code, _, _) = f.welcome().await;
    f.control("end", None).await;
    let mut c = s.client().await;
    // Two wrong follow-up tokens and two wrong deck keys: four wrong guesses.
    for _ in 0..2 {
        c.send(serde_json::json!({"type":"create_session","protocol":1,"scenario":"test","key":"sleutel","follows":{"code":code,"token":"0".repeat(32)}})).await;
        assert_eq!(c.error().await.0, protocol::ErrorCode::Unauthorized);
        c.send(serde_json::json!({"type":"get_deck","protocol":1,"id":"test","key":"fout"})).await;
        assert_eq!(c.error().await.0, protocol::ErrorCode::Unauthorized);
    }
    // The budget is spent: now even the right key, and a join with a real code, wait.
    c.send(serde_json::json!({"type":"get_deck","protocol":1,"id":"test","key":"sleutel"})).await;
    assert_eq!(c.error().await.0, protocol::ErrorCode::RateLimited, "the right key after four wrong guesses");
    c.send(serde_json::json!({"type":"join","protocol":1,"code":"ZZZZZZ"})).await;
    assert_eq!(c.error().await.0, protocol::ErrorCode::RateLimited, "the same budget as wrong codes");
    s.stop().await;
}
