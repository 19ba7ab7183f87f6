//! Client tests: screens with egui_kittest, the headless Bevy app and the network layer against the real server.

mod closes;
mod e2e;
mod headless;
mod look;
mod panels;
mod peer;
mod processes;
