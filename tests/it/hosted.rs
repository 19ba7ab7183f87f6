//! What the hosting tests share: test certificates made by openssl, HTTP(S) requests from a chosen client address, and the repository's own nginx site run for real.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A certificate (self-signed, for localhost and 127.0.0.1) and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct Pair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Makes a pair in `dir` named `name` with openssl, as an IT department would for a test server.
pub fn make_pair(dir: &Path, name: &str) -> Pair {
    let pair = Pair { cert: dir.join(format!("{name}.crt")), key: dir.join(format!("{name}.key")) };
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={name}"), "-addext", "subjectAltName=DNS:localhost,DNS:dilemma.test,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&pair.key)
        .arg("-out")
        .arg(&pair.cert)
        .output()
        .expect("openssl (Debian's openssl package) makes the test certificate");
    assert!(out.status.success(), "openssl failed: {}", String::from_utf8_lossy(&out.stderr));
    pair
}

/// A TLS client that trusts exactly these certificates.
pub fn trusting(certs: &[&Path]) -> Arc<rustls::ClientConfig> {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    let pems: Vec<u8> = certs.iter().flat_map(|c| std::fs::read(c).unwrap()).collect();
    std::fs::write(&bundle, pems).unwrap();
    dilemma_tools::tls::trusting(&bundle).unwrap()
}

/// An answer: status, head (status line and headers) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| l.split_once(": ").filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
    }
}

/// Sends `request` (a whole HTTP/1.1 request) from `from` to `to`, over TLS when `tls` is given,
/// and reads the answer until the other side closes.
pub async fn request(to: SocketAddr, from: IpAddr, tls: Option<Arc<rustls::ClientConfig>>, request: &str) -> Answer {
    let tcp = dilemma_tools::tls::connect_from(from, to).await.unwrap();
    let bytes = match tls {
        None => exchange(tcp, request).await,
        Some(config) => {
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let stream = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.expect("TLS handshake");
            exchange(stream, request).await
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Answer { status, head: head.to_owned(), body: body.to_owned() }
}

/// `GET target` with `Host: host` and the extra header lines `extra`.
pub async fn get(to: SocketAddr, from: IpAddr, tls: Option<Arc<rustls::ClientConfig>>, host: &str, target: &str, extra: &str) -> Answer {
    request(to, from, tls, &format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")).await
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &str) -> Vec<u8> {
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got)).await.expect("the server answers and closes");
    got
}

/// The certificate (DER) the server at `to` presents to a new connection.
pub async fn presented(to: SocketAddr, tls: Arc<rustls::ClientConfig>) -> Vec<u8> {
    let tcp = tokio::net::TcpStream::connect(to).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tokio_rustls::TlsConnector::from(tls).connect(name, tcp).await.expect("TLS handshake");
    stream.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

/// The DER of the first certificate in a PEM file.
pub fn der(pem: &Path) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_file_iter(pem).unwrap().next().unwrap().unwrap().to_vec()
}

/// The repository's own nginx site (`deploy/nginx/dilemma.conf`), run unprivileged from a test
/// folder in front of the server at `upstream`, with a test certificate: only its ports and
/// certificate paths are changed.
pub struct Nginx {
    pub port: u16,
    pub pair: Pair,
    child: Child,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// `None` (test skipped) where nginx is missing, except under CI: `./test.sh` installs it.
    pub async fn start(upstream: SocketAddr) -> Option<Nginx> {
        let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists());
        let Some(bin) = bin else {
            assert!(std::env::var_os("CI").is_none(), "nginx is missing: the proxy tests need Debian's nginx (./test.sh installs it)");
            eprintln!("skipping a proxy test: nginx is missing (./test.sh installs it)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers (another user when started as root) must reach their temp folders.
        Command::new("chmod").arg("755").arg(dir.path()).status().unwrap();
        let pair = make_pair(dir.path(), "proxy");
        let port = crate::process::free_port();
        let http_port = crate::process::free_port();
        let site = std::fs::read_to_string(repo().join("deploy/nginx/dilemma.conf")).unwrap();
        let site = fill(
            &site,
            &[
                ("    listen 80;\n", format!("    listen 127.0.0.1:{http_port};\n")),
                ("    listen [::]:80;\n", String::new()),
                ("    listen 443 ssl;\n", format!("    listen 127.0.0.1:{port} ssl;\n")),
                ("    listen [::]:443 ssl;\n", String::new()),
                ("/etc/letsencrypt/live/dilemma.gemeente.nl/fullchain.pem", pair.cert.display().to_string()),
                ("/etc/letsencrypt/live/dilemma.gemeente.nl/privkey.pem", pair.key.display().to_string()),
                ("proxy_pass http://127.0.0.1:7878;", format!("proxy_pass http://{upstream};")),
            ],
        );
        std::fs::write(dir.path().join("site.conf"), site).unwrap();
        let d = dir.path().display();
        let main = format!(
            "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\nevents {{ worker_connections 4096; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { port, pair, child, dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(nginx);
            }
            if let Some(status) = nginx.child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(nginx.child.stderr.as_mut().unwrap(), &mut err).unwrap();
                panic!("nginx stopped ({status}): {err}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("nginx did not listen");
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn wss(&self) -> String {
        format!("wss://127.0.0.1:{}/ws", self.port)
    }

    /// nginx's error log so far, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers too (SIGKILL would leave them running, listening).
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..100 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository's own Caddyfile (`deploy/Caddyfile`) run unprivileged in front of the server at
/// `upstream`: its site address becomes `https://127.0.0.1:PORT` with the test's certificate (Caddy
/// would otherwise ask Let's Encrypt), and global options keep its state in the test folder.
pub struct Caddy {
    pub port: u16,
    pub pair: Pair,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Caddy {
    /// `None` (test skipped) where caddy is missing, except under CI: `./test.sh` installs it.
    pub async fn start(upstream: SocketAddr) -> Option<Caddy> {
        if !Path::new("/usr/bin/caddy").exists() {
            assert!(std::env::var_os("CI").is_none(), "caddy is missing: the proxy tests need Debian's caddy (./test.sh installs it)");
            eprintln!("skipping a proxy test: caddy is missing (./test.sh installs it)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let pair = make_pair(dir.path(), "caddy");
        let port = crate::process::free_port();
        let site = std::fs::read_to_string(repo().join("deploy/Caddyfile")).unwrap();
        let site = fill(
            &site,
            &[
                ("dilemma.gemeente.nl {\n", format!("https://127.0.0.1:{port} {{\n\ttls {} {}\n", pair.cert.display(), pair.key.display())),
                ("reverse_proxy 127.0.0.1:7878 {", format!("reverse_proxy {upstream} {{")),
            ],
        );
        let global =
            format!("{{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system {}\n}}\n\n", dir.path().join("data").display());
        std::fs::write(dir.path().join("Caddyfile"), format!("{global}{site}")).unwrap();
        let mut child = Command::new("/usr/bin/caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.path().join("Caddyfile"))
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start caddy");
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(Caddy { port, pair, child, _dir: dir });
            }
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
                panic!("caddy stopped ({status}): {err}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("caddy did not listen");
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn wss(&self) -> String {
        format!("wss://127.0.0.1:{}/ws", self.port)
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `text` with each `(from, to)` replaced; every `from` must be there, so a changed site fails loudly.
/// (The files are the repository's nginx site and Caddyfile.)
fn fill(text: &str, pairs: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (from, to) in pairs {
        assert!(out.contains(from), "the deploy file no longer has {from:?}; update the test with it");
        out = out.replace(from, to);
    }
    out
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `127.0.0.N`: one more client address on this machine.
pub fn local(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}
