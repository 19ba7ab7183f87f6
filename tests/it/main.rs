//! Integration tests: the real server on port 0, real websocket clients, real SQLite files.

mod agreements;
mod browser;
mod decks;
mod docs;
mod durability;
mod errors;
mod export;
mod extras;
mod followup;
mod lifecycle;
mod limits;
mod loadgen;
mod opening;
mod pages;
mod play;
mod process;
mod resume;
mod room;
mod series;
mod storage;
mod trainers;
mod sketches;
mod statements;
mod web;
mod webdriver;
