//! A connection's bounded queue of outgoing messages; whoever fills it up gets the connection dropped.

use protocol::ServerMsg;

pub use crate::wire::encode;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_util::sync::CancellationToken;

/// What the writer task of a connection does next.
#[derive(Debug)]
pub enum Out {
    Text(Utf8Bytes),
    Ping,
    Close(CloseCode, &'static str),
}

/// Cloneable sending side. Sending never waits: a full queue kicks the client instead of
/// stalling the session that is sending.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Out>,
    kick: CancellationToken,
}

impl Outbox {
    pub fn new(capacity: usize) -> (Outbox, mpsc::Receiver<Out>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Outbox { tx, kick: CancellationToken::new() }, rx)
    }

    /// Queues `out`; `false` when the client is gone or was just kicked for being too slow.
    pub fn push(&self, out: Out) -> bool {
        match self.tx.try_send(out) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.kick.cancel();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    pub fn text(&self, text: Utf8Bytes) -> bool {
        self.push(Out::Text(text))
    }

    pub fn msg(&self, msg: &ServerMsg) -> bool {
        self.text(encode(msg))
    }

    /// The token the writer watches: cancelled when this client is dropped for being too slow.
    pub fn kick_token(&self) -> CancellationToken {
        self.kick.clone()
    }

    pub fn kicked(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.kick.cancelled()
    }

    pub fn is_kicked(&self) -> bool {
        self.kick.is_cancelled()
    }
}
