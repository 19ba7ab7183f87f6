//! The facilitator's screen (often the projector) and a stricter room, over real sockets: no result before the reveal without a private preview, and nothing of fewer people than the room's minimum, anywhere.

use integration_tests::{Server, TestClient};
use protocol::{ErrorCode, Phase, ServerMsg};
use serde_json::json;

/// How many messages of the kind `pick` accepts `c` received so far.
fn count(c: &TestClient, pick: impl Fn(&ServerMsg) -> bool) -> usize {
    c.seen.iter().filter(|m| pick(m)).count()
}

fn is_result(m: &ServerMsg) -> bool {
    matches!(m, ServerMsg::Tally(_) | ServerMsg::Reasons { .. })
}

async fn players(s: &Server, code: &str, n: usize, team: Option<&str>) -> Vec<TestClient> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(s.player(code, team).await.0);
    }
    out
}

#[tokio::test]
async fn the_facilitators_screen_shows_how_many_answered_and_the_result_only_at_the_reveal_or_in_a_private_preview() {
    let s = Server::start().await;
    let mut f = s.client().await;
    // As every facilitator app creates a session: without asking for the preview.
    f.send(json!({"type":"create_session","protocol":1,"scenario":"test"})).await;
    let (code, token, view) = f.welcome().await;
    assert!(!view.preview, "the preview is off by default");
    f.send(json!({"type":"ask","item":"a","predict":false,"reasons":true})).await;
    let mut room = players(&s, &code, 4, None).await;
    f.control("open", Some("a")).await;
    for (i, p) in room.iter_mut().enumerate().take(3) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", ["eens", "oneens", "eens"][i]).await;
        p.send(json!({"type":"reason","item":"a","text":"Omdat het hun buurt is."})).await;
        p.expect("reason stored", |m| matches!(m, ServerMsg::ReasonAck { .. }).then_some(())).await;
    }
    f.session_where("three answered", |v| v.answered == 3).await;
    f.settle().await;
    assert_eq!(count(&f, is_result), 0, "no tally and no reasons before the reveal without the preview: {:?}", f.seen);
    // Nor through the report: the item on screen is in it only as far as the room saw it (not yet).
    f.send(json!({"type":"export","format":"json"})).await;
    let report = f.expect("report", |m| if let ServerMsg::Report { content, .. } = m { Some(content.clone()) } else { None }).await;
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let a = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "a").unwrap();
    assert_eq!((a["tally"]["total"].as_u64(), a["tally"]["withheld"].as_u64()), (Some(0), None), "no live result in the report: {a}");
    assert!(a["reasons"].as_array().is_none_or(|r| r.is_empty()), "no reasons in the report before the reveal: {a}");

    // A player cannot turn it on.
    room[0].send(json!({"type":"preview","on":true})).await;
    assert_eq!(room[0].error().await.0, ErrorCode::Unauthorized);

    // The facilitator asks for a private preview: the live result (and the reasons) come now.
    f.send(json!({"type":"preview","on":true})).await;
    f.session_where("preview on", |v| v.preview).await;
    let t = f.tally_where("the preview", |t| t.total == 3).await;
    assert_eq!((t.counts["eens"], t.counts["oneens"]), (2, 1));
    f.expect("the reasons with it", |m| matches!(m, ServerMsg::Reasons { groups, .. } if !groups.is_empty()).then_some(())).await;
    room[3].answer("a", "hangt_af").await;
    f.tally_where("live", |t| t.total == 4).await;

    // Remembered: a facilitator who comes back (another laptop, a reload) has it still on.
    drop(f);
    let mut f = s.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    let (_, _, view) = f.welcome().await;
    assert!(view.preview, "the preview is remembered");
    f.tally_where("the preview after the resume", |t| t.total == 4).await;

    // Off again: the next answer's result does not reach the facilitator.
    f.send(json!({"type":"preview","on":false})).await;
    f.session_where("preview off", |v| !v.preview).await;
    let before = count(&f, is_result);
    room.extend(players(&s, &code, 1, None).await);
    room[4].answer("a", "oneens").await;
    f.session_where("five answered", |v| v.answered == 5).await;
    f.settle().await;
    assert_eq!(count(&f, is_result), before, "nothing of the result with the preview off");

    // Off survives a restart too; then the reveal shows the result to everyone, the facilitator included.
    drop((f, room));
    let s = s.restart().await;
    let mut f = s.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    let (_, _, view) = f.welcome().await;
    assert!(!view.preview, "off is remembered through a restart");
    f.control("close", None).await;
    f.settle().await;
    assert_eq!(count(&f, is_result), 0, "closing shows nothing either");
    f.control("reveal", None).await;
    let t = f.tally_where("revealed", |t| t.total == 5).await;
    assert_eq!((t.counts["eens"], t.counts["oneens"], t.counts["hangt_af"]), (2, 2, 1));
    f.expect("the reasons at the reveal", |m| matches!(m, ServerMsg::Reasons { groups, .. } if !groups.is_empty()).then_some(())).await;
    s.stop().await;
}

#[tokio::test]
async fn a_stricter_room_shows_nothing_of_fewer_people_than_its_minimum_on_any_screen_or_in_the_report() {
    let s = Server::start().await;
    // Out of range: a clear sentence, and no session.
    for bad in [2, 11] {
        let mut c = s.client().await;
        c.send(json!({"type":"create_session","protocol":1,"scenario":"test","min_group":bad})).await;
        let (code, message) = c.error().await;
        assert_eq!(code, ErrorCode::BadRequest);
        assert!(message.contains("3 tot en met 10"), "{message}");
    }
    let mut f = s.client().await;
    f.send(json!({"type":"create_session","protocol":1,"scenario":"test","min_group":5,"preview":true})).await;
    let (code, _, view) = f.welcome().await;
    assert_eq!(view.min_group.get(), 5);
    f.send(json!({"type":"ask","item":"a","predict":true,"reasons":true})).await;
    let mut watcher = s.client().await;
    watcher.send(json!({"type":"watch","protocol":1,"code":code})).await;
    watcher.welcome().await;
    let mut room = players(&s, &code, 4, Some("Oost")).await;
    room.extend(players(&s, &code, 5, Some("West")).await);
    f.control("open", Some("a")).await;
    for (i, p) in room.iter_mut().enumerate().take(4) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", if i % 2 == 0 { "eens" } else { "oneens" }).await;
        p.send(json!({"type":"predict","item":"a","percent":40})).await;
        p.expect("guess stored", |m| matches!(m, ServerMsg::Predicted { .. }).then_some(())).await;
    }
    // Four answers and four guesses in a room of five: nothing, even in the facilitator's preview.
    let t = f.tally_where("four withheld", |t| t.withheld == 4).await;
    assert_eq!((t.total, t.counts.values().sum::<u32>(), t.prediction.is_none()), (0, 0, true));
    f.expect("four reasons' worth withheld", |m| matches!(m, ServerMsg::Reasons { groups, .. } if groups.is_empty()).then_some(())).await;
    for p in room.iter_mut().skip(4) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "hangt_af").await;
        p.send(json!({"type":"predict","item":"a","percent":40})).await;
        p.expect("guess stored", |m| matches!(m, ServerMsg::Predicted { .. }).then_some(())).await;
    }
    // Nine: shown, with the room's guess of five; Oost (4) is too small, and West (5) would leave
    // a rest of four beside it, so no team shows.
    let t = f.tally_where("nine", |t| t.total == 9 && t.prediction.is_some()).await;
    assert!(t.teams.is_empty(), "{:?}", t.teams);
    assert_eq!(t.prediction.map(|p| (p.guesses, p.average)), Some((9, 40)));
    f.control("reveal", None).await;
    for c in [&mut watcher, &mut room[8]] {
        let t = c.tally_where("revealed", |_| true).await;
        assert_eq!((t.total, t.counts["hangt_af"]), (9, 5));
    }

    // Opened again, four change their answer: fewer than five differences are held back.
    f.control("open", Some("a")).await;
    for p in room.iter_mut().take(4) {
        p.session_where("revealed", |v| v.phase == Phase::Revealed).await;
        p.session_where("open again", |v| v.phase == Phase::Open).await;
        p.answer("a", "hangt_af").await;
    }
    f.control("reveal", None).await;
    let t = watcher.tally_where("revealed again", |t| t.held_back > 0).await;
    assert_eq!((t.held_back, t.counts["hangt_af"]), (4, 5), "the earlier result, with four held back");
    f.send(json!({"type":"export","format":"json"})).await;
    let report = f.expect("report", |m| if let ServerMsg::Report { content, .. } = m { Some(content.clone()) } else { None }).await;
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let a = &report["items"].as_array().unwrap().iter().find(|i| i["id"] == "a").unwrap()["tally"];
    assert_eq!(
        (a["held_back"].as_u64(), a["counts"]["hangt_af"].as_u64()),
        (Some(4), Some(5)),
        "the report holds back like the screens: {a}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_deck_can_ask_for_a_stricter_room_and_a_session_cannot_lower_it() {
    let s = Server::start().await;
    let strict = integration_tests::TEST_DECK.replace("id = \"test\"", "id = \"streng\"\nmin_group = 6");
    std::fs::write(s.scenarios.join("streng.toml"), strict).unwrap();
    let mut f = s.client().await;
    f.send(json!({"type":"create_session","protocol":1,"scenario":"streng","min_group":4,"preview":true})).await;
    let (code, _, view) = f.welcome().await;
    assert_eq!(view.min_group.get(), 6, "the deck's minimum stands");
    let mut room = players(&s, &code, 5, None).await;
    f.control("open", Some("a")).await;
    for p in &mut room {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    f.tally_where("five withheld", |t| t.withheld == 5 && t.total == 0).await;
    // A broken value in a deck is a problem with its place, like every other.
    std::fs::write(
        s.scenarios.join("te-streng.toml"),
        integration_tests::TEST_DECK.replace("id = \"test\"", "id = \"te-streng\"\nmin_group = 12"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server-under-test")).arg("validate").arg(&s.scenarios).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.contains("te-streng.toml") && out.contains("min_group"), "{out}");
    s.stop().await;
}

#[tokio::test]
async fn the_facilitators_copy_of_a_result_says_which_shapes_it_has_and_nobody_elses_does() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    let mut room = players(&s, &code, 4, None).await;
    let mut watcher = s.client().await;
    watcher.send(json!({"type":"watch","protocol":1,"code":code})).await;
    watcher.welcome().await;
    f.control("open", Some("a")).await;
    for p in room.iter_mut() {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "eens").await;
    }
    // Live (the preview is on) and at the reveal: all four chose eens, a consensus.
    let live = f.tally_where("four answers", |t| t.total == 4).await;
    let shapes: Vec<_> = live.fits.iter().map(|f| (f.shape, f.why.as_str())).collect();
    assert_eq!(shapes, [(protocol::fit::Shape::Consensus, "eensgezind: 100% eens")]);
    f.control("reveal", None).await;
    let revealed = f.tally_where("the reveal", |t| t.total == 4 && !t.fits.is_empty()).await;
    assert_eq!(revealed.fits, live.fits);
    for c in room.iter_mut().chain([&mut watcher]) {
        let t = c.tally_where("the reveal", |t| t.total == 4).await;
        assert!(t.fits.is_empty(), "only the facilitator's copy has the shapes: {t:?}");
    }
    s.stop().await;
}
