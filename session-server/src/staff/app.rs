//! The desktop app's sign-in, as native apps do it (RFC 8252): the system browser signs in at this server as a page does, comes back to the app's own loopback address with a one-time code, and the app trades that code and its PKCE verifier (RFC 7636) for a sign-in token of its own.
//!
//! The provider's tokens never leave the server; the app keeps only this server's token (like a
//! refresh token: long-lived, stored hashed here, ended by signing out), and sends it at each
//! websocket handshake as `Authorization: Bearer …`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use protocol::{ErrorCode, Refusal, ServerMsg};

use super::StaffRole;

/// How long the app's sign-in lasts: a month of workshops, then the browser once more. An
/// operator's lasts only as long as a page's sign-in (`--oidc-hours`): a role that can purge is
/// not kept for a month after the provider took it away.
pub const APP_DAYS: u64 = 30;
/// How long the one-time code is good for between the browser's return and the app's exchange.
const CODE_FOR: Duration = Duration::from_secs(120);
/// Codes waiting for their app, at most (each is a few hundred bytes).
const CODES_MAX: usize = 1024;

/// Where a sign-in of the app returns to: its loopback address, its PKCE challenge, its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReturn {
    pub redirect: String,
    pub challenge: String,
    pub state: String,
}

impl AppReturn {
    /// The app's part of `/auth/login` (`app`, `challenge`, `app_state`), checked: the return
    /// address is a loopback IP literal on a port (`http://127.0.0.1:PORT/…` or `http://[::1]:PORT/…`,
    /// never a name such as `localhost` that something else could answer, no query of its own),
    /// the challenge the hex SHA-256 of the verifier, the state short and printable.
    pub fn from_query(redirect: &str, challenge: &str, state: &str) -> Result<AppReturn, &'static str> {
        let rest = redirect.strip_prefix("http://127.0.0.1:").or_else(|| redirect.strip_prefix("http://[::1]:")).ok_or("app")?;
        let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let port_ok = port.parse::<u16>().is_ok_and(|p| p > 0);
        let path_ok = path.len() <= 200 && path.bytes().all(|c| (0x21..0x7f).contains(&c) && !matches!(c, b'?' | b'#' | b'\\'));
        if !port_ok || !path_ok {
            return Err("app");
        }
        if challenge.len() != 64 || !challenge.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
            return Err("challenge");
        }
        if state.is_empty() || state.len() > 128 || !state.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            return Err("app_state");
        }
        let redirect = if path.is_empty() { format!("{redirect}/") } else { redirect.to_owned() };
        Ok(AppReturn { redirect, challenge: challenge.to_owned(), state: state.to_owned() })
    }

    /// Where the browser goes with `code`.
    pub fn location(&self, code: &str) -> String {
        format!("{}?code={code}&state={}", self.redirect, self.state)
    }
}

/// Who signed in, waiting for the app to come for it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub subject: String,
    pub name: String,
    pub role: StaffRole,
    challenge: String,
    at: Instant,
}

/// The one-time codes on their way to an app.
#[derive(Default)]
pub struct Codes {
    waiting: Mutex<HashMap<String, Waiting>>,
}

impl Codes {
    /// A code for this sign-in, or `None` when too many wait (they expire within minutes).
    pub fn issue(&self, subject: String, name: String, role: StaffRole, challenge: String) -> Option<String> {
        let mut all = self.waiting.lock().expect("app codes");
        all.retain(|_, w| w.at.elapsed() < CODE_FOR);
        if all.len() >= CODES_MAX {
            return None;
        }
        let code = crate::secrets::new_token();
        all.insert(code.clone(), Waiting { subject, name, role, challenge, at: Instant::now() });
        Some(code)
    }

    /// The sign-in of `code`, once, when `verifier` is the one its challenge was made from; a
    /// wrong verifier uses the code up too (it was given to someone else).
    pub fn take(&self, code: &str, verifier: &str) -> Option<Waiting> {
        let found = self.waiting.lock().expect("app codes").remove(code)?;
        let fresh = found.at.elapsed() < CODE_FOR;
        (fresh && crate::secrets::same(&crate::secrets::challenge_of(verifier), &found.challenge)).then_some(found)
    }
}

/// The answer to `app_sign_in`: a token of the app's own for the sign-in its code stands for.
pub async fn exchange(
    hub: &crate::hub::Hub,
    code: &str,
    verifier: &str,
    client: crate::forwarded::ClientAddr,
) -> Result<(ServerMsg, [u8; 32]), Refusal> {
    let Some(accounts) = hub.accounts() else {
        return Err(Refusal::new(ErrorCode::BadRequest, "Deze server werkt zonder accounts; aanmelden is niet nodig."));
    };
    let Some(w) = (code.len() <= 64 && verifier.len() <= 128).then(|| accounts.app_codes.take(code, verifier)).flatten() else {
        return Err(Refusal::new(ErrorCode::Unauthorized, "Deze aanmelding is verlopen of hoort niet bij deze app; meld je opnieuw aan."));
    };
    let lasts = if w.role >= StaffRole::Operator { accounts.settings.session_for } else { Duration::from_secs(APP_DAYS * 24 * 3600) };
    let who = super::Staff { subject: w.subject, name: w.name.clone(), role: w.role };
    let Some((token, hash)) = super::start_sign_in(hub, who, lasts, super::SignedInOn::App, client).await else {
        return Err(Refusal::from(ErrorCode::StorageFailed));
    };
    tracing::info!(role = w.role.as_str(), "a member of staff signed in in the desktop app");
    let account = protocol::Account { name: w.name, role: w.role };
    Ok((ServerMsg::AppSignedIn { token, account, hours: (lasts.as_secs() / 3600) as u32 }, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_ip_literal_with_a_port_is_an_apps_return_address() {
        let challenge = crate::secrets::challenge_of("verifier");
        let ok = |r: &str| AppReturn::from_query(r, &challenge, "s-1").map(|a| a.redirect);
        assert_eq!(ok("http://127.0.0.1:49152/terug").as_deref(), Ok("http://127.0.0.1:49152/terug"));
        assert_eq!(ok("http://127.0.0.1:49152").as_deref(), Ok("http://127.0.0.1:49152/"));
        assert!(ok("http://[::1]:8000/").is_ok());
        for bad in [
            "http://localhost:49152/",
            "https://127.0.0.1:49152/",
            "http://127.0.0.1.evil.example:80/",
            "http://127.0.0.1:0/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:8000/?next=x",
            "http://127.0.0.1:8000/a#b",
            "http://127.0.0.1@evil.example:8000/",
            "http://127.0.0.1:8000/\ta",
        ] {
            assert_eq!(ok(bad), Err("app"), "{bad:?}");
        }
        assert_eq!(AppReturn::from_query("http://127.0.0.1:8000/", "abc", "s").err(), Some("challenge"));
        assert_eq!(AppReturn::from_query("http://127.0.0.1:8000/", &challenge, "a b").err(), Some("app_state"));
    }

    #[test]
    fn a_code_is_traded_once_and_only_with_the_verifier_its_challenge_was_made_from() {
        let codes = Codes::default();
        let issue =
            || codes.issue("u".into(), "fien".into(), StaffRole::Facilitator, crate::secrets::challenge_of("mijn-verifier")).unwrap();
        let code = issue();
        assert!(codes.take(&code, "mijn-verifier").is_some());
        assert!(codes.take(&code, "mijn-verifier").is_none(), "once");
        let code = issue();
        assert!(codes.take(&code, "een-andere").is_none(), "another verifier");
        assert!(codes.take(&code, "mijn-verifier").is_none(), "and then it is used up");
    }
}
