//! The protocol's messages as websocket frames, for both ends: the server's [`encode`], a client's [`frame`], and the client socket type.

use protocol::{ClientMsg, ServerMsg};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's websocket to the server.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Serialises a server message once, to be sent to any number of clients without copying.
pub fn encode(msg: &ServerMsg) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(msg).expect("server messages always serialise"))
}

/// A client message as the text frame it travels in.
pub fn frame(m: &ClientMsg) -> Message {
    Message::Text(serde_json::to_string(m).expect("client messages serialise").into())
}
