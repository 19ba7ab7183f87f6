//! The load generator: a whole room of real websocket clients against a server, timed, with a correctness check.
//!
//! `room` plays one dilemma with N players and measures; `crowd` is only the players, for a session
//! someone else leads; `pages` loads the browser page beside it;
//! `echo` is the bare tokio-tungstenite baseline; `stats` turns samples into percentiles; `system` reads memory and raises file limits.

pub mod cli;
mod crowd;
mod echo;
mod pages;
mod player;
mod room;
mod stats;
mod system;

pub use crowd::{CrowdOpts, CrowdReport, run_crowd};
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

/// How many loopback source addresses the load's connections come from (`--sources`; 0: the default one).
static SOURCES: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
static NEXT_SOURCE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Spreads the connections over 127.0.0.2 … 127.0.0.(n+1), as clients behind a proxy are: each
/// address has its own per-address limits there.
pub fn spread_over_sources(n: u8) {
    let _ = SOURCES.set(n.min(250));
}

/// A websocket of the load, with the small buffers the server uses too.
pub(crate) async fn connect(url: &str) -> Result<crate::client::Ws, LoadError> {
    let sources = SOURCES.get().copied().unwrap_or(0);
    let from = (sources > 0).then(|| {
        let n = NEXT_SOURCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % usize::from(sources);
        std::net::IpAddr::from([127, 0, 0, 2 + n as u8])
    });
    Ok(crate::client::open(url, from, connector(), Some(player::ws_config())).await?)
}

/// Refuses anything but loopback, so a load can never leave this machine.
pub fn check_loopback(url: &str) -> Result<(), LoadError> {
    let host = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"))
        .and_then(|rest| rest.split('/').next())
        .map(|hostport| hostport.rsplit_once(':').map_or(hostport, |(h, _)| h))
        .unwrap_or_default();
    let ok = host == "localhost" || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
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
