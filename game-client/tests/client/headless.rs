//! The app's own systems on Bevy's MinimalPlugins: the real network thread against the real server moves the screen.

use std::time::Duration;

use bevy::prelude::*;
use game_client::app::{headless, perform};
use game_client::ui::{Action, Screen};
use game_client::view::ViewState;
use integration_tests::Server;
use protocol::ControlAction;

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

fn view(app: &App) -> &ViewState {
    app.world().resource::<ViewState>()
}

/// The report writer's status (busy, where the last report went).
fn status(app: &App) -> &game_client::report::ReportStatus {
    app.world().resource::<game_client::report::ReportStatus>()
}

fn act(app: &mut App, action: Action) {
    perform(app.world_mut(), &action);
    // The plugins see what was asked on the app's next update, as after a click.
    app.update();
}

async fn step_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..1000 {
        app.update();
        if done(app) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}: {:#?}", view(app));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_screen_follows_the_server() {
    let server = Server::start().await;
    let mut f = headless(&server.url);
    step_until(&mut f, "scenarios", |a| !view(a).scenarios.is_empty()).await;
    assert_eq!(screen(&f), Screen::Connect);
    act(&mut f, Action::Host { scenario: "test".into(), title: Some("Headless".into()), follows: None, min_group: None });
    step_until(&mut f, "facilitator screen", |a| screen(a) == Screen::Facilitator).await;
    let code = view(&f).code.clone().unwrap();

    let mut p = headless(&server.url);
    step_until(&mut p, "connected", |a| !view(a).scenarios.is_empty()).await;
    act(&mut p, Action::Join { code: code.to_lowercase(), name: None, team: None });
    step_until(&mut p, "lobby", |a| screen(a) == Screen::Lobby).await;

    act(&mut f, Action::Preview(true));
    step_until(&mut f, "preview on", |a| view(a).session.as_ref().is_some_and(|s| s.preview)).await;
    act(&mut f, Action::Control { action: ControlAction::Open, item: Some("a".into()) });
    step_until(&mut p, "item", |a| screen(a) == Screen::Item).await;
    act(&mut p, Action::Answer { item: "a".into(), option: "hangt_af".into() });
    step_until(&mut p, "ack", |a| view(a).mine.get("a").map(String::as_str) == Some("hangt_af")).await;
    step_until(&mut f, "live tally", |a| view(a).tally.as_ref().is_some_and(|t| t.withheld == 1)).await;
    assert!(view(&p).tally.is_none(), "no result for the player before the reveal");

    act(&mut f, Action::Control { action: ControlAction::Reveal, item: None });
    step_until(&mut p, "results", |a| screen(a) == Screen::Results && view(a).tally.is_some()).await;
    act(&mut f, Action::AddStatement { statement: "Bellen werkt beter dan mailen.".into(), options: vec![] });
    let added = |a: &App| view(a).session.as_ref().and_then(|s| s.items.as_ref()).is_some_and(|i| i.iter().any(|i| i.from_room));
    step_until(&mut f, "the statement from the room", added).await;
    act(&mut f, Action::Control { action: ControlAction::End, item: None });
    step_until(&mut p, "ended", |a| screen(a) == Screen::Ended).await;
    step_until(&mut f, "ended", |a| screen(a) == Screen::Ended).await;

    // The report comes over the protocol: this client does not host the server.
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("verslagen");
    f.insert_resource(game_client::report::ReportJob::to(reports.clone()));
    act(&mut f, Action::SaveReport);
    assert!(status(&f).saving);
    step_until(&mut f, "report saved", |a| status(a).saved.is_some()).await;
    assert!(!status(&f).saving);
    let md = std::fs::read_to_string(reports.join(format!("{code}.md"))).unwrap();
    assert!(md.starts_with("# Headless"), "{md}");
    assert!(md.contains("te weinig om te tonen"), "one answer stays withheld in a report: {md}");
    let csv = std::fs::read(reports.join(format!("{code}.csv"))).unwrap();
    assert!(csv.starts_with("\u{feff}nr;item".as_bytes()), "CSV for Dutch Excel");
    assert_eq!(status(&f).saved.as_deref(), Some(reports.join(format!("{code}.md")).to_str().unwrap()));

    // The report of the series (here a series of one): a folder of its own, with its charts.
    act(&mut f, Action::SaveSeriesReport);
    step_until(&mut f, "series report saved", |a| status(a).saved.as_deref().is_some_and(|p| p.contains("reeks-"))).await;
    let folder = reports.join(format!("reeks-{code}"));
    let md = std::fs::read_to_string(folder.join("verslag.md")).unwrap();
    assert!(md.starts_with("# Verslag van de reeks: Headless"), "{md}");
    assert!(folder.join("verslag.csv").exists() && folder.join("grafiek-a.svg").exists());

    // The statements from the room, as a deck file that validates.
    act(&mut f, Action::SaveRoomDeck);
    step_until(&mut f, "deck saved", |a| status(a).saved.as_deref().is_some_and(|p| p.ends_with(".toml"))).await;
    let toml = std::fs::read_to_string(reports.join(format!("stellingen-uit-de-zaal-{code}.toml"))).unwrap();
    let deck = protocol::scenario::parse_deck("zaal.toml", &toml).expect("a valid deck");
    assert_eq!(deck.items[0].statement(), Some("Bellen werkt beter dan mailen."));

    // A player cannot ask for it.
    act(&mut p, Action::SaveReport);
    step_until(&mut p, "refused", |a| a.world().resource::<ViewState>().error.is_some()).await;
    assert!(!status(&p).saving);
    assert!(p.world().resource::<game_client::report::ReportInbox>().0.is_empty(), "no report reached the player");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trainer_opens_a_deck_from_the_server_edits_it_and_saves_it_back() {
    let server = Server::start().await;
    let mut t = headless(&server.url);
    game_client::editor::plugin(&mut t);
    t.insert_resource(game_client::ui::Form::default());
    step_until(&mut t, "scenarios", |a| !view(a).scenarios.is_empty()).await;
    act(&mut t, Action::OpenDeck("test".into()));
    let opened = |a: &App| a.world().resource::<game_client::ui::Form>().edit.editor.is_some();
    step_until(&mut t, "the deck in the editor", opened).await;
    let mut form = t.world_mut().resource_mut::<game_client::ui::Form>();
    let ed = form.edit.editor.as_mut().unwrap();
    let before = ed.file.text();
    ed.file.set_text(protocol::scenario::Field::Item(0, "statement"), "Bewoners beheren het groen zelf, met hulp.");
    let content = ed.file.text();
    assert_eq!(content.lines().count(), before.lines().count(), "one line changed, the rest kept");
    act(&mut t, Action::SaveDeck(content.clone()));
    step_until(&mut t, "saved", |a| view(a).deck_saved.is_some()).await;
    assert_eq!(view(&t).deck_saved, Some(Ok("test".into())));
    step_until(&mut t, "the list asked again", |a| view(a).scenarios.iter().any(|s| s.id == "test")).await;
    assert_eq!(std::fs::read_to_string(server.scenarios.join("test.toml")).unwrap(), content);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn host_on_this_laptop_leaves_the_remembered_server_and_hosts_here() {
    let elsewhere = Server::start().await;
    let mut app = headless(&elsewhere.url);
    step_until(&mut app, "the remembered server", |a| !view(a).scenarios.is_empty()).await;
    let dir = tempfile::tempdir().unwrap();
    app.insert_resource(game_client::ui::Form::default())
        .insert_resource(game_client::embedded::HostHere {
            port: 0,
            db: dir.path().join("here.db"),
            scenarios: integration_tests::shipped_scenarios(),
        })
        .add_systems(Update, game_client::embedded::host_here);
    app.world_mut().resource_mut::<ViewState>().remembered_server = true;
    act(&mut app, Action::HostHere);
    step_until(&mut app, "connected here", |a| {
        let v = view(a);
        v.server != elsewhere.url
            && !v.remembered_server
            && v.link == game_client::connection_thread::Link::Connected
            && !v.scenarios.is_empty()
    })
    .await;
    let here = view(&app).server.clone();
    assert!(here.starts_with("ws://127.0.0.1:") && here.ends_with("/ws"), "{here}");
    assert!(app.world().get_resource::<game_client::embedded::Embedded>().is_some(), "a server runs in this process now");
    assert_eq!(app.world().resource::<game_client::ui::Form>().start.server, here);
    // It is a real server, and the one now used: a session started here is in its database, not
    // in the remembered server's.
    act(&mut app, Action::Host { scenario: "samen-werken".into(), title: None, follows: None, min_group: None });
    step_until(&mut app, "hosting here", |a| screen(a) == Screen::Facilitator).await;
    let code = view(&app).code.clone().unwrap();
    drop(app);
    assert!(session_server::report::load_report(&dir.path().join("here.db"), &code).is_ok(), "the session is stored here");
    let db = elsewhere.db.clone();
    elsewhere.stop().await;
    assert!(session_server::report::load_report(&db, &code).is_err(), "and not on the server left behind");
}
