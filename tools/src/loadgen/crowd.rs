//! A crowd for a room someone else leads (`loadgen join`): N players join session CODE and, once the facilitator opens a statement, each answers once at its own moment within the window; reports when each answer was stored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMsg, ServerMsg};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{LoadError, check_loopback, player};
use crate::client::{Ws, frame};

#[derive(Debug, Clone)]
pub struct CrowdOpts {
    pub url: String,
    pub code: String,
    pub players: usize,
    /// Player `i` answers `i / players` of this window after the statement opened.
    pub window: Duration,
    /// Connections opened at the same time while joining.
    pub join_concurrency: usize,
    /// The whole run stops itself after this long.
    pub deadline: Duration,
    /// After the last answer is stored, every player stays connected this long.
    pub hold: Duration,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CrowdReport {
    pub players: usize,
    /// The statement answered.
    pub item: Option<String>,
    /// When each answer was acknowledged (stored), in milliseconds since the Unix epoch, in order:
    /// the clock a browser on the same machine shares.
    pub acked_epoch_ms: Vec<f64>,
    pub problems: Vec<String>,
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub async fn run_crowd(o: &CrowdOpts) -> Result<CrowdReport, LoadError> {
    check_loopback(&o.url)?;
    tokio::time::timeout(o.deadline, crowd(o)).await.map_err(|_| LoadError::Timeout(o.deadline))?
}

async fn crowd(o: &CrowdOpts) -> Result<CrowdReport, LoadError> {
    let mut joined: Vec<Ws> = Vec::with_capacity(o.players);
    for chunk in (0..o.players).collect::<Vec<_>>().chunks(o.join_concurrency.max(1)) {
        let joins = chunk.iter().map(|i| player::join(&o.url, &o.code, format!("team-{}", i % 20)));
        for r in futures_util::future::join_all(joins).await {
            joined.push(r?);
        }
    }
    eprintln!("loadgen: {} players joined session {}; waiting for a statement to open", joined.len(), o.code);
    let n = joined.len().max(1);
    let tasks: Vec<_> = joined
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            let delay = o.window.mul_f64(i as f64 / n as f64);
            let hold = o.hold;
            tokio::spawn(async move { answer_when_open(ws, i, delay, hold).await })
        })
        .collect();
    let mut report = CrowdReport { players: n, item: None, acked_epoch_ms: Vec::with_capacity(n), problems: Vec::new() };
    for t in tasks {
        match t.await {
            Ok(Ok((item, at))) => {
                report.item.get_or_insert(item);
                report.acked_epoch_ms.push(at);
            }
            Ok(Err(e)) => report.problems.push(e.to_string()),
            Err(e) => report.problems.push(format!("a player's task failed: {e}")),
        }
    }
    report.acked_epoch_ms.sort_by(f64::total_cmp);
    Ok(report)
}

/// Waits for a statement to open, answers it `delay` later (option `i` of its options, round), and
/// returns the item and when the answer was stored; then stays connected for `hold`.
async fn answer_when_open(mut ws: Ws, i: usize, delay: Duration, hold: Duration) -> Result<(String, f64), LoadError> {
    let (item, option) = loop {
        let text = next_text(&mut ws).await?;
        // Only the session's frames need parsing: a thousand players must not measure their parser.
        if !text.starts_with(r#"{"type":"session""#) || !text.contains(r#""phase":"open""#) {
            continue;
        }
        if let Ok(ServerMsg::Session { session }) = serde_json::from_str::<ServerMsg>(&text)
            && let Some(it) = session.item.filter(|it| it.options.len() >= 2)
        {
            break (it.id.clone(), it.options[i % it.options.len()].id.clone());
        }
    };
    tokio::time::sleep(delay).await;
    ws.send(frame(&ClientMsg::Answer { item: item.clone(), option })).await?;
    let at = loop {
        let text = next_text(&mut ws).await?;
        if text.starts_with(r#"{"type":"answer_ack""#) {
            break epoch_ms();
        }
        if text.starts_with(r#"{"type":"error""#) {
            return Err(LoadError::Protocol(text));
        }
    };
    let until = Instant::now() + hold;
    while tokio::time::timeout_at(until, ws.next()).await.is_ok_and(|f| f.is_some()) {}
    Ok((item, at))
}

async fn next_text(ws: &mut Ws) -> Result<String, LoadError> {
    while let Some(frame) = ws.next().await {
        if let Message::Text(t) = frame? {
            return Ok(t.as_str().to_owned());
        }
    }
    Err(LoadError::Protocol("the connection closed".into()))
}
