//! The writer thread: takes every waiting job, runs them in one transaction, commits, then runs their follow-ups.

use std::sync::mpsc::Receiver;

use rusqlite::{Connection, params};

use super::{Job, Op};

/// At most this many jobs share one commit, so a follow-up never waits behind an endless queue.
const MAX_GROUP: usize = 8192;

pub(super) fn run(mut conn: Connection, rx: Receiver<Job>) {
    let mut group = Vec::with_capacity(256);
    while let Ok(first) = rx.recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let ok = match commit(&mut conn, &group) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, jobs = group.len(), "store commit failed");
                false
            }
        };
        for job in group.drain(..) {
            if let Some(after) = job.after {
                after(ok);
            }
        }
    }
    tracing::debug!("store writer finished");
}

fn commit(conn: &mut Connection, group: &[Job]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for job in group {
        apply(&tx, &job.op)?;
    }
    tx.commit()
}

fn apply(tx: &rusqlite::Transaction, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::CreateSession { code, title, scenario, deck_json, created_ms } => {
            tx.prepare_cached(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, ?2, ?3, ?4, 'lobby', ?5)",
            )?
            .execute(params![code, title, scenario, deck_json, created_ms])?;
        }
        Op::Member { code, member, role, token_hash, team } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO members (code, member, role, token_hash, team) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![code, member, role, &token_hash[..], team])?;
        }
        Op::Answer { code, item, member, option, at_ms } => {
            tx.prepare_cached(
                "INSERT INTO answers (code, item, member, option, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (code, item, member) DO UPDATE SET option = excluded.option, at_ms = excluded.at_ms",
            )?
            .execute(params![code, item, member, option, at_ms])?;
        }
        Op::Phase { code, phase, item, timer } => {
            tx.prepare_cached(
                "UPDATE sessions SET phase = ?2, item = ?3, timer_started_ms = ?4, timer_duration_s = ?5 WHERE code = ?1",
            )?
            .execute(params![code, phase, item, timer.map(|t| t.0), timer.map(|t| t.1)])?;
        }
        Op::Roles { code, item, assignments } => {
            tx.prepare_cached("DELETE FROM roles WHERE code = ?1 AND item = ?2")?.execute(params![code, item])?;
            let mut insert = tx.prepare_cached("INSERT INTO roles (code, item, role, member) VALUES (?1, ?2, ?3, ?4)")?;
            for (role, member) in assignments {
                insert.execute(params![code, item, role, member])?;
            }
        }
    }
    Ok(())
}
