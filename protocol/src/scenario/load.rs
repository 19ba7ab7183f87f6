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

/// Reads `dir` (or one file) recursively. A file with problems contributes problems, not a deck;
/// two files declaring the same deck id keep the first and report the second.
pub fn load_dir(dir: &Path) -> LoadReport {
    let mut report = LoadReport::default();
    let mut files = Vec::new();
    if let Err(e) = collect(dir, &mut files) {
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
        let name = path.display().to_string();
        let src = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(src)) => src,
            Ok(Err(_)) => {
                report.problems.push(Problem::at(&name, "", 0, "Dit bestand is geen UTF-8-tekst. Sla het op als UTF-8."));
                continue;
            }
            Err(e) => {
                report.problems.push(Problem::at(&name, "", 0, format!("Kan het bestand niet lezen: {e}.")));
                continue;
            }
        };
        match parse_deck(&name, &src) {
            Ok(deck) => {
                if let Some(first) = seen.get(&deck.id) {
                    let at = id_offset(&src);
                    report.problems.push(Problem::at(
                        &name,
                        &src,
                        at,
                        format!("Deck-id \"{}\" wordt al gebruikt door {}. Geef dit deck een eigen id.", deck.id, first.display()),
                    ));
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

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.is_dir() {
            collect(&p, out)?;
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
