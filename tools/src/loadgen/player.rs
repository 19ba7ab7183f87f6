//! One simulated player: joins, answers on schedule (sometimes twice), and times every acknowledgement and the reveal.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::LoadError;
use crate::client::{Ws, frame};

/// When (after the start signal) this player answers what; a second entry is a changed answer.
/// With `extra`, right after the first answer is acknowledged the player guesses the room (percent)
/// and gives a reason.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub answers: Vec<(Duration, String)>,
    pub extra: Option<(u32, String)>,
}

#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub sent: Vec<Instant>,
    pub acked: Vec<Instant>,
    /// When the revealed tally arrived, and its text (parsed after the run, not while timing).
    pub revealed: Option<(Instant, String)>,
    /// The `session` (phase revealed) that came with the tally, for the fan-out baseline.
    pub reveal_session: Option<String>,
    pub error: Option<String>,
    /// Guesses and reasons sent, and acknowledged.
    pub extras_sent: usize,
    pub extras_acked: usize,
}

impl Outcome {
    pub fn revealed_tally(&self) -> Option<protocol::Tally> {
        match serde_json::from_str(&self.revealed.as_ref()?.1) {
            Ok(ServerMsg::Tally(t)) => Some(t.into_tally()),
            _ => None,
        }
    }
}

/// Small buffers, as the server uses: ten thousand clients in one process must fit.
pub(super) fn ws_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

pub(super) async fn join(url: &str, code: &str, team: String) -> Result<Ws, LoadError> {
    let mut ws = super::connect(url).await?;
    ws.send(frame(&ClientMsg::Join { protocol: PROTOCOL_VERSION, code: code.to_owned(), name: None, team: Some(team) })).await?;
    while let Some(frame) = ws.next().await {
        if let Message::Text(t) = frame? {
            match serde_json::from_str::<ServerMsg>(t.as_str()) {
                Ok(ServerMsg::Welcome { .. }) => return Ok(ws),
                Ok(ServerMsg::Error { code, message }) => return Err(LoadError::Protocol(format!("join: {code:?}: {message}"))),
                _ => {}
            }
        }
    }
    Err(LoadError::Protocol("closed before welcome".into()))
}

/// Plays the plan and reports the outcome on `done` once the result is revealed; then keeps the
/// connection open (and read) until `stop`, so that nobody leaving disturbs the others' timing.
pub(super) async fn play(
    mut ws: Ws,
    item: String,
    plan: Plan,
    go: watch::Receiver<Option<Instant>>,
    acks: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    done: tokio::sync::mpsc::UnboundedSender<Outcome>,
    stop: CancellationToken,
) {
    let out = answer(&mut ws, &item, plan, go, &acks, &stop).await;
    let _ = done.send(out);
    loop {
        tokio::select! {
            frame = ws.next() => if frame.is_none() { return },
            () = stop.cancelled() => return,
        }
    }
}

async fn answer(
    ws: &mut Ws,
    item: &str,
    plan: Plan,
    mut go: watch::Receiver<Option<Instant>>,
    acks: &std::sync::atomic::AtomicUsize,
    stop: &CancellationToken,
) -> Outcome {
    let mut out = Outcome::default();
    let start = loop {
        if let Some(t) = *go.borrow_and_update() {
            break t;
        }
        tokio::select! {
            changed = go.changed() => if changed.is_err() { return out },
            frame = ws.next() => if frame.is_none() { out.error = Some("closed before the start".into()); return out },
            () = stop.cancelled() => return out,
        }
    };
    let mut next = 0;
    let mut extra = plan.extra.clone();
    loop {
        let due = plan.answers.get(next).map(|(at, _)| start + *at);
        tokio::select! {
            () = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                let option = plan.answers[next].1.clone();
                out.sent.push(Instant::now());
                if let Err(e) = ws.send(frame(&ClientMsg::Answer { item: item.to_owned(), option })).await {
                    out.error = Some(e.to_string());
                    return out;
                }
                next += 1;
            }
            frame = ws.next() => {
                let Some(Ok(frame)) = frame else {
                    out.error = Some("connection closed".into());
                    return out;
                };
                let at = Instant::now();
                let Message::Text(t) = frame else { continue };
                // The tag comes first in every server message, so most frames need no parsing:
                // ten thousand players in one process must not measure their own JSON parser.
                let t = t.as_str();
                if t.starts_with(r#"{"type":"session""#) {
                    if t.contains(r#""phase":"revealed""#) {
                        out.reveal_session = Some(t.to_owned());
                    }
                    continue;
                }
                if t.starts_with(r#"{"type":"answer_ack""#) {
                    out.acked.push(at);
                    acks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Some((percent, text)) = extra.take() {
                        for m in [ClientMsg::Predict { item: item.to_owned(), percent }, ClientMsg::Reason { item: item.to_owned(), text }] {
                            if let Err(e) = ws.send(crate::client::frame(&m)).await {
                                out.error = Some(e.to_string());
                                return out;
                            }
                            out.extras_sent += 1;
                        }
                    }
                    continue;
                }
                if t.starts_with(r#"{"type":"predicted""#) || t.starts_with(r#"{"type":"reason_ack""#) {
                    out.extras_acked += 1;
                    acks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    continue;
                }
                if t.starts_with(r#"{"type":"tally""#) && t.contains(&format!(r#""item":"{item}""#)) {
                    out.revealed = Some((at, t.to_owned()));
                    return out;
                }
                if let Ok(ServerMsg::Error { code, message }) = serde_json::from_str::<ServerMsg>(t) { out.error = Some(format!("{code:?}: {message}")) }
            }
            () = stop.cancelled() => return out,
        }
    }
}
