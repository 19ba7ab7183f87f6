//! Staff accounts from the municipality's OpenID Connect provider: who may lead sessions, save decks and run the server; participants never sign in.

pub mod oidc;
pub mod signin;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub use protocol::StaffRole;

/// The browser's cookie that carries a signed-in member of staff's token.
pub const COOKIE: &str = "dilemma_staff";
/// How long a sign-in lasts by default: a working day.
pub const DEFAULT_HOURS: u64 = 10;
/// Sign-ins begun and not yet come back, at most (each is a few hundred bytes), and for how long.
const PENDING_MAX: usize = 1024;
const PENDING_FOR: Duration = Duration::from_secs(600);

/// The sign-in settings (`--oidc-*`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The ID token's claim that holds the user's groups or roles (`groups` by default).
    pub role_claim: String,
    /// The claim's values that make a user facilitator, trainer, operator.
    pub facilitators: Vec<String>,
    pub trainers: Vec<String>,
    pub operators: Vec<String>,
    /// How long a sign-in lasts.
    pub session_for: Duration,
}

impl Settings {
    /// The highest role the claim's value gives (a string or a list of strings), if any.
    pub fn role_for(&self, claim: Option<&serde_json::Value>) -> Option<StaffRole> {
        let values: Vec<&str> = match claim {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        let has = |wanted: &[String]| wanted.iter().any(|w| values.contains(&w.as_str()));
        [(StaffRole::Operator, &self.operators), (StaffRole::Trainer, &self.trainers), (StaffRole::Facilitator, &self.facilitators)]
            .into_iter()
            .find(|(_, wanted)| has(wanted))
            .map(|(role, _)| role)
    }
}

/// A signed-in member of staff, as the server knows them for one request or connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub subject: String,
    pub name: String,
    pub role: StaffRole,
}

impl Staff {
    /// Whether this member of staff may do what `role` may.
    pub fn may(&self, role: StaffRole) -> bool {
        self.role >= role
    }
}

/// The token in a `Cookie` header, if it has ours.
pub fn token_in(cookie: &str) -> Option<&str> {
    cookie.split(';').filter_map(|c| c.trim().split_once('=')).find(|(name, _)| *name == COOKIE).map(|(_, v)| v.trim())
}

/// Signing in on a server that has accounts: the provider and the sign-ins on their way.
pub struct Accounts {
    pub settings: Settings,
    pub provider: oidc::Provider,
    /// Whether the cookie is `Secure` (the public address is https).
    pub secure: bool,
    pending: Mutex<HashMap<String, oidc::Pending>>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Accounts({})", self.settings.issuer)
    }
}

impl Accounts {
    /// The accounts of `settings`, calling back under the public address `base` (`https://host`, no `/` at the end).
    pub fn new(settings: Settings, base: &str) -> Result<Accounts, String> {
        let provider = oidc::Provider::new(&settings, format!("{}/auth/callback", base.trim_end_matches('/')))?;
        Ok(Accounts { settings, provider, secure: base.starts_with("https://"), pending: Mutex::new(HashMap::new()) })
    }

    /// Keeps a sign-in that went to the provider under its `state`; `false` when too many are on
    /// their way (the oldest expire within minutes).
    fn keep(&self, state: String, pending: oidc::Pending) -> bool {
        let mut all = self.pending.lock().expect("pending sign-ins");
        all.retain(|_, p| p.at.elapsed() < PENDING_FOR);
        if all.len() >= PENDING_MAX {
            return false;
        }
        all.insert(state, pending);
        true
    }

    /// The sign-in begun with `state`, once: a callback that comes again finds nothing.
    fn take(&self, state: &str) -> Option<oidc::Pending> {
        let mut all = self.pending.lock().expect("pending sign-ins");
        all.remove(state).filter(|p| p.at.elapsed() < PENDING_FOR)
    }
}

/// The member of staff signed in with the token in `cookie`, if that sign-in is live. Blocking:
/// it reads the database.
pub fn signed_in(db: &crate::store::Db, cookie: Option<&str>) -> Option<Staff> {
    let token = cookie.and_then(token_in).filter(|t| !t.is_empty() && t.len() <= 128)?;
    match db.staff_session(&crate::secrets::hash_token(token)) {
        Ok(Some(row)) => Some(Staff { subject: row.subject, name: row.name, role: StaffRole::parse(&row.role)? }),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a staff sign-in could not be read from the database; treated as signed out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            issuer: "http://127.0.0.1:1".into(),
            client_id: "dilemma".into(),
            client_secret: "s".into(),
            role_claim: "groups".into(),
            facilitators: vec!["begeleiders".into()],
            trainers: vec!["trainers".into()],
            operators: vec!["beheer".into()],
            session_for: Duration::from_secs(3600),
        }
    }

    #[test]
    fn the_highest_role_a_claim_gives_wins_and_no_mapped_value_is_no_role() {
        let s = settings();
        let v = |j: &str| serde_json::from_str::<serde_json::Value>(j).unwrap();
        assert_eq!(s.role_for(Some(&v(r#"["begeleiders"]"#))), Some(StaffRole::Facilitator));
        assert_eq!(s.role_for(Some(&v(r#"["begeleiders","beheer"]"#))), Some(StaffRole::Operator));
        assert_eq!(s.role_for(Some(&v(r#""trainers""#))), Some(StaffRole::Trainer));
        assert_eq!(s.role_for(Some(&v(r#"["anderen"]"#))), None);
        assert_eq!(s.role_for(Some(&v("42"))), None);
        assert_eq!(s.role_for(None), None);
    }

    #[test]
    fn the_token_is_found_among_other_cookies_and_only_under_our_name() {
        assert_eq!(token_in("a=1; dilemma_staff=abc; b=2"), Some("abc"));
        assert_eq!(token_in("dilemma_staff=xyz"), Some("xyz"));
        assert_eq!(token_in("x_dilemma_staff=abc"), None);
        assert_eq!(token_in(""), None);
    }
}
