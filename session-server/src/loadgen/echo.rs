//! The baseline: a bare tokio-tungstenite echo server, and the same message schedule sent through it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::{LoadError, Percentiles, check_loopback, player};

/// Echoes every text frame back on the same connection, until `stop`.
pub async fn serve_echo(listener: TcpListener, stop: CancellationToken) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let stop = stop.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(player::ws_config())).await else { return };
                    loop {
                        tokio::select! {
                            frame = ws.next() => match frame {
                                Some(Ok(m @ Message::Text(_))) => if ws.send(m).await.is_err() { return },
                                Some(Ok(_)) => {}
                                _ => return,
                            },
                            () = stop.cancelled() => return,
                        }
                    }
                });
            }
            () = stop.cancelled() => return,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EchoReport {
    pub connections: usize,
    pub messages: usize,
    pub round_trip: Percentiles,
    pub messages_per_s: f64,
}

/// One client per entry of `per_connection`, each sending that many answer-sized messages at
/// random moments within `window` and waiting for each echo: the same schedule as a room.
pub async fn echo_throughput(url: &str, per_connection: &[usize], window: Duration, seed: u64) -> Result<EchoReport, LoadError> {
    check_loopback(url)?;
    let connections = per_connection.len();
    let mut sockets = Vec::with_capacity(connections);
    for chunk in (0..connections).collect::<Vec<_>>().chunks(256) {
        let opened = chunk.iter().map(|_| tokio_tungstenite::connect_async_with_config(url, Some(player::ws_config()), true));
        for r in futures_util::future::join_all(opened).await {
            sockets.push(r?.0);
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Instant::now() + Duration::from_millis(200);
    let payload = r#"{"type":"answer","item":"groen-speeltuin","option":"hangt_af"}"#;
    let tasks: Vec<_> = sockets
        .into_iter()
        .zip(per_connection)
        .map(|(mut ws, &count)| {
            let mut at: Vec<Duration> =
                (0..count).map(|_| Duration::from_secs_f64(rng.random::<f64>() * window.as_secs_f64())).collect();
            at.sort_unstable();
            tokio::spawn(async move {
                let mut trips = Vec::new();
                let mut first = None;
                let mut last = start;
                for offset in at {
                    tokio::time::sleep_until(start + offset).await;
                    let sent = Instant::now();
                    first.get_or_insert(sent);
                    if ws.send(Message::Text(payload.into())).await.is_err() {
                        break;
                    }
                    while let Some(Ok(m)) = ws.next().await {
                        if m.is_text() {
                            last = Instant::now();
                            trips.push(last - sent);
                            break;
                        }
                    }
                }
                let _ = ws.close(None).await;
                (trips, first, last)
            })
        })
        .collect();
    let mut trips = Vec::new();
    let mut first: Option<Instant> = None;
    let mut last = start;
    for t in tasks {
        if let Ok((t, f, l)) = t.await {
            trips.extend(t);
            first = match (first, f) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            last = last.max(l);
        }
    }
    let messages = trips.len();
    Ok(EchoReport {
        connections,
        messages,
        round_trip: Percentiles::of(trips),
        messages_per_s: messages as f64 / (last - first.unwrap_or(start)).as_secs_f64().max(1e-6),
    })
}
