//! Accepts connections until shutdown, then lets every task finish and the store commit what it holds.

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::connection;
use crate::hub::Hub;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs the server on `listener` until `shutdown` is cancelled.
///
/// On shutdown it stops accepting, closes every websocket with 1001, stops the sessions, and
/// returns only after the store has committed everything it was given.
pub async fn run(listener: TcpListener, config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    let db = config.db.clone();
    let (busy, queue) = (config.limits.store_busy, config.limits.store_queue);
    let (store, loaded, writer, reader) = tokio::task::spawn_blocking(move || {
        let (store, loaded, writer) = Store::open(&db, busy, queue)?;
        Ok::<_, StoreError>((store, loaded, writer, crate::store::open_connection(&db)?))
    })
    .await
    .expect("store open")?;
    let tracker = TaskTracker::new();
    let hub = Hub::new(config, store, loaded, reader, tracker.clone(), shutdown.clone());
    tracker.spawn(hub.clone().sweep());
    // Read the decks once now, so problems in the scenario folder are in the log at start.
    let offered = hub.decks().await.len();
    tracing::info!(decks = offered, "scenario folder read");
    if let Ok(addr) = listener.local_addr() {
        let (page, loopback_only) = crate::address::announced_page(addr, crate::address::lan_ip());
        tracing::info!(%addr, "listening: phones join at {page} (projector: {page}watch), websocket at /ws");
        if addr.ip().is_loopback() {
            tracing::warn!("only this machine can reach {page}: listen on 0.0.0.0:{} for phones to join", addr.port());
        } else if loopback_only {
            tracing::warn!(
                "this machine has no network address phones can reach: connect it to the room's network; phones then open http://<its address>:{}/",
                addr.port()
            );
        }
    }
    // Out of file descriptors and the like: said once when it starts and once when it ends.
    let mut refusing = false;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if std::mem::take(&mut refusing) {
                        tracing::info!("accepting new connections again");
                    }
                    tracker.spawn(connection::serve(stream, peer, hub.clone()));
                }
                Err(e) => {
                    if !std::mem::replace(&mut refusing, true) {
                        tracing::warn!(error = %e, "cannot accept new connections (out of open files?); they wait, the open ones go on");
                    }
                    // Wait a little rather than spin on an accept that keeps failing.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            () = shutdown.cancelled() => break,
        }
    }
    drop(listener);
    tracker.close();
    tracker.wait().await;
    drop(hub);
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    tracing::info!("server stopped; store flushed");
    Ok(())
}
