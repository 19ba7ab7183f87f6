//! `dilemma-headless`: the client without a window, for tests and rehearsals.
//!
//! The same network thread, view and screen systems as the game, on Bevy's MinimalPlugins. It reads
//! commands on standard input (`host test`, `join CODE`, `answer ITEM OPTION`, `open ITEM`, `reveal`, …;
//! see `actions::parse_command`) and prints one JSON line each time what the screen would show changes.
//! With `--settings FILE` it keeps its sign-in at a server with staff accounts there (`sign_in`
//! writes the login address to standard error as `open: URL`; `sign_out` ends it).

use std::io::BufRead;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

use bevy::app::AppExit;
use bevy::prelude::*;
use game_client::actions::parse_command;
use game_client::app::{headless_with, perform};
use game_client::connection_thread::Link;
use game_client::ui::{Screen, screen_for};
use game_client::view::ViewState;

#[derive(Resource)]
struct Input(Mutex<Receiver<Option<String>>>);

/// What `help` says.
const COMMANDS: &str = "commands: host SCENARIO [strict K] · preview on|off · join CODE [TEAM] · watch CODE · resume CODE TOKEN · \
answer ITEM OPTION · predict ITEM PERCENT · reason ITEM TEXT… · drop_reason ITEM · ask ITEM predict|reasons|both|none · \
show_reason ID · hide_reason · statement TEXT… · open ITEM · close · reveal · start_timer · end · report · room_deck · leave · \
sign_in · cancel_sign_in · sign_out (with --settings FILE)";

#[derive(Resource, Default)]
struct Printed(String);

fn main() -> AppExit {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: dilemma-headless ws://127.0.0.1:7878/ws [--settings FILE]   (then commands on standard input; `help` lists them)";
    let ws = |url: &str| url.starts_with("ws://") || url.starts_with("wss://");
    let (url, settings) = match args.as_slice() {
        [url] if ws(url) => (url.clone(), None),
        [url, flag, file] if flag == "--settings" && ws(url) => (url.clone(), Some(std::path::PathBuf::from(file))),
        [help] if help == "--help" || help == "-h" => {
            println!("{usage}");
            return AppExit::Success;
        }
        _ => {
            eprintln!("{usage}\n(the server's websocket address starts with ws:// or wss://)");
            return AppExit::error();
        }
    };
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let _ = tx.send(Some(line));
        }
        let _ = tx.send(None);
    });
    let mut app = headless_with(&url, settings);
    app.insert_resource(Input(Mutex::new(rx))).init_resource::<Printed>().add_systems(Update, (commands, report));
    app.run()
}

fn commands(world: &mut World) {
    let lines: Vec<Option<String>> = world.resource::<Input>().0.lock().expect("input").try_iter().collect();
    for line in lines {
        let Some(line) = line else {
            world.write_message(AppExit::Success);
            return;
        };
        match parse_command(&line) {
            Some(action) => perform(world, &action),
            None if line.trim() == "help" => eprintln!("{COMMANDS}"),
            None => eprintln!("unknown command: {line} (`help` lists the commands)"),
        }
    }
}

/// Prints what the screen would show, when it changes.
fn report(view: Res<ViewState>, mut printed: ResMut<Printed>) {
    let screen: Screen = screen_for(&view);
    let line = serde_json::json!({
        "screen": format!("{screen:?}"),
        "link": match view.link {
            Link::Idle => "idle",
            Link::Connecting => "connecting",
            Link::Connected => "connected",
            Link::Lost { .. } => "lost",
            Link::Closed(_) => "closed",
        },
        "code": view.code,
        "phase": view.phase(),
        "item": view.item().map(|i| &i.id),
        "choice": view.my_choice(),
        "role": view.role_card.as_ref().map(|r| &r.role),
        "counts": view.tally.as_ref().map(|t| &t.counts),
        "participants": view.session.as_ref().map(|s| s.participants),
        "timer": view.session.as_ref().and_then(|s| s.timer).is_some(),
        "error": view.error,
        "scenarios": view.scenarios.len(),
        "accounts": view.accounts.is_some(),
        "signed_in": view.accounts.as_ref().and_then(|a| a.signed_in.as_ref()).map(|a| &a.name),
        "signing_in": view.signing_in.is_some(),
    })
    .to_string();
    if line != printed.0 {
        println!("{line}");
        printed.0 = line;
    }
}
