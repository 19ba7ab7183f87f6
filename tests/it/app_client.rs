//! The desktop app's own sign-in against the real provider, driven through the client without a window (`dilemma-headless`, the app's own systems): it keeps its token only in its own settings file (mode 0600), leads with it after a restart, signs out on the server, and forgets a sign-in the server no longer knows.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use crate::oidc::Staffed;

/// `dilemma-headless`, built beside this test by `cargo test --workspace` (target/debug).
fn headless_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join(format!("dilemma-headless{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: `cargo test --workspace` builds it (or cargo build -p game-client --bin dilemma-headless)",
        bin.display()
    );
    bin
}

/// One run of the app without a window, with its settings in `settings`.
struct App {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    errors: Lines<BufReader<ChildStderr>>,
    last: Value,
    /// Everything it wrote, to check that its token never shows.
    said: String,
}

impl App {
    fn start(url: &str, settings: &Path) -> App {
        let mut child = Command::new(headless_binary())
            .arg(url)
            .arg("--settings")
            .arg(settings)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start dilemma-headless");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let errors = BufReader::new(child.stderr.take().unwrap()).lines();
        App { child, stdin, lines, errors, last: Value::Null, said: String::new() }
    }

    async fn say(&mut self, command: &str) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Reads the app's state lines until `done` holds (up to 20 s).
    async fn until(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&self.last) {
            match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(line))) => {
                    self.last = serde_json::from_str(&line).unwrap();
                    self.said.push_str(&line);
                }
                other => panic!("waiting for {what}: {other:?}; last state {}", self.last),
            }
        }
        self.last.clone()
    }

    /// The address the app would open in the system browser (`open: URL` on its standard error).
    async fn login_address(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match tokio::time::timeout_at(deadline, self.errors.next_line()).await {
                Ok(Ok(Some(line))) => {
                    self.said.push_str(&line);
                    if let Some(url) = line.strip_prefix("open: ") {
                        return url.to_owned();
                    }
                }
                other => panic!("the app gave no address to open: {other:?}"),
            }
        }
    }

    /// Closes its input: the app ends, its settings saved. Gives everything it wrote.
    async fn quit(mut self) -> String {
        drop(self.stdin);
        let ended = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
        assert!(ended.is_ok_and(|s| s.is_ok_and(|s| s.success())), "the app ended cleanly");
        while let Ok(Some(line)) = self.lines.next_line().await {
            self.said.push_str(&line);
        }
        while let Ok(Some(line)) = self.errors.next_line().await {
            self.said.push_str(&line);
        }
        self.said
    }
}

/// The settings file's accounts, once `done` holds for them (the settings thread writes it soon after a change).
async fn accounts_once(settings: &Path, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let read = std::fs::read(settings).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        if let Some(accounts) = read.map(|s| s["accounts"].clone())
            && done(&accounts)
        {
            return accounts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the settings file never showed {what}: {:?}", std::fs::read_to_string(settings));
}

/// The system browser at the app's login address: Fien through the provider's form and consent,
/// up to the server's question whether to sign the app in.
async fn to_the_question(browser: &crate::browser::Page, url: &str) {
    browser.open(url).await;
    crate::oidc::through_the_provider(browser, "fien").await;
    browser.wait_for("the server's question", "document.querySelector('#to-app')").await;
}

/// The audit log's lines of `action`: (who, what, client).
fn audit_lines(db: &Path, action: &str) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut q = conn.prepare("SELECT who, what, client FROM audit WHERE action = ?1 ORDER BY rowid").unwrap();
    q.query_map([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn staff_sessions(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM staff_sessions", [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn the_app_signs_in_keeps_its_token_in_its_own_settings_file_leads_with_it_after_a_restart_and_signs_out() {
    let Some(Staffed { driver, provider, dir, server, .. }) = Staffed::start().await else { return };
    let db = dir.path().join("workshop.db");
    let home = tempfile::tempdir().unwrap();
    let settings = home.path().join("client.json");

    // Not signed in: the server says it has accounts and nobody is signed in; starting is refused.
    let mut app = App::start(&server.url, &settings);
    app.until("the decks, on a server with accounts", |v| v["scenarios"].as_u64() > Some(0) && v["accounts"] == true).await;
    assert_eq!(app.last["signed_in"], Value::Null);
    app.say("host samen-werken").await;
    let refused = app.until("the refusal", |v| !v["error"].is_null()).await;
    assert_eq!(
        (refused["screen"].as_str(), refused["error"].as_str()),
        (
            Some("Connect"),
            Some("Meld je eerst aan met je account van de gemeente: op deze server beginnen alleen facilitatoren een sessie.")
        )
    );

    // The app signs in: the system browser (Chromium here) at the address it gives, the provider's
    // form, the server's question, back to the app's loopback address.
    app.say("sign_in").await;
    let url = app.login_address().await;
    assert!(url.contains("/auth/login?") && url.contains("app=http%3A%2F%2F127.0.0.1%3A"), "{url}");
    app.until("waiting for the browser", |v| v["signing_in"] == true).await;
    let downloads = tempfile::tempdir().unwrap();
    let browser = driver.laptop("nl", downloads.path()).await;
    to_the_question(&browser, &url).await;
    browser
        .wait_text("#signin-nl", "Wil je de desktop-app van het dilemmaspel op deze computer aanmelden als fien@gemeente.example?")
        .await;
    browser.tap("#to-app").await;
    browser.wait_text("body", "Je bent aangemeld. Ga terug naar de app").await;
    browser.close().await;
    app.until("signed in, on a new connection that carries it", |v| v["signed_in"] == "fien@gemeente.example" && v["signing_in"] == false)
        .await;

    // Kept in its own settings file only, readable by its owner alone; the server holds its hash.
    let accounts =
        accounts_once(&settings, "the sign-in", |a| a.as_array().is_some_and(|a| a.len() == 1 && a[0]["name"] == "fien@gemeente.example"))
            .await;
    assert_eq!((accounts[0]["server"].clone(), accounts[0]["role"].clone()), (json!(server.url), json!("facilitator")));
    let token = accounts[0]["token"].as_str().unwrap().to_owned();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let hash: Vec<u8> = conn.query_row("SELECT token_hash FROM staff_sessions", [], |r| r.get(0)).unwrap();
    assert_eq!(hash, session_server::secrets::hash_token(&token).to_vec());
    let line = |what: &str| ("fien@gemeente.example".to_owned(), what.to_owned(), "127.0.0.1".to_owned());
    assert_eq!(audit_lines(&db, "signed_in"), vec![line("app")], "the audit log says who signed in, in the app, from where");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&settings).unwrap().permissions().mode() & 0o777, 0o600, "the settings file is the user's own");
    }

    // Signed in, it starts a session, which is this account's.
    app.say("host samen-werken").await;
    let led = app.until("leading", |v| v["screen"] == "Facilitator").await;
    let code = led["code"].as_str().unwrap().to_owned();
    let owner: String = conn.query_row("SELECT who FROM session_staff WHERE code = ?1 AND owner = 1", [&code], |r| r.get(0)).unwrap();
    assert!(owner.starts_with("sub:"), "{owner}");
    app.say("end").await;
    app.until("ended", |v| v["phase"] == "ended").await;
    app.say("leave").await;
    let said = app.quit().await;
    assert!(!said.contains(&token), "the app never writes its token out");

    // A new start of the app is signed in at its first handshake, without the browser.
    let mut again = App::start(&server.url, &settings);
    again.until("signed in from the settings", |v| v["signed_in"] == "fien@gemeente.example").await;
    again.say("host samen-werken").await;
    again.until("leading again", |v| v["screen"] == "Facilitator").await;
    again.say("leave").await;
    again.until("back at the start", |v| v["screen"] == "Connect" && v["signed_in"] == "fien@gemeente.example").await;

    // Signing out ends the sign-in on the server and in the file.
    again.say("sign_out").await;
    accounts_once(&settings, "no sign-in", |a| a.as_array().is_some_and(Vec::is_empty)).await;
    again.until("signed out, as the server says", |v| v["accounts"] == true && v["signed_in"].is_null()).await;
    assert_eq!(again.last["error"], Value::Null, "signed out without a word of trouble");
    for _ in 0..100 {
        if staff_sessions(&db) == 0 && !audit_lines(&db, "signed_out").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(staff_sessions(&db), 0, "the server forgot the app's sign-in");
    assert_eq!(audit_lines(&db, "signed_out"), vec![line("")], "and that it signed out");

    // A sign-in stopped in the app: its loopback address closes, so the browser cannot bring the code back.
    again.say("sign_in").await;
    let url = again.login_address().await;
    again.until("waiting for the browser", |v| v["signing_in"] == true).await;
    again.say("cancel_sign_in").await;
    again.until("stopped", |v| v["signing_in"] == false).await;
    let browser = driver.laptop("nl", downloads.path()).await;
    to_the_question(&browser, &url).await;
    browser.tap("#to-app").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    browser.close().await;
    assert_eq!(staff_sessions(&db), 0, "no sign-in made for a stopped app");
    assert!(again.last["signed_in"].is_null() && again.last["signing_in"] == false, "{}", again.last);
    again.quit().await;

    // A token the server does not know (expired, signed out elsewhere, purged): forgotten, and said.
    let mut file: Value = serde_json::from_slice(&std::fs::read(&settings).unwrap()).unwrap();
    file["accounts"] = json!([{"server": server.url, "token": token, "name": "fien@gemeente.example", "role": "facilitator", "until_ms": 4_000_000_000_000i64}]);
    std::fs::write(&settings, serde_json::to_vec(&file).unwrap()).unwrap();
    let mut stale = App::start(&server.url, &settings);
    let said = stale.until("the sentence", |v| !v["error"].is_null()).await;
    assert_eq!(said["error"], "Je aanmelding bij deze server is verlopen of beëindigd. Meld je opnieuw aan.");
    accounts_once(&settings, "the stale sign-in gone", |a| a.as_array().is_some_and(Vec::is_empty)).await;
    stale.quit().await;
    provider.stop().await;
}
