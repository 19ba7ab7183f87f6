//! The workshop client: facilitator screen, player screen and projector view, in Bevy with egui.
//!
//! The network runs on its own thread (`net`), the view is a pure reducer of what the server sent
//! (`view`), and every screen is a plain egui function (`ui`); `app` wires them into Bevy.

pub mod actions;
pub mod app;
pub mod embedded;
pub mod files;
pub mod fullscreen;
pub mod i18n;
pub mod net;
pub mod options;
pub mod quiet;
pub mod report;
pub mod screenshot;
pub mod settings;
pub mod ui;
pub mod view;
