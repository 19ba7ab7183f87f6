//! The registry of sessions and decks that every connection shares: create, find, list.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use protocol::scenario::Deck;
use protocol::{ErrorCode, Refusal, ScenarioSummary};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::deck_folder::DeckCache;
use crate::forwarded::ClientAddr;
use crate::guard::Budget;
use crate::outbox::Outbox;
use crate::secrets::new_code;
use crate::session::{Attach, SessionHandle, State};
use crate::store::{LoadedSession, Store, Which};

/// What a `create_session` asks for.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub scenario: String,
    pub title: Option<String>,
    pub key: Option<String>,
    pub follows: Option<protocol::FollowUp>,
    /// A stricter room than the deck's: results from this many answers.
    pub min_group: Option<u32>,
    /// Start with the facilitator's private preview on.
    pub preview: bool,
    /// The signed-in member of staff who asks, on a server with accounts.
    pub staff: Option<crate::staff::Staff>,
}

/// Cloneable handle around the shared registry. Locks are never held across an `.await`.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    limits: Arc<crate::config::Limits>,
    decks: Arc<Mutex<DeckCache>>,
    sessions: Mutex<HashMap<String, SessionHandle>>,
    store: Store,
    guard: Budget,
    /// New sessions per address (loopback is not limited when `Limits::loopback_unlimited`).
    creations: Budget,
    /// Joins per address, right or wrong: each is a member stored for good.
    joins: Budget,
    /// Open connections per network address (see `Limits::connections_per_address`).
    open: Mutex<HashMap<IpAddr, usize>>,
    next_conn: AtomicU64,
    /// A second connection to the database, for reading sessions back on demand and for the
    /// operator's requests and the retention rule (used on blocking threads only).
    /// Every read (and the sweep's small writes) outside the session writer.
    db: crate::store::Db,
    tracker: TaskTracker,
    shutdown: CancellationToken,
    health: crate::health::Health,
    /// Held while a deck file is written, so two saves never interleave.
    saving: Arc<Mutex<()>>,
    /// The server-wide report jobs every session's reports share.
    reports: crate::session::Services,
}

/// A session as the database holds it, with the earlier session's results when it is a follow-up.
/// Blocking: it reads the database.
pub(crate) fn restore(db: &crate::store::Db, loaded: LoadedSession) -> State {
    let earlier = crate::report::earlier::of_loaded(db, &loaded);
    State::from_loaded(loaded, earlier)
}

impl Hub {
    /// The hub of a server whose live sessions, `restored` from the database, go on.
    pub(crate) fn new(
        config: Config,
        store: Store,
        restored: Vec<State>,
        db: crate::store::Db,
        tracker: TaskTracker,
        shutdown: CancellationToken,
    ) -> Hub {
        let limits = Arc::new(config.limits.clone());
        let reports = crate::session::Services {
            members: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            max_members: limits.max_members,
            db: db.clone(),
            jobs: Arc::new(tokio::sync::Semaphore::new(limits.report_jobs.max(1))),
            waiting: Arc::new(tokio::sync::Semaphore::new(limits.report_queue.max(1))),
            series_max: limits.series_max,
            max_bytes: limits.report_max_bytes,
        };
        let decks = Arc::new(Mutex::new(DeckCache::new(config.scenarios.clone())));
        let guard = Budget::new(limits.join_failure_budget, limits.join_failure_refill);
        let creations = Budget::new(limits.creations_per_address, limits.creation_refill);
        let joins = Budget::new(limits.joins_per_address, limits.join_refill);
        let hub = Hub {
            shared: Arc::new(Shared {
                config,
                limits,
                decks,
                sessions: Mutex::new(HashMap::new()),
                store,
                guard,
                creations,
                joins,
                open: Mutex::new(HashMap::new()),
                next_conn: AtomicU64::new(1),
                db,
                tracker,
                shutdown,
                health: crate::health::Health::default(),
                saving: Arc::new(Mutex::new(())),
                reports,
            }),
        };
        let count = restored.len();
        for state in restored {
            let code = state.code.clone();
            let handle = hub.spawn(state);
            hub.shared.sessions.lock().expect("sessions lock").insert(code, handle);
        }
        tracing::info!(sessions = count, "sessions that had not ended restored from the store");
        hub
    }

    fn spawn(&self, state: State) -> SessionHandle {
        let s = &self.shared;
        SessionHandle::spawn(
            state,
            s.store.for_session(s.limits.store_share),
            s.limits.clone(),
            s.config.role_seed,
            &s.tracker,
            s.shutdown.clone(),
            s.reports.clone(),
        )
    }

    pub fn limits(&self) -> &crate::config::Limits {
        &self.shared.limits
    }

    pub fn shutdown(&self) -> &CancellationToken {
        &self.shared.shutdown
    }

    /// Signing in, on a server with staff accounts.
    pub fn accounts(&self) -> Option<&crate::staff::Accounts> {
        self.shared.config.accounts.as_deref()
    }

    /// The database handle for reads outside the session writer.
    pub(crate) fn db(&self) -> &crate::store::Db {
        &self.shared.db
    }

    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        self.shared.store.metrics()
    }

    /// The metrics' text, with the live sessions and the store's queue counted now.
    pub fn metrics_text(&self) -> String {
        let (live, in_memory) = {
            let sessions = self.shared.sessions.lock().expect("sessions lock");
            let in_memory: Vec<_> = sessions.values().filter(|s| !s.is_gone()).collect();
            (in_memory.iter().filter(|s| s.is_created() && !s.is_ended()).count(), in_memory.len())
        };
        self.metrics().render(live, in_memory, self.shared.store.queued())
    }

    /// `Ok` while the store takes writes; otherwise the one-line reason.
    pub async fn health(&self) -> Result<(), &'static str> {
        let s = &self.shared;
        let wait = s.limits.store_busy + std::time::Duration::from_secs(2);
        s.health.check(&s.store, &s.shutdown, wait).await
    }

    pub fn next_conn_id(&self) -> u64 {
        self.shared.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// The decks as the scenario folder is now, so a trainer's new file shows up without a
    /// restart. Files with problems are named in the log (once) and left out. The folder is read
    /// on a blocking thread, and only the files that changed.
    pub async fn decks(&self) -> Vec<Arc<Deck>> {
        let cache = self.shared.decks.clone();
        tokio::task::spawn_blocking(move || cache.lock().expect("decks lock").decks()).await.unwrap_or_default()
    }

    pub(crate) fn deck_cache(&self) -> &Mutex<DeckCache> {
        &self.shared.decks
    }

    pub(crate) fn deck_cache_shared(&self) -> Arc<Mutex<DeckCache>> {
        self.shared.decks.clone()
    }

    /// The lock every deck save holds while it chooses its file and writes it.
    pub(crate) fn saving(&self) -> Arc<Mutex<()>> {
        self.shared.saving.clone()
    }

    pub(crate) fn config(&self) -> &Config {
        &self.shared.config
    }

    pub async fn scenarios(&self) -> Vec<ScenarioSummary> {
        self.decks().await.iter().map(|d| d.summary()).collect()
    }

    /// A new session on `scenario` as its file reads now, with its own copy of the deck: later
    /// edits of the file do not change a session that has started.
    /// The connection `conn` (with `out`) becomes its facilitator; the session is found by its code
    /// only once its creation is stored.
    pub async fn create(&self, wanted: NewSession, who: ClientAddr, conn: u64, out: Outbox) -> Result<SessionHandle, Refusal> {
        let NewSession { scenario, title, key, follows, min_group, preview, staff } = wanted;
        let scenario = scenario.as_str();
        self.check_create_key(key.as_deref(), staff.as_ref(), who)?;
        if title.as_deref().is_some_and(|t| protocol::flow::clean(t).chars().count() > protocol::flow::TITLE_MAX_CHARS) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!("Een titel is hoogstens {} tekens; maak hem korter.", protocol::flow::TITLE_MAX_CHARS),
            ));
        }
        let ip = who.ip;
        if !self.unlimited(who) && !self.shared.creations.take(ip, Instant::now()) {
            tracing::info!(client = %ip, "session creation quota spent; refused");
            self.metrics().refused_by_limit("sessions_per_address");
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                "Te veel nieuwe sessies vanaf dit adres; wacht een paar minuten of ga verder met een sessie die er al is.",
            ));
        }
        let deck = self.decks().await.into_iter().find(|d| d.id == scenario);
        let deck = deck.ok_or_else(|| {
            Refusal::new(
                ErrorCode::UnknownScenario,
                format!("Het scenario \"{scenario}\" bestaat niet op deze server; kies er een uit de lijst."),
            )
        })?;
        let title = title.map(|t| protocol::flow::clean(&t)).filter(|t| !t.is_empty()).unwrap_or_else(|| deck.title.clone());
        // A stricter room than the deck asks for is kept in the session's own copy of the deck.
        let deck = match min_group.map(|n| protocol::MinGroup::new(n).ok_or(n)) {
            None => deck,
            Some(Err(n)) => {
                return Err(Refusal::new(
                    ErrorCode::BadRequest,
                    format!(
                        "Een uitslag kan vanaf 3 tot en met {} antwoorden getoond worden, niet vanaf {n}; kies een getal daartussen.",
                        protocol::MinGroup::MOST
                    ),
                ));
            }
            Some(Ok(k)) if k <= deck.min_group => deck,
            Some(Ok(k)) => Arc::new(Deck { min_group: k, ..(*deck).clone() }),
        };
        let earlier = match follows {
            Some(f) => Some(self.earlier(f, deck.clone(), staff.clone(), ip).await?),
            None => None,
        };
        // A follow-up asks about the agreements made then, as items of its own deck.
        let deck = match &earlier {
            Some(e) if !e.agreements.is_empty() => Arc::new(protocol::scenario::follow_up_deck(&deck, &e.agreements)),
            _ => deck,
        };
        let (code, handle) = {
            let mut sessions = self.shared.sessions.lock().expect("sessions lock");
            let live = sessions.values().filter(|s| !s.is_ended()).count();
            if live >= self.shared.limits.max_sessions {
                return Err(Refusal::new(
                    ErrorCode::SessionFull,
                    "Deze server heeft het maximale aantal sessies; beëindig eerst een oude sessie.",
                ));
            }
            let code = std::iter::repeat_with(new_code).find(|c| !sessions.contains_key(c)).expect("codes run out");
            // In the map at once, so no other session takes the code; `find` skips it until its creation is stored.
            let mut state = State::new(code.clone(), title, deck.clone());
            state.earlier = earlier;
            state.preview = preview;
            // A session begun by a signed-in facilitator is theirs: they lead it from any browser they sign in on.
            state.owner = staff
                .filter(|s| s.may(crate::staff::StaffRole::Facilitator))
                .map(|s| crate::store::Owner { subject: s.subject, name: s.name });
            let handle = self.spawn(state);
            sessions.insert(code.clone(), handle.clone());
            (code, handle)
        };
        match handle.attach(conn, out, Attach::Create).await {
            Ok(_) => {
                tracing::info!(code = %code, scenario = %deck.id, "session created");
                Ok(handle)
            }
            Err(refusal) => {
                self.shared.sessions.lock().expect("sessions lock").remove(&code);
                Err(refusal)
            }
        }
    }

    /// The earlier session a new one on `deck` may follow (see [`crate::report::earlier::check`]).
    /// A wrong token spends the address's guessing budget, like a wrong resume.
    async fn earlier(
        &self,
        follows: protocol::FollowUp,
        deck: Arc<Deck>,
        staff: Option<crate::staff::Staff>,
        ip: IpAddr,
    ) -> Result<crate::report::earlier::Earlier, Refusal> {
        if !self.shared.guard.take(ip, Instant::now()) {
            return Err(Refusal::new(ErrorCode::RateLimited, "Te veel verkeerde pogingen vanaf dit netwerk. Wacht een minuut."));
        }
        let db = self.shared.db.clone();
        let checked = tokio::task::spawn_blocking(move || crate::report::earlier::check(&db, &follows, staff.as_ref(), &deck))
            .await
            .map_err(|_| Refusal::from(ErrorCode::StorageFailed))?;
        // Only guesses (an unknown code, a wrong token) spend the budget.
        if !matches!(&checked, Err(r) if matches!(r.code, ErrorCode::Unauthorized | ErrorCode::UnknownSession)) {
            self.shared.guard.refund(ip, Instant::now());
        }
        checked
    }

    /// The session with this join code. Wrong codes spend the address's guessing budget (shared by
    /// all its connections); with the budget spent, attempts are refused at once until it refills.
    pub async fn find(&self, typed: &str, who: ClientAddr) -> Result<SessionHandle, Refusal> {
        let ip = who.ip;
        let guard = &self.shared.guard;
        if !guard.take(ip, Instant::now()) {
            tracing::info!(client = %ip, "join guessing budget spent; attempt refused");
            self.metrics().refused_by_limit("join_guesses");
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                "Te veel verkeerde codes vanaf dit netwerk. Wacht een minuut en controleer de code op het scherm.",
            ));
        }
        let found = match protocol::codes::normalize(typed) {
            Some(code) => self.lookup(code).await,
            // Not a code at all: say what to look for (it still spends a guess).
            None => return Err(Refusal::new(ErrorCode::UnknownSession, protocol::codes::problem(typed).unwrap_or_default())),
        };
        if found.is_some() {
            guard.refund(ip, Instant::now());
        }
        found.ok_or_else(|| Refusal::from(ErrorCode::UnknownSession))
    }

    /// The session in memory, or read back from the database (an ended session left memory).
    /// The deck language of the session with this code, when it is in memory and created (no
    /// database read). Asking is a guess like a join: an unknown code spends the address's
    /// budget of wrong guesses, so the page's language cannot be used to find codes.
    pub fn language_of(&self, code: &str, who: ClientAddr) -> Option<String> {
        let now = Instant::now();
        if !self.unlimited(who) && !self.shared.guard.take(who.ip, now) {
            return None;
        }
        let sessions = self.shared.sessions.lock().expect("sessions lock");
        let found = sessions.get(code).filter(|s| !s.is_gone() && s.is_created()).map(|s| s.language().to_owned());
        if found.is_some() && !self.unlimited(who) {
            self.shared.guard.refund(who.ip, now);
        }
        found.filter(|l| !l.is_empty())
    }

    async fn lookup(&self, code: String) -> Option<SessionHandle> {
        let cached = self.shared.sessions.lock().expect("sessions lock").get(&code).cloned();
        match cached {
            Some(s) if !s.is_gone() => return s.is_created().then_some(s),
            _ if self.shared.shutdown.is_cancelled() => return None,
            _ => {}
        }
        let db = self.shared.db.clone();
        let wanted = code.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            Ok::<_, crate::store::StoreError>(
                db.load_sessions(Which::Code(&wanted))?.into_iter().map(|l| restore(&db, l)).collect::<Vec<_>>(),
            )
        })
        .await
        .ok()?;
        let state = match loaded {
            Ok(mut found) => found.pop()?,
            Err(e) => {
                tracing::error!(%code, error = %e, "could not read a session from the database");
                return None;
            }
        };
        let mut sessions = self.shared.sessions.lock().expect("sessions lock");
        // Someone else may have read it back meanwhile: one task per session.
        if let Some(s) = sessions.get(&code).filter(|s| !s.is_gone()) {
            return Some(s.clone());
        }
        tracing::info!(%code, "session read back from the database");
        let handle = self.spawn(state);
        sessions.insert(code, handle.clone());
        Some(handle)
    }

    /// The session with this code if it is in memory now (no database read, no guess spent).
    pub fn in_memory(&self, code: &str) -> Option<SessionHandle> {
        self.shared.sessions.lock().expect("sessions lock").get(code).filter(|s| !s.is_gone()).cloned()
    }

    /// The codes of the sessions in memory (those that left it forgotten): what a purge keeps.
    fn in_memory_codes(&self) -> Vec<String> {
        let mut sessions = self.shared.sessions.lock().expect("sessions lock");
        sessions.retain(|_, s| !s.is_gone());
        sessions.keys().cloned().collect()
    }

    /// Deletes the ended sessions created before `before_ms` that nobody has open (an operator's
    /// `purge`); how many.
    pub async fn purge_ended(&self, before_ms: i64) -> rusqlite::Result<usize> {
        let open = self.in_memory_codes();
        let db = self.shared.db.clone();
        tokio::task::spawn_blocking(move || db.purge(before_ms, &open)).await.unwrap_or(Ok(0))
    }

    /// Every few seconds: forgets sessions that left memory, ends the sessions the operator asked
    /// to end (`session-server sessions end`), and deletes ended sessions past the retention time.
    pub async fn sweep(self) {
        let every = self.shared.limits.sweep_every;
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = self.shared.shutdown.cancelled() => return,
            }
            let open = self.in_memory_codes();
            let db = self.shared.db.clone();
            let before = self.shared.config.retention.map(|keep| crate::now_ms() - keep.as_millis() as i64);
            let accounts = self.shared.config.accounts.is_some();
            let swept = tokio::task::spawn_blocking(move || {
                let ends = db.take_end_requests()?;
                if accounts {
                    db.forget_expired_staff_sessions()?;
                }
                let purged = match before {
                    Some(before) => {
                        db.forget_audit_before(before)?;
                        db.purge(before, &open)?
                    }
                    None => 0,
                };
                if purged > 0 {
                    crate::staff::audit::write(&db, "bewaartermijn", "purged", &purged.to_string(), "");
                }
                Ok::<_, rusqlite::Error>((ends, purged))
            })
            .await;
            match swept {
                Ok(Ok((ends, purged))) => {
                    if purged > 0 {
                        tracing::info!(sessions = purged, "ended sessions past the retention time deleted");
                    }
                    for code in ends {
                        let session = self.shared.sessions.lock().expect("sessions lock").get(&code).cloned();
                        tracing::info!(%code, live = session.is_some(), "the operator asked to end this session");
                        if let Some(s) = session {
                            s.end().await;
                        }
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "the operator's requests and the retention rule could not be read; trying again"),
                Err(_) => return,
            }
        }
    }

    /// On a server with a trainers' key, only who brings it may create a session. A wrong key is a
    /// wrong guess: it spends the address's guessing budget, like a wrong join code.
    ///
    /// On a server with accounts a signed-in facilitator (or more) may; without one only the
    /// trainers' key still works where it is set.
    fn check_create_key(&self, key: Option<&str>, staff: Option<&crate::staff::Staff>, who: ClientAddr) -> Result<(), Refusal> {
        if staff.is_some_and(|s| s.may(crate::staff::StaffRole::Facilitator)) {
            return Ok(());
        }
        let config = &self.shared.config;
        if config.accounts.is_some() && config.create_key.is_none() {
            tracing::info!(client = %who.ip, "a session without a signed-in facilitator refused");
            return Err(Refusal::new(
                ErrorCode::Unauthorized,
                "Meld je eerst aan met je account van de gemeente: op deze server beginnen alleen facilitatoren een sessie.",
            ));
        }
        let Some(wanted) = &config.create_key else { return Ok(()) };
        let wrong = "Op deze server kan alleen een trainer met de sleutel een sessie beginnen; vraag de beheerder om de sleutel.";
        self.check_key(wanted, key, who.ip, wrong)
    }

    /// Who may read and save deck files: with the trainers' key where the server has one, and
    /// otherwise only the server's own machine (the facilitator's laptop that hosts it), never a
    /// phone in the room.
    /// On a server with accounts a signed-in trainer (or operator) may, and nobody else without the key.
    pub(crate) fn check_trainer(&self, key: Option<&str>, staff: Option<&crate::staff::Staff>, who: ClientAddr) -> Result<(), Refusal> {
        if staff.is_some_and(|s| s.may(crate::staff::StaffRole::Trainer)) {
            return Ok(());
        }
        if self.shared.config.accounts.is_some() && self.shared.config.create_key.is_none() {
            return Err(Refusal::new(
                ErrorCode::Unauthorized,
                "Decks lezen en bewaren kan op deze server alleen een trainer; meld je aan met je account, of vraag je beheerder om de rol van trainer.",
            ));
        }
        match &self.shared.config.create_key {
            Some(wanted) => {
                let wrong = "Decks lezen en bewaren kan op deze server alleen met de sleutel van de trainers; vraag de beheerder erom.";
                self.check_key(wanted, key, who.ip, wrong)
            }
            None if who.this_machine => Ok(()),
            None => Err(Refusal::new(
                ErrorCode::Unauthorized,
                "Decks lezen en bewaren kan alleen op de computer waarop de server draait (of met een sleutel: session-server --create-key).",
            )),
        }
    }

    /// Checks a key against `wanted` (refused with `wrong`); a wrong key spends the address's guessing budget.
    fn check_key(&self, wanted: &str, key: Option<&str>, ip: IpAddr, wrong: &str) -> Result<(), Refusal> {
        let guard = &self.shared.guard;
        if !guard.take(ip, Instant::now()) {
            return Err(Refusal::new(ErrorCode::RateLimited, "Te veel verkeerde sleutels vanaf dit netwerk; wacht een paar minuten."));
        }
        if crate::secrets::same(key.unwrap_or_default(), wanted) {
            guard.refund(ip, Instant::now());
            return Ok(());
        }
        tracing::info!(client = %ip, given = key.is_some(), "a request without the right trainers' key refused");
        Err(Refusal::new(ErrorCode::Unauthorized, wrong))
    }

    /// This machine itself (the facilitator's app, the load generator) is not held to the
    /// per-address limits, unless `Limits::loopback_unlimited` is off. A client a trusted proxy
    /// forwards never is, even when the proxy runs on this machine.
    fn unlimited(&self, who: ClientAddr) -> bool {
        who.this_machine && self.shared.limits.loopback_unlimited
    }

    /// Counts a new connection from `ip`; `None` when that address already has its maximum open.
    /// The connection is counted until the returned value is dropped.
    pub fn admit(&self, who: ClientAddr) -> Option<Admitted> {
        if self.unlimited(who) {
            return Some(Admitted { hub: self.clone(), key: None });
        }
        let limits = &self.shared.limits;
        let key = crate::address::network(who.ip);
        let mut open = self.shared.open.lock().expect("open lock");
        let n = open.entry(key).or_insert(0);
        if *n >= limits.connections_per_address {
            return None;
        }
        *n += 1;
        Some(Admitted { hub: self.clone(), key: Some(key) })
    }

    /// Takes one join from `who`'s budget; a refusal when joins from there come too fast.
    pub fn join_allowed(&self, who: ClientAddr) -> Result<(), Refusal> {
        if self.unlimited(who) || self.shared.joins.take(who.ip, Instant::now()) {
            return Ok(());
        }
        tracing::info!(client = %who.ip, "joins from this address come too fast; refused");
        self.metrics().refused_by_limit("joins_per_address");
        Err(Refusal::new(
            ErrorCode::RateLimited,
            "Er komen heel veel deelnemers tegelijk binnen vanaf dit netwerk; probeer het over een paar seconden opnieuw.",
        ))
    }

    /// Takes one guess from the address's budget of wrong guesses (as a join code does); `false`
    /// when it is spent. Give it back with [`Hub::guessed_right`].
    pub fn guess(&self, who: ClientAddr) -> bool {
        self.shared.guard.take(who.ip, Instant::now())
    }

    /// The guess taken by [`Hub::guess`] was right: it costs nothing.
    pub fn guessed_right(&self, who: ClientAddr) {
        self.shared.guard.refund(who.ip, Instant::now());
    }

    /// Records a failed resume (wrong token) as a failed guess too.
    pub fn guess_failed(&self, who: ClientAddr) {
        self.shared.guard.charge(who.ip, Instant::now());
    }
}

/// One admitted connection, counted against its address while it lives.
pub struct Admitted {
    hub: Hub,
    key: Option<IpAddr>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut open = self.hub.shared.open.lock().expect("open lock");
        if let Some(n) = open.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&key);
            }
        }
    }
}
