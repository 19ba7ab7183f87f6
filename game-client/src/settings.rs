//! What the client remembers between runs (server address, name and team, text size, contrast),
//! and the plugin that keeps it: saved on a thread of its own whenever it changes.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use serde::{Deserialize, Serialize};

use crate::ui::{self, Action, theme};
use crate::view::ViewState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub team: String,
    /// The session this client was last in, so it can go on after the app was closed.
    #[serde(default)]
    pub last: Option<LastSession>,
    /// Text size in percent (75–200; Ctrl + / Ctrl −).
    #[serde(default = "default_text_size")]
    pub text_size: u16,
    /// Black on white with strong edges (Ctrl H, or the button on the start screen).
    #[serde(default)]
    pub high_contrast: bool,
    /// A chime when a sketch's time is up (on the facilitator's and the projector's app).
    #[serde(default = "yes")]
    pub sound: bool,
    /// Sessions this client led, newest last: a new session can follow one of them.
    #[serde(default)]
    pub led: Vec<LedSession>,
    /// The window's size and place when it was last changed.
    #[serde(default)]
    pub window: Option<crate::placement::Placement>,
    /// The app's sign-in at each server with staff accounts (the file is the user's own: mode 0600).
    #[serde(default)]
    pub accounts: Vec<AppAccount>,
}

/// The app signed in at a server with staff accounts: its token (sent at every handshake there)
/// and who it is signed in as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccount {
    /// The server's websocket address.
    pub server: String,
    pub token: String,
    pub name: String,
    pub role: protocol::StaffRole,
    /// Until when the token lasts, in milliseconds since 1970 (UTC).
    pub until_ms: i64,
}

/// A session this client led as facilitator, with the token that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedSession {
    pub server: String,
    pub code: String,
    pub token: String,
    pub title: String,
    /// The day it started, `YYYY-MM-DD`.
    pub date: String,
    /// The deck it was played on (older settings files have none): the start screen puts the
    /// decks led most on top.
    #[serde(default)]
    pub scenario: String,
}

/// How many led sessions are remembered.
pub const LED_KEPT: usize = 30;

fn yes() -> bool {
    true
}

fn default_text_size() -> u16 {
    crate::ui::zoom::DEFAULT
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            server: None,
            name: String::new(),
            team: String::new(),
            last: None,
            text_size: default_text_size(),
            high_contrast: false,
            sound: true,
            led: Vec::new(),
            window: None,
            accounts: Vec::new(),
        }
    }
}

/// Enough to resume a session on a new start of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSession {
    pub server: String,
    pub code: String,
    pub token: String,
    pub role: protocol::Role,
}

/// The settings in use, and the thread that saves them.
#[derive(Resource)]
pub struct Remember {
    pub settings: Settings,
    saver: Mutex<Sender<Settings>>,
}

impl Remember {
    /// Loads the settings from `path` and starts the thread that saves them there.
    pub fn load(path: Option<PathBuf>) -> Remember {
        let settings = Settings::load_from(path.clone());
        let (saver, to_save) = channel::<Settings>();
        std::thread::Builder::new()
            .name("settings".into())
            .spawn(move || {
                while let Ok(mut s) = to_save.recv() {
                    // Only the newest matters.
                    while let Ok(newer) = to_save.try_recv() {
                        s = newer;
                    }
                    s.save_to(path.clone());
                }
            })
            .expect("spawning the settings thread");
        Remember { settings, saver: Mutex::new(saver) }
    }
}

/// Keeps the settings: what the person chose (server, name, team, text size, contrast) and the
/// session they are in; the look follows them.
pub fn plugin(app: &mut App) {
    app.add_systems(Update, (remember_actions, remember_session).chain().before(save_changes));
    keep(app);
    app.add_systems(EguiPrimaryContextPass, (text_size_keys, apply_look).chain().in_set(crate::app::Frame::Look));
}

fn remember_actions(mut asked: MessageReader<Action>, mut remember: ResMut<Remember>) {
    for action in asked.read() {
        let s = &mut remember.settings;
        match action {
            Action::Connect { server } => s.server = Some(server.clone()),
            Action::HostHere => s.server = None,
            Action::Join { name, team, .. } => {
                s.name = name.clone().unwrap_or_default();
                s.team = team.clone().unwrap_or_default();
            }
            Action::HighContrast(on) => s.high_contrast = *on,
            Action::Sound(on) => s.sound = *on,
            _ => {}
        }
    }
}

/// Remembers the session this client is in (and forgets it when it ended or cannot be resumed),
/// so that a new start of the app can go on with it.
fn remember_session(mut view: ResMut<ViewState>, mut remember: ResMut<Remember>) {
    if !view.is_changed() {
        return;
    }
    let wanted = view.to_remember().or_else(|| view.resumable.clone());
    if remember.settings.last != wanted {
        remember.settings.last = wanted;
    }
    if let Some(led) = view.led_now()
        && !remember.settings.led.iter().any(|l| l.server == led.server && l.code == led.code)
    {
        let all = &mut remember.settings.led;
        all.push(led);
        let over = all.len().saturating_sub(LED_KEPT);
        all.drain(..over);
        view.led.clone_from(all);
    }
}

/// Saves the settings whenever they change (on the settings thread); the headless client keeps its
/// sign-in with this alone.
pub fn keep(app: &mut App) {
    app.add_systems(Update, save_changes);
}

fn save_changes(remember: Res<Remember>, mut saved: Local<Option<Settings>>) {
    if saved.as_ref() == Some(&remember.settings) {
        return;
    }
    if saved.is_some() {
        let _ = remember.saver.lock().expect("settings saver").send(remember.settings.clone());
    }
    *saved = Some(remember.settings.clone());
}

/// Ctrl + / Ctrl − / Ctrl 0 step the text size; Ctrl H switches high contrast.
fn text_size_keys(mut contexts: EguiContexts, mut remember: ResMut<Remember>) -> Result {
    let ctx = contexts.ctx_mut()?;
    if let Some(size) = ui::zoom::from_keys(ctx, remember.settings.text_size) {
        remember.settings.text_size = size;
    }
    if ctx.input_mut(|i| i.consume_key(bevy_egui::egui::Modifiers::COMMAND, bevy_egui::egui::Key::H)) {
        remember.settings.high_contrast = !remember.settings.high_contrast;
    }
    Ok(())
}

/// Applies the theme and text size at the start and whenever they change.
fn apply_look(
    mut contexts: EguiContexts,
    remember: Res<Remember>,
    mut clear: ResMut<ClearColor>,
    mut shown: Local<Option<(u16, bool)>>,
) -> Result {
    let look = (remember.settings.text_size, remember.settings.high_contrast);
    if *shown == Some(look) {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    theme::apply(ctx, look.1);
    ui::zoom::apply(ctx, look.0);
    let bg = theme::palette(ctx).background;
    clear.0 = Color::srgb_u8(bg.r(), bg.g(), bg.b());
    *shown = Some(look);
    Ok(())
}

impl Settings {
    pub fn load_from(path: Option<PathBuf>) -> Settings {
        path.and_then(|p| std::fs::read(p).ok()).and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Saves quietly: forgetting a setting is no reason to interrupt a workshop.
    pub fn save_to(&self, path: Option<PathBuf>) {
        let Some(path) = path else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = crate::files::write_private(&path, &serde_json::to_vec_pretty(self).expect("settings serialise")) {
            tracing::warn!(error = %e, "could not save the client settings");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_survives_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("client.json");
        assert_eq!(Settings::load_from(Some(p.clone())), Settings::default());
        let last = LastSession { server: "ws://x/ws".into(), code: "K7M2QX".into(), token: "t".into(), role: protocol::Role::Facilitator };
        let s = Settings {
            server: Some("ws://10.0.0.2:7878/ws".into()),
            name: "Sanne".into(),
            team: "Oost".into(),
            last: Some(last),
            text_size: 150,
            high_contrast: true,
            sound: false,
            led: Vec::new(),
            window: Some(crate::placement::Placement { width: 1300, height: 700, x: Some(10), y: None }),
            accounts: vec![AppAccount {
                server: "wss://dilemma.gemeente.example/ws".into(),
                token: "geheim".into(),
                name: "fien@gemeente.example".into(),
                role: protocol::StaffRole::Trainer,
                until_ms: 1_800_000_000_000,
            }],
        };
        s.save_to(Some(p.clone()));
        assert_eq!(Settings::load_from(Some(p.clone())), s);
        // It holds the app's sign-in: only its owner may read it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
