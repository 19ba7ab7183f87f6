//! The desktop app's sign-in as native apps do it (RFC 8252): a loopback address of its own, the system browser to the server's `/auth/login`, PKCE, and the one-time code traded for the app's own token over the websocket.
//!
//! [`begin`] listens on `127.0.0.1` (a port the system chooses) and gives the address to open in
//! the browser; [`Begun::finish`] waits for the browser to come back there, answers it with a page
//! that says to go back to the app, and trades the code for the token.

use std::time::Duration;

use protocol::{Account, ClientMsg, PROTOCOL_VERSION, ServerMsg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How long the app waits for the browser to come back (the person signs in meanwhile).
pub const WAIT_FOR_BROWSER: Duration = Duration::from_secs(600);

/// A sign-in the app began: the address for the browser, and what the app keeps to itself.
pub struct Begun {
    /// Where the system browser goes: the server's `/auth/login` with the app's return address.
    pub url: String,
    listener: TcpListener,
    verifier: String,
    state: String,
}

/// The app's sign-in, once done: its token (kept in the settings file) and who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub token: String,
    pub account: Account,
    /// How long the token lasts.
    pub hours: u32,
}

/// The server's web address (`https://host` or `http://host:port`) of its websocket address (`wss://host/ws`).
pub fn web_base(ws_url: &str) -> String {
    let base = ws_url.strip_suffix("/ws").unwrap_or(ws_url);
    base.replacen("wss://", "https://", 1).replacen("ws://", "http://", 1)
}

/// Begins a sign-in at the server whose websocket is `ws_url`: a loopback listener and the address to open.
pub async fn begin(ws_url: &str) -> std::io::Result<Begun> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let verifier = format!("{}{}", session_server::secrets::new_token(), session_server::secrets::new_token());
    let state = session_server::secrets::new_token();
    let challenge = session_server::secrets::challenge_of(&verifier);
    let url = format!(
        "{}/auth/login?next=%2Fhost&app=http%3A%2F%2F127.0.0.1%3A{port}%2F&challenge={challenge}&app_state={state}",
        web_base(ws_url)
    );
    Ok(Begun { url, listener, verifier, state })
}

/// The page the browser shows once it came back to the app.
const BACK: &str = "<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Aangemeld</title>\
<p>Je bent aangemeld. Ga terug naar de app; dit venster mag dicht.</p>\
<p lang=\"en\">You are signed in. Go back to the app; this window may be closed.</p></html>";

impl Begun {
    /// Waits for the browser's return (other requests, such as a browser's look for an icon, get
    /// a 404), then trades the code for the app's token over a websocket to `ws_url` with `tls`.
    pub async fn finish(self, ws_url: &str, tls: Option<std::sync::Arc<rustls::ClientConfig>>) -> Result<SignedIn, String> {
        let code = tokio::time::timeout(WAIT_FOR_BROWSER, self.code())
            .await
            .map_err(|_| "Aanmelden duurde te lang; begin opnieuw.".to_owned())??;
        let mut client =
            crate::client::Client::connect_with(ws_url, None, tls).await.map_err(|e| format!("De server is niet bereikbaar: {e}"))?;
        let ask = ClientMsg::AppSignIn { protocol: PROTOCOL_VERSION, code, verifier: self.verifier };
        client.send(&ask).await.map_err(|e| format!("De server is niet bereikbaar: {e}"))?;
        match client.recv(Duration::from_secs(30)).await {
            Some(ServerMsg::AppSignedIn { token, account, hours }) => Ok(SignedIn { token, account, hours }),
            Some(ServerMsg::Error { message, .. }) => Err(message),
            other => Err(format!("De server antwoordde niet zoals verwacht: {other:?}")),
        }
    }

    /// The code of the first request that comes back with this sign-in's state.
    async fn code(&self) -> Result<String, String> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(|e| e.to_string())?;
            let mut head = Vec::new();
            let mut buf = [0u8; 2048];
            let read = tokio::time::timeout(Duration::from_secs(10), async {
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
            })
            .await;
            let text = String::from_utf8_lossy(&head);
            let target = text.lines().next().and_then(|l| l.strip_prefix("GET ")).and_then(|l| l.split(' ').next()).unwrap_or("");
            let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
            let value =
                |name: &str| query.split('&').filter_map(|p| p.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned());
            let ours = read.is_ok() && value("state").as_deref() == Some(self.state.as_str());
            let (status, body) = if ours { ("200 OK", BACK) } else { ("404 Not Found", "") };
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
            if let (true, Some(code)) = (ours, value("code")) {
                return Ok(code);
            }
        }
    }
}

/// Ends the app's sign-in on the server (and so the token): a connection with it says `sign_out`.
pub async fn sign_out(ws_url: &str, token: &str, tls: Option<std::sync::Arc<rustls::ClientConfig>>) -> Result<(), String> {
    let mut client = crate::client::Client::connect_with(bearer(ws_url, token)?, None, tls).await.map_err(|e| e.to_string())?;
    client.send(&ClientMsg::SignOut { protocol: PROTOCOL_VERSION }).await.map_err(|e| e.to_string())?;
    match client.recv(Duration::from_secs(30)).await {
        Some(ServerMsg::SignedOut) => Ok(()),
        other => Err(format!("{other:?}")),
    }
}

/// A websocket request to `ws_url` that carries the app's token.
pub fn bearer(ws_url: &str, token: &str) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, String> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = ws_url.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().map_err(|_| "a token that is no header".to_owned())?);
    Ok(req)
}
