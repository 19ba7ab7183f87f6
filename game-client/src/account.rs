//! The app's sign-in at a server with staff accounts (RFC 8252): the system browser to the server's login, back to a loopback address of the app's own, the token kept in the settings file and sent at every handshake there; signing out ends it on the server.
//!
//! The browser part runs on a thread of its own (the person may take minutes at the provider's
//! form); what it finds comes back over a channel and is applied on the app's next frame.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;
use dilemma_tools::signin;
use protocol::{ClientMsg, PROTOCOL_VERSION};
use tokio_util::sync::CancellationToken;

use crate::connection_thread::{NetCmd, NetHandle};
use crate::network::Net;
use crate::settings::{AppAccount, Remember, Settings};
use crate::ui::Action;
use crate::view::ViewState;

/// What the sign-in thread found, for sign-in number `attempt` (a newer one makes it stale).
enum Progress {
    Open {
        attempt: u64,
        url: String,
    },
    SignedIn {
        attempt: u64,
        server: String,
        result: Result<signin::SignedIn, String>,
    },
    /// The server did not confirm a sign-out (it is forgotten here all the same).
    NotSignedOut {
        error: String,
    },
}

/// The sign-ins under way and how the browser is opened.
#[derive(Resource)]
pub struct SignIns {
    tx: Sender<Progress>,
    rx: Mutex<Receiver<Progress>>,
    /// Wakes the window when the sign-in thread brings news (it sleeps until something happens).
    wake: crate::connection_thread::Waker,
    attempt: u64,
    /// Stops the sign-in under way: its loopback address closes, so no code reaches the app.
    cancel: Option<CancellationToken>,
    /// The system browser is opened at the login address; without (the headless client) the
    /// address is written to standard error as `open: URL`.
    browser: bool,
}

impl SignIns {
    fn sender(&self) -> impl Fn(Progress) + Send + 'static {
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        move |p| {
            let _ = tx.send(p);
            if let Some(wake) = wake.lock().expect("waker lock").as_ref() {
                wake();
            }
        }
    }

    /// Stops the sign-in under way, if any: what it still brings is stale.
    fn stop(&mut self) {
        self.attempt += 1;
        if let Some(c) = self.cancel.take() {
            c.cancel();
        }
    }
}

/// Signs in and out on [`Action::SignIn`] and [`Action::SignOut`], and forgets a sign-in the server refused.
pub fn plugin(app: &mut App, browser: bool) {
    let (tx, rx) = channel();
    let wake = app.world().resource::<Net>().0.waker();
    app.insert_resource(SignIns { tx, rx: Mutex::new(rx), wake, attempt: 0, cancel: None, browser })
        .add_systems(Update, (asked, progress, forget_refused).chain().in_set(crate::app::Frame::Follow));
}

/// Hands the network thread the sign-ins of earlier runs that still last (and forgets the rest),
/// before its first handshake.
pub fn restore(net: &NetHandle, settings: &mut Settings, now_ms: i64) {
    settings.accounts.retain(|a| a.until_ms > now_ms);
    for a in &settings.accounts {
        net.sign_in(&a.server, Some(&a.token));
    }
}

/// Runs `work` on a thread of its own with a small tokio runtime; `failed` is called when it
/// could not run or panicked, so that nobody waits for it.
fn on_thread(name: &str, work: impl Future<Output = ()> + Send + 'static, failed: impl FnOnce() + Send + 'static) {
    let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
        let ran = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
            .and_then(|rt| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(work))).ok());
        if ran.is_none() {
            failed();
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start a thread for the sign-in");
    }
}

/// Ends `token`'s sign-in at `server` in the background (signing out, or a token replaced).
fn sign_out_in_background(jobs: &SignIns, server: String, token: String) {
    let send = jobs.sender();
    let failed = jobs.sender();
    on_thread(
        "sign-out",
        async move {
            if let Err(error) = signin::sign_out(&server, &token, None).await {
                send(Progress::NotSignedOut { error });
            }
        },
        move || failed(Progress::NotSignedOut { error: "de afmelding liep vast".into() }),
    );
}

fn asked(
    mut actions: MessageReader<Action>,
    mut jobs: ResMut<SignIns>,
    mut view: ResMut<ViewState>,
    mut remember: ResMut<Remember>,
    net: Res<Net>,
) {
    for action in actions.read() {
        let server = view.server.clone();
        match action {
            Action::SignIn => {
                jobs.stop();
                let cancel = CancellationToken::new();
                jobs.cancel = Some(cancel.clone());
                let attempt = jobs.attempt;
                let (send, failed) = (jobs.sender(), jobs.sender());
                let at = server.clone();
                view.signing_in = Some(String::new());
                let work = async move {
                    let result = match signin::begin(&server).await {
                        Ok(begun) => {
                            send(Progress::Open { attempt, url: begun.url.clone() });
                            tokio::select! {
                                r = begun.finish(&server, None) => r,
                                () = cancel.cancelled() => return,
                            }
                        }
                        Err(e) => Err(format!("Aanmelden kon niet beginnen: {e}")),
                    };
                    send(Progress::SignedIn { attempt, server, result });
                };
                let gave_up = move || {
                    let result = Err("Aanmelden liep vast; probeer het opnieuw.".to_owned());
                    failed(Progress::SignedIn { attempt, server: at, result });
                };
                on_thread("sign-in", work, gave_up);
            }
            Action::CancelSignIn => {
                jobs.stop();
                view.signing_in = None;
            }
            Action::SignOut => {
                let Some(at) = remember.settings.accounts.iter().position(|a| a.server == server) else { continue };
                // Signed out here at once: a new connection without the token; the server is told meanwhile.
                let account = remember.settings.accounts.remove(at);
                net.0.sign_in(&server, None);
                view.bearer = None;
                reconnect(&view, &server, &net);
                sign_out_in_background(&jobs, server, account.token);
            }
            _ => {}
        }
    }
}

fn progress(jobs: Res<SignIns>, mut view: ResMut<ViewState>, mut remember: ResMut<Remember>, net: Res<Net>) {
    let found: Vec<Progress> = jobs.rx.lock().expect("sign-in channel").try_iter().collect();
    for p in found {
        match p {
            Progress::Open { attempt, url } if attempt == jobs.attempt => {
                if !jobs.browser {
                    eprintln!("open: {url}");
                } else if let Err(e) = open_in_browser(&url) {
                    tracing::warn!(error = %e, "could not open the system browser");
                }
                view.signing_in = Some(url);
            }
            Progress::SignedIn { attempt, server, result } => {
                let signed = match result {
                    Ok(signed) => signed,
                    Err(message) => {
                        if attempt == jobs.attempt {
                            view.signing_in = None;
                            view.error = Some(message);
                        }
                        continue;
                    }
                };
                if attempt != jobs.attempt {
                    // Stopped, and yet it came through: not kept, so not left live on the server.
                    sign_out_in_background(&jobs, server, signed.token);
                    continue;
                }
                view.signing_in = None;
                let until_ms = session_server::now_ms().saturating_add(i64::from(signed.hours) * 3_600_000);
                let account = AppAccount {
                    server: server.clone(),
                    token: signed.token,
                    name: signed.account.name,
                    role: signed.account.role,
                    until_ms,
                };
                net.0.sign_in(&server, Some(&account.token));
                let accounts = &mut remember.settings.accounts;
                if let Some(old) = accounts.iter().position(|a| a.server == server) {
                    let old = accounts.remove(old);
                    sign_out_in_background(&jobs, server.clone(), old.token);
                }
                accounts.push(account);
                reconnect(&view, &server, &net);
            }
            Progress::NotSignedOut { error } => {
                tracing::warn!(error = %error, "the server did not confirm the sign-out");
                view.error = Some(
                    view.lang
                        .pick(
                            "Afgemeld op deze computer. De server bevestigde het niet; daar verloopt de aanmelding vanzelf.",
                            "Signed out on this computer. The server did not confirm it; the sign-in there expires by itself.",
                        )
                        .into(),
                );
            }
            Progress::Open { .. } => {}
        }
    }
}

/// On the start screen at `server`: a new connection, so that its handshake carries the sign-in as
/// it is now and the screen shows who is signed in.
fn reconnect(view: &ViewState, server: &str, net: &Net) {
    if view.code.is_none() && view.server == server {
        net.0.send(NetCmd::Connect { url: server.to_owned(), opening: ClientMsg::ListScenarios { protocol: PROTOCOL_VERSION } });
    }
}

/// The server refused the sign-in this connection's handshake carried: it expired or was ended
/// (signed out elsewhere, cleared away by an operator). The token is forgotten, and that is said.
fn forget_refused(mut view: ResMut<ViewState>, mut remember: ResMut<Remember>, net: Res<Net>) {
    if !view.is_changed() || !view.accounts.as_ref().is_some_and(|a| a.refused) {
        return;
    }
    let Some(server) = view.bearer.take() else { return };
    remember.settings.accounts.retain(|a| a.server != server);
    net.0.sign_in(&server, None);
    view.error = Some(
        view.lang
            .pick(
                "Je aanmelding bij deze server is verlopen of beëindigd. Meld je opnieuw aan.",
                "Your sign-in at this server has expired or was ended. Sign in again.",
            )
            .into(),
    );
}

/// Opens `url` (only `http` and `https`) in the system's browser.
fn open_in_browser(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(std::io::Error::other("only a web address is opened"));
    }
    // Windows: the URL handler, not `cmd /c start` (which reads `&` in the address as its own).
    let (program, before): (&str, &[&str]) = if cfg!(windows) {
        ("rundll32", &["url.dll,FileProtocolHandler"])
    } else if cfg!(target_os = "macos") {
        ("open", &[])
    } else {
        ("xdg-open", &[])
    };
    let mut child = Command::new(program).args(before).arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    // Waited for, so it leaves nothing behind once the browser has the address.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_start_keeps_only_the_sign_ins_that_still_last() {
        let account = |server: &str, until_ms| AppAccount {
            server: server.into(),
            token: "t".into(),
            name: "fien@gemeente.example".into(),
            role: protocol::StaffRole::Facilitator,
            until_ms,
        };
        let mut settings = Settings { accounts: vec![account("wss://a/ws", 999), account("wss://b/ws", 1_001)], ..Settings::default() };
        restore(&NetHandle::spawn(), &mut settings, 1_000);
        assert_eq!(settings.accounts, vec![account("wss://b/ws", 1_001)]);
    }

    #[test]
    fn only_a_web_address_goes_to_the_browser() {
        for bad in ["file:///etc/passwd", "javascript:alert(1)", "ms-settings:", "\\\\server\\share"] {
            assert!(open_in_browser(bad).is_err(), "{bad}");
        }
    }
}
