//! Loads every `*.toml` deck under a directory: the valid decks, and every problem of the rest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::model::Deck;
use super::parse::parse_deck;
use super::problem::Problem;

#[derive(Debug, Default)]
pub struct LoadReport {
    /// Valid decks, in file-name order, with the file each came from.
    pub decks: Vec<(PathBuf, Deck)>,
    pub problems: Vec<Problem>,
    pub files: usize,
}

/// A deck file larger than this is not read: a deck is a few KiB of text.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One deck file, read and checked: its deck (with where its `id` stands, to point out a
/// duplicate), or its problems.
pub type FileResult = Result<FileDeck, Vec<Problem>>;

#[derive(Debug, Clone)]
pub struct FileDeck {
    pub deck: Deck,
    id_line: usize,
    id_column: usize,
}

/// Reads `dir` (or one file) recursively. A file with problems contributes problems, not a deck;
/// two files declaring the same deck id keep the first and report the second.
pub fn load_dir(dir: &Path) -> LoadReport {
    load_dir_with(dir, load_file)
}

/// [`load_dir`] with another way to read a file (the server keeps what did not change).
pub fn load_dir_with(dir: &Path, mut read: impl FnMut(&Path) -> FileResult) -> LoadReport {
    let mut report = LoadReport::default();
    let mut files = Vec::new();
    if let Err(e) = collect(dir, &mut files, &mut report.problems) {
        report.problems.push(Problem {
            file: dir.display().to_string(),
            line: 1,
            column: 1,
            message: format!("Kan deze map of dit bestand niet lezen: {e}. Controleer het pad."),
        });
        return report;
    }
    files.sort();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        report.files += 1;
        match read(&path) {
            Ok(FileDeck { deck, id_line, id_column }) => {
                if let Some(first) = seen.get(&deck.id) {
                    report.problems.push(Problem {
                        file: path.display().to_string(),
                        line: id_line,
                        column: id_column,
                        message: format!("Deck-id \"{}\" wordt al gebruikt door {}. Geef dit deck een eigen id.", deck.id, first.display()),
                    });
                    continue;
                }
                seen.insert(deck.id.clone(), path.clone());
                report.decks.push((path, deck));
            }
            Err(problems) => report.problems.extend(problems),
        }
    }
    report
}

/// Reads and checks one deck file; a file too large to be a deck is not read.
pub fn load_file(path: &Path) -> FileResult {
    let name = path.display().to_string();
    let problem = |message: String| vec![Problem::at(&name, "", 0, message)];
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(problem(format!(
                "Dit bestand is groter dan {} KiB; een deck is veel kleiner. Hoort het wel in de scenariomap?",
                MAX_FILE_BYTES / 1024
            )));
        }
        Ok(_) => {}
        Err(e) => return Err(problem(format!("Kan het bestand niet lezen: {e}."))),
    }
    let src = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(src)) => src,
        Ok(Err(_)) => return Err(problem("Dit bestand is geen UTF-8-tekst. Sla het op als UTF-8.".into())),
        Err(e) => return Err(problem(format!("Kan het bestand niet lezen: {e}."))),
    };
    let deck = parse_deck(&name, &src)?;
    let at = Problem::at(&name, &src, id_offset(&src), "");
    Ok(FileDeck { deck, id_line: at.line, id_column: at.column })
}

/// The deck files under `path`; a subfolder that cannot be read is a problem, not the end of the others.
fn collect(path: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let Ok(entry) = entry else { continue };
        let p = entry.path();
        if p.is_dir() {
            if let Err(e) = collect(&p, out, problems) {
                problems.push(Problem::at(
                    &p.display().to_string(),
                    "",
                    0,
                    format!("Kan deze map niet lezen: {e}. De andere decks worden wel aangeboden."),
                ));
            }
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// Byte offset of the top-level `id = …` line, to point a duplicate deck id out.
fn id_offset(src: &str) -> usize {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') {
            break;
        }
        if t.strip_prefix("id").is_some_and(|r| r.trim_start().starts_with('=')) {
            return offset + (line.len() - t.len());
        }
        offset += line.len();
    }
    0
}
