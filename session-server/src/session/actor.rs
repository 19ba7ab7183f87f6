//! The session task: a thin executor of [`Machine`]'s effects. It stores writes, feeds their results back, and delivers messages.
//!
//! Its one mechanism: every input goes to [`Machine::handle`]; a `Write` goes to the store, whose
//! answer comes back as `Input::Committed`; a `Send` goes to the outboxes of the connections it
//! names. What must wait for a write is only produced by the machine once the write is committed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use protocol::{Refusal, Role};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

use super::machine::{Effect, Input, Machine, Now, ReportOf, To};
use super::{Cmd, Status};
use crate::outbox::{Out, Outbox, encode};
use crate::secrets::new_token;
use crate::store::Store;

/// A connection this session knows: its outbox, its role once it is in, and who waits for the answer to its attach.
struct Peer {
    out: Outbox,
    role: Option<Role>,
    /// Counts it among the connected members (the metrics) while it is in.
    _counted: Option<crate::metrics::MemberGauge>,
    reply: Option<oneshot::Sender<Result<Role, Refusal>>>,
}

pub(super) struct Actor {
    machine: Machine,
    peers: HashMap<u64, Peer>,
    store: Store,
    status: Arc<AtomicU8>,
    committed: mpsc::UnboundedSender<(u64, bool)>,
    /// Where reports are made, and how many at once.
    reports: Services,
    /// This session's members in the server-wide count, taken out again when the task ends.
    counted: MemberCount,
}

/// A session's members counted in the server-wide total for as long as the session is in memory.
struct MemberCount {
    total: Arc<std::sync::atomic::AtomicUsize>,
    mine: usize,
}

impl MemberCount {
    fn new(total: Arc<std::sync::atomic::AtomicUsize>, mine: usize) -> MemberCount {
        total.fetch_add(mine, Ordering::Relaxed);
        MemberCount { total, mine }
    }

    /// The session now has `now` members (members are only ever added).
    fn update(&mut self, now: usize) {
        if now > self.mine {
            self.total.fetch_add(now - self.mine, Ordering::Relaxed);
            self.mine = now;
        }
    }
}

impl Drop for MemberCount {
    fn drop(&mut self) {
        self.total.fetch_sub(self.mine, Ordering::Relaxed);
    }
}

/// What the sessions of one server share: the database (a series report reads other sessions),
/// the report jobs, and the count of members held in memory across all sessions.
#[derive(Debug, Clone)]
pub(crate) struct Services {
    /// Members of every session in memory, and the most there may be (`Limits::max_members`).
    pub members: Arc<std::sync::atomic::AtomicUsize>,
    pub max_members: usize,
    pub db: crate::store::Db,
    pub jobs: Arc<tokio::sync::Semaphore>,
    /// Places for reports waiting for a job (rendering ones included).
    pub waiting: Arc<tokio::sync::Semaphore>,
    pub series_max: usize,
    pub max_bytes: usize,
}

impl Services {
    /// A place in the queue of reports, or `None` when it is full.
    fn queue(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.waiting.clone().try_acquire_owned().ok()
    }

    /// Renders one report (blocking: reads the database for a series, renders the text).
    fn render(&self, code: &str, format: protocol::ReportFormat, of: ReportOf) -> Result<protocol::ServerMsg, protocol::Refusal> {
        let msg = match of {
            ReportOf::Series => crate::report::series::for_the_protocol(&self.db, code, format, self.series_max)?,
            ReportOf::Session(report) => {
                let content = crate::report::render(&report, format.into())
                    .map_err(|e| protocol::Refusal::new(protocol::ErrorCode::BadRequest, e.to_string()))?;
                let content = String::from_utf8(content).expect("reports are text");
                protocol::ServerMsg::Report { code: code.to_owned(), format, content, series: false, files: Vec::new() }
            }
        };
        let size = match &msg {
            protocol::ServerMsg::Report { content, files, .. } => content.len() + files.iter().map(|f| f.content.len()).sum::<usize>(),
            _ => 0,
        };
        if size > self.max_bytes {
            return Err(protocol::Refusal::new(
                protocol::ErrorCode::BadRequest,
                "Dit verslag is te groot om via de app te sturen; vraag de beheerder het te maken met session-server report.",
            ));
        }
        Ok(msg)
    }
}

impl Actor {
    pub fn new(machine: Machine, store: Store, status: Arc<AtomicU8>, reports: Services) -> (Actor, mpsc::UnboundedReceiver<(u64, bool)>) {
        let (committed, results) = mpsc::unbounded_channel();
        let counted = MemberCount::new(reports.members.clone(), machine.state().members.len());
        (Actor { machine, peers: HashMap::new(), store, status, committed, reports, counted }, results)
    }

    pub async fn run(
        mut self,
        mut rx: mpsc::Receiver<Cmd>,
        mut results: mpsc::UnboundedReceiver<(u64, bool)>,
        shutdown: CancellationToken,
    ) {
        loop {
            let due = self.machine.next_due(Now::current());
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    self.command(cmd).await;
                    // Take what else is waiting before looking at timers again.
                    for _ in 0..256 {
                        match rx.try_recv() {
                            Ok(cmd) => self.command(cmd).await,
                            Err(_) => break,
                        }
                    }
                }
                Some((write, ok)) = results.recv() => self.feed(Input::Committed { write, ok }).await,
                () = sleep_until(due), if due.is_some() => self.feed(Input::Tick).await,
                () = shutdown.cancelled() => break,
            }
            if self.machine.finished(Now::current()) {
                // Nobody can reach it any more; whoever was just about to gets no answer from
                // here, sees the session gone, and finds it again (read back from the database).
                rx.close();
                tracing::info!(code = %self.machine.state().code, "ended session left memory");
                break;
            }
        }
        tracing::debug!(code = %self.machine.state().code, "session task finished");
    }

    async fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Attach { conn, out, how, reply } => {
                // Every join is a member kept in memory: the server as a whole holds a bounded number.
                if matches!(how, super::Attach::Player { .. }) && self.reports.members.load(Ordering::Relaxed) >= self.reports.max_members {
                    tracing::info!(code = %self.machine.state().code, "the server holds as many members as it may; a join refused");
                    let full = protocol::Refusal::new(
                        protocol::ErrorCode::SessionFull,
                        "De server is vol: er doen nu te veel mensen mee. Probeer het over een paar minuten opnieuw.",
                    );
                    let _ = reply.send(Err(full));
                    return;
                }
                self.peers.insert(conn, Peer { out, role: None, _counted: None, reply: Some(reply) });
                self.feed(Input::Attach { conn, how, token: new_token() }).await;
            }
            Cmd::Msg { conn, msg } => self.feed(Input::Msg { conn, msg }).await,
            Cmd::Leave { conn } => {
                self.peers.remove(&conn);
                self.feed(Input::Leave { conn }).await;
            }
            Cmd::End => self.feed(Input::End).await,
            Cmd::Revoke { hashes } => self.feed(Input::Revoke { hashes }).await,
        }
    }

    /// Hands `input` to the machine and carries out its effects; clients that could not keep up
    /// are dropped, and their leaving is the next input.
    async fn feed(&mut self, input: Input) {
        for conn in self.carry_out(input).await {
            tracing::info!(code = %self.machine.state().code, "dropping a client that cannot keep up; it can resume");
            self.peers.remove(&conn);
            Box::pin(self.feed(Input::Leave { conn })).await;
        }
        self.status.store(Status::of(self.machine.state()) as u8, Ordering::Relaxed);
        self.counted.update(self.machine.state().members.len());
    }

    async fn carry_out(&mut self, input: Input) -> Vec<u64> {
        let effects = self.machine.handle(input, Now::current());
        let mut slow = Vec::new();
        // Broadcasts next to each other (a reveal's `session` and `tally`) go out in one pass, so
        // each connection's writer wakes once for them and sends them in one system call.
        let mut broadcasts: Vec<(&'static [Role], Utf8Bytes)> = Vec::new();
        for effect in effects {
            if let Effect::Send { to: To::Roles(roles), msg } = effect {
                broadcasts.push((roles, encode(&msg)));
                continue;
            }
            self.broadcast(&mut broadcasts, &mut slow);
            self.apply(effect).await;
        }
        self.broadcast(&mut broadcasts, &mut slow);
        slow
    }

    /// Puts each text (serialised once, shared) in the outbox of every connection whose role it is for.
    fn broadcast(&self, texts: &mut Vec<(&'static [Role], Utf8Bytes)>, slow: &mut Vec<u64>) {
        if texts.is_empty() {
            return;
        }
        for (id, p) in &self.peers {
            let Some(role) = p.role else { continue };
            for (roles, text) in texts.iter() {
                if To::Roles(roles).reaches(*id, Some(role)) && !p.out.text(text.clone()) && p.out.is_kicked() {
                    slow.push(*id);
                    break;
                }
            }
        }
        texts.clear();
    }

    /// Carries out one effect that is not a broadcast (those go through [`Actor::broadcast`]).
    async fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::Write { id, ops } => {
                let results = self.committed.clone();
                let after = Box::new(move |ok| {
                    let _ = results.send((id, ok));
                });
                self.store.submit(ops, Some(after)).await;
            }
            Effect::Send { to: To::Roles(_), .. } => unreachable!("broadcasts are gathered in carry_out"),
            Effect::Send { to: To::Conn(conn), msg } => {
                if let Some(p) = self.peers.get(&conn) {
                    if let protocol::ServerMsg::Error { code, .. } = &msg {
                        self.store.metrics().refusal(*code);
                    }
                    p.out.msg(&msg);
                }
            }
            Effect::Joined { conn, role } => {
                if let Some(p) = self.peers.get_mut(&conn) {
                    p.role = Some(role);
                    p._counted = Some(self.store.metrics().member(role));
                    if let Some(reply) = p.reply.take() {
                        let _ = reply.send(Ok(role));
                    }
                }
            }
            Effect::Refused { conn, refusal } => {
                if let Some(reply) = self.peers.remove(&conn).and_then(|p| p.reply) {
                    let _ = reply.send(Err(refusal));
                }
            }
            Effect::Report { conn, format, of } => {
                let Some(p) = self.peers.get(&conn) else { return };
                let out = p.out.clone();
                // At most `report_jobs` render at once server-wide and `report_queue` wait for
                // their turn; beyond that the facilitator is asked to try again.
                let Some(place) = self.reports.queue() else {
                    self.store.metrics().refusal(protocol::ErrorCode::RateLimited);
                    out.msg(
                        &protocol::Refusal::new(
                            protocol::ErrorCode::RateLimited,
                            "De server maakt net veel verslagen; probeer het over een paar seconden opnieuw.",
                        )
                        .into(),
                    );
                    return;
                };
                let (reports, code) = (self.reports.clone(), self.machine.state().code.clone());
                tokio::spawn(async move {
                    let Ok(permit) = reports.jobs.clone().acquire_owned().await else { return };
                    drop(place);
                    let made = tokio::task::spawn_blocking(move || {
                        let _permit = permit;
                        reports.render(&code, format, of)
                    })
                    .await;
                    let msg = match made {
                        Ok(Ok(msg)) => msg,
                        Ok(Err(refusal)) => refusal.into(),
                        Err(_) => protocol::Refusal::from(protocol::ErrorCode::StorageFailed).into(),
                    };
                    out.msg(&msg);
                });
            }
            Effect::Close { conn, reason } => {
                if let Some(p) = self.peers.remove(&conn) {
                    p.out.push(Out::Close(CloseCode::Normal, reason));
                }
            }
        }
    }
}

async fn sleep_until(due: Option<tokio::time::Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}
