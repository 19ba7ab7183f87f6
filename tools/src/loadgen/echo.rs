//! The baselines: a bare tokio-tungstenite echo server with the same message schedule sent through
//! it, and the same server fanning the reveal's frames out to every connection.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use super::{LoadError, Percentiles, check_loopback, player};

/// A text frame starting with this asks the bare server to send the frames after it (split at
/// NUL) to every connection, as a chat server does with a `broadcast` channel.
const FAN_OUT: &str = "fan-out:";

/// Echoes every text frame back on the same connection, until `stop`; a [`FAN_OUT`] frame goes to everyone.
pub async fn serve_echo(listener: TcpListener, stop: CancellationToken) {
    let (everyone, _) = broadcast::channel::<Arc<Vec<Utf8Bytes>>>(16);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let stop = stop.clone();
                let everyone = everyone.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(server_config())).await else { return };
                    let mut fan_out = everyone.subscribe();
                    loop {
                        tokio::select! {
                            frame = ws.next() => match frame {
                                Some(Ok(Message::Text(t))) => match t.as_str().strip_prefix(FAN_OUT) {
                                    Some(frames) => {
                                        let _ = everyone.send(Arc::new(frames.split('\0').map(Utf8Bytes::from).collect()));
                                    }
                                    None => if ws.send(Message::Text(t)).await.is_err() { return },
                                },
                                Some(Ok(_)) => {}
                                _ => return,
                            },
                            frames = fan_out.recv() => match frames {
                                Ok(frames) => {
                                    for f in frames.iter() {
                                        if ws.feed(Message::Text(f.clone())).await.is_err() { return }
                                    }
                                    if ws.flush().await.is_err() { return }
                                }
                                Err(broadcast::error::RecvError::Lagged(_)) => {}
                                Err(broadcast::error::RecvError::Closed) => return,
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

/// The session server's own buffer sizes, so the baseline writes as it does.
fn server_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(16 * 1024)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FanOutReport {
    pub connections: usize,
    /// The request sent → every connection holds every frame.
    pub all_ms: f64,
    pub half_ms: f64,
}

/// `connections` clients of the bare server; one of them asks for `frames` to be sent to all.
pub async fn fan_out_baseline(url: &str, connections: usize, frames: &[String]) -> Result<FanOutReport, LoadError> {
    check_loopback(url)?;
    let sockets = open(url, connections).await?;
    let (mut trigger, _) = tokio_tungstenite::connect_async_with_config(url, Some(player::ws_config()), true).await?;
    let want = frames.len();
    let (ready, mut readied) = tokio::sync::mpsc::channel::<()>(connections.max(1));
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let ready = ready.clone();
            tokio::spawn(async move {
                let _ = ready.send(()).await;
                let mut got = 0;
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() {
                        got += 1;
                        if got == want {
                            return Some(Instant::now());
                        }
                    }
                }
                None
            })
        })
        .collect();
    for _ in 0..connections {
        readied.recv().await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    trigger.send(Message::Text(format!("{FAN_OUT}{}", frames.join("\0")).into())).await?;
    let mut arrivals = Vec::with_capacity(connections);
    for t in tasks {
        if let Ok(Some(at)) = t.await {
            arrivals.push(at - start);
        }
    }
    if arrivals.len() < connections {
        return Err(LoadError::Protocol(format!("only {} of {connections} got the fan-out", arrivals.len())));
    }
    arrivals.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(FanOutReport {
        connections,
        all_ms: arrivals.last().copied().map_or(0.0, ms),
        half_ms: arrivals.get(connections / 2).copied().map_or(0.0, ms),
    })
}

/// Opens `connections` websockets, 256 at a time.
async fn open(url: &str, connections: usize) -> Result<Vec<crate::client::Ws>, LoadError> {
    let mut sockets = Vec::with_capacity(connections);
    for chunk in (0..connections).collect::<Vec<_>>().chunks(256) {
        let opened = chunk.iter().map(|_| tokio_tungstenite::connect_async_with_config(url, Some(player::ws_config()), true));
        for r in futures_util::future::join_all(opened).await {
            sockets.push(r?.0);
        }
    }
    Ok(sockets)
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
    let sockets = open(url, connections).await?;
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Instant::now() + Duration::from_millis(200);
    let payload = r#"{"type":"answer","item":"groen-speeltuin","option":"hangt_af"}"#;
    let tasks: Vec<_> = sockets
        .into_iter()
        .zip(per_connection)
        .map(|(mut ws, &count)| {
            let mut at: Vec<Duration> = (0..count).map(|_| Duration::from_secs_f64(rng.random::<f64>() * window.as_secs_f64())).collect();
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
