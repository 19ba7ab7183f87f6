//! The session server inside the client's process, for a one-laptop room; stopped (and flushed) on exit.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;

use bevy::prelude::Resource;
use tokio_util::sync::CancellationToken;

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
        Ok(Embedded {
            url: format!("ws://127.0.0.1:{port}/ws"),
            db,
            shutdown,
            thread: Some(thread),
        })
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
