//! Staff accounts from the municipality's OpenID Connect provider: who may lead sessions, save decks and run the server; participants never sign in.

pub mod app;
pub mod audit;
pub mod oidc;
pub mod sessions;
pub mod signin;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub use protocol::StaffRole;

/// The browser's cookie that carries a signed-in member of staff's token; over https with the
/// `__Host-` prefix, so no other site under the same domain can set it.
pub const COOKIE: &str = "dilemma_staff";
const SECURE_COOKIE: &str = "__Host-dilemma_staff";
/// The cookie that ties a sign-in on its way to the browser that began it (login CSRF).
pub const STATE_COOKIE: &str = "dilemma_signin";
/// How long a sign-in lasts by default: a working day.
pub const DEFAULT_HOURS: u64 = 10;
/// Sign-ins begun and not yet come back, at most (each is a few hundred bytes), and for how long.
const PENDING_MAX: usize = 1024;
/// ...and from one network address (an IPv6 /64), so one client cannot crowd out the others.
const PENDING_PER_ADDRESS: usize = 16;
const PENDING_FOR: Duration = Duration::from_secs(600);

/// The sign-in settings (`--oidc-*`).
#[derive(Clone)]
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

/// Everything but the client secret.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("role_claim", &self.role_claim)
            .finish()
    }
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

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(cookie: &'a str, name: &str) -> Option<&'a str> {
    cookie.split(';').filter_map(|c| c.trim().split_once('=')).find(|(n, _)| *n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// Signing in on a server that has accounts: the provider and the sign-ins on their way.
pub struct Accounts {
    pub settings: Settings,
    pub provider: oidc::Provider,
    /// Whether the cookie is `Secure` (the public address is https).
    pub secure: bool,
    pending: Mutex<HashMap<String, (std::net::IpAddr, oidc::Pending)>>,
    /// The desktop app's one-time codes on their way (see [`app`]).
    pub app_codes: app::Codes,
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
        Ok(Accounts {
            settings,
            provider,
            secure: base.starts_with("https://"),
            pending: Mutex::new(HashMap::new()),
            app_codes: app::Codes::default(),
        })
    }

    /// The sign-in cookie's name on this server.
    pub fn cookie(&self) -> &'static str {
        if self.secure { SECURE_COOKIE } else { COOKIE }
    }

    /// The sign-in token in a `Cookie` header, if it has one (of at most 128 characters).
    pub fn token_in<'a>(&self, cookie: &'a str) -> Option<&'a str> {
        cookie_value(cookie, self.cookie()).filter(|t| t.len() <= 128)
    }

    /// Whether one more sign-in from `from` may begin: not when too many are on their way, from
    /// there or at all (the oldest expire within minutes).
    fn room_for(&self, from: std::net::IpAddr) -> bool {
        let mut all = self.pending.lock().expect("pending sign-ins");
        all.retain(|_, (_, p)| p.at.elapsed() < PENDING_FOR);
        let network = crate::address::network(from);
        all.len() < PENDING_MAX && all.values().filter(|(ip, _)| crate::address::network(*ip) == network).count() < PENDING_PER_ADDRESS
    }

    /// Keeps a sign-in that went to the provider under its `state`; `false` when there is no room.
    fn keep(&self, state: String, from: std::net::IpAddr, pending: oidc::Pending) -> bool {
        if !self.room_for(from) {
            return false;
        }
        self.pending.lock().expect("pending sign-ins").insert(state, (from, pending));
        true
    }

    /// The sign-in begun with `state`, once: a callback that comes again finds nothing.
    fn take(&self, state: &str) -> Option<oidc::Pending> {
        let mut all = self.pending.lock().expect("pending sign-ins");
        all.remove(state).map(|(_, p)| p).filter(|p| p.at.elapsed() < PENDING_FOR)
    }
}

/// Runs `f` with the database on a blocking thread; a thread that was lost (the server stops) is
/// a store that cannot answer.
pub(crate) async fn with_db<T: Send + 'static>(
    hub: &crate::hub::Hub,
    f: impl FnOnce(&crate::store::Db) -> T + Send + 'static,
) -> Result<T, protocol::Refusal> {
    let db = hub.db().clone();
    tokio::task::spawn_blocking(move || f(&db)).await.map_err(|e| {
        tracing::error!(error = %e, "a database read for staff accounts did not finish");
        protocol::Refusal::from(protocol::ErrorCode::StorageFailed)
    })
}

/// Where a sign-in is used, as the audit log says it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SignedInOn {
    Page,
    App,
}

/// Stores a new sign-in of this member of staff for `lasts` (a page's cookie, the desktop app's
/// token): the token and its SHA-256, the only thing stored; `None` when it could not be stored.
/// The audit log gets a line.
pub(crate) async fn start_sign_in(
    hub: &crate::hub::Hub,
    staff: Staff,
    lasts: Duration,
    on: SignedInOn,
    client: crate::forwarded::ClientAddr,
) -> Option<(String, [u8; 32])> {
    let Staff { subject, name, role } = staff;
    let token = crate::secrets::new_token();
    let hash = crate::secrets::hash_token(&token);
    let row = crate::store::StaffRow {
        subject,
        name: name.clone(),
        role: role.as_str().to_owned(),
        expires_ms: crate::now_ms() + lasts.as_millis() as i64,
    };
    let on = match on {
        SignedInOn::Page => "pagina",
        SignedInOn::App => "app",
    };
    let stored = with_db(hub, move |db| {
        let stored = db.start_staff_session(&hash, &row);
        if stored.is_ok() {
            audit::write(db, &name, "signed_in", on, &client.ip.to_string());
        }
        stored
    });
    match stored.await {
        Ok(Ok(())) => Some((token, hash)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a sign-in could not be stored");
            None
        }
        Err(_) => None,
    }
}

/// Ends the sign-in whose token has this SHA-256 (signing out, on a page or in the app); the
/// audit log gets a line when there was one.
pub(crate) async fn end_sign_in(hub: &crate::hub::Hub, hash: [u8; 32], client: crate::forwarded::ClientAddr) {
    let ended = with_db(hub, move |db| {
        let who = lookup(db, &hash).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "who signs out could not be read: the audit log gets no line for it");
            None
        });
        let ended = db.end_staff_session(&hash);
        if let (Ok(true), Some(who)) = (&ended, who) {
            audit::write(db, &who.name, "signed_out", "", &client.ip.to_string());
        }
        ended
    });
    if let Ok(Err(e)) = ended.await {
        tracing::warn!(error = %e, "a sign-out could not be stored");
    }
}

/// What the database says of the sign-in whose token has the SHA-256 `hash`: `Ok(None)` when it is
/// not (or no longer) live, an error when it could not be read. Blocking.
pub fn lookup(db: &crate::store::Db, hash: &[u8; 32]) -> rusqlite::Result<Option<Staff>> {
    Ok(db.staff_session(hash)?.and_then(|row| Some(Staff { subject: row.subject, name: row.name, role: StaffRole::parse(&row.role)? })))
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
        let plain = Accounts::new(settings(), "http://127.0.0.1:7878").unwrap();
        assert_eq!(plain.token_in("a=1; dilemma_staff=abc; b=2"), Some("abc"));
        assert_eq!(plain.token_in("dilemma_staff=xyz"), Some("xyz"));
        assert_eq!(plain.token_in("x_dilemma_staff=abc"), None);
        assert_eq!(plain.token_in("dilemma_staff="), None);
        assert_eq!(plain.token_in(""), None);
        let secure = Accounts::new(settings(), "https://dilemma.gemeente.nl").unwrap();
        assert_eq!(
            secure.token_in("dilemma_staff=planted; __Host-dilemma_staff=real"),
            Some("real"),
            "over https only the __Host- cookie counts"
        );
    }

    #[test]
    fn one_address_cannot_crowd_out_the_others_sign_ins() {
        let a = Accounts::new(settings(), "http://127.0.0.1:7878").unwrap();
        let (one, other): (std::net::IpAddr, std::net::IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let pending = || oidc::Pending::for_test();
        for i in 0..PENDING_PER_ADDRESS {
            assert!(a.keep(format!("s{i}"), one, pending()));
        }
        assert!(!a.keep("more".into(), one, pending()), "the address's share is spent");
        assert!(a.keep("theirs".into(), other, pending()), "another address still signs in");
        assert!(a.take("s0").is_some() && a.take("s0").is_none(), "a state is used once");
    }
}
