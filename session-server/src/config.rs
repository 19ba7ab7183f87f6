//! Settings of a running server: where things are, and the limits that keep one room from hurting another.

use std::path::PathBuf;
use std::time::Duration;

/// How long ended sessions are kept by default: a year, so a follow-up three months later and the
/// analysis after it still find them.
pub const DEFAULT_KEEP_DAYS: u64 = 365;

#[derive(Debug, Clone)]
pub struct Config {
    pub scenarios: PathBuf,
    pub db: PathBuf,
    pub limits: Limits,
    /// Seed for role assignment, so tests can predict who plays what; random when `None`.
    pub role_seed: Option<u64>,
    /// Ended sessions older than this are deleted from the database (with every answer); `None` keeps them.
    pub retention: Option<Duration>,
    /// When set, `create_session` must carry this key: on a shared server only trainers start sessions.
    pub create_key: Option<String>,
    /// Where phones open the pages when the server runs behind a proxy at another address
    /// (`--public-url`); without it, the address the page was opened with (or the LAN address).
    pub public_url: Option<crate::address::PublicUrl>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` say who the client is (`--trusted-proxy`).
    pub trusted_proxies: crate::forwarded::Proxies,
    /// Host names besides IP addresses, `localhost` and the public address's host that requests may
    /// carry (`--allowed-host`, e.g. the laptop's own name on the room's network).
    pub allowed_hosts: Vec<String>,
    /// Serve HTTPS and WSS with this certificate and key (PEM), reloaded when they change.
    pub tls: Option<TlsFiles>,
    /// Staff sign in with the municipality's accounts (`--oidc-issuer` …); `None`: no accounts.
    pub accounts: Option<std::sync::Arc<crate::staff::Accounts>>,
}

/// A certificate chain and its private key, as PEM files (what certbot writes).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// How often the files are looked at for a new pair (a renewal); SIGHUP reads them at once.
    pub check_every: Duration,
}

impl TlsFiles {
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsFiles {
        TlsFiles { cert: cert.into(), key: key.into(), check_every: Duration::from_secs(10) }
    }
}

impl Config {
    pub fn new(scenarios: impl Into<PathBuf>, db: impl Into<PathBuf>) -> Config {
        Config {
            scenarios: scenarios.into(),
            db: db.into(),
            limits: Limits::default(),
            role_seed: None,
            retention: Some(Duration::from_secs(DEFAULT_KEEP_DAYS * 24 * 3600)),
            create_key: None,
            public_url: None,
            trusted_proxies: crate::forwarded::Proxies::default(),
            allowed_hosts: Vec::new(),
            tls: None,
            accounts: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted frame or message; larger ones close the connection with 1009.
    pub max_frame_bytes: usize,
    /// Messages per second a client may send...
    pub rate_per_s: u32,
    /// ...for this many seconds in a row before it is cut off (`rate_limited`, close 1008).
    pub rate_strikes: u32,
    /// Within one second, this many times `rate_per_s` is a flood and is cut off at once.
    pub rate_flood_factor: u32,
    /// A connection silent this long is pinged...
    pub ping_interval: Duration,
    /// ...and dropped when it still says nothing this much later.
    pub pong_timeout: Duration,
    pub handshake_timeout: Duration,
    /// Sessions that have not ended, at most.
    pub max_sessions: usize,
    pub max_players: usize,
    /// Members of all sessions held in memory at once, server-wide (each costs memory for as long
    /// as its session is loaded); beyond it a join is refused with `session_full`.
    pub max_members: usize,
    /// Distinct teams in one session: keeps a tally (sent 10 times a second) small.
    pub max_teams: usize,
    /// Projector screens one session may have (each is stored, so it can resume).
    pub max_watchers: usize,
    /// Open connections from one address (an IPv4 address or an IPv6 /64) at once. A room behind
    /// one NAT address is well inside it. Loopback is not limited when `loopback_unlimited`: that
    /// is this machine itself (the facilitator's app, a reverse proxy, the load generator).
    pub connections_per_address: usize,
    pub loopback_unlimited: bool,
    /// New sessions one address may create at once...
    pub creations_per_address: u32,
    /// ... and one more each time this passes.
    pub creation_refill: Duration,
    /// Joins one address may make at once (a room of hundreds behind one NAT address)...
    pub joins_per_address: u32,
    /// ...and one more each time this passes (so 300 join in a minute, and a loop of joins stops).
    pub join_refill: Duration,
    /// A new connection must send its first message within this time.
    pub first_message: Duration,
    /// Messages waiting for one client; a client that lets it fill up is dropped (it can resume).
    pub outbox: usize,
    /// Shortest time between two coalesced `session` or `tally` messages (10 per second).
    pub coalesce: Duration,
    /// Wrong join codes (or resume tokens) one address (an IPv4 address, an IPv6 /64) may send at once...
    pub join_failure_budget: u32,
    /// ... and one more each time this passes.
    pub join_failure_refill: Duration,
    /// A write that waits this long for a database lock held by another program fails (`storage_failed`).
    pub store_busy: Duration,
    /// Writes waiting for the disk, at most; beyond it sessions wait, and stop reading their
    /// members' messages, until there is room (a flood of 10,000 changed answers is 20,000).
    pub store_queue: usize,
    /// Of those, one session's at most: a flooded room waits for its own writes, not the others.
    pub store_share: usize,
    /// A session still in its lobby with no member doing anything this long ends by itself...
    pub idle_lobby: Duration,
    /// ...and so does any session in which nothing happened this long.
    pub idle_any: Duration,
    /// An ended session nobody has open leaves memory after this long; it is read back from the
    /// database when someone resumes it or opens its projector.
    pub unload_after: Duration,
    /// How often the server carries out the operator's requests and the retention rule.
    pub sweep_every: Duration,
    /// Reports (exports) rendered at once, server-wide, so the start screen and joins always find
    /// a free core.
    pub report_jobs: usize,
    /// Reports waiting for their turn at most, server-wide; more are refused with `rate_limited`.
    pub report_queue: usize,
    /// One connection asks for this many reports at once at most...
    pub report_burst: u32,
    /// ...and for one more each time this passes.
    pub report_cooldown: Duration,
    /// Sessions in a series report at most (a conversation and its follow-ups).
    pub series_max: usize,
    /// A report over the protocol is at most this large (the command line has no such cap).
    pub report_max_bytes: usize,
    /// What one session's members may send while a phase change is being stored, in bytes; more
    /// is refused with `rate_limited` until it is stored (a few milliseconds, as a rule).
    pub deferred_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_frame_bytes: 16 * 1024,
            rate_per_s: 20,
            rate_strikes: 3,
            rate_flood_factor: 5,
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_sessions: 1_000,
            max_players: 20_000,
            max_members: 200_000,
            max_teams: 50,
            max_watchers: 20,
            connections_per_address: 500,
            loopback_unlimited: true,
            first_message: Duration::from_secs(10),
            creations_per_address: 5,
            creation_refill: Duration::from_secs(60),
            joins_per_address: 600,
            join_refill: Duration::from_millis(100),
            outbox: 256,
            coalesce: Duration::from_millis(100),
            join_failure_budget: 60,
            join_failure_refill: Duration::from_secs(60),
            store_busy: Duration::from_secs(5),
            store_queue: 65_536,
            store_share: 2_048,
            idle_lobby: Duration::from_secs(4 * 3600),
            idle_any: Duration::from_secs(24 * 3600),
            unload_after: Duration::from_secs(600),
            sweep_every: Duration::from_secs(10),
            report_jobs: 1,
            report_queue: 16,
            report_burst: 8,
            report_cooldown: Duration::from_secs(1),
            series_max: 12,
            report_max_bytes: 4 * 1024 * 1024,
            deferred_bytes: 16 * 1024 * 1024,
        }
    }
}
