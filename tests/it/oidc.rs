//! Staff sign in with a real OpenID Connect provider (npm's `oidc-provider`, its login form filled in Chromium): only facilitators start sessions, a user without a role gets the page's sentence, the cookie is the only key and signing out ends it on the server.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use integration_tests::TestClient;
use protocol::ErrorCode;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::browser::{Driver, Page};
use crate::process::{Binary, free_port, scenario_dir};

pub(crate) const SECRET: &str = "een-geheim-van-de-test";

/// The provider's users: a facilitator, a trainer, an operator (by their groups), and a facilitator
/// who set her e-mail address to a colleague's (the provider does not vouch for it).
const USERS: &str = r#"{
  "fien": {"email": "fien@gemeente.example", "groups": ["begeleiders"]},
  "tom": {"email": "tom@gemeente.example", "groups": ["trainers", "begeleiders"]},
  "olga": {"email": "olga@gemeente.example", "groups": ["beheer"]},
  "nina": {"email": "tom@gemeente.example", "email_verified": false, "groups": ["begeleiders"]}
}"#;

/// `oidc-provider` in a Node process of its own on a free loopback port, for one client: the server
/// whose return address is `redirect`.
pub struct Provider {
    pub issuer: String,
    /// Every address the provider sent a browser back to (`/auth/callback?code=…&state=…`).
    pub callbacks: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The file that tells the provider to hand out a changed ID token (`signature`, `audience`).
    tamper: tempfile::NamedTempFile,
    child: tokio::process::Child,
}

impl Provider {
    /// `None` (the test skipped) where the package is not installed, except under CI: `./test.sh`
    /// installs it (`npm ci --prefix tests/oidc`).
    pub async fn start(redirect: &str) -> Option<Provider> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc");
        if !root.join("node_modules/oidc-provider").exists() {
            let skip = std::env::var_os("DILEMMA_SKIP_BROWSER").is_some_and(|v| v == "1") && std::env::var_os("CI").is_none();
            assert!(skip, "tests/oidc/node_modules is missing: ./test.sh installs it (npm ci --prefix tests/oidc)");
            eprintln!("skipping a sign-in test: tests/oidc/node_modules is missing");
            return None;
        }
        let port = free_port();
        let tamper = tempfile::NamedTempFile::new().unwrap();
        let mut child = tokio::process::Command::new("node")
            .arg(root.join("provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT", json!({"id": "dilemma", "secret": SECRET, "redirect": redirect}).to_string())
            .env("OIDC_USERS", USERS)
            .env("OIDC_TAMPER_FILE", tamper.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let said = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("listening") {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(said, Ok(true), "the OpenID provider did not start");
        // It goes on writing to its standard output (read it, or it dies of a broken pipe): its
        // notes, and where it sends each browser back to.
        let callbacks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = callbacks.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(to) = line.strip_prefix("callback ") {
                    seen.lock().unwrap().push(to.to_owned());
                }
            }
        });
        Some(Provider { issuer: format!("http://127.0.0.1:{port}"), callbacks, tamper, child })
    }

    /// From now on the ID tokens it hands out are changed this way (`""`: not at all).
    pub fn tamper(&self, how: &str) {
        std::fs::write(self.tamper.path(), how).unwrap();
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A server with accounts from `provider` on `port`, reached at `http://127.0.0.1:PORT`.
pub async fn server(dir: &Path, port: u16, issuer: &str) -> Binary {
    let args = server_args(dir, port, issuer, SECRET);
    Binary::start_with(dir, port, &args.iter().map(String::as_str).collect::<Vec<_>>()).await
}

/// The command line of a server with accounts from the provider at `issuer`, its client secret
/// `secret` in a file in `dir` (mode 0600, as the docs ask).
fn server_args(dir: &Path, port: u16, issuer: &str, secret: &str) -> Vec<String> {
    let file = dir.join("client-secret");
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    set_mode(&file, 0o600);
    let base = format!("http://127.0.0.1:{port}");
    #[rustfmt::skip]
    let args = ["--public-url", &base, "--oidc-issuer", issuer, "--oidc-client-id", "dilemma", "--oidc-client-secret-file",
        &file.to_string_lossy(), "--oidc-facilitators", "begeleiders", "--oidc-trainers", "trainers", "--oidc-operators", "beheer"];
    args.iter().map(|a| (*a).to_owned()).collect()
}

fn set_mode(file: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (file, mode);
}

/// The server's log once it holds `line` (up to 20 s).
async fn log_with(log: &Path, line: &str) -> String {
    for _ in 0..400 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(line) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server's log never said {line:?}: {}", std::fs::read_to_string(log).unwrap_or_default());
}

/// A server the provider does not take as its client (a wrong secret, in a file others can read):
/// at the start its log says that accounts are on, that the provider answers and that the
/// secret's file is too open; a sign-in then gets a page that says to ask the administrator, and
/// the log says which settings to check.
#[tokio::test]
async fn a_wrong_client_secret_is_said_on_the_page_and_in_the_log_and_an_open_secret_file_at_the_start() {
    let Some(driver) = Driver::start().await else { return };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let Some(provider) = Provider::start(&format!("{base}/auth/callback")).await else { return };
    let dir = shipped_dir();
    let args = server_args(dir.path(), port, &provider.issuer, "niet-het-geheim");
    set_mode(&dir.path().join("client-secret"), 0o644);
    let log = dir.path().join("server.log");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let _server = Binary::start_logged(dir.path(), port, &args, std::fs::File::create(&log).unwrap()).await;
    let started = log_with(&log, "the sign-in provider answers").await;
    assert!(started.contains("staff sign in with the municipality's accounts"), "{started}");
    #[cfg(unix)]
    assert!(started.contains("the client secret can be read (or changed) by others: chmod 640"), "{started}");

    let downloads = tempfile::tempdir().unwrap();
    let laptop = driver.laptop("nl", downloads.path()).await;
    sign_in(&laptop, &base, "fien").await;
    laptop.wait_text("body", "De aanmeldserver van de gemeente aanvaardt deze server niet").await;
    laptop.assert_accessible("a server the provider does not accept").await;
    let said = log_with(&log, "check --oidc-client-id and the client secret file").await;
    assert!(said.contains("invalid_client"), "{said}");
    provider.stop().await;
}

/// Signs in on the facilitator's page as `login` through the provider's own login form (and its
/// consent screen), as a member of staff does.
pub async fn sign_in(page: &Page, base: &str, login: &str) {
    page.open(&format!("{base}/host")).await;
    page.tap("[data-key=sign-in]").await;
    through_the_provider(page, login).await;
}

/// At the provider's login form: signs in as `login` and consents, as a member of staff does.
pub async fn through_the_provider(page: &Page, login: &str) {
    page.wait_for("the provider's login form", "document.querySelector('input[name=login]')").await;
    page.keys("input[name=login]", login).await;
    page.keys("input[name=password]", "wachtwoord").await;
    page.tap("button[type=submit]").await;
    page.wait_for("the consent screen", "document.querySelector('input[name=prompt][value=consent]')").await;
    page.tap("button[type=submit]").await;
}

/// The browser's sign-in cookie for the server (WebDriver sees `HttpOnly` cookies too).
pub(crate) async fn staff_cookie(page: &Page) -> serde_json::Value {
    let cookies = page.c.cookies().await.unwrap();
    cookies.into_iter().find(|c| c["name"] == "dilemma_staff").expect("the sign-in cookie")
}

/// A websocket to `url` with these `Cookie` and `Origin` headers; `Err(status)` when the handshake is refused.
pub(crate) async fn socket(url: &str, cookie: Option<&str>, origin: Option<&str>) -> Result<TestClient, u16> {
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match dilemma_tools::client::Client::connect_with(req, None, None).await {
        Ok(c) => Ok(TestClient { c, seen: Vec::new() }),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("the websocket failed otherwise: {e}"),
    }
}

/// `create_session` over `client`: the code, or the refusal's code.
pub(crate) async fn create(client: &mut TestClient) -> Result<String, ErrorCode> {
    client.send(json!({"type":"create_session","protocol":1,"scenario":"samen-werken"})).await;
    client
        .expect("a welcome or a refusal", |m| match m {
            protocol::ServerMsg::Welcome { code, .. } => Some(Ok(code.clone())),
            protocol::ServerMsg::Error { code, .. } => Some(Err(*code)),
            _ => None,
        })
        .await
}

fn staff_rows(db: &Path) -> Vec<(Vec<u8>, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut q = conn.prepare("SELECT token_hash, name, role FROM staff_sessions").unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

pub(crate) fn shipped_dir() -> tempfile::TempDir {
    let dir = scenario_dir(&[]);
    for entry in std::fs::read_dir(integration_tests::shipped_scenarios()).unwrap() {
        let p: PathBuf = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join("scenarios").join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// A browser, the provider and a server with accounts from it, on a port known in advance (the
/// provider's client has the server's return address).
pub(crate) struct Staffed {
    pub driver: Driver,
    pub port: u16,
    /// `http://127.0.0.1:PORT`, the server's public address.
    pub base: String,
    pub provider: Provider,
    pub dir: tempfile::TempDir,
    pub server: Binary,
}

impl Staffed {
    pub(crate) async fn start() -> Option<Staffed> {
        let driver = Driver::start().await?;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let provider = Provider::start(&format!("{base}/auth/callback")).await?;
        let dir = shipped_dir();
        let server = server(dir.path(), port, &provider.issuer).await;
        Some(Staffed { driver, port, base, provider, dir, server })
    }
}

#[tokio::test]
async fn staff_sign_in_with_the_provider_and_only_a_signed_in_facilitator_starts_a_session() {
    let Some(Staffed { driver, port, base, provider, dir, server }) = Staffed::start().await else { return };
    let db = dir.path().join("workshop.db");

    // Before signing in: the page says how leading works here, and offers nothing to start.
    let downloads = tempfile::tempdir().unwrap();
    let laptop = driver.laptop("nl", downloads.path()).await;
    laptop.open(&format!("{base}/host")).await;
    laptop.wait_text("#account-h", "Op deze server leiden medewerkers met hun account van de gemeente.").await;
    assert_eq!(laptop.js("return !!document.querySelector('[data-key=create]')", vec![]).await, json!(false));
    laptop.assert_accessible("sign-in needed").await;
    laptop.screenshot("host-sign-in").await;

    // Fien (a facilitator) signs in through the provider's form and starts a session.
    sign_in(&laptop, &base, "fien").await;
    laptop.wait_text("#account-h", "Aangemeld als fien@gemeente.example (facilitator)").await;
    laptop.assert_accessible("signed in").await;
    laptop.screenshot("host-signed-in").await;
    let code = crate::host::create(&laptop, "samen-werken", "Team Oost").await;
    assert_eq!(code.len(), 6, "{code}");

    // The cookie: HttpOnly, SameSite=Lax, not Secure over plain http; only its hash is stored.
    let cookie = staff_cookie(&laptop).await;
    assert_eq!(
        (cookie["httpOnly"].clone(), cookie["sameSite"].clone(), cookie["secure"].clone()),
        (json!(true), json!("Lax"), json!(false))
    );
    let token = cookie["value"].as_str().unwrap().to_owned();
    let rows = staff_rows(&db);
    assert_eq!(rows.len(), 1, "one sign-in stored");
    assert_eq!(rows[0].0, session_server::secrets::hash_token(&token).to_vec(), "the token's SHA-256, never the token");
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str()), ("fien@gemeente.example", "facilitator"));

    // Over real sockets: no cookie, a forged one, another site's page with the real one.
    let own = Some(base.as_str());
    let with = format!("dilemma_staff={token}");
    let mut bare = socket(&server.url, None, own).await.unwrap();
    assert_eq!(create(&mut bare).await, Err(ErrorCode::Unauthorized), "no sign-in, no session");
    let mut forged = socket(&server.url, Some("dilemma_staff=0123456789abcdef0123456789abcdef"), own).await.unwrap();
    assert_eq!(create(&mut forged).await, Err(ErrorCode::Unauthorized), "a forged cookie is no sign-in");
    assert_eq!(socket(&server.url, Some(&with), Some("http://evil.example")).await.err(), Some(403), "another site's page (CSRF)");
    let mut signed = socket(&server.url, Some(&with), own).await.unwrap();
    assert!(create(&mut signed).await.is_ok(), "the signed-in browser's cookie starts a session");
    // Whether a sign-in came that counts for nothing (the desktop app forgets its token on this alone).
    for (cookie, refused) in [(None, false), (Some("dilemma_staff=0123456789abcdef0123456789abcdef"), true), (Some(with.as_str()), false)] {
        let mut c = socket(&server.url, cookie, own).await.unwrap();
        c.send(json!({"type":"list_scenarios","protocol":1})).await;
        let accounts = c
            .expect("the decks", |m| match m {
                protocol::ServerMsg::Scenarios { accounts, .. } => Some(accounts.clone()),
                _ => None,
            })
            .await;
        assert_eq!(accounts.map(|a| a.refused), Some(refused), "{cookie:?}");
    }

    // The way back from the provider works once, in the browser that began it.
    let back = provider.callbacks.lock().unwrap().last().cloned().expect("the provider sent the browser back");
    let target = back.strip_prefix(&base).unwrap().to_owned();
    let state = target.split("state=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let (status, body) = plain_get_with(port, &target, "").await;
    assert_eq!(status, 400, "another browser (no state cookie: a link someone sent) is refused: {body}");
    assert!(body.contains("in een andere browser begonnen"), "{body}");
    let (status, body) = plain_get_with(port, &target, &format!("Cookie: dilemma_signin={state}\r\n")).await;
    assert_eq!(status, 400, "a replay is refused: {body}");
    assert!(body.contains("verlopen of al gebruikt"), "{body}");
    assert_eq!(staff_rows(&db).len(), 1, "no second sign-in from a replay");

    // Only the server's own pages sign out.
    for origin in ["Origin: http://evil.example\r\n", ""] {
        let logout = format!(
            "POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {with}\r\n{origin}Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let to = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let a = crate::hosted::request(to, "127.0.0.1".parse().unwrap(), None, &logout).await;
        assert_eq!(a.status, 403, "{origin:?}: {}", a.body);
    }
    assert_eq!(staff_rows(&db).len(), 1, "still signed in");

    // Signing out ends the sign-in on the server: the same cookie is worth nothing after.
    laptop.open(&format!("{base}/host")).await;
    laptop.tap("[data-key=sign-out]").await;
    laptop.wait_text("#account-h", "Op deze server leiden medewerkers").await;
    assert!(staff_rows(&db).is_empty(), "signed out on the server");
    let lines: Vec<(String, String, String)> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut q = conn.prepare("SELECT action, who, what FROM audit WHERE action LIKE 'signed_%' ORDER BY rowid").unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let fien = |action: &str, what: &str| (action.to_owned(), "fien@gemeente.example".to_owned(), what.to_owned());
    assert_eq!(lines, vec![fien("signed_in", "pagina"), fien("signed_out", "")], "the audit log has the page's sign-in and sign-out");
    let mut after = socket(&server.url, Some(&with), own).await.unwrap();
    assert_eq!(create(&mut after).await, Err(ErrorCode::Unauthorized), "a signed-out cookie");

    // A user the provider knows but who has no role here gets the page's sentence, and no cookie.
    let other = driver.laptop("nl", downloads.path()).await;
    sign_in(&other, &base, "niemand").await;
    other
        .wait_text(
            "#signin-nl",
            "Je bent aangemeld als niemand@gemeente.example, maar je account heeft geen rol in het dilemmaspel. Vraag je beheerder",
        )
        .await;
    other.assert_accessible("no role").await;
    other.screenshot("sign-in-no-role").await;
    assert!(other.c.cookies().await.unwrap().iter().all(|c| c["name"] != "dilemma_staff"), "no sign-in cookie");
    assert!(staff_rows(&db).is_empty());

    // Olga runs the server (an operator).
    let olga = driver.laptop("nl", downloads.path()).await;
    sign_in(&olga, &base, "olga").await;
    olga.wait_text("#account-h", "Aangemeld als olga@gemeente.example (beheerder)").await;
    let olgas = format!("dilemma_staff={}", staff_cookie(&olga).await["value"].as_str().unwrap());

    // The provider down: signing in says so on a page; who is signed in stays so, and sessions go on.
    provider.stop().await;
    // A sign-in uses the provider's discovery document when it is at most 5 s old (one request per sign-in otherwise).
    tokio::time::sleep(Duration::from_millis(5500)).await;
    let (status, body) = crate::oidc::plain_get(port, "/auth/login?next=/host").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("De aanmeldserver van de gemeente is nu niet bereikbaar"), "{body}");
    let mut player = socket(&server.url, None, None).await.unwrap();
    player.send(json!({"type":"join","protocol":1,"code":code})).await;
    player.welcome().await;
    let mut by_olga = socket(&server.url, Some(&olgas), own).await.unwrap();
    assert!(create(&mut by_olga).await.is_ok(), "signed in before the provider went down: still signed in");

    // An expired sign-in is none, also on a socket opened before it expired.
    let mut open_before = socket(&server.url, Some(&olgas), own).await.unwrap();
    rusqlite::Connection::open(&db).unwrap().execute("UPDATE staff_sessions SET expires_ms = 1", []).unwrap();
    assert_eq!(create(&mut open_before).await, Err(ErrorCode::Unauthorized), "expired while the socket was open");
    let mut expired = socket(&server.url, Some(&olgas), own).await.unwrap();
    assert_eq!(create(&mut expired).await, Err(ErrorCode::Unauthorized), "an expired sign-in");
    // Her page says why it offers to sign in again.
    olga.open(&format!("{base}/host")).await;
    olga.wait_text("#account-refused", "Je aanmelding is verlopen of beëindigd. Meld je opnieuw aan.").await;
    olga.wait_text("#account-h", "Op deze server leiden medewerkers met hun account van de gemeente.").await;
    olga.assert_accessible("a sign-in that expired").await;

    // Who led it is in the sign-ins, with the session it is theirs (so it is theirs on any
    // device) and in the operators' audit log, and nowhere else: no other table holds the
    // account's id or address.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let owner: (String, String) = conn
        .query_row("SELECT who, name FROM session_staff WHERE code = ?1 AND owner = 1", [&code], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(owner, ("sub:fien".to_owned(), "fien@gemeente.example".to_owned()));
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('staff_sessions', 'session_staff', 'audit')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.contains(&"members".to_owned()), "{tables:?}");
    for table in tables {
        let mut q = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = q.column_count();
        let mut rows = q.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                let cell = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    _ => continue,
                };
                assert!(!cell.contains("fien"), "{table} holds the account: {cell}");
            }
        }
    }
    laptop.close().await;
    other.close().await;
    olga.close().await;
}

/// `GET target` on the server at `port` on loopback: (status, body).
pub async fn plain_get(port: u16, target: &str) -> (u16, String) {
    plain_get_with(port, target, "").await
}

/// [`plain_get`] with more header lines (each ending in `\r\n`).
async fn plain_get_with(port: u16, target: &str, extra: &str) -> (u16, String) {
    let to = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let a = crate::hosted::get(to, "127.0.0.1".parse().unwrap(), None, &format!("127.0.0.1:{port}"), target, extra).await;
    (a.status, a.body)
}

#[tokio::test]
async fn a_signed_in_trainer_saves_a_deck_and_a_facilitator_may_not() {
    let Some(Staffed { driver, base, provider, dir, server, .. }) = Staffed::start().await else { return };
    let deck = "id = \"nieuw\"\ntitle = \"Nieuw deck\"\nlanguage = \"nl\"\n\n[[item]]\nid = \"eerste\"\nkind = \"dilemma\"\nstatement = \"Een eerste stelling.\"\n";
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("nieuw.toml");
    std::fs::write(&file, deck).unwrap();

    // Fien leads but writes no decks: the server refuses her save over her own browser's socket.
    let downloads = tempfile::tempdir().unwrap();
    let fien = driver.laptop("nl", downloads.path()).await;
    sign_in(&fien, &base, "fien").await;
    fien.wait_text("#account-h", "(facilitator)").await;
    let with = format!("dilemma_staff={}", staff_cookie(&fien).await["value"].as_str().unwrap());
    let mut socket_of_fien = socket(&server.url, Some(&with), Some(&base)).await.unwrap();
    socket_of_fien.send(json!({"type":"save_deck","protocol":1,"content":deck})).await;
    assert_eq!(socket_of_fien.error().await.0, ErrorCode::Unauthorized);
    assert!(!dir.path().join("scenarios/nieuw.toml").exists());

    // Tom is a trainer: on the page he checks the file and saves it, with no key to type.
    let tom = driver.laptop("nl", downloads.path()).await;
    sign_in(&tom, &base, "tom").await;
    tom.wait_text("#account-h", "Aangemeld als tom@gemeente.example (trainer)").await;
    assert_eq!(tom.js("return !!document.getElementById('key')", vec![]).await, json!(false), "no key field for a signed-in trainer");
    tom.keys("#deck-file", file.to_str().unwrap()).await;
    tom.wait_text("#check-result", "Geen problemen gevonden in deck \"nieuw\"").await;
    assert_eq!(tom.js("return !!document.getElementById('save-key')", vec![]).await, json!(false));
    tom.tap("[data-key=save-deck]").await;
    tom.wait_text("#check-result", "Deck \"nieuw\" is bewaard").await;
    assert_eq!(std::fs::read_to_string(dir.path().join("scenarios/nieuw.toml")).unwrap(), deck);
    tom.wait_text(".choices-list", "Nieuw deck").await;
    fien.close().await;
    tom.close().await;
    provider.stop().await;
}

#[tokio::test]
async fn an_id_token_with_a_bad_signature_or_for_another_client_is_refused_with_a_sentence() {
    let Some(Staffed { driver, base, provider, dir, server: _server, .. }) = Staffed::start().await else { return };
    let downloads = tempfile::tempdir().unwrap();
    // (A token with another sign-in's nonce cannot be made to arrive: the code is bound to this
    // sign-in's PKCE verifier, and a replayed or crossed way back is refused before, see above.)
    // Each try in a browser of its own: the provider remembers who signed in there.
    for how in ["signature", "audience"] {
        provider.tamper(how);
        let laptop = driver.laptop("nl", downloads.path()).await;
        sign_in(&laptop, &base, "fien").await;
        laptop.wait_text("#signin-nl", "Aanmelden is geweigerd: wat de aanmeldserver stuurde, klopt niet.").await;
        assert!(laptop.c.cookies().await.unwrap().iter().all(|c| c["name"] != "dilemma_staff"), "{how}: no sign-in cookie");
        assert!(staff_rows(&dir.path().join("workshop.db")).is_empty(), "{how}: nobody signed in");
        laptop.close().await;
    }
    // The same provider's token as it is: signed in.
    provider.tamper("");
    let laptop = driver.laptop("nl", downloads.path()).await;
    sign_in(&laptop, &base, "fien").await;
    laptop.wait_text("#account-h", "Aangemeld als fien@gemeente.example (facilitator)").await;
    laptop.close().await;
    provider.stop().await;
}
