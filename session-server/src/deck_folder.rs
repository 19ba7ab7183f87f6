//! The scenario folder as the server sees it: re-read only where files changed, each problem logged once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use protocol::scenario::{Deck, FileResult, load_dir_with, load_file};

#[derive(Debug)]
pub struct DeckCache {
    dir: PathBuf,
    /// Per file: what it looked like (modified, size) when it was read, and what it gave.
    files: HashMap<PathBuf, (Option<SystemTime>, u64, FileResult)>,
    decks: Vec<Arc<Deck>>,
    logged: HashSet<String>,
}

impl DeckCache {
    pub fn new(dir: impl Into<PathBuf>) -> DeckCache {
        DeckCache { dir: dir.into(), files: HashMap::new(), decks: Vec::new(), logged: HashSet::new() }
    }

    /// The valid decks as the folder is now. Blocking file I/O (a `stat` per file, a read of the
    /// changed ones): call it off the async threads. A new problem is logged once, not at every look.
    pub fn decks(&mut self) -> Vec<Arc<Deck>> {
        let mut seen = HashMap::new();
        let report = load_dir_with(&self.dir, |path| {
            let stamp = stamp(path);
            let result = match self.files.get(path) {
                Some((modified, len, result)) if (*modified, *len) == stamp => result.clone(),
                _ => load_file(path),
            };
            seen.insert(path.to_owned(), (stamp.0, stamp.1, result.clone()));
            result
        });
        self.files = seen;
        let problems: HashSet<String> = report.problems.iter().map(ToString::to_string).collect();
        for p in problems.difference(&self.logged) {
            tracing::warn!(problem = %p, "scenario file has a problem; its deck is not offered");
        }
        self.logged = problems;
        // A deck that did not change keeps its Arc, so sessions and the list share one copy.
        let before: HashMap<&str, &Arc<Deck>> = self.decks.iter().map(|d| (d.id.as_str(), d)).collect();
        let decks: Vec<Arc<Deck>> = report
            .decks
            .into_iter()
            .map(|(_, d)| before.get(d.id.as_str()).filter(|old| ****old == d).map_or_else(|| Arc::new(d), |old| Arc::clone(*old)))
            .collect();
        self.decks = decks;
        self.decks.clone()
    }
}

impl DeckCache {
    /// The file deck `id` was read from (as of the last look), if any.
    pub fn file_of(&self, id: &str) -> Option<PathBuf> {
        self.files_of(id).into_iter().next()
    }

    /// Every file that holds deck `id` (as of the last look): more than one is a problem of the
    /// folder (the later ones are not offered), sorted as the folder is read.
    pub fn files_of(&self, id: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            self.files.iter().filter(|(_, (_, _, r))| r.as_ref().is_ok_and(|f| f.deck.id == id)).map(|(p, _)| p.clone()).collect();
        files.sort();
        files
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn stamp(path: &Path) -> (Option<SystemTime>, u64) {
    std::fs::metadata(path).map_or((None, u64::MAX), |m| (m.modified().ok(), m.len()))
}
