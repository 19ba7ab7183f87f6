//! `GET /healthz`: whether the store takes writes now, asked of the store itself, at most once a second however often a monitor asks.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::store::{Op, Store};

/// An answer younger than this is given again rather than asked anew.
const FRESH: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct Health {
    /// The last answer and when it was found; the lock makes concurrent checks wait for one probe.
    last: tokio::sync::Mutex<Option<(Instant, Result<(), &'static str>)>>,
}

impl Health {
    /// Puts a write that needs the write lock through the store and waits at most `wait` for it.
    pub async fn check(&self, store: &Store, shutdown: &CancellationToken, wait: Duration) -> Result<(), &'static str> {
        if shutdown.is_cancelled() {
            return Err("shutting down");
        }
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = *last
            && at.elapsed() < FRESH
        {
            return answer;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let probe = async {
            store
                .submit(
                    vec![Op::Probe],
                    Some(Box::new(move |ok| {
                        let _ = tx.send(ok);
                    })),
                )
                .await;
            rx.await
        };
        let answer = match tokio::time::timeout(wait, probe).await {
            Ok(Ok(true)) => Ok(()),
            Ok(_) => Err(
                "the store cannot write (the database is locked by another program, its disk is full, or it cannot be opened for writing)",
            ),
            Err(_) => Err("the store is not keeping up with its writes"),
        };
        if let Err(why) = answer {
            tracing::warn!(why, "health check failed");
        }
        *last = Some((Instant::now(), answer));
        answer
    }
}
