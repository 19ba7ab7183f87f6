//! The front door of every connection: reads the request head and says who it is from; answers with a page, or hands `/ws` to the websocket.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::forwarded::{ClientAddr, Headers, Proxies};
use crate::web::{CSP, Page};

/// Longest request head accepted (request line and headers).
pub const MAX_HEAD: usize = 8 * 1024;

/// What every answer over HTTPS carries: browsers use HTTPS for this host for a year.
pub const HSTS: &str = "max-age=31536000";

/// The headers every answer carries besides its type and length (the websocket's own 403 too).
pub const SAFE_HEADERS: [(&str, &str); 4] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CSP),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-cache"),
];

/// The answer to a client from an address with too many connections open.
pub fn busy() -> Page {
    Page::text(503, "Te veel verbindingen vanaf dit adres; probeer het zo opnieuw.\nToo many connections from this address.\n")
}

/// A request head, read and understood.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub host: Option<String>,
    pub gzip: bool,
    /// `Upgrade: websocket`.
    pub upgrade: bool,
    /// A browser page's origin; the desktop app and the tools send none.
    pub origin: Option<String>,
    /// Its cookies (every `Cookie` header, joined), where a signed-in member of staff's token is.
    pub cookie: Option<String>,
    /// The desktop app's sign-in token (`Authorization: Bearer …`, at most 128 characters).
    pub bearer: Option<String>,
    /// Who sent it: the peer, or the client a trusted proxy names.
    pub client: ClientAddr,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
}

/// Reads the request head on `stream` (from `peer`, over TLS when `tls`). Returns it with its raw
/// bytes (the websocket handshake reads them again); `None` when it was answered here (a bad or
/// overlong head) or was not HTTP at all.
pub async fn read_request<S>(
    stream: &mut S,
    peer: SocketAddr,
    tls: bool,
    proxies: &Proxies,
    deadline: Duration,
) -> Option<(Request, Vec<u8>)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let hsts = tls;
    let head = match tokio::time::timeout(deadline, read_head(stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(why)) => {
            tracing::debug!(%peer, why, "not an HTTP request; closing");
            if why == "request head too large" {
                answer(stream, "GET", Page::text(431, "Te grote aanvraag. / Request header too large.\n"), hsts).await;
            }
            return None;
        }
        Err(_) => {
            tracing::debug!(%peer, "no complete request in time; closing");
            return None;
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut req = httparse::Request::new(&mut headers);
    if !matches!(req.parse(&head), Ok(httparse::Status::Complete(_))) {
        answer(stream, "GET", Page::text(400, "Geen geldige HTTP-aanvraag. / Bad request.\n"), hsts).await;
        return None;
    }
    let values = |name: &str| -> Vec<&str> {
        req.headers.iter().filter(|h| h.name.eq_ignore_ascii_case(name)).filter_map(|h| std::str::from_utf8(h.value).ok()).collect()
    };
    let forwarding = Headers {
        x_forwarded_for: values("x-forwarded-for"),
        x_forwarded_proto: values("x-forwarded-proto"),
        forwarded: values("forwarded"),
    };
    let not_text = |names: &[&str]| {
        req.headers.iter().any(|h| names.iter().any(|n| h.name.eq_ignore_ascii_case(n)) && std::str::from_utf8(h.value).is_err())
    };
    // A Host that is not text is no browser's and must not pass as "no Host".
    if not_text(&["host"]) {
        answer(stream, "GET", Page::text(400, "Geen geldige hostnaam. / Bad Host header.\n"), hsts).await;
        return None;
    }
    // A forwarding header that is not text must not vanish: the proxy's own address may be in it.
    let undecodable = not_text(&["x-forwarded-for", "x-forwarded-proto", "forwarded"]);
    let client = match proxies.client(peer.ip(), tls, &forwarding) {
        Ok(_) if undecodable && proxies.contains(peer.ip()) => Err("a forwarding header that is not text"),
        other => other,
    };
    let client = match client {
        Ok(client) => client,
        Err(why) => {
            tracing::warn!(%peer, why, "a trusted proxy sent forwarding headers that cannot be read; answered 400");
            answer(
                stream,
                "GET",
                Page::text(400, "Ongeldige doorstuurkoppen van de proxy. / Bad forwarding headers from the proxy.\n"),
                hsts,
            )
            .await;
            return None;
        }
    };
    let first = |name: &str| values(name).first().map(|v| (*v).to_owned());
    let request = Request {
        method: req.method.unwrap_or("").to_owned(),
        target: req.path.unwrap_or("/").to_owned(),
        host: first("host"),
        gzip: first("accept-encoding").is_some_and(|v| accepts_gzip(&v)),
        upgrade: first("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")),
        origin: first("origin"),
        cookie: Some(values("cookie").join("; ")).filter(|c| !c.is_empty()),
        bearer: first("authorization")
            .and_then(|a| Some(a.strip_prefix("Bearer ")?.trim().to_owned()))
            .filter(|t| !t.is_empty() && t.len() <= 128),
        client,
    };
    Some((request, head))
}

/// Tells a client from an address with too many connections open to come back later, and closes.
pub async fn refuse_busy<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, hsts: bool) {
    answer(stream, "GET", busy(), hsts).await;
}

/// Reads until the blank line that ends a request head. Fails fast on what cannot be HTTP.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Vec<u8>, &'static str> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| "read failed")?;
        if n == 0 {
            return Err("closed before the request was complete");
        }
        buf.extend_from_slice(&chunk[..n]);
        if !looks_like_http(&buf) {
            return Err("not HTTP");
        }
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(buf);
        }
        if buf.len() > MAX_HEAD {
            return Err("request head too large");
        }
    }
}

/// Whether the start of `buf` can be an HTTP/1 request line: a method in capitals, then a space.
fn looks_like_http(buf: &[u8]) -> bool {
    let method_len = buf.iter().take_while(|b| b.is_ascii_uppercase()).count();
    match buf.get(method_len) {
        None => method_len < 16,
        Some(b' ') => method_len > 0,
        Some(_) => false,
    }
}

/// Whether an `Accept-Encoding` header takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|part| {
        let mut it = part.split(';').map(str::trim);
        let gzip = it.next().is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
        let q = it.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        gzip && q > 0.0
    })
}

/// Writes `page` with the headers every answer carries (and HSTS over HTTPS), then closes without
/// resetting the connection.
pub async fn answer<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, method: &str, page: Page, hsts: bool) {
    let reason = match page.status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        403 => "Forbidden",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    };
    let extra = match page.status {
        405 => "Allow: GET, HEAD\r\n",
        426 => "Upgrade: websocket\r\n",
        503 => "Retry-After: 10\r\n",
        _ => "",
    };
    let (body, encoding) = match page.gzipped {
        Some(gz) => (gz, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"),
        None => (&page.body[..], ""),
    };
    let cache = |(name, value): &(&'static str, &'static str)| (*name, if *name == "Cache-Control" { page.cache } else { *value });
    let mut safe: String = SAFE_HEADERS.iter().map(cache).map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    if hsts {
        safe.push_str(&format!("Strict-Transport-Security: {HSTS}\r\n"));
    }
    for (name, value) in &page.headers {
        // A value is ours, never a client's; a line break in one would end the head early.
        if value.contains(['\r', '\n']) {
            tracing::error!(header = name, "a header of ours with a line break in it was left out");
        } else {
            safe.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{encoding}{safe}{extra}Connection: close\r\n\r\n",
        page.status,
        page.content_type,
        body.len()
    );
    let mut out = head.into_bytes();
    if method != "HEAD" {
        out.extend_from_slice(body);
    }
    if stream.write_all(&out).await.is_err() {
        return;
    }
    let _ = stream.shutdown().await;
    // Read what the client still sends until it closes, so closing does not reset the connection
    // and lose the answer on its way; bounded in time and size.
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let mut left: usize = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

/// Whether a browser page from `origin` may open the websocket of the server reached as `host`:
/// only pages this server served itself.
pub fn same_origin(origin: &str, host: &str) -> bool {
    !host.is_empty()
        && ["http://", "https://"].iter().any(|scheme| {
            origin.len() == scheme.len() + host.len()
                && origin[..scheme.len()].eq_ignore_ascii_case(scheme)
                && origin[scheme.len()..].eq_ignore_ascii_case(host)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_when_the_browser_takes_it() {
        for yes in ["gzip", "gzip, deflate, br", "br;q=1.0, GZIP;q=0.5", "deflate, gzip ; q=1"] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in ["", "identity", "br, deflate", "gzip;q=0", "gzip; q=0.0", "x-gzip"] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }

    #[test]
    fn only_the_servers_own_pages_are_the_same_origin() {
        assert!(same_origin("http://192.168.1.20:7878", "192.168.1.20:7878"));
        assert!(same_origin("HTTP://Laptop.local:7878", "laptop.local:7878"));
        assert!(!same_origin("http://evil.example", "192.168.1.20:7878"));
        assert!(!same_origin("http://192.168.1.20:7878.evil.example", "192.168.1.20:7878"));
        assert!(!same_origin("null", "192.168.1.20:7878"));
        assert!(!same_origin("http://192.168.1.20:7878", ""));
    }

    #[test]
    fn a_request_line_starts_with_a_method() {
        assert!(looks_like_http(b"GET / HTTP/1.1\r\n"));
        assert!(looks_like_http(b"GE"));
        assert!(!looks_like_http(b"\x16\x03\x01\x02\x00"), "a TLS hello is not HTTP");
        assert!(!looks_like_http(b"hello world"));
        assert!(!looks_like_http(b" GET"));
    }
}
