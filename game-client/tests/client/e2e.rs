//! A facilitator and three players, each with their own network thread, play a dilemma and a sketch end to end,
//! and come back by themselves when the server restarts.

use game_client::connection_thread::Link;
use game_client::ui::{Action, Screen};
use integration_tests::Server;
use protocol::{ControlAction, Phase};

use crate::peer::Peer;

fn control(action: ControlAction, item: Option<&str>) -> Action {
    Action::Control { action, item: item.map(str::to_owned) }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_facilitator_and_three_players_play_a_dilemma_and_a_sketch() {
    let server = Server::start().await;
    let mut f = Peer::connect(&server.url);
    f.until("scenarios", |v| !v.scenarios.is_empty()).await;
    f.act(Action::Host { scenario: "test".into(), title: Some("Wijkteam Oost".into()), follows: None, min_group: None });
    f.screen(Screen::Facilitator).await;
    let code = f.view.code.clone().unwrap();

    let mut players: Vec<Peer> = (0..3).map(|_| Peer::connect(&server.url)).collect();
    for p in players.iter_mut() {
        p.until("connected", |v| !v.scenarios.is_empty()).await;
        p.act(Action::Join { code: code.clone(), name: None, team: Some("Oost".into()) });
        p.screen(Screen::Lobby).await;
    }
    f.until("three participants", |v| v.session.as_ref().is_some_and(|s| s.participants == 3)).await;

    // This facilitator's screen is not on the projector: they ask for a private preview.
    f.act(Action::Preview(true));
    f.until("preview on", |v| v.session.as_ref().is_some_and(|s| s.preview)).await;
    // A dilemma: everyone answers, one changes their mind, the facilitator reveals.
    f.act(control(ControlAction::Open, Some("a")));
    let choices = ["eens", "oneens", "eens"];
    for (p, choice) in players.iter_mut().zip(choices) {
        p.screen(Screen::Item).await;
        p.act(Action::Answer { item: "a".into(), option: "hangt_af".into() });
        p.until("first ack", |v| v.mine.contains_key("a")).await;
        p.act(Action::Answer { item: "a".into(), option: choice.into() });
        p.until("ack", |v| v.mine.get("a").map(String::as_str) == Some(choice)).await;
    }
    f.until("live tally of three", |v| v.tally.as_ref().is_some_and(|t| t.total == 3 && t.counts["eens"] == 2)).await;
    f.act(control(ControlAction::Reveal, None));
    for (p, choice) in players.iter_mut().zip(choices) {
        p.until("result", |v| v.tally.is_some()).await;
        let t = p.view.tally.as_ref().unwrap();
        assert_eq!((t.total, t.percentages["eens"], t.percentages["oneens"]), (3, 67, 33));
        assert_eq!(t.teams["Oost"].total, 3);
        assert_eq!(p.view.my_choice(), Some(choice));
    }

    // A sketch: two of the three get a private role, the timer runs, the follow-up is answered.
    f.act(control(ControlAction::Open, Some("s")));
    for p in players.iter_mut() {
        p.until("sketch", |v| v.item().is_some_and(|i| i.id == "s")).await;
    }
    // Role messages come right after the session update; give them a moment to arrive.
    for p in players.iter_mut() {
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), p.until("role", |v| v.role_card.is_some())).await;
    }
    let cast: Vec<String> = players.iter().filter_map(|p| p.view.role_card.as_ref().map(|r| r.role.clone())).collect();
    assert_eq!(cast.len(), 2, "two roles among three players");
    assert_ne!(cast[0], cast[1]);
    f.act(control(ControlAction::StartTimer, None));
    for p in players.iter_mut() {
        p.until("timer", |v| v.remaining(std::time::Instant::now()).is_some_and(|r| r.as_secs() > 20)).await;
        assert_eq!(p.view.phase(), Some(Phase::Scene), "the scene takes no answers yet");
    }
    // The actors are done before the time is up: the facilitator opens the statement.
    f.act(control(ControlAction::Open, Some("s")));
    for p in players.iter_mut() {
        p.until("statement open", |v| v.phase() == Some(Phase::Open)).await;
        p.act(Action::Answer { item: "s".into(), option: "oneens".into() });
        p.until("ack", |v| v.mine.contains_key("s")).await;
    }

    // The server restarts: every client notices, reconnects and resumes with its own answers.
    let server = server.restart().await;
    for p in players.iter_mut().chain([&mut f]) {
        p.until("the loss noticed", |v| v.is_offline()).await;
        // Forget locally what the server must give back on resume.
        p.view.mine.clear();
        p.view.role_card = None;
        p.until("resumed", |v| v.link == Link::Connected).await;
    }
    for p in players.iter_mut() {
        p.until("own answers back", |v| v.my_choice() == Some("oneens") && v.mine.contains_key("a")).await;
    }
    for p in players.iter_mut() {
        let _ = tokio::time::timeout(std::time::Duration::from_millis(300), p.until("role back", |v| v.role_card.is_some())).await;
    }
    let back: Vec<String> = players.iter().filter_map(|p| p.view.role_card.as_ref().map(|r| r.role.clone())).collect();
    assert_eq!(back, cast, "each player gets their own role again on resume");

    f.act(control(ControlAction::Reveal, None));
    for p in players.iter_mut() {
        p.until("sketch result", |v| v.phase() == Some(Phase::Revealed) && v.tally.as_ref().is_some_and(|t| t.item == "s")).await;
        assert_eq!(p.view.tally.as_ref().unwrap().counts["oneens"], 3);
    }
    f.act(control(ControlAction::End, None));
    for p in players.iter_mut().chain([&mut f]) {
        p.screen(Screen::Ended).await;
    }
    server.stop().await;
}

/// Players join `code`, answer item `a` so, and the facilitator reveals.
async fn play_a(server: &Server, f: &mut Peer, code: &str, choices: &[&str]) -> Vec<Peer> {
    let mut players: Vec<Peer> = choices.iter().map(|_| Peer::connect(&server.url)).collect();
    for p in players.iter_mut() {
        p.until("connected", |v| !v.scenarios.is_empty()).await;
        p.act(Action::Join { code: code.to_owned(), name: None, team: None });
        p.screen(Screen::Lobby).await;
    }
    f.act(Action::Preview(true));
    f.until("preview on", |v| v.session.as_ref().is_some_and(|s| s.preview)).await;
    f.act(control(ControlAction::Open, Some("a")));
    for (p, choice) in players.iter_mut().zip(choices) {
        p.screen(Screen::Item).await;
        p.act(Action::Answer { item: "a".into(), option: (*choice).into() });
        p.until("ack", |v| v.mine.contains_key("a")).await;
    }
    f.until("all answers", |v| v.tally.as_ref().is_some_and(|t| t.total as usize == choices.len())).await;
    f.act(control(ControlAction::Reveal, None));
    players
}

#[tokio::test(flavor = "multi_thread")]
async fn the_facilitator_starts_a_follow_up_and_the_room_sees_then_beside_now() {
    let server = Server::start().await;
    let mut f = Peer::connect(&server.url);
    f.until("scenarios", |v| !v.scenarios.is_empty()).await;
    f.act(Action::Host { scenario: "test".into(), title: Some("Eerste gesprek".into()), follows: None, min_group: None });
    f.screen(Screen::Facilitator).await;
    let led = f.view.led_now().expect("a session this client leads");
    play_a(&server, &mut f, &led.code, &["eens", "eens", "oneens"]).await;
    f.act(control(ControlAction::End, None));
    f.screen(Screen::Ended).await;

    let mut f = Peer::connect(&server.url);
    f.until("scenarios", |v| !v.scenarios.is_empty()).await;
    let follows = Some(protocol::FollowUp { code: led.code.clone(), token: led.token.clone() });
    f.act(Action::Host { scenario: "test".into(), title: Some("Drie maanden later".into()), follows, min_group: None });
    f.screen(Screen::Facilitator).await;
    let about = f.view.session.as_ref().and_then(|s| s.follows.clone()).expect("it says what it follows");
    assert_eq!((about.title.as_str(), about.compared), ("Eerste gesprek", 4));
    let code = f.view.code.clone().unwrap();
    let mut players = play_a(&server, &mut f, &code, &["oneens", "oneens", "oneens"]).await;
    let p = &mut players[0];
    p.until("result", |v| v.tally.is_some()).await;
    let earlier = p.view.tally.as_ref().and_then(|t| t.earlier.clone()).expect("then beside now");
    assert_eq!((earlier.percentages["eens"], earlier.shift["oneens"]), (67, 67));
}
