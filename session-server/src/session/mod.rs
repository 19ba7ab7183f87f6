//! One task per session (an actor) owns its phase, members, answers and connections; everyone else sends it commands.

mod actor;
mod commands;
mod roles;
mod state;

use std::sync::Arc;

use protocol::{ClientMsg, Refusal, Role};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Limits;
use crate::outbox::Outbox;
use crate::store::Store;

pub use roles::assign_roles;
pub(crate) use state::State;

/// How a connection enters a session.
#[derive(Debug, Clone)]
pub enum Attach {
    /// The creator of a new session becomes its facilitator.
    Create,
    Player { team: Option<String> },
    Watcher,
    Resume { token: String },
}

#[derive(Debug)]
pub(crate) enum Cmd {
    Attach { conn: u64, out: Outbox, how: Attach, reply: oneshot::Sender<Result<Role, Refusal>> },
    Msg { conn: u64, msg: ClientMsg },
    Leave { conn: u64 },
}

/// A cloneable way to reach a session's task.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    tx: mpsc::Sender<Cmd>,
    ended: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionHandle {
    pub(crate) fn spawn(
        state: State,
        store: Store,
        limits: Arc<Limits>,
        seed: Option<u64>,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> SessionHandle {
        let (tx, rx) = mpsc::channel(4096);
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(state.phase == protocol::Phase::Ended));
        let actor = actor::Actor::new(state, store, limits, seed, ended.clone());
        tracker.spawn(actor.run(rx, shutdown));
        SessionHandle { tx, ended }
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

    /// Whether the session has ended (it then no longer counts towards the session cap).
    pub fn is_ended(&self) -> bool {
        self.ended.load(std::sync::atomic::Ordering::Relaxed)
    }
}
