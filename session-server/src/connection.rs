//! One websocket connection: the handshake, a reader that checks limits and forwards messages, a writer fed by the outbox.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Refusal, ServerMsg, flow};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use crate::address::PublicUrl;
use std::sync::Arc;

use crate::config::Limits;
use crate::forwarded::ClientAddr;
use crate::http;
use crate::hub::{Admitted, Hub};
use crate::metrics::Metrics;
use crate::outbox::{Out, Outbox};
use crate::ratelimit::RateLimiter;
use crate::rewind::Rewind;
use crate::session::{Attach, SessionHandle};
use crate::web::Page;

/// The websocket settings every connection gets: small buffers (memory per idle player) and the frame limit.
/// Writes are buffered until the writer task flushes, so what is queued together (a reveal's
/// `session` and `tally`) leaves in one system call.
pub fn ws_config(limits: &Limits) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(16 * 1024)
        .max_message_size(Some(limits.max_frame_bytes))
        .max_frame_size(Some(limits.max_frame_bytes))
}

/// A future on the heap, made outside the future that awaits it: built inline, its space would stay
/// part of that future (and of every connection's task) for the connection's whole life.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Serves one accepted TCP connection until it closes: the per-address admission, TLS where the
/// server has a certificate, then the request. Errors end this connection only.
pub async fn accept(tcp: TcpStream, peer: SocketAddr, hub: Hub, tls: Option<TlsAcceptor>) {
    let _ = tcp.set_nodelay(true);
    let local = tcp.local_addr().unwrap_or(peer);
    // A peer that is not a trusted proxy is its own client: counted before anything is read, so a
    // flood from one address is refused cheaply. A proxy's client is known once its head is read.
    let early = if hub.config().trusted_proxies.contains(peer.ip()) {
        None
    } else {
        match hub.admit(ClientAddr::direct(peer.ip(), tls.is_some())) {
            Some(admitted) => Some(admitted),
            None => {
                tracing::info!(client = %peer.ip(), "too many connections from this address; refused");
                hub.metrics().refused_by_limit("connections_per_address");
                if tls.is_none() {
                    refuse_busy(tcp).await;
                }
                return;
            }
        }
    };
    match tls {
        None => serve(tcp, Conn { peer, local, tls: false, early, hub }).await,
        Some(acceptor) => over_tls(acceptor, tcp, Conn { peer, local, tls: true, early, hub }).await,
    }
}

/// What a connection is, besides its stream.
struct Conn {
    peer: SocketAddr,
    local: SocketAddr,
    tls: bool,
    early: Option<Admitted>,
    hub: Hub,
}

fn refuse_busy(mut tcp: TcpStream) -> Boxed<'static, ()> {
    Box::pin(async move { http::refuse_busy(&mut tcp, false).await })
}

/// The TLS handshake (bounded in time), then the connection over it.
fn over_tls(acceptor: TlsAcceptor, tcp: TcpStream, conn: Conn) -> Boxed<'static, ()> {
    Box::pin(async move {
        match tokio::time::timeout(conn.hub.limits().handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => serve(stream, conn).await,
            Ok(Err(e)) => {
                conn.hub.metrics().tls_failed();
                tracing::debug!(peer = %conn.peer, error = %e, "TLS handshake failed (plain HTTP on the HTTPS port?); closing");
            }
            Err(_) => {
                conn.hub.metrics().tls_failed();
                tracing::debug!(peer = %conn.peer, "TLS handshake timed out; closing");
            }
        }
    })
}

/// Serves one connection (plain or TLS) from its first byte: a page, or the websocket.
fn serve<S>(mut stream: S, conn: Conn) -> Boxed<'static, ()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    Box::pin(async move {
        let Conn { peer, local, tls, early, hub } = conn;
        let Some((req, head)) = read_request(&mut stream, peer, tls, hub.clone()).await else { return };
        let _admitted = match early {
            Some(admitted) => admitted,
            None => match hub.admit(req.client) {
                Some(admitted) => admitted,
                None => {
                    tracing::info!(client = %req.client.ip, "too many connections from this address (behind the proxy); refused with 503");
                    hub.metrics().refused_by_limit("connections_per_address");
                    return answer(&mut stream, req, http::busy()).await;
                }
            },
        };
        let config = hub.config();
        if req.path() != "/healthz" && !crate::address::host_allowed(req.host.as_deref(), config.public_url.as_ref(), &config.allowed_hosts)
        {
            tracing::info!(client = %req.client.ip, "a request for a host name this server does not have; answered 421");
            let page = Page::text(
                421,
                "Deze server kent deze naam niet; open het adres dat op het scherm staat.\nThis server does not answer to this name.\n",
            );
            return answer(&mut stream, req, page).await;
        }
        if req.path() != "/ws" {
            return page(&mut stream, req, local, hub.clone()).await;
        }
        if req.method != "GET" || !req.upgrade {
            let page = Page::text(426, "Hier is de websocket; open / in een browser. / This is the websocket; open / in a browser.\n");
            return answer(&mut stream, req, page).await;
        }
        // A browser page is never "this machine", even in the laptop's own browser: only the desktop
        // app (no Origin) gets the server's own machine's trainer rights.
        let client = ClientAddr { this_machine: req.client.this_machine && req.origin.is_none(), ..req.client };
        // On a server with accounts the browser's sign-in (its cookie's token) goes with the
        // connection; it is looked up each time it is used, so signing out or expiring counts at once.
        // The desktop app (no Origin: no browser page) sends its own token instead (RFC 8252 sign-in).
        let app = req.bearer.as_deref().filter(|_| req.origin.is_none());
        let staff =
            hub.accounts().and_then(|a| app.or_else(|| req.cookie.as_deref().and_then(|c| a.token_in(c)))).map(crate::secrets::hash_token);
        websocket(Rewind::new(head, stream), client, staff, req.origin.is_some(), hub).await;
    })
}

fn read_request<S>(stream: &mut S, peer: SocketAddr, tls: bool, hub: Hub) -> Boxed<'_, Option<(http::Request, Vec<u8>)>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    Box::pin(async move {
        let proxies = &hub.config().trusted_proxies;
        http::read_request(stream, peer, tls, proxies, hub.limits().handshake_timeout).await
    })
}

/// Answers `req` with `page` (HSTS over HTTPS) and closes.
fn answer<S>(stream: &mut S, req: http::Request, page: Page) -> Boxed<'_, ()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    Box::pin(async move { http::answer(stream, &req.method, page, req.client.https).await })
}

/// A request that is not the websocket: the health check or a page.
fn page<S>(stream: &mut S, req: http::Request, local: SocketAddr, hub: Hub) -> Boxed<'_, ()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    Box::pin(async move {
        let page = crate::pages::answer(&req, local, &hub).await;
        tracing::debug!(client = %req.client.ip, path = req.path(), status = page.status, "page");
        hub.metrics().sent(page.sent_len());
        http::answer(stream, &req.method, page, req.client.https).await;
    })
}

/// The websocket of one client, from the handshake until it closes.
#[allow(clippy::result_large_err)] // the origin check's error type is tungstenite's handshake callback signature
async fn websocket<S>(stream: Rewind<S>, client: ClientAddr, staff: Option<[u8; 32]>, page: bool, hub: Hub)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let public = hub.config().public_url.clone();
    let check = move |req: &Request, resp: Response| check_origin(req, resp, public.as_ref(), client.https);
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, check, Some(ws_config(hub.limits())));
    let ws = match tokio::time::timeout(hub.limits().handshake_timeout, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            tracing::debug!(client = %client.ip, error = %e, "websocket handshake failed");
            return;
        }
        Err(_) => {
            tracing::debug!(client = %client.ip, "websocket handshake timed out");
            return;
        }
    };
    let (sink, stream) = ws.split();
    let (outbox, rx) = Outbox::new(hub.limits().outbox);
    let writer = tokio::spawn(write_loop(sink, rx, outbox.kick_token(), hub.metrics().clone()));
    let mut conn = Connection { id: hub.next_conn_id(), client, staff, page, hub, outbox, session: None, role: None, audited: Vec::new() };
    conn.read_loop(stream).await;
    if let Some(session) = conn.session.take() {
        session.leave(conn.id).await;
    }
    conn.outbox.push(Out::Close(CloseCode::Normal, ""));
    drop(conn);
    // A client that reads nothing must not keep a task and a socket here forever.
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(5), writer).await.is_err() {
        abort.abort();
    }
}

/// Browser pages may open the websocket only when this server served them (403 otherwise), so a
/// page elsewhere cannot play or watch on a participant's behalf: the page's origin is the host it
/// reached, or the server's public address. Clients without an `Origin` header (the desktop
/// client, the tools) are not browsers and are let in. Over HTTPS the answer carries HSTS.
#[allow(clippy::result_large_err)] // the error type is tungstenite's handshake callback signature
fn check_origin(req: &Request, mut resp: Response, public: Option<&PublicUrl>, https: bool) -> Result<Response, ErrorResponse> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let allowed = match header("origin") {
        None => true,
        Some(origin) => http::same_origin(origin, header("host").unwrap_or_default()) || public.is_some_and(|p| p.is_origin(origin)),
    };
    if allowed {
        if https {
            resp.headers_mut().insert("strict-transport-security", tungstenite::http::HeaderValue::from_static(http::HSTS));
        }
        return Ok(resp);
    }
    tracing::info!(origin = header("origin"), "websocket from a page of another site refused (403)");
    let body = "Verboden: alleen pagina's van deze server. / Forbidden: only this server's pages.\n";
    let mut e = ErrorResponse::new(Some(body.into()));
    *e.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
    // The headers every other answer carries.
    let headers = e.headers_mut();
    let mut set = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) =
            (tungstenite::http::HeaderName::from_bytes(name.as_bytes()), tungstenite::http::HeaderValue::from_str(value))
        {
            headers.insert(n, v);
        }
    };
    set("content-type", "text/plain; charset=utf-8");
    set("content-length", &body.len().to_string());
    for (name, value) in http::SAFE_HEADERS {
        set(name, value);
    }
    if https {
        set("strict-transport-security", http::HSTS);
    }
    Err(e)
}

struct Connection {
    id: u64,
    client: ClientAddr,
    /// The SHA-256 of the sign-in token in the cookie of the browser that opened it, or of the
    /// desktop app's token (read at the handshake).
    staff: Option<[u8; 32]>,
    /// A browser page opened it (its handshake had an `Origin`).
    page: bool,
    hub: Hub,
    outbox: Outbox,
    session: Option<SessionHandle>,
    /// The role this connection has in its session, once in.
    role: Option<protocol::Role>,
    /// The lines this connection wrote to the audit log in the last minute (at most 16): the same
    /// again within that minute (a facilitator who downloads a report twice) is not written twice,
    /// and a connection writes at most 16 lines a minute.
    audited: Vec<(&'static str, String, Instant)>,
}

enum Next {
    Continue,
    Stop,
}

impl Connection {
    /// Reads frames generically over any websocket stream, so it works with any transport.
    async fn read_loop<S>(&mut self, mut stream: S)
    where
        S: Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
    {
        let limits = self.hub.limits().clone();
        let mut limiter = RateLimiter::new(&limits, std::time::Instant::now());
        let mut last_seen = Instant::now();
        let mut tick = tokio::time::interval(limits.ping_interval.min(limits.pong_timeout) / 2);
        let shutdown = self.hub.shutdown().clone();
        let outbox = self.outbox.clone();
        // A connection that says nothing (only answering pings) must not stay forever.
        let first_deadline = Instant::now() + limits.first_message;
        let mut heard = false;
        loop {
            tokio::select! {
                frame = stream.next() => {
                    let msg = match frame {
                        None => break,
                        Some(Ok(msg)) => msg,
                        Some(Err(tungstenite::Error::Capacity(e))) => {
                            tracing::info!(client = %self.client.ip, error = %e, "frame too large; closing with 1009");
                            self.hub.metrics().refused_by_limit("frame_size");
                            self.outbox.push(Out::Close(CloseCode::Size, "bericht groter dan 16 KiB"));
                            break;
                        }
                        Some(Err(e)) => {
                            tracing::debug!(client = %self.client.ip, error = %e, "websocket read error");
                            break;
                        }
                    };
                    last_seen = Instant::now();
                    let text = match msg {
                        Message::Text(t) => {
                            heard = true;
                            Some(t)
                        }
                        Message::Binary(_) => None,
                        Message::Close(_) => break,
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    };
                    if !limiter.allow(std::time::Instant::now()) {
                        tracing::info!(client = %self.client.ip, "rate limit exceeded; closing with 1008");
                        self.hub.metrics().refused_by_limit("message_rate");
                        self.reply(Refusal::from(ErrorCode::RateLimited));
                        self.outbox.push(Out::Close(CloseCode::Policy, "te veel berichten"));
                        break;
                    }
                    let next = match text {
                        Some(t) => self.on_text(t.as_str()).await,
                        None => {
                            self.reply(Refusal::new(ErrorCode::BadRequest, "Stuur berichten als tekst (JSON), niet binair."));
                            Next::Continue
                        }
                    };
                    if let Next::Stop = next {
                        break;
                    }
                }
                _ = tick.tick() => {
                    let idle = last_seen.elapsed();
                    if idle >= limits.ping_interval + limits.pong_timeout {
                        tracing::info!(client = %self.client.ip, "no answer to ping; dropping the connection");
                        break;
                    }
                    if idle >= limits.ping_interval {
                        self.outbox.push(Out::Ping);
                    }
                }
                () = tokio::time::sleep_until(first_deadline), if !heard => {
                    tracing::info!(client = %self.client.ip, "no first message in time; closing with 1008");
                    self.hub.metrics().refused_by_limit("first_message");
                    self.outbox.push(Out::Close(CloseCode::Policy, "geen bericht ontvangen"));
                    break;
                }
                () = outbox.kicked() => break,
                () = shutdown.cancelled() => {
                    self.outbox.push(Out::Close(CloseCode::Away, "de server stopt"));
                    break;
                }
            }
        }
    }

    fn reply(&self, refusal: Refusal) {
        self.hub.metrics().refusal(refusal.code);
        self.outbox.msg(&ServerMsg::from(refusal));
    }

    /// Writes `action` on `what` to the audit log, as done by this connection's member of staff
    /// (or, without one, by the trainers' key where `key`), unless it just wrote the same.
    async fn audit(&mut self, staff: Option<&crate::staff::Staff>, key: bool, action: &'static str, what: String) {
        self.audited.retain(|(_, _, at)| at.elapsed() < Duration::from_secs(60));
        if self.audited.iter().any(|(a, w, _)| *a == action && *w == what) {
            return;
        }
        if self.audited.len() >= 16 {
            tracing::info!(client = %self.client.ip, action, "more than 16 lines for the audit log from one connection in a minute; this one is left out");
            return;
        }
        self.audited.push((action, what.clone(), Instant::now()));
        crate::staff::audit::record(&self.hub, crate::staff::audit::who(staff, key), action, what, self.client).await;
    }

    /// What a message of this connection's facilitator does that the audit log keeps: ending the
    /// session, exporting its report.
    fn audited(&self, msg: &ClientMsg) -> Option<(&'static str, String)> {
        let code = self.session.as_ref()?.code();
        if self.role != Some(protocol::Role::Facilitator) {
            return None;
        }
        match msg {
            ClientMsg::Control { action: protocol::ControlAction::End, .. } => Some(("ended", code.to_owned())),
            ClientMsg::Export { format, series } => {
                Some(("exported", format!("{code} {}{}", format.extension(), if *series { " reeks" } else { "" })))
            }
            _ => None,
        }
    }

    /// The signed-in member of staff of this connection's browser, as the database says now.
    async fn staff(&self) -> Option<crate::staff::Staff> {
        self.staff_known().await.ok().flatten()
    }

    /// [`Connection::staff`], or an error when the database could not say: a sign-in that could
    /// not be read is not called refused.
    async fn staff_known(&self) -> Result<Option<crate::staff::Staff>, ()> {
        let Some(hash) = self.staff else { return Ok(None) };
        match crate::staff::with_db(&self.hub, move |db| crate::staff::lookup(db, &hash)).await {
            Ok(Ok(staff)) => Ok(staff),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a staff sign-in could not be read from the database; treated as signed out");
                Err(())
            }
            Err(_) => Err(()),
        }
    }

    async fn on_text(&mut self, text: &str) -> Next {
        let msg: ClientMsg = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                self.reply(Refusal::new(
                    ErrorCode::BadRequest,
                    format!("Dit bericht begrijpt de server niet ({e}); controleer het formaat."),
                ));
                return Next::Continue;
            }
        };
        if let Some(version) = msg.opening_protocol().filter(|v| *v != PROTOCOL_VERSION) {
            self.reply(Refusal::new(
                ErrorCode::ProtocolMismatch,
                format!("Deze app spreekt protocol {version}, de server protocol {PROTOCOL_VERSION}; werk de app bij."),
            ));
            self.outbox.push(Out::Close(CloseCode::Policy, "andere protocolversie"));
            return Next::Stop;
        }
        if let Err(refusal) = flow::in_order(self.session.is_some(), &msg) {
            self.reply(refusal);
            return Next::Continue;
        }
        let who = self.client;
        let attached = match msg {
            ClientMsg::ListScenarios { .. } => {
                let public_url = self.hub.config().public_url.as_ref().map(|p| p.base().to_owned());
                let config = self.hub.config();
                let known = self.staff_known().await;
                let refused = self.staff.is_some() && matches!(known, Ok(None));
                let staff = known.ok().flatten();
                // The key is asked for where it is still needed: saving decks needs a trainer's sign-in.
                let key_required = config.create_key.is_some() && !staff.as_ref().is_some_and(|s| s.may(crate::staff::StaffRole::Trainer));
                let accounts = config.accounts.as_ref().map(|_| protocol::Accounts {
                    signed_in: staff.as_ref().map(|s| protocol::Account { name: s.name.clone(), role: s.role }),
                    refused,
                });
                self.outbox.msg(&ServerMsg::Scenarios { scenarios: self.hub.scenarios().await, public_url, key_required, accounts });
                return Next::Continue;
            }
            ClientMsg::GetDeck { id, key, .. } => {
                let staff = self.staff().await;
                self.outbox.msg(&self.hub.deck_file(id, key.as_deref(), staff.as_ref(), who).await);
                return Next::Continue;
            }
            ClientMsg::SaveDeck { content, check: true, .. } => {
                self.outbox.msg(&self.hub.check_deck(content).await);
                return Next::Continue;
            }
            ClientMsg::SaveDeck { content, key, .. } => {
                let staff = self.staff().await;
                let answer = self.hub.save_deck(content, key.as_deref(), staff.as_ref(), who).await;
                self.outbox.msg(&answer);
                if let ServerMsg::DeckSaved { id } = answer {
                    self.audit(staff.as_ref(), key.is_some(), "deck_saved", id).await;
                }
                return Next::Continue;
            }
            ClientMsg::CreateSession { scenario, title, key, follows, min_group, preview, .. } => {
                let staff = self.staff().await;
                let by_key = key.is_some();
                let wanted = crate::hub::NewSession { scenario, title, key, follows, min_group, preview, staff: staff.clone() };
                match self.hub.create(wanted, who, self.id, self.outbox.clone()).await {
                    Ok(s) => {
                        let code = s.code().to_owned();
                        self.session = Some(s);
                        self.role = Some(protocol::Role::Facilitator);
                        self.audit(staff.as_ref(), by_key, "created", code).await;
                        Ok(())
                    }
                    Err(r) => Err(r),
                }
            }
            ClientMsg::Join { code, team, .. } => match protocol::team::check(team.as_deref()) {
                Ok(team) => match self.hub.join_allowed(who) {
                    Ok(()) => self.enter(&code, Attach::Player { team }).await,
                    Err(r) => Err(r),
                },
                Err(r) => Err(r),
            },
            ClientMsg::Watch { code, .. } => self.enter(&code, Attach::Watcher).await,
            ClientMsg::Lead { code, .. } => {
                let staff = self.staff().await;
                match crate::staff::sessions::may_lead(&self.hub, &code, staff.as_ref()).await {
                    Ok(via) => {
                        let led = self.enter(&code, Attach::Lead { via }).await;
                        if let (Ok(()), Some(s)) = (&led, &self.session) {
                            let code = s.code().to_owned();
                            self.audit(staff.as_ref(), false, "led", code).await;
                        }
                        led
                    }
                    Err(r) => Err(r),
                }
            }
            ClientMsg::Purge { older_than_days, .. } => {
                let staff = self.staff().await;
                let answer = crate::staff::audit::purge(&self.hub, staff.as_ref(), older_than_days, who).await;
                self.outbox.msg(&answer.unwrap_or_else(ServerMsg::from));
                return Next::Continue;
            }
            ClientMsg::AppSignIn { .. } | ClientMsg::SignOut { .. } if self.page => {
                self.reply(Refusal::new(ErrorCode::BadRequest, "Dit is voor de desktop-app; een pagina meldt aan en af via /auth/."));
                return Next::Continue;
            }
            ClientMsg::AppSignIn { code, verifier, .. } => {
                // A code is a guess like a join code: with the address's budget spent, none is tried.
                if !self.hub.guess(who) {
                    self.reply(Refusal::new(ErrorCode::RateLimited, "Te veel verkeerde pogingen vanaf dit netwerk. Wacht een minuut."));
                    return Next::Continue;
                }
                match crate::staff::app::exchange(&self.hub, &code, &verifier, self.client).await {
                    Ok((answer, hash)) => {
                        self.hub.guessed_right(who);
                        // This connection is signed in from now on, as the next ones with the token.
                        self.staff = Some(hash);
                        self.outbox.msg(&answer);
                    }
                    Err(r) => {
                        if r.code != ErrorCode::Unauthorized {
                            self.hub.guessed_right(who);
                        }
                        self.reply(r);
                    }
                }
                return Next::Continue;
            }
            ClientMsg::SignOut { .. } => {
                if let Some(hash) = self.staff.take() {
                    crate::staff::end_sign_in(&self.hub, hash, self.client).await;
                }
                self.outbox.msg(&ServerMsg::SignedOut);
                return Next::Continue;
            }
            ClientMsg::Audit { .. } => {
                let staff = self.staff().await;
                self.outbox.msg(&crate::staff::audit::log(&self.hub, staff.as_ref()).await.unwrap_or_else(ServerMsg::from));
                return Next::Continue;
            }
            ClientMsg::MySessions { all, .. } => {
                let staff = self.staff().await;
                let answer = crate::staff::sessions::list(&self.hub, staff.as_ref(), all).await;
                self.outbox.msg(&answer.unwrap_or_else(ServerMsg::from));
                return Next::Continue;
            }
            ClientMsg::Share { code, name, remove, .. } => {
                let staff = self.staff().await;
                let answer = crate::staff::sessions::share(&self.hub, staff.as_ref(), &code, &name, remove).await;
                if let Ok(ServerMsg::Shared { code, .. }) = &answer {
                    let what = format!("{code} {}", name.trim());
                    self.audit(staff.as_ref(), false, if remove { "unshared" } else { "shared" }, what).await;
                }
                self.outbox.msg(&answer.unwrap_or_else(ServerMsg::from));
                return Next::Continue;
            }
            ClientMsg::Resume { code, token, .. } => {
                let r = self.enter(&code, Attach::Resume { token }).await;
                if r.as_ref().is_err_and(|r| r.code == ErrorCode::Unauthorized) {
                    self.hub.guess_failed(who);
                }
                r
            }
            // Every other message is the session's to judge (`flow::in_order` let only those through).
            msg => {
                let audited = self.audited(&msg);
                if let Some(s) = &self.session {
                    s.send(self.id, msg).await;
                }
                if let Some((action, what)) = audited {
                    let staff = self.staff().await;
                    self.audit(staff.as_ref(), false, action, what).await;
                }
                return Next::Continue;
            }
        };
        if let Err(refusal) = attached {
            self.reply(refusal);
        }
        Next::Continue
    }

    /// Enters the session with this code. A session that left memory just as it was found is
    /// found again (read back from the database), once.
    async fn enter(&mut self, code: &str, how: Attach) -> Result<(), Refusal> {
        let who = self.client;
        let mut tries = 0;
        loop {
            let session = self.hub.find(code, who).await?;
            match session.attach(self.id, self.outbox.clone(), how.clone()).await {
                Ok(role) => {
                    self.session = Some(session);
                    self.role = Some(role);
                    return Ok(());
                }
                Err(_) if session.is_gone() && tries == 0 && !self.hub.shutdown().is_cancelled() => tries += 1,
                Err(r) => return Err(r),
            }
        }
    }
}

/// Sends what the outbox holds, batching whatever is already waiting into one flush.
///
/// A kick (the client could not keep up) interrupts even a write that is blocked on a full
/// socket; the writer then tries briefly to say 1013 and returns, which closes the connection.
async fn write_loop<S>(mut sink: S, rx: mpsc::Receiver<Out>, kick: CancellationToken, metrics: Arc<Metrics>)
where
    S: Sink<Message, Error = tungstenite::Error> + Unpin,
{
    tokio::select! {
        biased;
        () = kick.cancelled() => {
            metrics.refused_by_limit("slow_client");
            let bye = sink.send(close(CloseCode::Again, "te traag; maak opnieuw verbinding"));
            let _ = tokio::time::timeout(Duration::from_millis(500), bye).await;
        }
        () = drain(&mut sink, rx, &metrics) => {}
    }
}

async fn drain<S>(sink: &mut S, mut rx: mpsc::Receiver<Out>, metrics: &Metrics)
where
    S: Sink<Message, Error = tungstenite::Error> + Unpin,
{
    while let Some(mut out) = rx.recv().await {
        loop {
            match out {
                Out::Text(t) => {
                    metrics.sent(t.len());
                    if sink.feed(Message::Text(t)).await.is_err() {
                        return;
                    }
                }
                Out::Ping => {
                    if sink.feed(Message::Ping(Default::default())).await.is_err() {
                        return;
                    }
                }
                Out::Close(code, reason) => {
                    let _ = sink.send(close(code, reason)).await;
                    return;
                }
            }
            match rx.try_recv() {
                Ok(more) => out = more,
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

fn close(code: CloseCode, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}
