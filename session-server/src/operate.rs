//! `session-server sessions …` and `session-server audit`: the operator's commands on the database: list, end one, purge old ones, read the audit log.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;

use crate::store::Db;

#[derive(Subcommand)]
pub enum Sessions {
    /// Every session in the database: code, phase, when it was created, members and answers.
    List,
    /// Ends a session. A running server does it within seconds (everyone connected sees it end);
    /// otherwise it happens when the server starts.
    End {
        /// The session's join code.
        code: String,
    },
    /// Deletes ended sessions created more than DAYS days ago, with all their answers.
    /// Safe while the server runs (an ended session is never written again).
    Purge {
        #[arg(long, value_name = "DAYS")]
        older_than_days: u64,
    },
}

/// Who the audit log names for what was done on the command line.
const BY_HAND: &str = "opdrachtregel";

/// `session-server audit`: the audit log, oldest first (of the last `days` days, or all of it).
pub fn audit(db: &Path, days: Option<u64>) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "the database {} does not exist; pass --db with the server's database", db.display());
    let conn = Db::open(db).with_context(|| format!("opening {}", db.display()))?;
    let since = days.map_or(0, |d| crate::now_ms() - (d as i64) * 24 * 3600 * 1000);
    let rows = conn.audit_log(since, usize::MAX >> 1)?;
    println!("{:<16}  {:<13} {:<30} {:<16} what", "at (UTC)", "action", "who", "client");
    for r in rows.iter().cloned().map(crate::staff::audit::entry) {
        println!("{:<16}  {:<13} {:<30} {:<16} {}", r.at, r.action, r.who, r.client, r.what);
    }
    eprintln!("{} line(s).", rows.len());
    Ok(())
}

pub fn run(db: &Path, command: Sessions) -> anyhow::Result<()> {
    anyhow::ensure!(db.exists(), "the database {} does not exist; pass --db with the server's database", db.display());
    let conn = Db::open(db).with_context(|| format!("opening {}", db.display()))?;
    match command {
        Sessions::List => {
            let rows = conn.list()?;
            println!("{:<8} {:<9} {:<17} {:>7} {:>7}  title (scenario)", "code", "phase", "created (UTC)", "members", "answers");
            for r in &rows {
                let phase = if r.end_requested && r.phase != "ended" { "ending" } else { r.phase.as_str() };
                let created = protocol::date::utc_date(r.created_ms);
                println!("{:<8} {:<9} {:<17} {:>7} {:>7}  {} ({})", r.code, phase, created, r.members, r.answers, r.title, r.scenario);
            }
            eprintln!("{} session(s).", rows.len());
        }
        Sessions::End { code } => {
            let code =
                protocol::codes::normalize(&code).with_context(|| format!("\"{code}\" is not a join code (six letters and digits)"))?;
            anyhow::ensure!(conn.request_end(&code, crate::now_ms())?, "there is no session {code} in {}", db.display());
            crate::staff::audit::write(&conn, BY_HAND, "end_requested", &code, "");
            eprintln!("Session {code} will end: within seconds if the server is running, otherwise when it starts.");
        }
        Sessions::Purge { older_than_days } => {
            let before = crate::now_ms() - (older_than_days as i64) * 24 * 3600 * 1000;
            let purged = conn.purge(before, &[])?;
            crate::staff::audit::write(&conn, BY_HAND, "purged", &format!("{purged} ouder dan {older_than_days} dagen"), "");
            eprintln!("{purged} ended session(s) created more than {older_than_days} day(s) ago deleted.");
        }
    }
    Ok(())
}
