//! Agreements (afspraken): recorded by the facilitator, shown to the facilitator and the projectors,
//! durable through kill -9, in the report, and asked about again in the follow-up.

use integration_tests::{TEST_DECK, TestClient};
use protocol::{AgreementView, ErrorCode, Phase, ServerMsg};
use serde_json::json;

use crate::process::{Binary, scenario_dir};

async fn agreements(c: &mut TestClient, what: &str, count: usize) -> Vec<AgreementView> {
    c.expect(what, |m| match m {
        ServerMsg::Agreements { agreements } if agreements.len() == count => Some(agreements.clone()),
        _ => None,
    })
    .await
}

fn export_md(dir: &std::path::Path, code: &str) -> String {
    let (ok, out, err) =
        crate::process::server_cli(&dir.join("workshop.db"), &["export".as_ref(), code.as_ref(), "--format".as_ref(), "md".as_ref()]);
    assert!(ok, "{err}");
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn agreements_are_recorded_shown_to_the_front_kept_through_kill_9_and_asked_about_in_the_follow_up() {
    let dir = scenario_dir(&[("test.toml", TEST_DECK)]);
    let mut b = Binary::start(dir.path(), 0).await;
    let port = b.port;
    let (mut f, code, token) = b.facilitator("test").await;
    let mut w = b.client().await;
    w.send(json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    let mut players = Vec::new();
    for _ in 0..3 {
        let mut p = b.client().await;
        p.send(json!({"type":"join","protocol":1,"code":code})).await;
        p.welcome().await;
        players.push(p);
    }

    // Bad input, each with its sentence; nothing is recorded.
    for (msg, code_wanted, says) in [
        (json!({"type":"agreement","text":"   "}), ErrorCode::BadRequest, "zonder tekst"),
        (json!({"type":"agreement","text":"x".repeat(301)}), ErrorCode::BadRequest, "hoogstens 300"),
        (json!({"type":"agreement","text":"Goed","item":"nope"}), ErrorCode::UnknownItem, ""),
        (json!({"type":"drop_agreement","number":7}), ErrorCode::BadRequest, "geen afspraak 7"),
    ] {
        f.send(msg).await;
        let (got, message) = f.error().await;
        assert_eq!(got, code_wanted, "{message}");
        assert!(message.contains(says), "{message}");
    }
    players[0].send(json!({"type":"agreement","text":"Ik spreek iets af"})).await;
    assert_eq!(players[0].error().await.0, ErrorCode::Unauthorized);

    f.send(json!({"type":"agreement","text":"We bellen\u{7} eerst, dan mailen we.","item":"a"})).await;
    let list = agreements(&mut f, "the first agreement", 1).await;
    assert_eq!(
        list[0],
        AgreementView { number: 1, text: "We bellen eerst, dan mailen we.".into(), item: Some("a".into()), themes: vec!["groen".into()] }
    );
    assert_eq!(agreements(&mut w, "the projector sees it", 1).await, list);
    f.send(json!({"type":"agreement","text":"Tikfout"})).await;
    agreements(&mut f, "two", 2).await;
    f.send(json!({"type":"drop_agreement","number":2})).await;
    agreements(&mut f, "taken back", 1).await;
    f.send(json!({"type":"agreement","text":"Elke maand een kop koffie met de initiatiefnemers."})).await;
    let list = agreements(&mut f, "two again", 2).await;
    assert_eq!(list[1].number, 3, "a number taken back is not handed out again while the session runs");
    for p in &mut players {
        p.settle().await;
        let all = serde_json::to_string(&p.seen).unwrap();
        assert!(
            !p.seen.iter().any(|m| matches!(m, ServerMsg::Agreements { .. })) && !all.contains("kop koffie"),
            "players' phones do not get the list: {all}"
        );
    }

    // kill -9: everything acknowledged is still there, for whoever comes back.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let mut b = Binary::start(dir.path(), port).await;
    let mut f = b.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    f.welcome().await;
    assert_eq!(agreements(&mut f, "after the crash", 2).await, list);
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    f.send(json!({"type":"agreement","text":"Te laat"})).await;
    assert_eq!(f.error().await.0, ErrorCode::SessionEnded);
    let md = export_md(dir.path(), &code);
    assert!(
        md.contains("## Afspraken\n\n1. We bellen eerst, dan mailen we. *(bij 1. Bewoners mogen het groen zelf beheren.)*\n3. Elke maand"),
        "{md}"
    );

    // The follow-up asks about each agreement: kept, partly, not kept.
    let mut f = b.client().await;
    f.send(json!({"type":"create_session","protocol":1,"preview":true,"scenario":"test","follows":{"code":code,"token":token}})).await;
    let (second, _, view) = f.welcome().await;
    let items = view.items.expect("the facilitator's deck");
    let asked = items.iter().find(|i| i.id == "afspraak-1").expect("agreement 1 as an item");
    assert_eq!(asked.statement.as_deref(), Some("Afspraak: We bellen eerst, dan mailen we."));
    let options: Vec<&str> = asked.options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(options, ["Nagekomen", "Deels", "Niet nagekomen"]);
    assert_eq!(asked.themes, ["groen"]);
    assert!(items.iter().any(|i| i.id == "afspraak-3") && !items.iter().any(|i| i.id == "afspraak-2"));
    let mut players = Vec::new();
    for _ in 0..3 {
        let mut p = b.client().await;
        p.send(json!({"type":"join","protocol":1,"code":second})).await;
        p.welcome().await;
        players.push(p);
    }
    f.control("open", Some("afspraak-1")).await;
    for (p, choice) in players.iter_mut().zip(["nagekomen", "deels", "deels"]) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("afspraak-1", choice).await;
    }
    f.tally_where("three answers", |t| t.item == "afspraak-1" && t.total == 3).await;
    f.control("reveal", None).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let md = export_md(dir.path(), &second);
    assert!(md.contains("## 5. Afspraak: We bellen eerst, dan mailen we."), "{md}");
    assert!(md.contains("Deels           █████████████░░░░░░░   67%  (2)"), "{md}");
    b.child.kill().unwrap();
    b.child.wait().unwrap();
}
