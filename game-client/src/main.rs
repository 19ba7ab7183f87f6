//! `dilemma`: starts the client; without --server it also hosts the session server for the room.
// On Windows a release build is a window app: no console window opens beside it.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use clap::Parser;

fn main() -> bevy::app::AppExit {
    game_client::app::build(game_client::options::Options::parse()).run()
}
