//! A small protocol client over a real websocket: used by the workshop bot, the integration tests and scripts.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::{ClientMsg, ServerMsg};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

pub use session_server::wire::{Ws, frame};

/// Opens a websocket with `request` from the local address `from` (any address of 127.0.0.0/8 is
/// this machine; `None`: the system's choice), over `connector` for `wss://`, with `config`.
pub async fn open<R>(
    request: R,
    from: Option<std::net::IpAddr>,
    connector: Option<tokio_tungstenite::Connector>,
    config: Option<tungstenite::protocol::WebSocketConfig>,
) -> Result<Ws, tungstenite::Error>
where
    R: tungstenite::client::IntoClientRequest + Unpin,
{
    let request = request.into_client_request()?;
    let Some(from) = from else {
        return Ok(tokio_tungstenite::connect_async_tls_with_config(request, config, true, connector).await?.0);
    };
    let uri = request.uri();
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("wss") { 443 } else { 80 });
    let host = uri.host().unwrap_or_default().trim_matches(['[', ']']).to_owned();
    let to = tokio::net::lookup_host((host.as_str(), port))
        .await?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("no address for {host}")))?;
    let tcp = crate::tls::connect_from(from, to).await?;
    Ok(tokio_tungstenite::client_async_tls_with_config(request, tcp, config, connector).await?.0)
}

/// What came in: a message, a close (with its frame), or nothing within the wait.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // short-lived, one at a time
pub enum Received {
    Msg(ServerMsg),
    Closed(Option<CloseFrame>),
    Nothing,
}

pub struct Client {
    pub ws: Ws,
}

impl Client {
    /// Connects to `url`, e.g. `ws://127.0.0.1:7878/ws`.
    pub async fn connect(url: &str) -> Result<Client, tungstenite::Error> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(Client { ws })
    }

    /// Connects with `request` (a `ws://` or `wss://` address, or a request with headers of its own)
    /// from the local address `from`, with `tls` for a `wss://` server (default: the platform's
    /// certificate store).
    pub async fn connect_with<R>(
        request: R,
        from: Option<std::net::IpAddr>,
        tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    ) -> Result<Client, tungstenite::Error>
    where
        R: tungstenite::client::IntoClientRequest + Unpin,
    {
        Ok(Client { ws: open(request, from, tls.map(tokio_tungstenite::Connector::Rustls), None).await? })
    }

    pub async fn send(&mut self, msg: &ClientMsg) -> Result<(), tungstenite::Error> {
        self.ws.send(frame(msg)).await
    }

    pub async fn send_text(&mut self, text: &str) -> Result<(), tungstenite::Error> {
        self.ws.send(Message::Text(text.into())).await
    }

    /// The next server message within `wait`, skipping pings and pongs.
    pub async fn next(&mut self, wait: Duration) -> Received {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return Received::Nothing,
                Ok(None) | Ok(Some(Err(_))) => return Received::Closed(None),
                Ok(Some(Ok(Message::Close(frame)))) => return Received::Closed(frame),
                Ok(Some(Ok(Message::Text(t)))) => match serde_json::from_str(t.as_str()) {
                    Ok(msg) => return Received::Msg(msg),
                    Err(e) => panic!("the server sent something outside the protocol: {e}: {}", t.as_str()),
                },
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next server message, or `None` when the connection closed or stayed quiet for `wait`.
    pub async fn recv(&mut self, wait: Duration) -> Option<ServerMsg> {
        match self.next(wait).await {
            Received::Msg(m) => Some(m),
            _ => None,
        }
    }
}
