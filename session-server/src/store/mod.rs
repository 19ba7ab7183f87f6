//! Durable storage in SQLite: one writer thread commits jobs in groups and only then runs their follow-ups.
//!
//! Every change a session makes goes through [`Store::submit`]; the thread takes all jobs that are
//! waiting, runs them in one transaction, commits, and then calls each job's `after` with whether
//! the commit succeeded. That is where `answer_ack` is sent, so nothing acknowledged is lost.

mod load;
mod schema;
mod writer;

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

pub use load::{LoadedMember, LoadedSession, load_sessions};
pub use schema::open_connection;

/// What a job does once its transaction has committed (`true`) or failed (`false`).
pub type After = Box<dyn FnOnce(bool) + Send>;

/// One change to durable state.
#[derive(Debug, Clone)]
pub enum Op {
    CreateSession { code: String, title: String, scenario: String, deck_json: String, created_ms: i64 },
    Member { code: String, member: u32, role: &'static str, token_hash: [u8; 32], team: Option<String> },
    Answer { code: String, item: String, member: u32, option: String, at_ms: i64 },
    Phase { code: String, phase: &'static str, item: Option<String>, timer: Option<(i64, u32)> },
    Roles { code: String, item: String, assignments: Vec<(String, u32)> },
}

pub(crate) struct Job {
    pub op: Op,
    pub after: Option<After>,
}

/// A cloneable handle to the writer thread. The thread ends, after committing what it has,
/// once every handle is dropped.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}. Check that the folder exists and is writable.")]
    Open { path: String, source: rusqlite::Error },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the session {code} in the database has a deck that cannot be read: {source}")]
    Deck { code: String, source: serde_json::Error },
}

impl Store {
    /// Opens (or creates) the database, reads every session in it, and starts the writer thread.
    pub fn open(path: &Path) -> Result<(Store, Vec<LoadedSession>, JoinHandle<()>), StoreError> {
        let conn = open_connection(path)?;
        let sessions = load_sessions(&conn)?;
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer::run(conn, rx))
            .expect("spawning the store thread");
        Ok((Store { tx }, sessions, handle))
    }

    /// Queues `op`; `after` runs on the writer thread once it is committed (or has failed).
    pub fn submit(&self, op: Op, after: Option<After>) {
        if let Err(mpsc::SendError(Job { after: Some(after), .. })) = self.tx.send(Job { op, after }) {
            after(false);
        }
    }
}
