//! `dilemma`: starts the client; without --server it also hosts the session server for the room.

use clap::Parser;

fn main() -> bevy::app::AppExit {
    game_client::app::build(game_client::options::Options::parse()).run()
}
