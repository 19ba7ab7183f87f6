//! What players add to an answer, over real sockets: guesses of the room's result (averaged from
//! what is stored, shown beside the result at the reveal) and anonymous reasons (to the facilitator
//! only, grouped, shuffled, without identifiers, on the projector only when put there; kept through kill -9).

use integration_tests::TestClient;
use protocol::{ErrorCode, Phase, ReasonGroup, ServerMsg};
use serde_json::json;

use crate::process::{Binary, scenario_dir};

const DECK: &str = r#"
id = "extra"
title = "Extra"
language = "nl"

[[item]]
id = "raad"
kind = "dilemma"
statement = "Bewoners beheren het groen."
themes = ["groen"]
predict = true

[[item]]
id = "waarom"
kind = "dilemma"
statement = "Geld is het antwoord."
themes = ["geld", "vraag achter de vraag"]
reasons = true

[[item]]
id = "gewoon"
kind = "dilemma"
statement = "Zonder extra's."
"#;

async fn players(b: &Binary, code: &str, n: usize) -> Vec<TestClient> {
    let mut out = Vec::new();
    for _ in 0..n {
        let mut p = b.client().await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        out.push(p);
    }
    out
}

async fn refused(c: &mut TestClient, msg: serde_json::Value, code: ErrorCode, says: &str) {
    c.send(msg.clone()).await;
    let (got, message) = c.error().await;
    assert_eq!(got, code, "{msg}: {message}");
    assert!(message.contains(says), "{msg}: {message}");
}

async fn reasons(c: &mut TestClient, what: &str, pick: impl Fn(&[ReasonGroup], u32) -> bool) -> (Vec<ReasonGroup>, u32) {
    c.expect(what, |m| match m {
        ServerMsg::Reasons { groups, withheld, .. } if pick(groups, *withheld) => Some((groups.clone(), *withheld)),
        _ => None,
    })
    .await
}

fn db(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("workshop.db")).unwrap()
}

#[tokio::test]
async fn guesses_are_averaged_from_what_is_stored_and_shown_beside_the_result_at_the_reveal() {
    let dir = scenario_dir(&[("extra.toml", DECK)]);
    let b = Binary::start(dir.path(), 0).await;
    let (mut f, code, _) = b.facilitator("extra").await;
    let mut ps = players(&b, &code, 5).await;
    f.control("open", Some("raad")).await;
    let s = ps[0].session_where("raad open", |s| s.phase == Phase::Open).await;
    assert!(s.item.unwrap().predict, "the deck asks for a guess");

    refused(&mut ps[0], json!({"type":"predict","item":"raad","percent":30}), ErrorCode::BadRequest, "Kies eerst je antwoord").await;
    for (p, o) in ps.iter_mut().zip(["eens", "eens", "eens", "oneens", "hangt_af"]) {
        p.answer("raad", o).await;
    }
    refused(&mut ps[0], json!({"type":"predict","item":"raad","percent":101}), ErrorCode::BadRequest, "0 tot en met 100").await;
    refused(&mut f, json!({"type":"predict","item":"raad","percent":50}), ErrorCode::Unauthorized, "Alleen deelnemers").await;
    for (p, g) in ps.iter_mut().zip([30, 40, 20, 90]) {
        p.send(json!({"type":"predict","item":"raad","percent":g})).await;
        p.expect("predicted", |m| matches!(m, ServerMsg::Predicted { percent, .. } if *percent == g).then_some(())).await;
    }
    ps[0].send(json!({"type":"predict","item":"raad","percent":10})).await;
    ps[0].expect("changed", |m| matches!(m, ServerMsg::Predicted { percent: 10, .. }).then_some(())).await;

    // The facilitator sees the room's guess live; it is what the database holds.
    let live = f.tally_where("four guesses", |t| t.prediction.as_ref().is_some_and(|p| p.guesses == 4)).await;
    let (sum, n): (i64, u32) = db(dir.path())
        .query_row("SELECT SUM(percent), COUNT(*) FROM guesses WHERE code = ?1 AND item = 'raad'", [&code], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let p = live.prediction.unwrap();
    assert_eq!((sum, n), (160, 4));
    assert_eq!((p.option.as_str(), p.average, p.guesses), ("eens", 40, 4));
    for p in &mut ps {
        p.settle().await;
        assert!(p.seen.iter().all(|m| !matches!(m, ServerMsg::Tally(_) | ServerMsg::Reasons { .. })), "no result before the reveal");
    }

    f.control("reveal", None).await;
    for p in &mut ps {
        let t = p.tally_where("the reveal", |t| t.total == 5).await;
        assert_eq!((t.percentages["eens"], t.prediction.as_ref().unwrap().average), (60, 40), "we thought 40 %, it was 60 %");
    }
    refused(&mut ps[1], json!({"type":"predict","item":"raad","percent":50}), ErrorCode::VotingClosed, "gesloten").await;

    // An item that does not ask for a guess refuses one, until the facilitator turns it on.
    f.control("open", Some("gewoon")).await;
    ps[0].session_where("gewoon open", |s| s.item.as_ref().is_some_and(|i| i.id == "gewoon")).await;
    ps[0].answer("gewoon", "eens").await;
    refused(&mut ps[0], json!({"type":"predict","item":"gewoon","percent":50}), ErrorCode::BadRequest, "niet om een voorspelling").await;
    refused(&mut ps[0], json!({"type":"ask","item":"gewoon","predict":true,"reasons":false}), ErrorCode::Unauthorized, "").await;
    f.send(json!({"type":"ask","item":"gewoon","predict":true,"reasons":false})).await;
    ps[0].session_where("turned on", |s| s.item.as_ref().is_some_and(|i| i.predict)).await;
    ps[0].send(json!({"type":"predict","item":"gewoon","percent":50})).await;
    ps[0].expect("now taken", |m| matches!(m, ServerMsg::Predicted { percent: 50, .. }).then_some(())).await;

    // The player who comes back gets their own guesses, and only theirs.
    let token = ps[0].seen.iter().find_map(|m| match m {
        ServerMsg::Welcome { token, .. } => Some(token.clone()),
        _ => None,
    });
    let mut again = b.client().await;
    again.send(json!({"type":"resume","protocol":1,"code":code,"token":token.unwrap()})).await;
    let w = again.welcomed().await;
    assert_eq!(w.guesses, [("gewoon".to_owned(), 50), ("raad".to_owned(), 10)].into());

    // In the report, beside the result.
    let (ok, out, err) = crate::process::server_cli(
        &dir.path().join("workshop.db"),
        &["export".as_ref(), code.as_ref(), "--format".as_ref(), "md".as_ref()],
    );
    assert!(ok, "{err}");
    assert!(String::from_utf8(out).unwrap().contains("Voorspeld: gemiddeld 40% eens (4 gokken); het werd 60%."));
}

#[tokio::test]
async fn reasons_reach_the_facilitator_alone_grouped_and_shuffled_until_one_is_put_on_the_projector_and_survive_kill_9() {
    let dir = scenario_dir(&[("extra.toml", DECK)]);
    let log_path = dir.path().join("server.log");
    let b = Binary::start_via(&[], dir.path(), 0, Some(std::fs::File::create(&log_path).unwrap())).await;
    let port = b.port;
    let (mut f, code, token) = b.facilitator("extra").await;
    let mut w = b.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut ps = players(&b, &code, 10).await;
    f.control("open", Some("waarom")).await;
    let s = ps[0].session_where("waarom open", |s| s.phase == Phase::Open).await;
    assert!(s.item.unwrap().reasons);

    refused(&mut ps[0], json!({"type":"reason","item":"waarom","text":"Omdat."}), ErrorCode::BadRequest, "Kies eerst je antwoord").await;
    for (i, p) in ps.iter_mut().enumerate() {
        p.answer("waarom", if i < 8 { "eens" } else { "oneens" }).await;
    }
    refused(&mut ps[0], json!({"type":"reason","item":"waarom","text":" \u{7}\n "}), ErrorCode::BadRequest, "lege reden").await;
    refused(&mut ps[0], json!({"type":"reason","item":"waarom","text":"x".repeat(201)}), ErrorCode::BadRequest, "hoogstens 200").await;
    refused(&mut ps[0], json!({"type":"drop_reason","item":"waarom"}), ErrorCode::BadRequest, "geen reden").await;
    refused(&mut f, json!({"type":"reason","item":"waarom","text":"Ik ook"}), ErrorCode::Unauthorized, "").await;
    let mut arrival = Vec::new();
    for (i, p) in ps.iter_mut().enumerate() {
        let text = format!("Reden nummer {i}\u{1b} met\tstuurtekens");
        p.send(json!({"type":"reason","item":"waarom","text":text})).await;
        let clean = format!("Reden nummer {i} met stuurtekens");
        let stored = p
            .expect("reason_ack", |m| match m {
                ServerMsg::ReasonAck { text: Some(t), .. } => Some(t.clone()),
                _ => None,
            })
            .await;
        assert_eq!(stored, clean, "control characters are removed");
        arrival.push(clean);
    }
    // One changes theirs, one withdraws theirs.
    ps[1].send(json!({"type":"reason","item":"waarom","text":"Toch anders"})).await;
    ps[1].expect("changed", |m| matches!(m, ServerMsg::ReasonAck { text: Some(t), .. } if t == "Toch anders").then_some(())).await;
    ps[2].send(json!({"type":"drop_reason","item":"waarom"})).await;
    ps[2].expect("withdrawn", |m| matches!(m, ServerMsg::ReasonAck { text: None, .. }).then_some(())).await;

    let (groups, _) = reasons(&mut f, "all reasons", |g, _| g.iter().map(|g| g.reasons.len()).sum::<usize>() == 9).await;
    let texts = |g: &ReasonGroup| g.reasons.iter().map(|r| r.text.clone()).collect::<Vec<_>>();
    assert_eq!(groups.iter().map(|g| g.option.as_str()).collect::<Vec<_>>(), ["eens", "oneens", "hangt_af"]);
    let eens = texts(&groups[0]);
    let mut want: Vec<String> = arrival[..8].to_vec();
    want[1] = "Toch anders".into();
    want.remove(2);
    let mut sorted = eens.clone();
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(sorted, want_sorted, "every reason for eens, the changed one changed, the withdrawn one gone");
    // Not in the order they arrived: in the order of their ids, which are random places (spread
    // over all of u64: seven within 2^40 of each other would happen once in 2^144 runs).
    let places: Vec<u64> = groups[0].reasons.iter().map(|r| u64::from_str_radix(&r.id, 16).expect("an id is a place in hex")).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "the reasons come in the order of their random places: {places:?}");
    assert!(places[places.len() - 1] - places[0] > 1 << 40, "the places are random, not handed out in turn: {places:?}");
    assert_eq!(texts(&groups[1]).len(), 2);
    let raw = serde_json::to_string(&groups).unwrap();
    for p in 1..=12 {
        assert!(!raw.contains(&format!("\"p{p}\"")), "no player id with the reasons");
    }

    // Nobody else ever got a reason, and the projector gets nothing until one is put up.
    refused(&mut f, json!({"type":"show_reason","reason":groups[0].reasons[0].id}), ErrorCode::BadRequest, "als het stemmen gesloten is")
        .await;
    refused(&mut ps[0], json!({"type":"show_reason","reason":groups[0].reasons[0].id}), ErrorCode::Unauthorized, "").await;
    let mut clients: Vec<&mut TestClient> = ps.iter_mut().collect();
    clients.push(&mut w);
    for (i, c) in clients.into_iter().enumerate() {
        c.settle().await;
        let seen = serde_json::to_string(&c.seen).unwrap();
        for (j, text) in arrival.iter().enumerate().filter(|(j, _)| *j != i) {
            assert!(!seen.contains(text.as_str()), "reason {j} reached client {i} (a player or, last, the projector): {seen}");
        }
        assert!(!c.seen.iter().any(|m| matches!(m, ServerMsg::Reasons { .. } | ServerMsg::Shown { .. })));
    }

    // kill -9: the reasons are still there, the same ones with the same ids.
    let mut b = b;
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let b = Binary::start_via(&[], dir.path(), port, Some(std::fs::OpenOptions::new().append(true).open(&log_path).unwrap())).await;
    let mut f = b.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    f.welcome().await;
    let (after, _) = reasons(&mut f, "after the crash", |_, _| true).await;
    assert_eq!(after, groups, "the same reasons in the same order");
    let mut w = b.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut p = b.client().await;
    p.send(json!({"type":"join","protocol":1,"code":code})).await;
    p.welcome().await;

    // Closed: the facilitator puts one up, everyone sees it with its option, then it comes down.
    f.control("close", None).await;
    f.session_where("closed", |s| s.phase == Phase::Closed).await;
    refused(&mut f, json!({"type":"show_reason","reason":"0000000000000000"}), ErrorCode::BadRequest, "bestaat niet").await;
    let pick = &groups[1].reasons[0];
    f.send(json!({"type":"show_reason","reason":pick.id})).await;
    for c in [&mut w, &mut p, &mut f] {
        let shown = c
            .expect("shown", |m| match m {
                ServerMsg::Shown { reason: Some(r) } => Some(r.clone()),
                _ => None,
            })
            .await;
        assert_eq!((shown.option.as_str(), shown.text.as_str()), ("oneens", pick.text.as_str()));
    }
    f.send(json!({"type":"show_reason","reason":null})).await;
    w.expect("taken down", |m| matches!(m, ServerMsg::Shown { reason: None }).then_some(())).await;
    f.send(json!({"type":"show_reason","reason":pick.id})).await;
    w.expect("up again", |m| matches!(m, ServerMsg::Shown { reason: Some(_) }).then_some(())).await;
    f.control("open", Some("gewoon")).await;
    w.expect("the next item takes it down", |m| matches!(m, ServerMsg::Shown { reason: None }).then_some(())).await;

    // The report has them by theme, sorted, with no link to anyone.
    let (ok, out, err) = crate::process::server_cli(
        &dir.path().join("workshop.db"),
        &["export".as_ref(), code.as_ref(), "--format".as_ref(), "md".as_ref()],
    );
    assert!(ok, "{err}");
    let md = String::from_utf8(out).unwrap();
    let theme = md.find("### geld").expect("the theme");
    let section = &md[theme..];
    assert!(
        section.contains("  - Redenen bij *Eens*:\n    - \"Reden nummer 0 met stuurtekens\"\n    - \"Reden nummer 3 met stuurtekens\""),
        "{md}"
    );
    assert!(section.contains("\"Toch anders\"") && !md.contains("Reden nummer 2"), "{md}");
    let stored: u32 = db(dir.path()).query_row("SELECT COUNT(*) FROM reasons WHERE code = ?1", [&code], |r| r.get(0)).unwrap();
    assert_eq!(stored, 9);

    // Never in the log.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("Reden nummer") && !log.contains("Toch anders"), "a reason in the log");
}

#[tokio::test]
async fn with_one_or_two_answers_the_facilitator_gets_no_reasons_only_how_many() {
    let dir = scenario_dir(&[("extra.toml", DECK)]);
    let b = Binary::start(dir.path(), 0).await;
    let (mut f, code, _) = b.facilitator("extra").await;
    let mut ps = players(&b, &code, 3).await;
    f.control("open", Some("waarom")).await;
    for p in ps.iter_mut().take(2) {
        p.session_where("open", |s| s.phase == Phase::Open).await;
        p.answer("waarom", "eens").await;
        p.send(json!({"type":"reason","item":"waarom","text":"Mijn reden"})).await;
        p.expect("ack", |m| matches!(m, ServerMsg::ReasonAck { .. }).then_some(())).await;
    }
    let (groups, _) = reasons(&mut f, "two withheld", |_, w| w == 2).await;
    assert!(groups.is_empty());
    ps[2].session_where("open", |s| s.phase == Phase::Open).await;
    ps[2].answer("waarom", "oneens").await;
    let (groups, _) = reasons(&mut f, "three: shown", |g, w| w == 0 && !g.is_empty()).await;
    assert_eq!(groups[0].reasons.len(), 2);
}
