//! A whole room: create a session, join N players, open a dilemma, answer within a window, reveal, and measure.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMsg, ControlAction, PROTOCOL_VERSION, Phase, ServerMsg, SessionView};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::player::{self, Outcome, Plan};
use super::{LoadError, Percentiles, check_loopback, cpu_ms, open_files, rss_bytes};
use crate::client::{Ws, frame};

#[derive(Debug, Clone)]
pub struct RoomOpts {
    pub url: String,
    pub players: usize,
    /// Every player answers at a random moment within this window after the item opens.
    pub window: Duration,
    /// The share of players who change their answer once, shortly after the first.
    pub change: f64,
    pub scenario: String,
    /// Process id of the server, to read its memory; `None` when it cannot be read.
    pub server_pid: Option<u32>,
    /// Connections opened at the same time while joining.
    pub join_concurrency: usize,
    /// The whole run stops itself after this long.
    pub deadline: Duration,
    /// After the reveal, every player stays connected this long (to hold many rooms at once).
    pub hold: Duration,
    pub seed: u64,
    /// The statement asks for a guess and a reason, and every player gives both after answering.
    pub extras: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RoomReport {
    pub players: usize,
    pub answers_sent: usize,
    pub answers_acked: usize,
    pub ack_latency: Percentiles,
    pub tally_latency: Percentiles,
    /// The last answer sent → the facilitator holds the complete, final tally.
    pub final_tally_after_last_answer_ms: f64,
    /// One answer in a quiet room → the facilitator's tally with it (the coalescer's leading edge).
    pub lone_answer_tally_ms: f64,
    /// `reveal` sent → the last player holds the tally.
    pub reveal_to_all_ms: f64,
    /// `reveal` sent → half of the players hold the tally.
    pub reveal_to_half_ms: f64,
    /// While the players were held after the reveal: the server's most open files and resident memory.
    pub held_server_files: Option<usize>,
    pub held_server_rss: Option<u64>,
    /// CPU time the server used from `reveal` sent until every player held the tally (10 ms ticks):
    /// its own share of the fan-out, without the clients that share the machine.
    pub server_cpu_reveal_ms: Option<u64>,
    /// What one player got at the reveal (`session`, `tally`), to send through the bare baseline.
    #[serde(skip)]
    pub reveal_frames: Vec<String>,
    pub durable_answers_per_s: f64,
    pub server_rss_before: Option<u64>,
    pub server_rss_joined: Option<u64>,
    pub bytes_per_idle_player: Option<f64>,
    pub expected: BTreeMap<String, u32>,
    pub final_counts: BTreeMap<String, u32>,
    /// Players whose revealed tally equals what was sent.
    pub reveal_correct: usize,
    /// With extras: guesses and reasons sent and acknowledged, the room's guess as the guesses
    /// sent make it, how many players got exactly that at the reveal, and how many reasons the
    /// facilitator was last told of (listed plus `more`).
    pub extras_sent: usize,
    pub extras_acked: usize,
    pub expected_prediction: Option<protocol::Prediction>,
    pub prediction_correct: usize,
    pub reasons_seen: Option<u32>,
    pub problems: Vec<String>,
}

impl RoomReport {
    pub fn correct(&self) -> bool {
        let extras = self.extras_sent == 0
            || (self.extras_acked == self.extras_sent
                && self.prediction_correct == self.players
                && self.reasons_seen == Some(self.players as u32));
        self.problems.is_empty()
            && self.answers_acked == self.answers_sent
            && self.final_counts == self.expected
            && self.reveal_correct == self.players
            && extras
    }
}

/// The facilitator's connection: sends controls, and keeps every tally with the moment it arrived.
struct Facilitator {
    ws: Ws,
    tallies: Vec<(Instant, u32, BTreeMap<String, u32>)>,
    /// How many reasons the last `reasons` listed or counted.
    reasons: Option<u32>,
}

impl Facilitator {
    async fn send(&mut self, m: ClientMsg) -> Result<(), LoadError> {
        Ok(self.ws.send(frame(&m)).await?)
    }

    async fn control(&mut self, action: ControlAction, item: Option<&str>) -> Result<(), LoadError> {
        self.send(ClientMsg::Control { action, item: item.map(str::to_owned) }).await
    }

    /// Reads until `done` accepts a message; tallies are recorded on the way.
    async fn until<T>(&mut self, mut done: impl FnMut(&ServerMsg) -> Option<T>) -> Result<T, LoadError> {
        while let Some(frame) = self.ws.next().await {
            let Message::Text(t) = frame? else { continue };
            let msg: ServerMsg = serde_json::from_str(t.as_str()).map_err(|e| LoadError::Protocol(e.to_string()))?;
            if let ServerMsg::Tally(tally) = &msg {
                self.tallies.push((Instant::now(), tally.total + tally.withheld, tally.counts.clone()));
            }
            if let ServerMsg::Reasons { groups, .. } = &msg {
                self.reasons = Some(groups.iter().map(|g| g.reasons.len() as u32 + g.more).sum());
            }
            if let ServerMsg::Error { code, message } = &msg {
                return Err(LoadError::Protocol(format!("{code:?}: {message}")));
            }
            if let Some(t) = done(&msg) {
                return Ok(t);
            }
        }
        Err(LoadError::Protocol("the facilitator's connection closed".into()))
    }

    /// Reads (and records) whatever arrives for `wait`.
    async fn read_for(&mut self, wait: Duration) -> Result<(), LoadError> {
        let deadline = Instant::now() + wait;
        match tokio::time::timeout_at(deadline, self.until(|_| None::<()>)).await {
            Ok(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }

    async fn phase(&mut self, phase: Phase, index: Option<usize>) -> Result<SessionView, LoadError> {
        self.until(|m| match m {
            ServerMsg::Session { session } if session.phase == phase && (index.is_none() || session.index == index) => {
                Some(session.clone())
            }
            _ => None,
        })
        .await
    }
}

pub async fn run_room(o: &RoomOpts) -> Result<RoomReport, LoadError> {
    check_loopback(&o.url)?;
    tokio::time::timeout(o.deadline + o.hold, room(o)).await.map_err(|_| LoadError::Timeout(o.deadline + o.hold))?
}

async fn room(o: &RoomOpts) -> Result<RoomReport, LoadError> {
    let ws = super::connect(&o.url).await?;
    let mut f = Facilitator { ws, tallies: Vec::new(), reasons: None };
    f.send(ClientMsg::CreateSession {
        protocol: PROTOCOL_VERSION,
        scenario: o.scenario.clone(),
        title: Some("loadgen".into()),
        key: None,
        follows: None,
        min_group: None,
        preview: true,
    })
    .await?;
    let (code, session) = f
        .until(|m| match m {
            ServerMsg::Welcome { code, session, .. } => Some((code.clone(), session.clone())),
            _ => None,
        })
        .await?;
    let dilemmas: Vec<_> = session.items.iter().flatten().filter(|i| i.options.len() >= 2).cloned().collect();
    let [item, quiet, ..] = dilemmas.as_slice() else {
        return Err(LoadError::Protocol(format!("scenario {} needs two statements", o.scenario)));
    };
    let options: Vec<String> = item.options.iter().map(|o| o.id.clone()).collect();
    let rss_before = o.server_pid.and_then(rss_bytes);

    // Join everyone, a bounded number at a time, so the server's accept queue never overflows.
    let mut joined: Vec<Ws> = Vec::with_capacity(o.players);
    let mut problems = Vec::new();
    for chunk in (0..o.players).collect::<Vec<_>>().chunks(o.join_concurrency.max(1)) {
        let joins = chunk.iter().map(|i| player::join(&o.url, &code, format!("team-{}", i % 20)));
        for r in futures_util::future::join_all(joins).await {
            match r {
                Ok(ws) => joined.push(ws),
                Err(e) => problems.push(format!("join failed: {e}")),
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_joined = o.server_pid.and_then(rss_bytes);

    // Everyone's plan is drawn up front, so the expected result is known exactly.
    let mut rng = StdRng::seed_from_u64(o.seed);
    let mut expected: BTreeMap<String, u32> = options.iter().map(|id| (id.clone(), 0)).collect();
    let plans: Vec<Plan> = (0..joined.len())
        .map(|_| {
            let at = Duration::from_secs_f64(rng.random::<f64>() * o.window.as_secs_f64());
            let first = options[rng.random_range(0..options.len())].clone();
            let mut answers = vec![(at, first.clone())];
            if rng.random::<f64>() < o.change {
                let other = options.iter().find(|x| **x != first).expect("two options").clone();
                answers.push((at + Duration::from_millis(rng.random_range(20..200)), other));
            }
            *expected.get_mut(&answers.last().expect("an answer").1).expect("known option") += 1;
            let guess = rng.random_range(0..=100);
            Plan { answers, extra: o.extras.then(|| (guess, format!("Zo kijk ik ertegenaan, met reden {}.", rng.random::<u32>()))) }
        })
        .collect();
    let answers_sent: usize = plans.iter().map(|p| p.answers.len()).sum();
    let guesses: Vec<u32> = plans.iter().filter_map(|p| p.extra.as_ref().map(|e| e.0)).collect();
    let extras_sent = 2 * guesses.len();
    let expected_prediction =
        protocol::Prediction::of(&options[0], guesses.iter().map(|g| u64::from(*g)).sum(), guesses.len() as u32, session.min_group);
    if o.extras {
        f.send(ClientMsg::Ask { item: item.id.clone(), predict: true, reasons: true }).await?;
        f.until(|m| {
            matches!(m, ServerMsg::Session { session } if session.items.iter().flatten().any(|i| i.id == item.id && i.predict))
                .then_some(())
        })
        .await?;
    }

    let (go_tx, go) = watch::channel(None);
    let stop = CancellationToken::new();
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let acks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let players = joined.len();
    for (ws, plan) in joined.into_iter().zip(plans) {
        tokio::spawn(player::play(ws, item.id.clone(), plan, go.clone(), acks.clone(), done_tx.clone(), stop.clone()));
    }
    drop(done_tx);

    f.control(ControlAction::Open, Some(&item.id)).await?;
    f.phase(Phase::Open, None).await?;
    f.tallies.clear();
    let start = Instant::now();
    let _ = go_tx.send(Some(start));
    // Matching counts alone do not say the tally is final (two pending changes can cancel out):
    // wait until every answer is acknowledged, then one coalescing window more. The server
    // always sends the last tally, so the last one received is the final one.
    let give_up = start + o.window + Duration::from_secs(30);
    while acks.load(std::sync::atomic::Ordering::Relaxed) < answers_sent + extras_sent && Instant::now() < give_up {
        f.read_for(Duration::from_millis(20)).await?;
    }
    f.read_for(Duration::from_millis(300)).await?;
    let final_at = f.tallies.last().map(|t| t.0).unwrap_or_else(Instant::now);
    let final_counts = f.tallies.last().map(|t| t.2.clone()).unwrap_or_default();
    let answer_tallies = f.tallies.clone();

    f.control(ControlAction::Close, None).await?;
    f.phase(Phase::Closed, None).await?;
    // A facilitator pauses between closing and revealing; measure the reveal on its own, not
    // overlapping with the `closed` update still on its way to ten thousand players.
    f.read_for(Duration::from_secs(1)).await?;
    let cpu_before = o.server_pid.and_then(cpu_ms);
    let reveal_at = Instant::now();
    f.control(ControlAction::Reveal, None).await?;
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(players);
    while outcomes.len() < players {
        match done.recv().await {
            Some(out) => outcomes.push(out),
            None => break,
        }
    }
    let cpu_reveal = o.server_pid.and_then(cpu_ms).zip(cpu_before).map(|(after, before)| after - before);
    let (held_files, held_rss) = hold(o).await;
    stop.cancel();
    f.phase(Phase::Revealed, None).await?;

    // One answer in a quiet room: the first change after a quiet spell goes out at once.
    let lone_answer_tally_ms = lone_answer(o, &mut f, &code, &quiet.id, &quiet.options[0].id).await?;

    let mut acks = Vec::new();
    let mut first_sends = Vec::new();
    let mut last_send = start;
    let mut last_ack = start;
    let mut reveal_correct = 0;
    let mut prediction_correct = 0;
    let mut extras_acked = 0;
    let mut reveal_max = Duration::ZERO;
    let mut reveals = Vec::with_capacity(outcomes.len());
    for out in &outcomes {
        if let Some(e) = &out.error {
            problems.push(e.clone());
        }
        for (s, a) in out.sent.iter().zip(&out.acked) {
            acks.push(*a - *s);
            last_ack = last_ack.max(*a);
        }
        if let Some(s) = out.sent.first() {
            first_sends.push(*s);
        }
        last_send = out.sent.iter().copied().fold(last_send, Instant::max);
        extras_acked += out.extras_acked;
        if let Some((at, _)) = &out.revealed {
            reveal_max = reveal_max.max(*at - reveal_at);
            reveals.push(*at - reveal_at);
            let tally = out.revealed_tally();
            if tally.as_ref().map(|t| &t.counts) == Some(&expected) {
                reveal_correct += 1;
            }
            if tally.is_some_and(|t| t.prediction == expected_prediction) {
                prediction_correct += 1;
            }
        }
    }
    problems.truncate(20);
    let answers_acked = acks.len();
    // The j-th first answer (by send time) is counted in the first tally whose total reaches j.
    first_sends.sort_unstable();
    let tally_latency = first_sends
        .iter()
        .enumerate()
        .filter_map(|(j, sent)| {
            let (at, ..) = answer_tallies.iter().find(|(at, total, _)| *total as usize > j && at >= sent)?;
            Some(*at - *sent)
        })
        .collect();
    let first = first_sends.first().copied().unwrap_or(start);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(RoomReport {
        players: outcomes.len(),
        answers_sent,
        answers_acked,
        ack_latency: Percentiles::of(acks),
        tally_latency: Percentiles::of(tally_latency),
        final_tally_after_last_answer_ms: ms(final_at.saturating_duration_since(last_send)),
        lone_answer_tally_ms,
        reveal_to_all_ms: ms(reveal_max),
        reveal_to_half_ms: {
            reveals.sort_unstable();
            reveals.get(reveals.len() / 2).copied().map_or(0.0, ms)
        },
        server_cpu_reveal_ms: cpu_reveal,
        held_server_files: held_files,
        held_server_rss: held_rss,
        reveal_frames: outcomes
            .iter()
            .find_map(|o| Some(vec![o.reveal_session.clone()?, o.revealed.as_ref()?.1.clone()]))
            .unwrap_or_default(),
        durable_answers_per_s: answers_acked as f64 / (last_ack - first).as_secs_f64().max(1e-6),
        server_rss_before: rss_before,
        server_rss_joined: rss_joined,
        bytes_per_idle_player: rss_before.zip(rss_joined).map(|(b, j)| j.saturating_sub(b) as f64 / outcomes.len().max(1) as f64),
        expected,
        final_counts,
        reveal_correct,
        extras_sent,
        extras_acked: extras_acked.min(extras_sent),
        expected_prediction,
        prediction_correct,
        reasons_seen: f.reasons,
        problems,
    })
}

async fn lone_answer(o: &RoomOpts, f: &mut Facilitator, code: &str, item: &str, option: &str) -> Result<f64, LoadError> {
    let mut p = player::join(&o.url, code, "solo".into()).await?;
    f.control(ControlAction::Open, Some(item)).await?;
    f.until(|m| matches!(m, ServerMsg::Tally(t) if t.item == item).then_some(())).await?;
    // Let the coalescing window pass: the room is quiet now.
    let quiet_until = Instant::now() + Duration::from_millis(500);
    while let Ok(Some(_)) = tokio::time::timeout_at(quiet_until, f.ws.next()).await {}
    let sent = Instant::now();
    p.send(frame(&ClientMsg::Answer { item: item.into(), option: option.into() })).await?;
    f.until(|m| matches!(m, ServerMsg::Tally(t) if t.item == item && t.total + t.withheld == 1).then_some(())).await?;
    Ok(sent.elapsed().as_secs_f64() * 1000.0)
}

/// Keeps every player connected for `o.hold`, sampling the server's open files and memory each
/// half second; the largest of each.
async fn hold(o: &RoomOpts) -> (Option<usize>, Option<u64>) {
    if o.hold.is_zero() {
        return (None, None);
    }
    let until = Instant::now() + o.hold;
    let (mut files, mut rss) = (None, None);
    while Instant::now() < until {
        if let Some(pid) = o.server_pid {
            files = files.max(open_files(pid));
            rss = rss.max(rss_bytes(pid));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    (files, rss)
}
