//! The server binary as a separate process, for tests that crash it with `kill -9`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::TestClient;

/// The server binary in a process of its own, so a test can `kill -9` it.
pub struct Binary {
    pub child: Child,
    pub url: String,
}

impl Binary {
    /// Starts the binary on `port` with the database and scenario folder in `dir`, and waits until it listens.
    pub async fn start(dir: &Path, port: u16) -> Binary {
        let child = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(dir.join("workshop.db"))
            .arg("--scenarios")
            .arg(dir.join("scenarios"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server binary");
        let url = format!("ws://127.0.0.1:{port}/ws");
        for _ in 0..200 {
            if tokio_tungstenite::connect_async(&url).await.is_ok() {
                return Binary { child, url };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server binary did not start listening");
    }

    pub async fn client(&self) -> TestClient {
        TestClient { c: session_server::client::Client::connect(&self.url).await.unwrap(), seen: Vec::new() }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
