//! `session-server export`: CSV for Dutch Excel, JSON and a Markdown report, with group results only.

use integration_tests::{Server, TestClient};
use protocol::Phase;

fn export(db: &std::path::Path, code: &str, format: &str) -> (bool, Vec<u8>, String) {
    crate::process::server_cli(db, &["export".as_ref(), code.as_ref(), "--format".as_ref(), format.as_ref()])
}

/// Players join with these teams, answer item `a` so, and the facilitator reveals: the revealed tally.
async fn answer_a_and_reveal(s: &Server, f: &mut TestClient, code: &str, room: &[(Option<&str>, &str)]) -> protocol::Tally {
    let mut ps = Vec::new();
    for (team, _) in room {
        ps.push(s.player(code, *team).await.0);
    }
    f.control("open", Some("a")).await;
    for (p, (_, choice)) in ps.iter_mut().zip(room) {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", choice).await;
    }
    f.control("reveal", None).await;
    f.tally_where("revealed", |t| t.total as usize == room.len()).await
}

#[tokio::test]
async fn exports_counts_and_percentages_never_individual_answers() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    // Two without a team: with West (one person) they are the rest of the room, three people, so
    // Oost may be shown without "everyone minus Oost" singling anyone out.
    let oost = Some("Wijkteam; Oost");
    let room = [(oost, "eens"), (oost, "eens"), (oost, "oneens"), (Some("West"), "hangt_af"), (None, "eens"), (None, "oneens")];
    answer_a_and_reveal(&s, &mut f, &code, &room).await;
    let dir = s.stop().await;
    let db = dir.path().join("workshop.db");

    let (ok, csv, err) = export(&db, &code.to_lowercase(), "csv");
    assert!(ok, "{err}");
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel");
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0].trim_start_matches('\u{feff}'), "nr;item;stelling;groep;antwoorden;optie;label;aantal;percentage");
    assert!(lines.contains(&"1;a;Bewoners mogen het groen zelf beheren.;Iedereen;6;eens;Eens;3;50"), "{csv}");
    assert!(lines.contains(&"1;a;Bewoners mogen het groen zelf beheren.;\"Wijkteam; Oost\";3;eens;Eens;2;67"), "{csv}");
    assert!(!csv.contains("West"), "a team of one is never shown");
    assert!(!csv.contains(";p1") && !csv.contains("member"));

    let (ok, json, _) = export(&db, &code, "json");
    assert!(ok);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["code"], code.as_str());
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    assert_eq!(v["items"][0]["tally"]["counts"]["eens"], 3);
    assert!(v["items"][2]["tally"]["total"] == 0, "the sketch's follow-up was never opened");
    assert!(v["items"][3]["tally"].is_null(), "a sketch without statement has no tally");

    let (ok, md, _) = export(&db, &code, "md");
    assert!(ok);
    let md = String::from_utf8(md).unwrap();
    assert!(md.starts_with("# Test\n"), "{md}");
    assert!(md.contains("## 1. Bewoners mogen het groen zelf beheren."));
    assert!(md.contains("Eens            ██████████░░░░░░░░░░   50%  (3)"), "{md}");
    assert!(md.contains("- Waarom?"), "the prompts are in the report");
    assert!(!md.contains("## 2.") && !md.contains("## 3."), "unplayed items are not a block of zeros each");
    assert!(
        md.ends_with("*Niet gespeeld: 2. Geld is het antwoord. · 3. Twee petten — Een collega moet beoordelen. · 4. Zonder stelling.*\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "## Per thema\n\n### groen\n\n- 1. Bewoners mogen het groen zelf beheren. — Eens 50% · Oneens 33% · Hangt ervan af 17%"
        ),
        "{md}"
    );

    let (ok, _, err) = export(&db, "ZZZZZZ", "md");
    assert!(!ok);
    assert!(err.contains("no session with code ZZZZZZ"), "{err}");
}

#[tokio::test]
async fn a_team_name_is_never_a_formula_and_no_team_is_shown_that_subtracts_to_one_person() {
    let s = Server::start().await;
    let (mut f, code, _) = s.facilitator("test").await;
    // Three in a team named like a spreadsheet formula, and one person on their own.
    let formula = Some("=HYPERLINK(\"http://x\")");
    let t = answer_a_and_reveal(&s, &mut f, &code, &[(formula, "eens"), (formula, "eens"), (formula, "eens"), (None, "oneens")]).await;
    assert!(t.teams.is_empty(), "everyone minus the team would be the one person: {t:?}");
    // Three more (two would be held back: their answers would show by subtraction).
    let mut p5 = s.player(&code, None).await.0;
    let mut p6 = s.player(&code, None).await.0;
    let mut p7 = s.player(&code, None).await.0;
    f.control("open", Some("a")).await;
    for p in [&mut p5, &mut p6, &mut p7] {
        p.session_where("open", |v| v.phase == Phase::Open).await;
        p.answer("a", "hangt_af").await;
    }
    f.control("reveal", None).await;
    let t = f.tally_where("revealed with a rest of four", |t| t.total == 7).await;
    assert_eq!(t.teams.len(), 1, "{t:?}");
    let dir = s.stop().await;
    let (ok, csv, err) = export(&dir.path().join("workshop.db"), &code, "csv");
    assert!(ok, "{err}");
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains(";\"'=HYPERLINK(\"\"http://x\"\")\";3;eens;Eens;3;100"), "{csv}");
    assert!(!csv.contains(";=HYPERLINK"), "no field starts with =");
}

/// The report the facilitator asks for over the protocol (`export`).
async fn report_over_the_protocol(f: &mut TestClient, format: &str) -> String {
    f.send(serde_json::json!({"type":"export","format":format})).await;
    f.expect("report", |m| match m {
        protocol::ServerMsg::Report { content, format: got, .. } if got.extension() == format => Some(content.clone()),
        _ => None,
    })
    .await
}

fn without_export_time(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v.as_object_mut().unwrap().remove("exported_ms");
    v
}

#[tokio::test]
async fn the_facilitator_gets_the_same_report_over_the_protocol_from_any_server_and_nobody_else_does() {
    let s = Server::start().await;
    let (mut f, code, token) = s.facilitator("test").await;
    let lobby = report_over_the_protocol(&mut f, "md").await;
    assert!(lobby.starts_with("# Test\n") && lobby.contains("· nog niet begonnen ·"), "{lobby}");

    let room = [(Some("Oost"), "eens"), (Some("Oost"), "eens"), (Some("Oost"), "oneens"), (None, "hangt_af")];
    answer_a_and_reveal(&s, &mut f, &code, &room).await;
    let live = report_over_the_protocol(&mut f, "json").await;

    // Players and the projector never get it.
    let (mut p, _) = s.player(&code, None).await;
    let mut w = s.client().await;
    w.send(serde_json::json!({"type":"watch","protocol":1,"code":code})).await;
    w.welcome().await;
    for c in [&mut p, &mut w] {
        for series in [false, true] {
            c.send(serde_json::json!({"type":"export","format":"md","series":series})).await;
            let (code, message) = c.error().await;
            assert_eq!(code, protocol::ErrorCode::Unauthorized);
            assert!(message.contains("facilitator"), "{message}");
        }
    }
    p.settle().await;
    w.settle().await;
    for m in p.seen.iter().chain(&w.seen) {
        assert!(!matches!(m, protocol::ServerMsg::Report { .. }), "a report to someone else: {m:?}");
    }

    // After the end and a restart, the facilitator resumes the ended session and still gets it,
    // equal to what `session-server export` writes from the database.
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let s = s.restart().await;
    let mut f = s.client().await;
    f.send(serde_json::json!({"type":"resume","protocol":1,"code":code,"token":token})).await;
    f.welcome().await;
    let after = report_over_the_protocol(&mut f, "json").await;
    let csv = report_over_the_protocol(&mut f, "csv").await;
    let dir = s.stop().await;
    let db = dir.path().join("workshop.db");
    let (ok, cli, err) = export(&db, &code, "json");
    assert!(ok, "{err}");
    assert_eq!(without_export_time(after.as_bytes()), without_export_time(&cli));
    let mut live = without_export_time(live.as_bytes());
    live["phase"] = "ended".into();
    assert_eq!(live, without_export_time(&cli), "the live report counts what is stored");
    assert_eq!(csv.as_bytes(), export(&db, &code, "csv").1, "the CSV is the CLI's, byte for byte");
}
