//! The client's command line: where the server is, whether to host it here, and how to start.

use std::path::PathBuf;

use clap::Parser;

/// Dilemma game client. Without --server it hosts a session server in this process, so one
/// laptop on a projector is enough for a room.
#[derive(Parser, Debug, Clone)]
#[command(version, about)]
pub struct Options {
    /// Language of the screens: nl or en.
    #[arg(long, default_value = "nl", value_parser = ["nl", "en"])]
    pub lang: String,
    /// Use a server elsewhere, e.g. ws://192.168.1.10:7878/ws, instead of hosting one here.
    #[arg(long)]
    pub server: Option<String>,
    /// Go straight to joining this session: a code, the QR code's http://…/?code=… address, or ws://…/ws?code=….
    #[arg(long)]
    pub join: Option<String>,
    /// Open the projector view of this session.
    #[arg(long)]
    pub watch: Option<String>,
    /// Name and team to join with (both optional).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub team: Option<String>,
    /// The trainers' key of a shared server that asks for one to start a session (its `--create-key`).
    #[arg(long, env = "DILEMMA_CREATE_KEY")]
    pub create_key: Option<String>,
    /// Port of the server hosted here.
    #[arg(long, default_value_t = 7878)]
    pub port: u16,
    /// Database of the server hosted here.
    #[arg(long, default_value = "workshop.db")]
    pub db: PathBuf,
    /// Scenario folder of the server hosted here.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// Folder for saved reports (default: Dilemma-verslagen in your documents).
    #[arg(long, env = "DILEMMA_REPORTS")]
    pub reports: Option<PathBuf>,
    /// Resume a session with a token (with --code), e.g. after the app was closed.
    #[arg(long, requires = "code")]
    pub token: Option<String>,
    #[arg(long)]
    pub code: Option<String>,
    /// Save a screenshot of the window to this PNG file after --screenshot-after seconds, then quit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    #[arg(long, default_value_t = 3.0)]
    pub screenshot_after: f32,
    /// Open this deck file in the deck editor (the start screen's Decks tab).
    #[arg(long)]
    pub deck: Option<PathBuf>,
    /// With --deck: show its first item's preview as `player`, `watcher` or `facilitator`.
    #[arg(long, requires = "deck")]
    pub deck_preview: Option<String>,
    /// Window size, e.g. 1600x900. Without it the window fits the screen it opens on (or takes
    /// the size and place it had last time).
    #[arg(long)]
    pub window: Option<String>,
}

impl Options {
    /// The size asked for on the command line, if any.
    pub fn window_size(&self) -> Option<(u32, u32)> {
        let (w, h) = self.window.as_deref()?.split_once('x')?;
        Some((w.parse().ok()?, h.parse().ok()?))
    }
}

/// Splits a join argument into (server, code): `ws://host:7878/ws?code=K7M2QX`, the QR code's
/// page address `http://host:7878/?code=K7M2QX`, or a plain code.
pub fn split_join(arg: &str) -> (Option<String>, String) {
    let Some((address, code)) = arg.split_once("?code=") else { return (None, arg.to_owned()) };
    let page = |scheme: &str, ws: &str| {
        let host = address.strip_prefix(scheme)?.split('/').next()?;
        Some(format!("{ws}{host}/ws"))
    };
    let server = if address.starts_with("ws://") || address.starts_with("wss://") {
        Some(address.to_owned())
    } else {
        page("http://", "ws://").or_else(|| page("https://", "wss://"))
    };
    match server {
        Some(server) => (Some(server), code.to_owned()),
        None => (None, arg.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_accepts_a_code_or_the_qr_address() {
        assert_eq!(split_join("K7M2QX"), (None, "K7M2QX".into()));
        assert_eq!(split_join("ws://10.0.0.5:7878/ws?code=K7M2QX"), (Some("ws://10.0.0.5:7878/ws".into()), "K7M2QX".into()));
        assert_eq!(split_join("http://10.0.0.5:7878/?code=K7M2QX"), (Some("ws://10.0.0.5:7878/ws".into()), "K7M2QX".into()));
        assert_eq!(split_join("https://spel.example.nl/?code=K7M2QX"), (Some("wss://spel.example.nl/ws".into()), "K7M2QX".into()));
    }
}
