//! Scenario decks written by trainers: the model, the TOML parser that reports every problem, and directory loading.

mod edit;
mod lang;
mod load;
mod model;
mod parse;
mod problem;
mod words;
mod write;

pub use edit::{DeckFile, Field};
pub use load::{FileDeck, FileResult, LoadReport, MAX_FILE_BYTES, load_dir, load_dir_with, load_file};
pub use model::{Asks, Choice, Deck, FollowUp, Item, ItemBody, Sketch, SketchRole, default_options};
pub use parse::{parse_deck, slug as option_id};
pub use problem::Problem;
pub use words::{agreement_item, follow_up_deck, room_theme};
pub use write::dilemmas_file;

/// Allowed duration of a sketch, in seconds.
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 30..=900;
/// Duration of a sketch when the file does not say.
pub const DEFAULT_DURATION_S: u32 = 120;
