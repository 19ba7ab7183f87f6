//! Re-opening a statement after its reveal: a new result that differs from the one the room saw by one or two answers is held back (on every screen and in the report, also after a restart), so nobody's late choice shows by subtraction; from three it shows.

use integration_tests::{Server, TestClient};
use protocol::{Phase, ServerMsg, Tally};
use serde_json::json;

async fn revealed(c: &mut TestClient) -> Tally {
    c.expect("the revealed tally", |m| match m {
        ServerMsg::Tally(t) if t.item == "a" => Some(t.clone().into_tally()),
        _ => None,
    })
    .await
}

async fn round(f: &mut TestClient, watch: &mut TestClient, players: &mut [(TestClient, &str)]) -> Tally {
    f.control("open", Some("a")).await;
    for (p, option) in players.iter_mut() {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", option).await;
    }
    f.control("close", None).await;
    f.control("reveal", None).await;
    watch.session_where("revealed", |v| v.phase == Phase::Revealed).await;
    let t = revealed(watch).await;
    // The next round's tallies are new ones.
    watch.seen.clear();
    t
}

#[tokio::test]
async fn a_late_answer_or_two_after_a_reveal_is_held_back_until_three_differ() {
    let s = Server::start().await;
    let (mut f, code, ftoken) = s.facilitator("test").await;
    let mut watch = s.client().await;
    watch.send(json!({"type":"watch","protocol":1,"code":code})).await;
    watch.welcome().await;
    f.send(json!({"type":"ask","item":"a","predict":false,"reasons":true})).await;
    let mut first = Vec::new();
    for option in ["eens", "eens", "oneens"] {
        first.push((s.player(&code, None).await.0, option));
    }
    let t = round(&mut f, &mut watch, &mut first).await;
    assert_eq!((t.total, t.counts["eens"], t.held_back), (3, 2, 0));

    // One latecomer, who also gives a reason: the room sees the same result, and is told why.
    let mut latecomer = s.player(&code, None).await.0;
    f.control("open", Some("a")).await;
    latecomer.session_where("open", |v| v.phase == Phase::Open).await;
    latecomer.answer("a", "hangt_af").await;
    latecomer.send(json!({"type":"reason","item":"a","text":"Ik kwam net binnen."})).await;
    latecomer.expect("reason stored", |m| matches!(m, ServerMsg::ReasonAck { .. }).then_some(())).await;
    let mut late: Vec<(TestClient, &str)> = Vec::new();
    let t = round(&mut f, &mut watch, &mut late).await;
    assert_eq!((t.total, t.counts["hangt_af"], t.held_back), (3, 0, 1), "{t:?}");
    // So does the report.
    f.send(json!({"type":"export","format":"json"})).await;
    let report = f.expect("report", |m| match m {
        ServerMsg::Report { content, .. } => Some(content.clone()),
        _ => None,
    });
    let report: serde_json::Value = serde_json::from_str(&report.await).unwrap();
    let a = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "a").unwrap();
    assert_eq!((a["tally"]["total"].as_u64(), a["tally"]["held_back"].as_u64()), (Some(3), Some(1)), "{a}");
    // Its reason would place the held-back answer under "hangt ervan af": not in the report.
    assert!(!a.to_string().contains("Ik kwam net binnen."), "{a}");
    let reasons =
        f.seen.iter().rev().find_map(|m| if let ServerMsg::Reasons { groups, .. } = m { Some(groups.clone()) } else { None }).unwrap();
    assert!(
        reasons.iter().all(|g| g.reasons.iter().all(|r| r.text != "Ik kwam net binnen.")),
        "nor on the facilitator's screen: {reasons:?}"
    );

    // The command line's export (from the database) holds it back too.
    let dir = s.stop().await;
    let (ok, json, err) = crate::process::server_cli(
        &dir.path().join("workshop.db"),
        &["export".as_ref(), code.as_str().as_ref(), "--format".as_ref(), "json".as_ref()],
    );
    assert!(ok, "{err}");
    let cli: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let a = cli["items"].as_array().unwrap().iter().find(|i| i["id"] == "a").unwrap();
    assert_eq!(
        (a["tally"]["total"].as_u64(), a["tally"]["held_back"].as_u64(), a["tally"]["counts"]["hangt_af"].as_u64()),
        (Some(3), Some(1), Some(0)),
        "{a}"
    );
    assert!(!a.to_string().contains("Ik kwam net binnen."), "nor in the report from the database: {a}");
    // After a restart it is still the same.
    let s = Server::start_in(dir, |_| {}).await;
    let mut f = s.client().await;
    f.send(json!({"type":"resume","protocol":1,"code":code,"token":ftoken})).await;
    f.welcome().await;
    let mut watch = s.client().await;
    watch.send(json!({"type":"watch","protocol":1,"code":code})).await;
    watch.welcome().await;
    let mut another = vec![(s.player(&code, None).await.0, "hangt_af")];
    let t = round(&mut f, &mut watch, &mut another).await;
    assert_eq!((t.total, t.counts["hangt_af"], t.held_back), (3, 0, 2), "two new answers, still held back: {t:?}");

    // The third difference: now the result shows everyone.
    let mut third = vec![(s.player(&code, None).await.0, "oneens")];
    let t = round(&mut f, &mut watch, &mut third).await;
    assert_eq!((t.total, t.counts["hangt_af"], t.counts["oneens"], t.held_back), (6, 2, 2, 0), "{t:?}");
}
