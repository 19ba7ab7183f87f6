//! Deck files for trainers over the protocol: read one to edit it, and save one, checked by the
//! same validator as every deck, under its own id, never dropping an item id that answers are stored under,
//! never overwriting a file that holds something else, never writing through a link.

use crate::forwarded::ClientAddr;
use std::path::{Path, PathBuf};

use protocol::scenario::{Problem, parse_deck};
use protocol::{ErrorCode, Refusal, ServerMsg};

use crate::hub::Hub;

impl Hub {
    /// The file of deck `id`, for a trainer (see [`Hub::check_trainer`]).
    pub async fn deck_file(&self, id: String, key: Option<&str>, staff: Option<&crate::staff::Staff>, who: ClientAddr) -> ServerMsg {
        if let Err(r) = self.check_trainer(key, staff, who) {
            return r.into();
        }
        self.decks().await;
        let Some(path) = self.deck_cache().lock().expect("decks lock").file_of(&id) else {
            return Refusal::from(ErrorCode::UnknownScenario).into();
        };
        match tokio::task::spawn_blocking(move || std::fs::read_to_string(path)).await {
            Ok(Ok(content)) => ServerMsg::Deck { id, content },
            _ => Refusal::new(
                ErrorCode::StorageFailed,
                "Het deckbestand kon niet worden gelezen; vraag de beheerder de scenariomap na te kijken.",
            )
            .into(),
        }
    }

    /// Checks a trainer's deck file as [`Hub::save_deck`] would, writing nothing: every problem of
    /// the file, and every item id it drops that answers are stored under. Anyone may ask (it reads
    /// only which of this deck's own item ids have answers).
    pub async fn check_deck(&self, content: String) -> ServerMsg {
        let deck = match parse_deck("deck.toml", &content) {
            Ok(deck) => deck,
            Err(problems) => return ServerMsg::DeckProblems { problems },
        };
        let db = self.db().clone();
        let id = deck.id.clone();
        let kept: Vec<String> = deck.items.iter().map(|i| i.id.clone()).collect();
        match tokio::task::spawn_blocking(move || dropped_items(&db, &id, &kept, &content)).await {
            Ok(Ok(dropped)) if dropped.is_empty() => ServerMsg::DeckChecked { id: deck.id },
            Ok(Ok(dropped)) => ServerMsg::DeckProblems { problems: dropped },
            _ => Refusal::from(ErrorCode::StorageFailed).into(),
        }
    }

    /// Saves a trainer's deck file: checked, then written (whole, or not at all) as the file that
    /// holds this deck id, or as `<id>.toml` for a new deck.
    pub async fn save_deck(&self, content: String, key: Option<&str>, staff: Option<&crate::staff::Staff>, who: ClientAddr) -> ServerMsg {
        if let Err(r) = self.check_trainer(key, staff, who) {
            return r.into();
        }
        let deck = match parse_deck("deck.toml", &content) {
            Ok(deck) => deck,
            Err(problems) => return ServerMsg::DeckProblems { problems },
        };
        let cache = self.deck_cache_shared();
        let db = self.db().clone();
        let id = deck.id.clone();
        let kept: Vec<String> = deck.items.iter().map(|i| i.id.clone()).collect();
        let saving = self.saving();
        let saved = tokio::task::spawn_blocking(move || -> Result<Result<(), Vec<Problem>>, String> {
            let _one_at_a_time = saving.lock().expect("saving lock");
            // The folder as it is now, with the saves before this one in it.
            let (holders, dir) = {
                let mut cache = cache.lock().expect("decks lock");
                cache.decks();
                (cache.files_of(&id), cache.dir().to_owned())
            };
            let dropped = dropped_items(&db, &id, &kept, &content)?;
            if !dropped.is_empty() {
                return Ok(Err(dropped));
            }
            let path = match target(&dir, &id, &holders) {
                Ok(path) => path,
                Err(sentence) => return Ok(Err(vec![Problem::at("deck.toml", &content, 0, sentence)])),
            };
            write_whole(&path, &content).map_err(|e| e.to_string())?;
            Ok(Ok(()))
        })
        .await;
        match saved {
            Ok(Ok(Ok(()))) => {
                // The next look at the folder (the list, a new session) reads the changed file.
                tracing::info!(deck = %deck.id, items = deck.items.len(), "a trainer saved a deck");
                ServerMsg::DeckSaved { id: deck.id }
            }
            Ok(Ok(Err(problems))) => ServerMsg::DeckProblems { problems },
            Ok(Err(e)) => {
                tracing::error!(deck = %deck.id, error = %e, "a deck could not be saved");
                Refusal::new(
                    ErrorCode::StorageFailed,
                    "Het deck kon niet worden bewaard in de scenariomap van de server; vraag de beheerder die na te kijken.",
                )
                .into()
            }
            Err(_) => Refusal::from(ErrorCode::StorageFailed).into(),
        }
    }
}

/// The problems of a deck file `content` (deck `id`) whose items are `kept`: one for each item id
/// that answers are stored under and the file no longer has.
fn dropped_items(db: &crate::store::Db, id: &str, kept: &[String], content: &str) -> Result<Vec<Problem>, String> {
    let answered = db.answered_items(id).map_err(|e| e.to_string())?;
    Ok(answered.iter().filter(|i| !kept.contains(i)).map(|item| dropped_problem(content, item)).collect())
}

/// The problem of a saved deck that lacks `item`, which answers are stored under.
fn dropped_problem(content: &str, item: &str) -> Problem {
    Problem::at(
        "deck.toml",
        content,
        0,
        format!(
            "Het item \"{item}\" staat niet meer in het deck, maar eerdere sessies hebben er antwoorden onder. Verander de id van een gespeeld item niet en haal het niet weg: zet het terug, en maak voor iets nieuws een nieuw item."
        ),
    )
}

/// The file a saved deck `id` goes to: the one file that holds it now, or for a new deck
/// `<id>.toml`, or `<id>-2.toml` and on when that name is taken by anything (another deck, a
/// trainer's broken draft, a link): a file that holds something else is never overwritten. Two
/// files with this id, or a link where the deck would go, are refused with a sentence.
fn target(dir: &Path, id: &str, holders: &[PathBuf]) -> Result<PathBuf, String> {
    let names = |files: &[PathBuf]| {
        files.iter().map(|f| f.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect::<Vec<_>>().join(" en ")
    };
    let path = match holders {
        [] => (1..)
            .map(|n| dir.join(if n == 1 { format!("{id}.toml") } else { format!("{id}-{n}.toml") }))
            .find(|p| std::fs::symlink_metadata(p).is_err())
            .expect("a free name"),
        // Still this deck? It may have changed since the folder was last read.
        [one] if holds(one, id) => one.clone(),
        [one] => {
            return Err(format!(
                "Het bestand {} is net veranderd en bevat deck \"{id}\" niet meer; lees het opnieuw in en bewaar dan.",
                names(std::slice::from_ref(one))
            ));
        }
        many => {
            return Err(format!(
                "Deck-id \"{id}\" staat in meer dan één bestand ({}); niets is bewaard. Haal er één weg of geef het een eigen id.",
                names(many)
            ));
        }
    };
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{} is een koppeling naar een ander bestand; de server schrijft daar niet doorheen. Vervang de koppeling door het bestand zelf.",
            names(std::slice::from_ref(&path))
        ));
    }
    // Nor through a linked folder: the file's folder, as it really is, lies inside the scenario folder.
    let inside = match (std::fs::canonicalize(dir), path.parent().map(std::fs::canonicalize)) {
        (Ok(root), Some(Ok(folder))) => folder.starts_with(&root),
        _ => false,
    };
    if !inside {
        return Err(format!(
            "{} ligt buiten de scenariomap (via een gekoppelde map); de server schrijft daar niet. Zet het deck in de map zelf.",
            names(std::slice::from_ref(&path))
        ));
    }
    Ok(path)
}

/// Whether the file at `path` holds deck `id` now.
fn holds(path: &Path, id: &str) -> bool {
    protocol::scenario::load_file(path).is_ok_and(|f| f.deck.id == id)
}

/// Writes `content` to `path` whole: into a new file of a random name beside it (created
/// exclusively, so no planted file or link is written through), flushed to disk, then renamed over it.
fn write_whole(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.{:016x}.bewaren", rand::random::<u64>()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
