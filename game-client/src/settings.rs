//! What the client remembers between runs: the server address, name and team, the text size.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
}

fn default_text_size() -> u16 {
    crate::ui::zoom::DEFAULT
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { server: None, name: String::new(), team: String::new(), last: None, text_size: default_text_size() }
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

/// `$XDG_CONFIG_HOME/dilemma/client.json`, or `~/.config/dilemma/client.json`.
pub fn path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("dilemma").join("client.json"))
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
        if let Err(e) = crate::files::write_whole(&path, &serde_json::to_vec_pretty(self).expect("settings serialise")) {
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
        let s = Settings { server: Some("ws://10.0.0.2:7878/ws".into()), name: "Sanne".into(), team: "Oost".into(), last: Some(last), text_size: 150 };
        s.save_to(Some(p.clone()));
        assert_eq!(Settings::load_from(Some(p)), s);
    }
}
