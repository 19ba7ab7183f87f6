//! Durable storage in SQLite: one writer thread commits jobs in groups and only then runs their follow-ups.
//!
//! Every change a session makes goes through [`Store::submit`] as a job of one or more ops that
//! stand or fall together; the thread takes all jobs that are waiting, runs them in one transaction
//! (each job in its own savepoint, so one bad job fails alone), commits, and then calls each job's
//! `after` with whether it is committed. The session applies and announces a change only then.

mod audit;
pub mod backup;
mod db;
mod decks;
mod load;
pub mod lock;
mod operator;
mod owners;
mod report;
mod schema;
mod staff;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::metrics::Metrics;

pub use audit::AuditRow;
pub use db::Db;
use load::load_sessions;
pub use load::{LoadedMember, LoadedSession, Which};
pub use operator::SessionRow;
pub use owners::{MAX_LEAD_TOKENS, StaffSessionRow};
use protocol::{Phase, Role};
pub use report::{AnswerRow, ReportRows};
pub use schema::open_connection;
pub use staff::StaffRow;

/// The member of staff a session belongs to: the provider's user id and the name it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub subject: String,
    pub name: String,
}

/// What a job does once its transaction has committed (`true`) or failed (`false`).
pub type After = Box<dyn FnOnce(bool) + Send>;

/// One change to durable state.
#[derive(Debug, Clone)]
pub enum Op {
    /// A new session; `follows` is the earlier session it is a follow-up of.
    CreateSession {
        code: String,
        title: String,
        scenario: String,
        deck_json: String,
        created_ms: i64,
        follows: Option<String>,
        /// The signed-in member of staff who created it, on a server with accounts: they may lead it from any browser.
        owner: Option<Owner>,
    },
    /// One more token that leads session `code` as its facilitator: a signed-in member of staff's `lead` from another browser.
    LeadToken {
        code: String,
        token_hash: [u8; 32],
        /// For whom (`sub:…` or `name:…`, as in `session_staff`), so it can be taken back.
        via: String,
        at_ms: i64,
    },
    Member {
        code: String,
        member: u32,
        role: Role,
        token_hash: [u8; 32],
        team: Option<String>,
    },
    Answer {
        code: String,
        item: String,
        member: u32,
        option: String,
        at_ms: i64,
    },
    Phase {
        code: String,
        phase: Phase,
        item: Option<String>,
        timer: Option<(i64, u32)>,
    },
    Roles {
        code: String,
        item: String,
        assignments: Vec<(String, u32)>,
    },
    Agreement {
        code: String,
        number: u32,
        item: Option<String>,
        text: String,
        at_ms: i64,
    },
    DropAgreement {
        code: String,
        number: u32,
    },
    /// What an item asks of players besides the answer, as the facilitator set it.
    Ask {
        code: String,
        item: String,
        predict: bool,
        reasons: bool,
    },
    Guess {
        code: String,
        item: String,
        member: u32,
        percent: u32,
    },
    /// A reason given (`Some`, with its random place in the order) or withdrawn (`None`).
    Reason {
        code: String,
        item: String,
        member: u32,
        text: Option<(String, u64)>,
    },
    /// The session's deck, grown by a statement from the room.
    Deck {
        code: String,
        deck_json: String,
    },
    /// The answers to `item` as the room saw them at this reveal: what a later reveal is compared with.
    Revealed {
        code: String,
        item: String,
    },
    /// The facilitator's private preview of the live result turned on or off.
    Preview {
        code: String,
        on: bool,
    },
    /// Changes nothing but needs the write lock: the health check's question "can the store write?".
    Probe,
}

/// Ops that are committed together or not at all, and what to do after.
pub(crate) struct Job {
    pub ops: Vec<Op>,
    pub after: Option<After>,
    /// The submitting session's place in its share of the queue, given back once the job is done.
    pub _share: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// A cloneable handle to the writer thread. The thread ends, after committing what it has,
/// once every handle is dropped. Its queue is bounded: when the disk cannot keep up, whoever
/// submits waits (see [`Store::submit`]) instead of memory filling up.
#[derive(Clone)]
pub struct Store {
    tx: tokio::sync::mpsc::Sender<Job>,
    metrics: Arc<Metrics>,
    /// For one session's handle: how many of its jobs may wait for the writer at once, so that one
    /// flooded room never puts more than that in front of every other room's writes.
    share: Option<Arc<tokio::sync::Semaphore>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}. Check that the folder exists and is writable.")]
    Open { path: String, source: rusqlite::Error },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl Store {
    /// Opens (or creates) the database, reads every session in it, and starts the writer thread.
    /// A write that waits longer than `busy` for a lock another program holds fails; at most
    /// `queue` writes wait for the writer.
    pub fn open(
        path: &Path,
        busy: Duration,
        queue: usize,
        metrics: Arc<Metrics>,
    ) -> Result<(Store, Vec<LoadedSession>, JoinHandle<()>), StoreError> {
        let conn = open_connection(path)?;
        conn.busy_timeout(busy).map_err(StoreError::Sql)?;
        let sessions = load_sessions(&conn, Which::Live)?;
        let (tx, rx) = tokio::sync::mpsc::channel(queue.max(1));
        let counted = metrics.clone();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer::run(conn, rx, &counted))
            .expect("spawning the store thread");
        Ok((Store { tx, metrics, share: None }, sessions, handle))
    }

    /// A handle for one session, whose jobs take at most `share` places of the queue at once.
    pub fn for_session(&self, share: usize) -> Store {
        Store { share: Some(Arc::new(tokio::sync::Semaphore::new(share.max(1)))), ..self.clone() }
    }

    /// The server's metrics, which every holder of the store counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Writes waiting for the writer thread now.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Queues `ops` as one job; `after` runs on the writer thread once it is committed (`true`) or
    /// has failed. With the queue full, or a session's share of it taken, this waits for room: the
    /// session that submits then stops taking commands, and its members' connections stop being
    /// read, so a flood slows down at its source and other rooms' writes go first.
    pub async fn submit(&self, ops: Vec<Op>, after: Option<After>) {
        let share = match &self.share {
            Some(share) => share.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Err(tokio::sync::mpsc::error::SendError(Job { after: Some(after), .. })) =
            self.tx.send(Job { ops, after, _share: share }).await
        {
            after(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(member: u32) -> Vec<Op> {
        vec![Op::Answer { code: "AAAAAA".into(), item: "a".into(), member, option: "eens".into(), at_ms: 1 }]
    }

    #[tokio::test]
    async fn one_session_takes_at_most_its_share_of_the_queue_and_another_is_not_held_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let (store, _, writer) = Store::open(&db, Duration::from_secs(5), 1000, Metrics::new()).unwrap();
        // The disk is stuck: nothing commits, so every job stays queued.
        let held = rusqlite::Connection::open(&db).unwrap();
        held.execute_batch("BEGIN IMMEDIATE").unwrap();
        let (flooded, other) = (store.for_session(5), store.for_session(5));
        let mut waiting = Vec::new();
        for member in 0..6 {
            let s = flooded.clone();
            waiting.push(tokio::spawn(async move { s.submit(answer(member), None).await }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let submitted = waiting.iter().filter(|t| t.is_finished()).count();
        assert_eq!(submitted, 5, "the flooded session's sixth write waits for its share");
        // The other session's write goes into the queue at once.
        tokio::time::timeout(Duration::from_secs(1), other.submit(answer(99), None)).await.expect("not held up by the other session");
        held.execute_batch("COMMIT").unwrap();
        for t in waiting {
            tokio::time::timeout(Duration::from_secs(10), t).await.unwrap().unwrap();
        }
        drop((store, flooded, other));
        writer.join().unwrap();
    }
}
