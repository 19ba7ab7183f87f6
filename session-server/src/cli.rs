//! The command line of `session-server`: serve a workshop, check scenario files, or export a session's results.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Config;
use crate::report::{Format, load_report, render};
use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

/// Session server for the dilemma game and "Acteren via B" sketches.
///
/// Without a subcommand it serves workshops: websockets at ws://ADDR/ws, answers stored in SQLite.
/// The options may stand before or after the subcommand (`--db` with `export` or `sessions`).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, global = true, env = "SESSION_SERVER_LISTEN", default_value = "0.0.0.0:7878")]
    listen: String,
    /// SQLite database file (created when missing). Sessions and answers survive restarts here.
    #[arg(long, global = true, env = "SESSION_SERVER_DB", default_value = "./workshop.db")]
    db: PathBuf,
    /// Folder with scenario files (*.toml). Files with problems are reported and skipped.
    #[arg(long, global = true, env = "SESSION_SERVER_SCENARIOS", default_value = "./scenarios")]
    scenarios: PathBuf,
    /// Ended sessions older than this many days are deleted with their answers (0: keep them all).
    #[arg(long, global = true, env = "SESSION_SERVER_KEEP_DAYS", default_value_t = crate::config::DEFAULT_KEEP_DAYS)]
    keep_days: u64,
    /// Only who has this key may start a session (trainers on a shared server); players need no key.
    #[arg(long, global = true, env = "SESSION_SERVER_CREATE_KEY")]
    create_key: Option<String>,
    /// The trainers' key read from this file (its first line), so it shows in no process list.
    #[arg(long, global = true, env = "SESSION_SERVER_CREATE_KEY_FILE", conflicts_with = "create_key", value_name = "FILE")]
    create_key_file: Option<PathBuf>,
    /// The address phones use, e.g. https://dilemma.gemeente.nl/: in every QR code, join link and
    /// projector page (default: the address a page was opened with, or this machine's LAN address).
    #[arg(long, global = true, env = "SESSION_SERVER_PUBLIC_URL")]
    public_url: Option<String>,
    /// A reverse proxy (its address, or a network of proxies only, e.g. 127.0.0.1) whose X-Forwarded-For /
    /// Forwarded headers say who the client is. Repeatable; the variable takes a comma-separated list.
    #[arg(long = "trusted-proxy", global = true, env = "SESSION_SERVER_TRUSTED_PROXIES", value_delimiter = ',', value_name = "CIDR")]
    trusted_proxies: Vec<String>,
    /// A host name requests may carry besides IP addresses, localhost and the public address's host
    /// (e.g. the laptop's name on the room's network). Repeatable; the variable takes a comma-separated list.
    #[arg(long = "allowed-host", global = true, env = "SESSION_SERVER_ALLOWED_HOSTS", value_delimiter = ',', value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// Serve HTTPS and WSS with this certificate chain (PEM); needs --tls-key. Read again when it
    /// changes or on SIGHUP.
    #[arg(long, global = true, env = "SESSION_SERVER_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, global = true, env = "SESSION_SERVER_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Staff sign in with this OpenID Connect provider (e.g. https://login.microsoftonline.com/TENANT/v2.0);
    /// needs --public-url, --oidc-client-id and --oidc-client-secret-file. Its return address is
    /// PUBLIC-URL/auth/callback.
    #[arg(long, global = true, env = "SESSION_SERVER_OIDC_ISSUER", value_name = "URL")]
    oidc_issuer: Option<String>,
    /// This server's client id at the provider.
    #[arg(long, global = true, env = "SESSION_SERVER_OIDC_CLIENT_ID", value_name = "ID")]
    oidc_client_id: Option<String>,
    /// The client secret, read from this file (its first line), so it shows in no process list.
    #[arg(long, global = true, env = "SESSION_SERVER_OIDC_CLIENT_SECRET_FILE", value_name = "FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// The ID token's claim that holds the user's groups or roles.
    #[arg(long, global = true, env = "SESSION_SERVER_OIDC_ROLE_CLAIM", default_value = "groups", value_name = "CLAIM")]
    oidc_role_claim: String,
    /// A value of the role claim that makes a user a facilitator (may create and lead sessions).
    /// Repeatable; the variable takes a comma-separated list.
    #[arg(
        long = "oidc-facilitators",
        global = true,
        env = "SESSION_SERVER_OIDC_FACILITATORS",
        value_delimiter = ',',
        value_name = "VALUE"
    )]
    oidc_facilitators: Vec<String>,
    /// A value of the role claim that makes a user a trainer (also saves decks).
    #[arg(long = "oidc-trainers", global = true, env = "SESSION_SERVER_OIDC_TRAINERS", value_delimiter = ',', value_name = "VALUE")]
    oidc_trainers: Vec<String>,
    /// A value of the role claim that makes a user an operator (also manages every session).
    #[arg(long = "oidc-operators", global = true, env = "SESSION_SERVER_OIDC_OPERATORS", value_delimiter = ',', value_name = "VALUE")]
    oidc_operators: Vec<String>,
    /// How many hours a sign-in lasts.
    #[arg(long, global = true, env = "SESSION_SERVER_OIDC_HOURS", default_value_t = crate::staff::DEFAULT_HOURS, value_name = "HOURS")]
    oidc_hours: u64,
    /// Serve Prometheus metrics at http://ADDR/metrics (a second port, for monitoring only).
    #[arg(long, global = true, env = "SESSION_SERVER_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve workshops (the default).
    Serve,
    /// Check scenario files: exit 0 when all are valid, 1 with every problem listed otherwise.
    Validate {
        /// Folders or files to check.
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
    },
    /// Write a session's results: per item counts and percentages, per team from 3 answers. Never individual answers.
    Export {
        /// The session's join code.
        code: String,
        /// csv (semicolons, for Excel), json, or md (a report with bars and the discussion questions).
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// One report for a series of sessions (a conversation and its follow-ups) or for the sessions
    /// named: per theme each item over time with the shift, and the agreements with their result.
    /// Writes verslag.md, verslag.csv and a chart per item (grafiek-ITEM.svg) into a folder.
    Report {
        /// One code: its whole series (the sessions it follows and its follow-ups). More codes: exactly those sessions.
        #[arg(required = true)]
        codes: Vec<String>,
        /// The folder to write into (default: verslag-CODE, after the first session's code).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// A consistent copy of the database (--db) into FILE, also while the server runs and rooms
    /// play. Never overwrites a file. Restoring is starting a server on the copy.
    Backup {
        /// The new file to write.
        file: PathBuf,
    },
    /// Says whether a database file is sound (SQLite's integrity check) and what it holds; exit 1 when not.
    Check {
        /// The database file to check (default: --db).
        file: Option<PathBuf>,
    },
    /// The operators' audit log: who signed in and out, who created, ended, exported, took over or
    /// shared which session and who saved which deck, when and from where (never a participant, an
    /// answer or a reason).
    Audit {
        /// Only the last DAYS days.
        #[arg(long, value_name = "DAYS")]
        days: Option<u64>,
    },
    /// For whoever runs the server: list the sessions, end one, purge old ones.
    Sessions {
        #[command(subcommand)]
        command: crate::operate::Sessions,
    },
}

/// Parses the process's arguments and runs what they ask for.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Validate { paths }) => validate(&paths),
        Some(Command::Export { code, format, out }) => report_errors(export(&cli.db, &code, format, out)),
        Some(Command::Report { codes, out }) => report_errors(series_report(&cli.db, &codes, out)),
        Some(Command::Sessions { command }) => report_errors(crate::operate::run(&cli.db, command)),
        Some(Command::Audit { days }) => report_errors(crate::operate::audit(&cli.db, days)),
        Some(Command::Backup { file }) => report_errors(backup(&cli.db, &file)),
        Some(Command::Check { file }) => check(file.as_deref().unwrap_or(&cli.db)),
        None | Some(Command::Serve) => {
            // The log first: reading the settings may already have something to say.
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tungstenite=warn".into()))
                .init();
            report_errors(hosted(&cli).and_then(|config| serve(cli.listen, cli.metrics_listen, config)))
        }
    }
}

/// The serving configuration from the command line, with a sentence for each setting that cannot be used.
fn hosted(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::new(cli.scenarios.clone(), cli.db.clone());
    config.retention = (cli.keep_days > 0).then(|| std::time::Duration::from_secs(cli.keep_days * 24 * 3600));
    config.create_key = match &cli.create_key_file {
        Some(file) => Some(first_line(file, "the trainers' key", "key")?),
        None => cli.create_key.clone().filter(|k| !k.is_empty()),
    };
    config.public_url = cli
        .public_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(crate::address::PublicUrl::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    config.allowed_hosts =
        cli.allowed_hosts.iter().map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
    config.trusted_proxies = crate::forwarded::Proxies::parse(&cli.trusted_proxies.join(",")).map_err(anyhow::Error::msg)?;
    config.accounts = accounts(cli, config.public_url.as_ref())?.map(std::sync::Arc::new);
    if let (Some(cert), Some(key)) = (&cli.tls_cert, &cli.tls_key) {
        let files = crate::TlsFiles::new(cert, key);
        crate::tls::load(&files).map_err(anyhow::Error::msg)?;
        config.tls = Some(files);
    }
    Ok(config)
}

/// A secret kept in a file (its first line, trimmed), so it shows in no process list; `what` and
/// `short` name it in the sentence when the file cannot be read or its first line is empty.
fn first_line(file: &std::path::Path, what: &str, short: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {what} from {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(file).is_ok_and(|m| too_open(m.permissions().mode())) {
            tracing::warn!(
                file = %file.display(),
                "{what} can be read (or changed) by others: chmod 640 with the server's group (root:dilemma), or 600 owned by the server's user"
            );
        }
    }
    let line = text.lines().next().unwrap_or_default().trim().to_owned();
    anyhow::ensure!(!line.is_empty(), "{} holds no {short} (its first line is empty)", file.display());
    Ok(line)
}

/// Whether a secret's file mode lets others than its owner and group read it, or its group change it
/// (root:dilemma 0640, as the package keeps its settings, is fine).
fn too_open(mode: u32) -> bool {
    mode & 0o027 != 0
}

/// The staff accounts of the `--oidc-*` settings, or `None` without `--oidc-issuer`.
fn accounts(cli: &Cli, public: Option<&crate::address::PublicUrl>) -> anyhow::Result<Option<crate::staff::Accounts>> {
    let Some(issuer) = cli.oidc_issuer.as_deref().filter(|i| !i.is_empty()) else { return Ok(None) };
    let public = public.context("--oidc-issuer needs --public-url: the provider sends staff back to PUBLIC-URL/auth/callback")?;
    let file = cli
        .oidc_client_secret_file
        .as_ref()
        .filter(|f| !f.as_os_str().is_empty())
        .context("--oidc-issuer needs --oidc-client-secret-file (a file whose first line is the client secret)")?;
    let client_secret = first_line(file, "the client secret", "client secret")?;
    let clean = |values: &[String]| values.iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect::<Vec<_>>();
    let settings = crate::staff::Settings {
        issuer: issuer.to_owned(),
        client_id: cli.oidc_client_id.clone().unwrap_or_default(),
        client_secret,
        role_claim: cli.oidc_role_claim.clone(),
        facilitators: clean(&cli.oidc_facilitators),
        trainers: clean(&cli.oidc_trainers),
        operators: clean(&cli.oidc_operators),
        session_for: std::time::Duration::from_secs(cli.oidc_hours.clamp(1, 24 * 30) * 3600),
    };
    anyhow::ensure!(!settings.client_id.is_empty(), "--oidc-issuer needs --oidc-client-id (the client id this server has at the provider)");
    anyhow::ensure!(
        !(settings.facilitators.is_empty() && settings.trainers.is_empty() && settings.operators.is_empty()),
        "--oidc-issuer without --oidc-facilitators, --oidc-trainers or --oidc-operators: nobody could sign in with a role"
    );
    crate::staff::Accounts::new(settings, public.base()).map(Some).map_err(anyhow::Error::msg)
}

fn backup(db: &std::path::Path, to: &std::path::Path) -> anyhow::Result<()> {
    let s = crate::store::backup::backup(db, to)?;
    println!("{}: a copy of {} with {} session(s) and {} answer(s).", to.display(), db.display(), s.sessions, s.answers);
    Ok(())
}

fn check(db: &std::path::Path) -> ExitCode {
    match crate::store::backup::check(db) {
        Ok(s) if s.problems.is_empty() => {
            println!("{}: sound; {} session(s), {} answer(s).", db.display(), s.sessions, s.answers);
            ExitCode::SUCCESS
        }
        Ok(s) => {
            for p in &s.problems {
                println!("{p}");
            }
            eprintln!("{}: damaged ({} problem(s)); start the server on the latest sound backup instead.", db.display(), s.problems.len());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("session-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn report_errors(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("session-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn validate(paths: &[PathBuf]) -> ExitCode {
    let mut problems = 0;
    for path in paths {
        let report = protocol::scenario::load_dir(path);
        for p in &report.problems {
            println!("{p}");
        }
        problems += report.problems.len();
        for (file, deck) in &report.decks {
            eprintln!("ok  {}  ({}: {} items, {})", file.display(), deck.id, deck.items.len(), deck.language);
        }
    }
    if problems == 0 {
        eprintln!("Alle scenariobestanden zijn in orde.");
        ExitCode::SUCCESS
    } else {
        let noun = if problems == 1 { "probleem" } else { "problemen" };
        eprintln!("{problems} {noun} gevonden. Pas de bestanden aan en controleer opnieuw.");
        ExitCode::FAILURE
    }
}

fn export(db: &std::path::Path, code: &str, format: Format, out: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "the database {} does not exist; pass --db with the server's database", db.display());
    let report = load_report(db, code)?;
    let bytes = render(&report, format)?;
    match out {
        Some(path) => std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

fn series_report(db: &std::path::Path, codes: &[String], out: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "the database {} does not exist; pass --db with the server's database", db.display());
    let db = crate::store::Db::open(db)?;
    let codes = match codes {
        [one] => crate::report::series::series_of(&db, one)?,
        many => many.to_vec(),
    };
    let series = crate::report::series::read(&db, &codes)?;
    let dir = out.unwrap_or_else(|| PathBuf::from(format!("verslag-{}", series.sessions[0].code)));
    std::fs::create_dir_all(&dir).with_context(|| format!("making the folder {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    write("verslag.md", series.markdown().as_bytes())?;
    write("verslag.csv", &series.csv())?;
    for (name, svg) in series.charts() {
        write(&name, svg.as_bytes())?;
    }
    let n = series.sessions.len();
    println!("{}: {n} session(s), with verslag.csv and a chart per item", dir.join("verslag.md").display());
    Ok(())
}

fn serve(listen: String, metrics_listen: Option<String>, config: Config) -> anyhow::Result<()> {
    // Every player is an open socket: a big room needs more than the usual 1024 files.
    match rlimit::increase_nofile_limit(1 << 20) {
        Ok(limit) => tracing::info!(open_files = limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        // The signal handlers are in place before the port is open: a stop right after the start
        // (a service manager, a test) is a clean stop, never the default kill.
        let stop = stop_on_signal()?;
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}; is another server running there? Use --listen"))?;
        let metrics = match metrics_listen {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(&addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} for the metrics; is something else there? Use --metrics-listen"))?,
            ),
            None => None,
        };
        let shutdown = CancellationToken::new();
        tokio::spawn(stop.cancelling(shutdown.clone()));
        // SIGHUP (`systemctl reload`) re-reads the certificate where there is one; it never stops the server.
        #[cfg(unix)]
        if let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            let tls = config.tls.is_some();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    if !tls {
                        tracing::info!("SIGHUP: nothing to reload (no --tls-cert); the server goes on");
                    }
                }
            });
        }
        crate::run_on(crate::Listeners { main: listener, metrics }, config, shutdown).await?;
        Ok(())
    })
}

/// Waits for Ctrl-C or SIGTERM, registered at once.
#[cfg(unix)]
fn stop_on_signal() -> std::io::Result<Stop> {
    use tokio::signal::unix::{SignalKind, signal};
    Ok(Stop { int: signal(SignalKind::interrupt())?, term: signal(SignalKind::terminate())? })
}

#[cfg(not(unix))]
fn stop_on_signal() -> std::io::Result<Stop> {
    Ok(Stop)
}

#[cfg(unix)]
struct Stop {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(not(unix))]
struct Stop;

impl Stop {
    async fn cancelling(self, shutdown: CancellationToken) {
        #[cfg(unix)]
        {
            let Stop { mut int, mut term } = self;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping: closing connections and flushing the store");
        shutdown.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::too_open;

    #[test]
    fn a_secret_may_be_the_owner_s_or_read_by_its_group_only() {
        for fine in [0o600, 0o400, 0o640, 0o440] {
            assert!(!too_open(fine), "{fine:o}");
        }
        for open in [0o644, 0o604, 0o660, 0o666, 0o602] {
            assert!(too_open(open), "{open:o}");
        }
    }
}
