//! The session server inside the client's process, for a one-laptop room; stopped (and flushed) on exit.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;

use bevy::prelude::Resource;
use tokio_util::sync::CancellationToken;

/// Where a server hosted here would run: what "Host op deze laptop" starts when the app began
/// with a server elsewhere.
#[derive(Resource, Clone)]
pub struct HostHere {
    pub port: u16,
    pub db: PathBuf,
    pub scenarios: PathBuf,
}

/// Whether `url` is a server on this machine (loopback): then there is nothing to remember, the
/// app hosts its own again.
pub fn is_this_machine(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').filter(|(h, p)| !h.is_empty() && p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// Which server the app starts against: the one on the command line (or in a join link), else
/// the one the person chose last time (unless that was this machine), else none (host here).
/// The flag says whether it is the remembered one.
pub fn server_to_use(command_line: Option<String>, remembered: Option<&str>) -> (Option<String>, bool) {
    match command_line {
        Some(url) => (Some(url), false),
        None => match remembered.filter(|u| !u.trim().is_empty() && !is_this_machine(u)) {
            Some(url) => (Some(url.to_owned()), true),
            None => (None, false),
        },
    }
}

/// "Host op deze laptop": starts the server here (once) and connects to it; the remembered
/// server is forgotten (see the settings).
pub fn host_here(
    mut asked: bevy::prelude::MessageReader<crate::ui::Action>,
    mut commands: bevy::prelude::Commands,
    here: Option<bevy::prelude::Res<HostHere>>,
    running: Option<bevy::prelude::Res<Embedded>>,
    mut view: bevy::prelude::ResMut<crate::view::ViewState>,
    mut form: bevy::prelude::ResMut<crate::ui::Form>,
    net: bevy::prelude::Res<crate::network::Net>,
) {
    if !asked.read().any(|a| *a == crate::ui::Action::HostHere) {
        return;
    }
    let url = match (running, here) {
        (Some(e), _) => e.url.clone(),
        (None, Some(here)) => match Embedded::start(here.port, here.db.clone(), here.scenarios.clone()) {
            Ok(e) => {
                let url = e.url.clone();
                commands.insert_resource(e);
                url
            }
            Err(message) => {
                view.error = Some(message);
                return;
            }
        },
        (None, None) => return,
    };
    view.remembered_server = false;
    view.server = url.clone();
    form.start.server = url.clone();
    let opening = protocol::ClientMsg::ListScenarios { protocol: protocol::PROTOCOL_VERSION };
    net.0.send(crate::connection_thread::NetCmd::Connect { url, opening });
}

#[derive(Resource)]
pub struct Embedded {
    pub url: String,
    pub db: PathBuf,
    shutdown: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Embedded {
    /// Binds `port` on all interfaces and runs the real server there on its own thread.
    pub fn start(port: u16, db: PathBuf, scenarios: PathBuf) -> Result<Embedded, String> {
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).map_err(|e| {
            format!("Poort {port} is bezet of niet beschikbaar ({e}). Draait er al een server? Gebruik dan --server ws://127.0.0.1:{port}/ws, of kies --port.")
        })?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let config = session_server::Config::new(scenarios, db.clone());
        let thread = std::thread::Builder::new()
            .name("embedded-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("server runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    if let Err(e) = session_server::run(listener, config, token).await {
                        tracing::error!(error = %e, "the embedded server stopped");
                    }
                });
            })
            .map_err(|e| e.to_string())?;
        Ok(Embedded { url: format!("ws://127.0.0.1:{port}/ws"), db, shutdown, thread: Some(thread) })
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_chosen_last_time_is_used_again_unless_it_was_this_machine() {
        let elsewhere = "ws://10.0.0.2:7878/ws";
        assert_eq!(server_to_use(None, Some(elsewhere)), (Some(elsewhere.to_owned()), true));
        assert_eq!(
            server_to_use(Some("wss://dilemma.gemeente.nl/ws".into()), Some(elsewhere)),
            (Some("wss://dilemma.gemeente.nl/ws".into()), false),
            "the command line wins"
        );
        for here in ["ws://127.0.0.1:7878/ws", "ws://localhost:7878/ws", "ws://[::1]:7878/ws", "ws://0.0.0.0:7878/ws", " "] {
            assert_eq!(server_to_use(None, Some(here)), (None, false), "{here}: host here");
        }
        assert_eq!(server_to_use(None, None), (None, false));
        assert!(!is_this_machine("wss://dilemma.gemeente.nl/ws") && !is_this_machine("ws://192.168.1.10:7878/ws"));
    }
}
