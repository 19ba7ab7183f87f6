//! Page loads beside a room: phones opening the participant page (`/`, `/style.css`, its script modules) over plain HTTP, timed.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{LoadError, Percentiles, check_loopback};

/// What a page's load costs, as a browser does it: the page, then its style and its script with
/// every module it imports.
fn files() -> Vec<String> {
    let modules = std::iter::once("play.js").chain(session_server::web::imports("play.js")).map(|m| format!("/js/{m}"));
    ["/".to_owned(), "/style.css".to_owned()].into_iter().chain(modules).collect()
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PagesReport {
    pub loads: usize,
    /// Loads where every file came back 200 and whole.
    pub complete: usize,
    pub bytes_per_load: usize,
    /// From the first request of a load to the last byte of its last file.
    pub load_time: Percentiles,
    pub problems: Vec<String>,
}

/// Makes `loads` page loads against the server of `ws_url`, spread evenly over `over`.
pub async fn load_pages(ws_url: &str, loads: usize, over: Duration) -> Result<PagesReport, LoadError> {
    check_loopback(ws_url)?;
    let addr = ws_url.trim_start_matches("ws://").split('/').next().unwrap_or_default().to_owned();
    // Read once from the page's modules, not inside every timed load.
    let files = std::sync::Arc::new(files());
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..loads)
        .map(|i| {
            let (addr, files) = (addr.clone(), files.clone());
            let at = start + over.mul_f64(i as f64 / loads.max(1) as f64);
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                one_load(&addr, &files).await
            })
        })
        .collect();
    let mut times = Vec::new();
    let mut problems = Vec::new();
    let mut bytes_per_load = 0;
    for task in tasks {
        match task.await {
            Ok(Ok((time, bytes))) => {
                times.push(time);
                bytes_per_load = bytes;
            }
            Ok(Err(e)) if problems.len() < 10 => problems.push(e),
            _ => {}
        }
    }
    Ok(PagesReport { loads, complete: times.len(), bytes_per_load, load_time: Percentiles::of(times), problems })
}

async fn one_load(addr: &str, files: &[String]) -> Result<(Duration, usize), String> {
    let began = Instant::now();
    let mut bytes = 0;
    for file in files {
        bytes += fetch(addr, file).await.map_err(|e| format!("GET {file}: {e}"))?;
    }
    Ok((began.elapsed(), bytes))
}

/// One GET on its own connection (the server answers with `Connection: close`), taking gzip as
/// phones do; the body's size as sent.
async fn fetch(addr: &str, path: &str) -> Result<usize, String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip, deflate\r\n\r\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::with_capacity(32 * 1024);
    tokio::time::timeout(Duration::from_secs(30), tcp.read_to_end(&mut answer))
        .await
        .map_err(|_| "no answer within 30 s".to_owned())?
        .map_err(|e| e.to_string())?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no HTTP answer")?;
    let head = String::from_utf8_lossy(&answer[..split]);
    if !head.starts_with("HTTP/1.1 200") {
        return Err(head.lines().next().unwrap_or_default().to_owned());
    }
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .ok_or("no Content-Length")?;
    let body = answer.len() - split - 4;
    if body != length {
        return Err(format!("{body} of {length} bytes"));
    }
    Ok(body)
}
