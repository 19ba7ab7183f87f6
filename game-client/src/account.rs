//! The app's sign-in at a server with staff accounts (RFC 8252): the system browser to the server's login, back to a loopback address of the app's own, the token kept in the settings file and sent at every handshake there; signing out ends it on the server.
//!
//! The browser part runs on a thread of its own (the person may take minutes at the provider's
//! form); what it finds comes back over a channel and is applied on the app's next frame.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;
use dilemma_tools::signin;
use protocol::{ClientMsg, PROTOCOL_VERSION};

use crate::connection_thread::{NetCmd, NetHandle};
use crate::network::Net;
use crate::settings::{AppAccount, Remember, Settings};
use crate::ui::Action;
use crate::view::ViewState;

/// What the sign-in thread found, for sign-in number `attempt` (a newer one makes it stale).
enum Progress {
    Open { attempt: u64, url: String },
    SignedIn { attempt: u64, server: String, result: Result<signin::SignedIn, String> },
    SignedOut { server: String, result: Result<(), String> },
}

/// The sign-ins under way and how the browser is opened.
#[derive(Resource)]
pub struct SignIns {
    tx: Sender<Progress>,
    rx: Mutex<Receiver<Progress>>,
    attempt: u64,
    /// The system browser is opened at the login address; without (the headless client) the
    /// address is written to standard error as `open: URL`.
    browser: bool,
}

/// Signs in and out on [`Action::SignIn`] and [`Action::SignOut`], and forgets a sign-in the server no longer knows.
pub fn plugin(app: &mut App, browser: bool) {
    let (tx, rx) = channel();
    app.insert_resource(SignIns { tx, rx: Mutex::new(rx), attempt: 0, browser })
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

/// Milliseconds since 1970 now.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Runs `work` on a thread of its own with a small tokio runtime.
fn on_thread(name: &str, work: impl std::future::Future<Output = ()> + Send + 'static) {
    let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
        match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt.block_on(work),
            Err(e) => tracing::error!(error = %e, "no runtime for the sign-in"),
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the sign-in");
    }
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
                jobs.attempt += 1;
                let (attempt, tx) = (jobs.attempt, jobs.tx.clone());
                view.signing_in = Some(String::new());
                on_thread("sign-in", async move {
                    let result = match signin::begin(&server).await {
                        Ok(begun) => {
                            let _ = tx.send(Progress::Open { attempt, url: begun.url.clone() });
                            begun.finish(&server, None).await
                        }
                        Err(e) => Err(format!("Aanmelden kon niet beginnen: {e}")),
                    };
                    let _ = tx.send(Progress::SignedIn { attempt, server, result });
                });
            }
            Action::CancelSignIn => {
                // The waiting thread gives up by itself (signin::WAIT_FOR_BROWSER); what it brings is stale.
                jobs.attempt += 1;
                view.signing_in = None;
            }
            Action::SignOut => {
                let Some(at) = remember.settings.accounts.iter().position(|a| a.server == server) else { continue };
                let account = remember.settings.accounts.remove(at);
                net.0.sign_in(&server, None);
                let tx = jobs.tx.clone();
                on_thread("sign-out", async move {
                    let result = signin::sign_out(&server, &account.token, None).await;
                    let _ = tx.send(Progress::SignedOut { server, result });
                });
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
            Progress::SignedIn { attempt, server, result } if attempt == jobs.attempt => {
                view.signing_in = None;
                match result {
                    Ok(signed) => {
                        let until_ms = now_ms().saturating_add(i64::from(signed.hours) * 3_600_000);
                        let account = AppAccount {
                            server: server.clone(),
                            token: signed.token,
                            name: signed.account.name,
                            role: signed.account.role,
                            until_ms,
                        };
                        net.0.sign_in(&server, Some(&account.token));
                        let accounts = &mut remember.settings.accounts;
                        accounts.retain(|a| a.server != server);
                        accounts.push(account);
                        reconnect(&view, &server, &net);
                    }
                    Err(message) => view.error = Some(message),
                }
            }
            Progress::SignedOut { server, result } => {
                if let Err(e) = result {
                    tracing::warn!(error = %e, "the server did not confirm the sign-out");
                    view.error = Some(
                        view.lang
                            .pick(
                                "Afgemeld op deze computer. De server was niet bereikbaar; daar verloopt de aanmelding vanzelf.",
                                "Signed out on this computer. The server was unreachable; the sign-in there expires by itself.",
                            )
                            .into(),
                    );
                }
                reconnect(&view, &server, &net);
            }
            Progress::Open { .. } | Progress::SignedIn { .. } => {}
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

/// A handshake carried the app's token and the server says nobody is signed in: the sign-in
/// expired or was ended (signed out elsewhere, an operator's purge). It is forgotten, and said.
fn forget_refused(mut view: ResMut<ViewState>, mut remember: ResMut<Remember>, net: Res<Net>) {
    let nobody = view.accounts.as_ref().is_some_and(|a| a.signed_in.is_none());
    if !view.is_changed() || !view.bearer || !nobody {
        return;
    }
    let server = view.server.clone();
    remember.settings.accounts.retain(|a| a.server != server);
    net.0.sign_in(&server, None);
    view.bearer = false;
    view.error = Some(
        view.lang
            .pick(
                "Je aanmelding bij deze server is verlopen of beëindigd. Meld je opnieuw aan.",
                "Your sign-in at this server has expired or was ended. Sign in again.",
            )
            .into(),
    );
}

/// Opens `url` in the system's browser.
fn open_in_browser(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    // Windows: the URL handler, not `cmd /c start` (which reads `&` in the address as its own).
    let mut command = if cfg!(windows) {
        let mut c = Command::new("rundll32");
        c.args(["url.dll,FileProtocolHandler", url]);
        c
    } else if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    // Waited for, so it leaves nothing behind once the browser has the address.
    std::thread::spawn(move || child.wait());
    Ok(())
}
