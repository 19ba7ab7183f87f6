//! The workshop's session server: sessions, answers and tallies over websockets, stored durably in SQLite.
//!
//! `run` is the whole server on a listener you bind; the binary only parses flags and sets up logging,
//! and the game client embeds the same `run` for a one-laptop room.

pub mod address;
pub mod cli;
pub mod config;
pub mod connection;
mod deck_files;
mod deck_folder;
pub mod forwarded;
pub mod guard;
mod health;
mod http;
pub mod hub;
pub mod metrics;
mod operate;
pub mod outbox;
mod pages;
mod ratelimit;
pub mod report;
mod rewind;
pub mod secrets;
mod server;
pub mod session;
pub mod staff;
pub mod store;
mod tls;
pub mod web;
pub mod wire;

pub use config::{Config, Limits, TlsFiles};
pub use server::{Listeners, ServerError, run, run_on};

/// Wall-clock milliseconds since the Unix epoch: what is stored for answers and sketch timers.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
