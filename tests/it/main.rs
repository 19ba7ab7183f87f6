//! Integration tests: the real server on port 0, real websocket clients, real SQLite files.

mod decks;
mod durability;
mod errors;
mod export;
mod limits;
mod loadgen;
mod opening;
mod play;
mod resume;
mod room;
mod sketches;
