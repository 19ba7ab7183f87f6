//! `session-server report`: one report for a series (a conversation and its follow-ups) or a chosen
//! set of sessions, by theme, with charts, CSV, and the agreements with their result.

use integration_tests::Server;
use protocol::Phase;

use crate::followup::{AUGUST, create_follow_up, play_a, played_on};

const DAY: i64 = 86_400_000;

fn report(db: &std::path::Path, args: &[&str], out: &std::path::Path) -> (bool, String) {
    let mut all: Vec<&std::ffi::OsStr> = vec!["report".as_ref()];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    all.extend(["--out".as_ref(), out.as_os_str()]);
    let (ok, stdout, stderr) = crate::process::server_cli(db, &all);
    (ok, format!("{}{stderr}", String::from_utf8_lossy(&stdout)))
}

#[tokio::test]
async fn a_series_report_shows_each_item_over_time_by_theme_with_the_agreements_kept_or_not() {
    let s = Server::start().await;
    // The first conversation: item a, and an agreement about it.
    let (mut f, first, token) = s.facilitator("test").await;
    play_a(async || s.client().await, &mut f, &first, &["eens", "eens", "oneens"]).await;
    f.send(serde_json::json!({"type":"agreement","text":"We bellen eerst.","item":"a"})).await;
    f.expect("stored", |m| matches!(m, protocol::ServerMsg::Agreements { .. }).then_some(())).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    // Three months later: item a again, and the agreement asked about.
    let mut f = s.client().await;
    create_follow_up(&mut f, "test", &first, &token).await;
    let (second, second_token, _) = f.welcome().await;
    let mut players = play_a(async || s.client().await, &mut f, &second, &["oneens", "oneens", "hangt_af"]).await;
    f.control("open", Some("afspraak-1")).await;
    for (p, choice) in players.iter_mut().zip(["nagekomen", "nagekomen", "deels"]) {
        p.session_where("agreement open", |v| v.item.as_ref().is_some_and(|i| i.id == "afspraak-1")).await;
        p.answer("afspraak-1", choice).await;
    }
    f.tally_where("three on the agreement", |t| t.item == "afspraak-1" && t.total == 3).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    // And a third, later still.
    let mut f = s.client().await;
    create_follow_up(&mut f, "test", &second, &second_token).await;
    let (third, third_token, _) = f.welcome().await;
    play_a(async || s.client().await, &mut f, &third, &["eens", "hangt_af", "hangt_af", "hangt_af"]).await;
    f.control("end", None).await;
    f.session_where("ended", |v| v.phase == Phase::Ended).await;
    let dir = s.stop().await;
    let db = dir.path().join("workshop.db");
    played_on(&db, &first, AUGUST);
    played_on(&db, &second, AUGUST + 92 * DAY);
    played_on(&db, &third, AUGUST + 184 * DAY);

    // Any code of the series gives the whole series.
    let out = dir.path().join("verslag");
    let (ok, said) = report(&db, &[&second], &out);
    assert!(ok, "{said}");
    assert!(said.contains("3 session(s)"), "{said}");
    let md = std::fs::read_to_string(out.join("verslag.md")).unwrap();
    assert!(md.starts_with("# Verslag van de reeks: Test\n"), "{md}");
    assert!(md.contains(&format!("1. **Test** — sessie `{first}`, 2026-08-29")), "{md}");
    assert!(
        md.contains(
            "## Thema: groen\n\n### Bewoners mogen het groen zelf beheren.\n\n![Bewoners mogen het groen zelf beheren.](grafiek-a.svg)"
        ),
        "{md}"
    );
    assert!(md.contains("| | 2026-08-29 | 2026-11-29 | 2027-03-01 | verschuiving |"), "{md}");
    // Each cell is what the players gave, worked out by hand: eens eens oneens; oneens oneens
    // hangt_af; eens and three times hangt_af.
    for row in [
        "| Eens | 67% (2) | 0% (0) | 25% (1) | -42 |",
        "| Oneens | 33% (1) | 67% (2) | 0% (0) | -33 |",
        "| Hangt ervan af | 0% (0) | 33% (1) | 75% (3) | +75 |",
    ] {
        assert!(md.contains(row), "{row} in {md}");
    }
    assert!(md.contains(&format!("## Afspraken\n\n- We bellen eerst. *(sessie {first}, 2026-08-29)* — op 2026-11-29: Nagekomen 67% · Deels 33% · Niet nagekomen 0%")), "{md}");
    assert!(md.contains("*Niet gespeeld: Geld is het antwoord. · Twee petten — Een collega moet beoordelen. · Zonder stelling.*"), "{md}");
    let svg = std::fs::read_to_string(out.join("grafiek-a.svg")).unwrap();
    // For the docs: the chart a trainer gets (scripts/screenshots.sh sets this).
    if let Some(keep) = std::env::var_os("DILEMMA_SCREENSHOTS") {
        std::fs::write(std::path::Path::new(&keep).join("series-chart.svg"), &svg).unwrap();
    }
    assert!(svg.starts_with("<svg") && svg.contains("Hangt ervan af") && svg.contains("2026-08-29"), "a chart with its legend and dates");
    assert!(!out.join("grafiek-b.svg").exists(), "no chart for what was not played");
    let csv = std::fs::read(out.join("verslag.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}thema;item;stelling;sessie;datum;antwoorden;optie;label;aantal;percentage\r\n".as_bytes()));
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains(&format!("groen;a;Bewoners mogen het groen zelf beheren.;{first};2026-08-29;3;eens;Eens;2;67\r\n")), "{csv}");

    // The last code, or the first, gives the same series.
    for code in [&third, &first] {
        let again = dir.path().join(format!("via-{code}"));
        let (ok, said) = report(&db, &[code], &again);
        assert!(ok && said.contains("3 session(s)"), "{code}: {said}");
        assert_eq!(std::fs::read_to_string(again.join("verslag.md")).unwrap(), std::fs::read_to_string(out.join("verslag.md")).unwrap());
    }

    // A chosen set: exactly those sessions.
    let two = dir.path().join("twee");
    let (ok, said) = report(&db, &[&third, &first], &two);
    assert!(ok && said.contains("2 session(s)"), "{said}");
    let md = std::fs::read_to_string(two.join("verslag.md")).unwrap();
    assert!(md.contains("| | 2026-08-29 | 2027-03-01 | verschuiving |"), "oldest first: {md}");
    let (ok, said) = report(&db, &["ZZZZZZ"], &dir.path().join("niets"));
    assert!(!ok && said.contains("no session with code ZZZZZZ"), "{said}");

    // Over the protocol: the facilitator of the last session gets the same report and charts.
    let s = Server::start_in(dir, |_| {}).await;
    let mut f = s.client().await;
    f.send(serde_json::json!({"type":"resume","protocol":1,"code":third,"token":third_token})).await;
    f.welcome().await;
    f.send(serde_json::json!({"type":"export","format":"md","series":true})).await;
    let (content, files) = f
        .expect("the series report", |m| match m {
            protocol::ServerMsg::Report { content, files, series: true, .. } => Some((content.clone(), files.clone())),
            _ => None,
        })
        .await;
    assert_eq!(content, std::fs::read_to_string(out.join("verslag.md")).unwrap(), "the same as the command's");
    let chart = files.iter().find(|f| f.name == "grafiek-a.svg").expect("the chart comes along");
    assert_eq!(chart.content, std::fs::read_to_string(out.join("grafiek-a.svg")).unwrap());
    // (Anyone but the facilitator is refused before the series is looked at: tests/it/export.rs.)
    s.stop().await;
}
