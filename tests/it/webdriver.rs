//! Just enough of W3C WebDriver over HTTP/1.1 to drive chromedriver: sessions, pages, scripts, taps, keys, screenshots.
//!
//! Written here rather than taken from a crate: the WebDriver crates pull `url` and ICU, whose
//! proc-macro features would make Cargo build Bevy twice (once for `./run.sh`, once for the tests).

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One browser session on a chromedriver at `driver` (`127.0.0.1:PORT`).
pub struct Session {
    driver: String,
    id: String,
}

impl Session {
    pub async fn start(driver: &str, capabilities: Value) -> Result<Session, String> {
        let v = call(driver, "POST", "/session", Some(json!({"capabilities": {"alwaysMatch": capabilities}}))).await?;
        let id = v["sessionId"].as_str().ok_or_else(|| format!("no session id in {v}"))?.to_owned();
        Ok(Session { driver: driver.to_owned(), id })
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        call(&self.driver, method, &format!("/session/{}{path}", self.id), body).await
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.cmd("POST", "/url", Some(json!({"url": url}))).await.map(drop)
    }

    /// Runs `script` as a function body with `arguments`; a returned promise is awaited.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": args}))).await
    }

    async fn element(&self, css: &str) -> Result<String, String> {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css}))).await?;
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("no element {css}"))
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        let e = self.element(css).await?;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({}))).await.map(drop)
    }

    pub async fn clear(&self, css: &str) -> Result<(), String> {
        let e = self.element(css).await?;
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({}))).await.map(drop)
    }

    /// Types `text` into the element `css` (focusing it first, as the keyboard would).
    pub async fn send_keys(&self, css: &str, text: &str) -> Result<(), String> {
        let e = self.element(css).await?;
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({"text": text}))).await.map(drop)
    }

    /// Presses each character of `keys` (WebDriver key codes allowed: `\u{E004}` Tab, `\u{E007}`
    /// Enter) on the focused element, as a keyboard does, with Shift held around them when `shift`.
    pub async fn press(&self, keys: &str, shift: bool) -> Result<(), String> {
        let mut actions: Vec<Value> = Vec::new();
        if shift {
            actions.push(json!({"type": "keyDown", "value": "\u{E008}"}));
        }
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        if shift {
            actions.push(json!({"type": "keyUp", "value": "\u{E008}"}));
        }
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.cmd("POST", "/actions", Some(body)).await?;
        self.cmd("DELETE", "/actions", None).await.map(drop)
    }

    /// The browser's log of `kind` since it was last read (chromedriver's `se/log`; `performance`
    /// holds the DevTools events of a session started with `goog:loggingPrefs`).
    pub async fn log(&self, kind: &str) -> Result<Value, String> {
        self.cmd("POST", "/se/log", Some(json!({"type": kind}))).await
    }

    /// The page as a PNG.
    /// Every cookie of the page's site, as WebDriver lists them (with `httpOnly`, `secure`, `sameSite`).
    pub async fn cookies(&self) -> Result<Vec<Value>, String> {
        let v = self.cmd("GET", "/cookie", None).await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    pub async fn screenshot(&self) -> Result<Vec<u8>, String> {
        let v = self.cmd("GET", "/screenshot", None).await?;
        base64_decode(v.as_str().ok_or("no screenshot")?)
    }

    pub async fn close(mut self) -> Result<(), String> {
        let closed = self.cmd("DELETE", "", None).await.map(drop);
        self.id.clear();
        closed
    }
}

/// A session a test did not close (it ended early, or failed) is closed here, so its browser does
/// not outlive the test: chromedriver leaves the browsers of open sessions running when it stops.
impl Drop for Session {
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if self.id.is_empty() {
            return;
        }
        let Ok(mut tcp) = std::net::TcpStream::connect(&self.driver) else { return };
        let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let request =
            format!("DELETE /session/{} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.id, self.driver);
        if tcp.write_all(request.as_bytes()).is_ok() {
            // The answer comes once the browser has quit.
            let mut head = [0u8; 64];
            let _ = tcp.read(&mut head);
        }
    }
}

/// One WebDriver command: its `value`, or the driver's error message.
async fn call(driver: &str, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {driver}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut tcp = TcpStream::connect(driver).await.map_err(|e| format!("chromedriver at {driver}: {e}"))?;
    tcp.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open despite `Connection: close`: read by Content-Length.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let (head, payload) = loop {
        let n = tcp.read(&mut chunk).await.map_err(|e| e.to_string())?;
        answer.extend_from_slice(&chunk[..n]);
        let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
            if n == 0 {
                return Err("no HTTP answer from chromedriver".into());
            }
            continue;
        };
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
        let body = &answer[split + 4..];
        let complete = match length {
            Some(len) => body.len() >= len,
            None => n == 0 || (head.contains("chunked") && body.ends_with(b"0\r\n\r\n")),
        };
        if complete {
            let payload = match length {
                Some(len) => body[..len].to_vec(),
                None if head.contains("chunked") => dechunk(body)?,
                None => body.to_vec(),
            };
            break (head, payload);
        }
        if n == 0 {
            return Err("chromedriver closed mid-answer".into());
        }
    };
    let v: Value = serde_json::from_slice(&payload).map_err(|e| format!("{method} {path}: {e}"))?;
    let status_ok = head.starts_with("http/1.1 200");
    match v.get("value") {
        Some(value) if status_ok => Ok(value.clone()),
        Some(value) => Err(format!("{method} {path}: {}", value.get("message").and_then(Value::as_str).unwrap_or("failed"))),
        None => Err(format!("{method} {path}: {v}")),
    }
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line = data.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line]).trim(), 16).map_err(|e| e.to_string())?;
        if size == 0 {
            return Ok(out);
        }
        let start = line + 2;
        out.extend_from_slice(data.get(start..start + size).ok_or("short chunk")?);
        data = data.get(start + size + 2..).ok_or("short chunk")?;
    }
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Ok(c - b'A'),
        b'a'..=b'z' => Ok(c - b'a' + 26),
        b'0'..=b'9' => Ok(c - b'0' + 52),
        b'+' => Ok(62),
        b'/' => Ok(63),
        _ => Err(format!("not base64: {c}")),
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for quad in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in quad.iter().enumerate() {
            n |= u32::from(value(c)?) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..quad.len()]);
    }
    Ok(out)
}

#[test]
fn base64_and_chunks_decode() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
    assert_eq!(base64_decode("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
    assert_eq!(dechunk(b"5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n").unwrap(), b"hello!");
}
