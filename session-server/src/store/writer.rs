//! The writer thread: takes every waiting job, runs them in one transaction (a savepoint each), commits, then runs their follow-ups.

use rusqlite::{Connection, ErrorCode, params};

use super::{Job, Op};
use crate::metrics::Metrics;

/// At most this many jobs share one commit, so a follow-up never waits behind an endless queue.
const MAX_GROUP: usize = 8192;

pub(super) fn run(mut conn: Connection, mut rx: tokio::sync::mpsc::Receiver<Job>, metrics: &Metrics) {
    let mut group = Vec::with_capacity(256);
    while let Some(first) = rx.blocking_recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let results = match commit(&mut conn, &group) {
            Ok(results) => {
                metrics.commit_took(started.elapsed());
                let answers = group.iter().zip(&results).filter(|(_, ok)| **ok).flat_map(|(job, _)| &job.ops);
                metrics.answers_committed(answers.filter(|op| matches!(op, Op::Answer { .. })).count() as u64);
                results
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = group.len(), "store commit failed; nothing of this group is stored");
                vec![false; group.len()]
            }
        };
        for (job, ok) in group.drain(..).zip(results) {
            if let Some(after) = job.after {
                after(ok);
            }
        }
    }
    tracing::debug!("store writer finished");
}

/// Runs the group in one transaction. A job that fails on its own (a constraint, say) is rolled
/// back to its savepoint and reported failed while the others commit; a failure of the database
/// itself (locked, full, unwritable) fails the whole group. Returns each job's result.
pub(super) fn commit(conn: &mut Connection, group: &[Job]) -> rusqlite::Result<Vec<bool>> {
    let mut tx = conn.transaction()?;
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        let sp = tx.savepoint()?;
        match job.ops.iter().try_for_each(|op| apply(&sp, op)) {
            Ok(()) => {
                sp.commit()?;
                results.push(true);
            }
            Err(e) if of_the_job_alone(&e) => {
                tracing::error!(error = %e, "a store write was refused; the rest of its group goes on");
                drop(sp); // rolls back to the savepoint
                results.push(false);
            }
            Err(e) => return Err(e),
        }
    }
    tx.commit()?;
    Ok(results)
}

/// Whether an error is about the statement (its values), not about the database or the disk.
fn of_the_job_alone(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::ConstraintViolation | ErrorCode::TooBig | ErrorCode::TypeMismatch))
}

fn apply(tx: &Connection, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::CreateSession { code, title, scenario, deck_json, created_ms, follows, owner } => {
            tx.prepare_cached(
                "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES (?1, ?2, ?3, ?4, 'lobby', ?5)",
            )?
            .execute(params![code, title, scenario, deck_json, created_ms])?;
            if let Some(earlier) = follows {
                tx.prepare_cached("INSERT INTO follow_ups (code, earlier) VALUES (?1, ?2)")?.execute(params![code, earlier])?;
            }
            if let Some(owner) = owner {
                super::owners::insert_owner(tx, code, owner, *created_ms)?;
            }
        }
        Op::LeadToken { code, token_hash, via, at_ms } => {
            tx.prepare_cached("INSERT INTO lead_tokens (code, token_hash, via, at_ms) VALUES (?1, ?2, ?3, ?4)")?.execute(params![
                code,
                &token_hash[..],
                via,
                at_ms
            ])?;
        }
        Op::Member { code, member, role, token_hash, team } => {
            tx.prepare_cached("INSERT OR REPLACE INTO members (code, member, role, token_hash, team) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![code, member, role.as_str(), &token_hash[..], team])?;
        }
        Op::Answer { code, item, member, option, at_ms } => {
            tx.prepare_cached(
                "INSERT INTO answers (code, item, member, option, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (code, item, member) DO UPDATE SET option = excluded.option, at_ms = excluded.at_ms",
            )?
            .execute(params![code, item, member, option, at_ms])?;
        }
        Op::Phase { code, phase, item, timer } => {
            tx.prepare_cached("UPDATE sessions SET phase = ?2, item = ?3, timer_started_ms = ?4, timer_duration_s = ?5 WHERE code = ?1")?
                .execute(params![code, phase.as_str(), item, timer.map(|t| t.0), timer.map(|t| t.1)])?;
        }
        Op::Roles { code, item, assignments } => {
            tx.prepare_cached("DELETE FROM roles WHERE code = ?1 AND item = ?2")?.execute(params![code, item])?;
            let mut insert = tx.prepare_cached("INSERT INTO roles (code, item, role, member) VALUES (?1, ?2, ?3, ?4)")?;
            for (role, member) in assignments {
                insert.execute(params![code, item, role, member])?;
            }
        }
        Op::Agreement { code, number, item, text, at_ms } => {
            tx.prepare_cached("INSERT INTO agreements (code, number, item, text, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![code, number, item, text, at_ms])?;
        }
        Op::DropAgreement { code, number } => {
            tx.prepare_cached("DELETE FROM agreements WHERE code = ?1 AND number = ?2")?.execute(params![code, number])?;
        }
        Op::Preview { code, on: true } => {
            tx.prepare_cached("INSERT OR IGNORE INTO previews (code) VALUES (?1)")?.execute(params![code])?;
        }
        Op::Preview { code, on: false } => {
            tx.prepare_cached("DELETE FROM previews WHERE code = ?1")?.execute(params![code])?;
        }
        Op::Ask { code, item, predict, reasons } => {
            tx.prepare_cached("INSERT OR REPLACE INTO asks (code, item, predict, reasons) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![code, item, predict, reasons])?;
        }
        Op::Guess { code, item, member, percent } => {
            tx.prepare_cached("INSERT OR REPLACE INTO guesses (code, item, member, percent) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![code, item, member, percent])?;
        }
        Op::Reason { code, item, member, text: Some((text, shuffle)) } => {
            tx.prepare_cached("INSERT OR REPLACE INTO reasons (code, item, member, text, shuffle) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![code, item, member, text, *shuffle as i64])?;
        }
        Op::Reason { code, item, member, text: None } => {
            tx.prepare_cached("DELETE FROM reasons WHERE code = ?1 AND item = ?2 AND member = ?3")?.execute(params![code, item, member])?;
        }
        Op::Revealed { code, item } => {
            tx.prepare_cached("DELETE FROM revealed WHERE code = ?1 AND item = ?2")?.execute(params![code, item])?;
            tx.prepare_cached("INSERT INTO revealed (code, item, member, option) SELECT code, item, member, option FROM answers WHERE code = ?1 AND item = ?2")?
                .execute(params![code, item])?;
        }
        Op::Probe => {
            // A row rewritten: it needs the write lock and, like any answer, room on the disk (a
            // statement that changes nothing would pass on a full disk).
            tx.prepare_cached("INSERT OR REPLACE INTO health (id, at_ms) VALUES (1, ?1)")?.execute([crate::now_ms()])?;
        }
        Op::Deck { code, deck_json } => {
            tx.prepare_cached("UPDATE sessions SET deck = ?2 WHERE code = ?1")?.execute(params![code, deck_json])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(code: &str) -> Op {
        Op::CreateSession {
            code: code.into(),
            title: "t".into(),
            scenario: "s".into(),
            deck_json: "{}".into(),
            created_ms: 1,
            follows: None,
            owner: None,
        }
    }

    fn job(ops: Vec<Op>) -> Job {
        Job { ops, after: None, _share: None }
    }

    #[test]
    fn a_refused_job_fails_alone_and_takes_its_whole_job_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = super::super::open_connection(&dir.path().join("s.db")).unwrap();
        let answer = |code: &str| Op::Answer { code: code.into(), item: "a".into(), member: 1, option: "eens".into(), at_ms: 1 };
        let group = [
            job(vec![session("AAAAAA")]),
            // The same code again violates the primary key: this job fails, its answer with it.
            job(vec![answer("AAAAAA"), session("AAAAAA")]),
            job(vec![session("BBBBBB"), answer("BBBBBB")]),
        ];
        assert_eq!(commit(&mut conn, &group).unwrap(), vec![true, false, true]);
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM sessions"), 2);
        assert_eq!(count("SELECT count(*) FROM answers WHERE code = 'AAAAAA'"), 0);
        assert_eq!(count("SELECT count(*) FROM answers WHERE code = 'BBBBBB'"), 1);
    }

    #[test]
    fn a_locked_database_fails_the_group_and_the_next_group_stores() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = super::super::open_connection(&path).unwrap();
        conn.busy_timeout(std::time::Duration::from_millis(50)).unwrap();
        let other = super::super::open_connection(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        assert!(commit(&mut conn, &[job(vec![session("AAAAAA")])]).is_err());
        other.execute_batch("COMMIT").unwrap();
        assert_eq!(commit(&mut conn, &[job(vec![session("AAAAAA")])]).unwrap(), vec![true]);
    }
}
