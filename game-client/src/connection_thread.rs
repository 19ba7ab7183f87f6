//! The client's network: one websocket on its own thread with a tokio runtime; it reconnects and resumes by itself.
//!
//! Nothing here knows about Bevy: commands go in over one channel, events come out over another,
//! so the end-to-end test drives exactly this against the real server.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, ServerMsg};
use rand::Rng;
use session_server::wire::frame;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone)]
pub enum NetCmd {
    /// Connect to `url` and send `opening` first; replaces any current connection.
    Connect {
        url: String,
        opening: ClientMsg,
    },
    Send(ClientMsg),
    /// Drop the connection and forget the session.
    Disconnect,
    /// After [`Final::OpenedElsewhere`]: go on on this device (resume here; the other one is closed).
    TakeOver,
}

/// Why a connection closed for good: the client does not try again by itself, and says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Final {
    /// This app and the server speak different protocol versions: update the app.
    ProtocolMismatch,
    /// The same member opened the session on another device or window.
    OpenedElsewhere,
}

/// Whether a close ends the connection for good. Everything else (network loss, a server restart
/// 1001, "could not keep up" 1013, a rate limit) is temporary: reconnect with back-off.
pub fn final_close(code: u16, reason: &str, last_error: Option<ErrorCode>) -> Option<Final> {
    match (code, last_error) {
        (1008, Some(ErrorCode::ProtocolMismatch)) => Some(Final::ProtocolMismatch),
        (1000, _) if reason == "elders opnieuw verbonden" => Some(Final::OpenedElsewhere),
        _ => None,
    }
}

/// The state of the link, for the "verbinding verbroken" indicator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Link {
    #[default]
    Idle,
    Connecting,
    Connected,
    /// Lost; trying again in a moment (`attempt` counts from 1).
    Lost {
        attempt: u32,
        reason: String,
    },
    /// Closed for good; nothing is retried until the person chooses.
    Closed(Final),
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a handful a frame, moved once into the view
pub enum NetEvent {
    Link(Link),
    /// A new connection's handshake, just before its `Link::Connected`: the server it went to,
    /// and whether it carried the app's sign-in there (`Authorization: Bearer`).
    Handshake {
        server: String,
        signed_in: bool,
    },
    Msg(ServerMsg),
}

/// Called on the network thread after each event, so a window that sleeps until something
/// happens wakes up for it.
pub type Waker = std::sync::Arc<std::sync::Mutex<Option<Box<dyn Fn() + Send>>>>;

/// The app's sign-in per server (websocket address → token), sent at every handshake to that server.
type Tokens = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>;

/// Both ends of the client's network thread.
pub struct NetHandle {
    cmds: UnboundedSender<NetCmd>,
    events: UnboundedReceiver<NetEvent>,
    waker: Waker,
    tokens: Tokens,
}

impl NetHandle {
    pub fn spawn() -> NetHandle {
        let (cmds, cmd_rx) = unbounded_channel();
        let (event_tx, events) = unbounded_channel();
        let waker: Waker = Default::default();
        let wake = waker.clone();
        let tokens: Tokens = Default::default();
        let used = tokens.clone();
        std::thread::Builder::new()
            .name("network".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("network runtime");
                rt.block_on(run(cmd_rx, event_tx, wake, used));
            })
            .expect("spawning the network thread");
        NetHandle { cmds, events, waker, tokens }
    }

    /// What wakes the window's event loop (for other threads that bring news, such as the sign-in).
    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    /// From the next handshake on, connections to `server` carry `token` (the app's sign-in at
    /// that server), or nothing (`None`: signed out).
    pub fn sign_in(&self, server: &str, token: Option<&str>) {
        let mut tokens = self.tokens.lock().expect("tokens lock");
        match token {
            Some(t) => tokens.insert(server.to_owned(), t.to_owned()),
            None => tokens.remove(server),
        };
    }

    /// From now on, `wake` is called after each event (the window's event loop wakes for it).
    pub fn set_waker(&self, wake: impl Fn() + Send + 'static) {
        *self.waker.lock().expect("waker lock") = Some(Box::new(wake));
    }

    pub fn send(&self, cmd: NetCmd) {
        let _ = self.cmds.send(cmd);
    }

    pub fn try_recv(&mut self) -> Option<NetEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `wait` for the next event (for tests and tools; the game polls with `try_recv`).
    pub async fn recv_timeout(&mut self, wait: Duration) -> Option<NetEvent> {
        tokio::time::timeout(wait, self.events.recv()).await.ok().flatten()
    }
}

/// Delay before reconnect attempt `n` (from 1): 0.5 s doubling to 10 s, each time ±50 % at random,
/// so a room that lost the Wi-Fi does not come back all in the same millisecond.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = 0.5 * 2f64.powi(attempt.saturating_sub(1).min(5) as i32);
    Duration::from_secs_f64(base.min(10.0) * (0.5 + jitter.clamp(0.0, 1.0)))
}

struct Target {
    url: String,
    opening: ClientMsg,
    /// Set by `welcome`: from then on a reconnect resumes instead of opening anew.
    resume: Option<(String, String)>,
}

enum After {
    Reconnect(String),
    Final(Final),
    NewTarget(Option<Target>),
    Quit,
}

/// Opens the websocket to `url`, with the app's sign-in there when it has one (and says whether).
/// A token that makes no header (a settings file edited by hand) is left out: the server then
/// says nobody is signed in.
async fn open(url: &str, token: Option<String>) -> Result<(session_server::wire::Ws, bool), String> {
    let request = token.and_then(|t| {
        dilemma_tools::signin::bearer(url, &t)
            .inspect_err(|e| tracing::warn!(error = %e, "the stored sign-in cannot be sent; connecting without it"))
            .ok()
    });
    let signed_in = request.is_some();
    let (ws, _) = match request {
        Some(request) => tokio_tungstenite::connect_async(request).await,
        None => tokio_tungstenite::connect_async(url).await,
    }
    .map_err(|e| e.to_string())?;
    Ok((ws, signed_in))
}

async fn run(mut cmds: UnboundedReceiver<NetCmd>, events: UnboundedSender<NetEvent>, waker: Waker, tokens: Tokens) {
    let emit = |e: NetEvent| {
        let _ = events.send(e);
        if let Some(wake) = waker.lock().expect("waker lock").as_ref() {
            wake();
        }
    };
    let mut target: Option<Target> = None;
    let mut attempt = 0u32;
    loop {
        let Some(t) = target.as_mut() else {
            emit(NetEvent::Link(Link::Idle));
            match cmds.recv().await {
                Some(NetCmd::Connect { url, opening }) => target = Some(Target { url, opening, resume: None }),
                Some(_) => {}
                None => return,
            }
            continue;
        };
        emit(NetEvent::Link(Link::Connecting));
        let token = tokens.lock().expect("tokens lock").get(&t.url).cloned();
        let after = match open(&t.url, token).await {
            Ok((ws, signed_in)) => {
                attempt = 0;
                emit(NetEvent::Handshake { server: t.url.clone(), signed_in });
                emit(NetEvent::Link(Link::Connected));
                session(ws, t, &mut cmds, &emit).await
            }
            Err(e) => After::Reconnect(e),
        };
        match after {
            After::Quit => return,
            After::Final(why) => {
                emit(NetEvent::Link(Link::Closed(why)));
                // Wait for the person: go on here, go elsewhere, or stop.
                loop {
                    match cmds.recv().await {
                        None => return,
                        Some(NetCmd::TakeOver) => break,
                        Some(NetCmd::Connect { url, opening }) => {
                            target = Some(Target { url, opening, resume: None });
                            break;
                        }
                        Some(NetCmd::Disconnect) => {
                            target = None;
                            break;
                        }
                        Some(NetCmd::Send(_)) => {}
                    }
                }
                attempt = 0;
            }
            After::NewTarget(new) => {
                attempt = 0;
                target = new;
            }
            After::Reconnect(reason) => {
                attempt += 1;
                emit(NetEvent::Link(Link::Lost { attempt, reason }));
                let wait = backoff(attempt, rand::rng().random());
                // Commands given while waiting still count: a new address, or giving up.
                let sleep = tokio::time::sleep(wait);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        () = &mut sleep => break,
                        cmd = cmds.recv() => match cmd {
                            None => return,
                            Some(NetCmd::Connect { url, opening }) => {
                                target = Some(Target { url, opening, resume: None });
                                attempt = 0;
                                break;
                            }
                            Some(NetCmd::Disconnect) => {
                                target = None;
                                break;
                            }
                            Some(NetCmd::Send(_) | NetCmd::TakeOver) => {}
                        }
                    }
                }
            }
        }
    }
}

async fn session(
    mut ws: session_server::wire::Ws,
    t: &mut Target,
    cmds: &mut UnboundedReceiver<NetCmd>,
    emit: &impl Fn(NetEvent),
) -> After {
    let first = match &t.resume {
        Some((code, token)) => ClientMsg::Resume { protocol: PROTOCOL_VERSION, code: code.clone(), token: token.clone() },
        None => t.opening.clone(),
    };
    let resuming = t.resume.is_some();
    let mut last_error = None;
    if ws.send(frame(&first)).await.is_err() {
        return After::Reconnect("verzenden mislukt".into());
    }
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(body))) => {
                    let Ok(msg) = serde_json::from_str::<ServerMsg>(body.as_str()) else { continue };
                    if let ServerMsg::Error { code, .. } = &msg {
                        last_error = Some(*code);
                    }
                    match &msg {
                        ServerMsg::Welcome { code, token, .. } => t.resume = Some((code.clone(), token.clone())),
                        ServerMsg::Error { code: ErrorCode::Unauthorized | ErrorCode::UnknownSession, .. } if resuming && t.resume.is_some() => {
                            // The server no longer knows us (a new database): start over.
                            emit(NetEvent::Msg(msg));
                            let _ = ws.close(None).await;
                            return After::NewTarget(Some(Target { url: t.url.clone(), opening: ClientMsg::ListScenarios { protocol: PROTOCOL_VERSION }, resume: None }));
                        }
                        _ => {}
                    }
                    emit(NetEvent::Msg(msg));
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                    return match final_close(code, &reason, last_error) {
                        Some(why) => After::Final(why),
                        None => After::Reconnect(reason),
                    };
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return After::Reconnect(e.to_string()),
                None => return After::Reconnect("verbinding gesloten".into()),
            },
            cmd = cmds.recv() => match cmd {
                None => return After::Quit,
                Some(NetCmd::Send(m)) => {
                    if ws.send(frame(&m)).await.is_err() {
                        return After::Reconnect("verzenden mislukt".into());
                    }
                }
                Some(NetCmd::Connect { url, opening }) => {
                    let _ = ws.close(None).await;
                    return After::NewTarget(Some(Target { url, opening, resume: None }));
                }
                Some(NetCmd::Disconnect) => {
                    let _ = ws.close(None).await;
                    return After::NewTarget(None);
                }
                Some(NetCmd::TakeOver) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_closes_are_final() {
        assert_eq!(final_close(1008, "andere protocolversie", Some(ErrorCode::ProtocolMismatch)), Some(Final::ProtocolMismatch));
        assert_eq!(final_close(1000, "elders opnieuw verbonden", None), Some(Final::OpenedElsewhere));
        assert_eq!(final_close(1008, "te veel berichten", Some(ErrorCode::RateLimited)), None, "a rate limit passes");
        assert_eq!(final_close(1001, "de server stopt", None), None, "a restart comes back");
        assert_eq!(final_close(1013, "te traag", None), None);
        assert_eq!(final_close(1006, "", None), None);
    }

    #[test]
    fn backoff_doubles_to_ten_seconds_with_jitter() {
        assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(2, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(6, 0.5), Duration::from_secs(10));
        assert_eq!(backoff(60, 0.5), Duration::from_secs(10));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(750));
    }
}
