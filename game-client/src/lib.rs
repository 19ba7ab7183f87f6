//! The workshop client: facilitator screen, player screen and projector view, in Bevy with egui.
//!
//! The network runs on its own thread (`net`), the view is a pure reducer of what the server sent
//! (`view`), and every screen is a plain egui function (`ui`). Each concern is a Bevy plugin of its own
//! (`network`, `screens`, `settings`, `report`, `decks`, `sound`, `quiet`, `fullscreen`, `screenshot`); `app` puts them together.

pub mod account;
pub mod actions;
pub mod app;
pub mod connection_thread;
pub mod editor;
pub mod embedded;
pub mod files;
pub mod fullscreen;
pub mod i18n;
pub mod network;
pub mod options;
pub mod placement;
pub mod places;
pub mod quiet;
pub mod report;
pub mod screens;
pub mod screenshot;
pub mod settings;
pub mod sound;
pub mod ui;
pub mod view;
