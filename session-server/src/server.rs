//! Accepts connections until shutdown, then lets every task finish and the store commit what it holds.

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::connection;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use crate::tls::Certificates;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Tls(String),
    #[error("{0}")]
    InUse(String),
}

/// Where the server listens: the main port, and the monitoring port for `/metrics` if any.
#[derive(Debug)]
pub struct Listeners {
    pub main: TcpListener,
    pub metrics: Option<TcpListener>,
}

/// Runs the server on `listener` until `shutdown` is cancelled.
///
/// On shutdown it stops accepting, closes every websocket with 1001, stops the sessions, and
/// returns only after the store has committed everything it was given.
pub async fn run(listener: TcpListener, config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    run_on(Listeners { main: listener, metrics: None }, config, shutdown).await
}

/// [`run`] with a monitoring port as well.
pub async fn run_on(listeners: Listeners, config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    let Listeners { main: listener, metrics } = listeners;
    let certificates = match &config.tls {
        Some(files) => Some(Certificates::open(files.clone()).map_err(ServerError::Tls)?),
        None => None,
    };
    let db = config.db.clone();
    let (busy, queue) = (config.limits.store_busy, config.limits.store_queue);
    let (lock, store, restored, writer, reader) = tokio::task::spawn_blocking(move || {
        let lock = crate::store::lock::exclusive(&db).map_err(ServerError::InUse)?;
        let (store, loaded, writer) = Store::open(&db, busy, queue, Metrics::new())?;
        let reader = crate::store::Db::open(&db)?;
        // Follow-ups read their earlier session's results here too, off the async threads.
        let restored: Vec<_> = loaded.into_iter().map(|l| crate::hub::restore(&reader, l)).collect();
        Ok::<_, ServerError>((lock, store, restored, writer, reader))
    })
    .await
    .expect("store open")?;
    let tracker = TaskTracker::new();
    let hub = Hub::new(config, store, restored, reader, tracker.clone(), shutdown.clone());
    tracker.spawn(hub.clone().sweep());
    let tls = certificates.as_ref().map(Certificates::acceptor);
    if let Some(certificates) = certificates {
        tracker.spawn(certificates.watch(shutdown.clone()));
    }
    if let Some(metrics) = metrics {
        if let Ok(addr) = metrics.local_addr() {
            tracing::info!(%addr, "metrics at http://{addr}/metrics");
        }
        tracker.spawn(serve_metrics(metrics, hub.clone()));
    }
    // Staff accounts: said at the start, and the provider asked once, so a wrong issuer shows now.
    if let Some(accounts) = hub.config().accounts.clone() {
        tracing::info!(issuer = accounts.provider.issuer(), "staff sign in with the municipality's accounts (OpenID Connect)");
        let stop = shutdown.clone();
        // Never in the way of a stop: a provider that does not answer is not waited for.
        tracker.spawn(async move {
            tokio::select! {
                () = accounts.provider.check() => {}
                () = stop.cancelled() => {}
            }
        });
    }
    // Read the decks once now, so problems in the scenario folder are in the log at start.
    let offered = hub.decks().await.len();
    tracing::info!(decks = offered, "scenario folder read");
    if let Some(public) = &hub.config().public_url {
        let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
        tracing::info!(%addr, tls = tls.is_some(), "listening: phones join at {}/ (projector: {}/watch)", public.base(), public.base());
        if public.is_https() && tls.is_none() && hub.config().trusted_proxies.is_empty() {
            tracing::warn!(
                "the public address is https but this server has neither a certificate (--tls-cert) nor a trusted proxy (--trusted-proxy)"
            );
        }
    } else if let Ok(addr) = listener.local_addr() {
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
                    tracker.spawn(connection::accept(stream, peer, hub.clone(), tls.clone()));
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
    drop(lock);
    tracing::info!("server stopped; store flushed");
    Ok(())
}

/// The monitoring port: `/metrics` and nothing else, until the server stops.
async fn serve_metrics(listener: TcpListener, hub: Hub) {
    let none = crate::forwarded::Proxies::default();
    // A scraper or two, not a crowd: at most this many requests at once, the rest wait in the backlog.
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let (mut stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = hub.shutdown().cancelled() => return,
        };
        let (hub, none) = (hub.clone(), none.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let Some((req, _)) = crate::http::read_request(&mut stream, peer, false, &none, hub.limits().handshake_timeout).await else {
                return;
            };
            let page = match (req.method.as_str(), req.path()) {
                ("GET" | "HEAD", "/metrics") => crate::web::Page {
                    content_type: "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ..crate::web::Page::owned(200, hub.metrics_text())
                },
                _ => crate::web::Page::text(404, "Alleen /metrics. / Only /metrics.\n"),
            };
            crate::http::answer(&mut stream, &req.method, page, false).await;
        });
    }
}
