//! The load generator: a whole room of real websocket clients against a server, timed, with a correctness check.
//!
//! `room` plays one dilemma with N players and measures; `pages` loads the browser page beside it;
//! `echo` is the bare tokio-tungstenite baseline; `stats` turns samples into percentiles; `system` reads memory and raises file limits.

mod echo;
mod pages;
mod player;
mod room;
mod stats;
mod system;

pub use echo::{EchoReport, FanOutReport, echo_throughput, fan_out_baseline, serve_echo};
pub use pages::{PagesReport, load_pages};
pub use room::{RoomOpts, RoomReport, run_room};
pub use stats::Percentiles;
pub use system::{cpu_ms, open_files, raise_nofile, rss_bytes};

/// Why a run could not be done or finished.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("only loopback addresses may be loaded (got {0}); use ws://127.0.0.1:PORT/ws")]
    NotLoopback(String),
    #[error("websocket: {0}")]
    Ws(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("the server answered unexpectedly: {0}")]
    Protocol(String),
    #[error("the run did not finish within {0:?}; it stopped itself")]
    Timeout(std::time::Duration),
}

/// How `wss://` connections check the server's certificate: the platform's store, or (`--insecure`,
/// for a test certificate on this machine) not at all. Set once at the start.
static INSECURE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Takes any certificate from now on (`--insecure`).
pub fn accept_any_certificate() {
    let _ = INSECURE.set(true);
}

/// The connector every load connection uses.
pub fn connector() -> Option<tokio_tungstenite::Connector> {
    INSECURE.get().copied().unwrap_or(false).then(|| tokio_tungstenite::Connector::Rustls(crate::tls::insecure()))
}

/// A websocket of the load, with the small buffers the server uses too.
pub(crate) async fn connect(url: &str) -> Result<crate::client::Ws, LoadError> {
    let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(url, Some(player::ws_config()), true, connector()).await?;
    Ok(ws)
}

/// Refuses anything but loopback, so a load can never leave this machine.
pub fn check_loopback(url: &str) -> Result<(), LoadError> {
    let host = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"))
        .and_then(|rest| rest.split('/').next())
        .map(|hostport| hostport.rsplit_once(':').map_or(hostport, |(h, _)| h))
        .unwrap_or_default();
    let ok = host == "localhost"
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if ok { Ok(()) } else { Err(LoadError::NotLoopback(url.to_owned())) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback() {
        assert!(super::check_loopback("ws://127.0.0.1:7878/ws").is_ok());
        assert!(super::check_loopback("ws://127.5.0.1:1/ws").is_ok());
        assert!(super::check_loopback("ws://localhost:7878/ws").is_ok());
        assert!(super::check_loopback("ws://[::1]:7878/ws").is_ok());
        assert!(super::check_loopback("ws://192.168.1.2:7878/ws").is_err());
        assert!(super::check_loopback("ws://example.org/ws").is_err());
        assert!(super::check_loopback("wss://127.0.0.1:8443/ws").is_ok());
        assert!(super::check_loopback("wss://example.org/ws").is_err());
        assert!(super::check_loopback("http://127.0.0.1/ws").is_err());
    }
}
