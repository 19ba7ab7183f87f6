//! One task per session: [`machine::Machine`] holds its rules and committed state, [`actor`] carries out what it decides.

mod actor;
mod agreements;
mod announce;
mod coalesce;
mod extras;
mod machine;
mod members;
mod play;
mod roles;
mod room;
mod state;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use protocol::{ClientMsg, Refusal, Role};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Limits;
use crate::outbox::Outbox;
use crate::store::Store;

pub(crate) use actor::Services;
pub use roles::assign_roles;
pub(crate) use state::State;

/// How a connection enters a session.
#[derive(Debug, Clone)]
pub enum Attach {
    /// The creator of a new session becomes its facilitator.
    Create,
    Player {
        team: Option<String>,
    },
    Watcher,
    Resume {
        token: String,
    },
    /// A signed-in member of staff whom the hub found may lead it (its creator, a colleague it was
    /// handed to, an operator) comes in as its facilitator, with a token of their own; `via` is
    /// how they may (`sub:…` or `name:…`, as `session_staff` says), so taking it back from a
    /// colleague takes their tokens too.
    Lead {
        via: String,
    },
}

#[derive(Debug)]
pub(crate) enum Cmd {
    Attach {
        conn: u64,
        out: Outbox,
        how: Attach,
        reply: oneshot::Sender<Result<Role, Refusal>>,
    },
    Revoke {
        hashes: Vec<[u8; 32]>,
    },
    Msg {
        conn: u64,
        msg: ClientMsg,
    },
    Leave {
        conn: u64,
    },
    /// The operator ends the session.
    End,
}

/// Where a session is, as the registry needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Status {
    /// Its creation is not stored yet: nobody can find it.
    Creating = 0,
    Live = 1,
    Ended = 2,
}

impl Status {
    pub(crate) fn of(state: &State) -> Status {
        match (state.created, state.phase) {
            (false, _) => Status::Creating,
            (true, protocol::Phase::Ended) => Status::Ended,
            (true, _) => Status::Live,
        }
    }
}

/// A cloneable way to reach a session's task.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Cmd>,
    status: Arc<AtomicU8>,
    /// The deck's language (`nl`, `en`, or empty): the join page with this code speaks it.
    language: Arc<str>,
    code: Arc<str>,
}

impl SessionHandle {
    pub(crate) fn spawn(
        state: State,
        store: Store,
        limits: Arc<Limits>,
        seed: Option<u64>,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
        reports: actor::Services,
    ) -> SessionHandle {
        let (tx, rx) = mpsc::channel(4096);
        let status = Arc::new(AtomicU8::new(Status::of(&state) as u8));
        let language: Arc<str> = Arc::from(state.deck.language.as_str());
        let code: Arc<str> = Arc::from(state.code.as_str());
        let (actor, results) =
            actor::Actor::new(machine::Machine::new(state, limits, seed, crate::now_ms()), store, status.clone(), reports);
        tracker.spawn(actor.run(rx, results, shutdown));
        SessionHandle { tx, status, language, code }
    }

    /// The session's join code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The language of the session's deck.
    pub fn language(&self) -> &str {
        &self.language
    }

    pub async fn attach(&self, conn: u64, out: Outbox, how: Attach) -> Result<Role, Refusal> {
        let (reply, rx) = oneshot::channel();
        let gone = || Refusal::new(protocol::ErrorCode::SessionEnded, "De server stopt; probeer het zo opnieuw.");
        self.tx.send(Cmd::Attach { conn, out, how, reply }).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    pub async fn send(&self, conn: u64, msg: ClientMsg) {
        let _ = self.tx.send(Cmd::Msg { conn, msg }).await;
    }

    pub async fn leave(&self, conn: u64) {
        let _ = self.tx.send(Cmd::Leave { conn }).await;
    }

    /// Ends the session as the server (the operator asked); stored, then announced.
    pub async fn end(&self) {
        let _ = self.tx.send(Cmd::End).await;
    }

    /// These facilitator tokens count no more (see [`machine::Input::Revoke`]).
    pub async fn revoke(&self, hashes: Vec<[u8; 32]>) {
        let _ = self.tx.send(Cmd::Revoke { hashes }).await;
    }

    /// Whether its task has finished: it ended and left memory (or the server stops). A session
    /// that left memory is read back from the database when someone asks for it.
    pub fn is_gone(&self) -> bool {
        self.tx.is_closed()
    }

    fn status(&self) -> u8 {
        self.status.load(Ordering::Relaxed)
    }

    /// Whether the session has ended (it then no longer counts towards the session cap).
    pub fn is_ended(&self) -> bool {
        self.status() == Status::Ended as u8
    }

    /// Whether its creation is stored, so that it may be found by its code.
    pub fn is_created(&self) -> bool {
        self.status() != Status::Creating as u8
    }
}
