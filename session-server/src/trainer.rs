//! Deck files for trainers over the protocol: read one to edit it, and save one, checked by the
//! same validator as every deck, under its own id, never dropping an item id that answers are stored under.

use crate::forwarded::ClientAddr;
use std::path::{Path, PathBuf};

use protocol::scenario::{Problem, parse_deck};
use protocol::{ErrorCode, Refusal, ServerMsg};

use crate::hub::Hub;

impl Hub {
    /// The file of deck `id`, for a trainer (see [`Hub::check_trainer`]).
    pub async fn deck_file(&self, id: String, key: Option<&str>, who: ClientAddr) -> ServerMsg {
        if let Err(r) = self.check_trainer(key, who) {
            return r.into();
        }
        self.decks().await;
        let Some(path) = self.deck_cache().lock().expect("decks lock").file_of(&id) else {
            return Refusal::from(ErrorCode::UnknownScenario).into();
        };
        match tokio::task::spawn_blocking(move || std::fs::read_to_string(path)).await {
            Ok(Ok(content)) => ServerMsg::Deck { id, content },
            _ => Refusal::new(ErrorCode::StorageFailed, "Het deckbestand kon niet worden gelezen; vraag de beheerder de scenariomap na te kijken.").into(),
        }
    }

    /// Saves a trainer's deck file: checked, then written (whole, or not at all) as the file that
    /// holds this deck id, or as `<id>.toml` for a new deck.
    pub async fn save_deck(&self, content: String, key: Option<&str>, who: ClientAddr) -> ServerMsg {
        if let Err(r) = self.check_trainer(key, who) {
            return r.into();
        }
        let deck = match parse_deck("deck.toml", &content) {
            Ok(deck) => deck,
            Err(problems) => return ServerMsg::DeckProblems { problems },
        };
        self.decks().await;
        let (existing, dir) = {
            let cache = self.deck_cache().lock().expect("decks lock");
            (cache.file_of(&deck.id), cache.dir().to_owned())
        };
        let db = self.config().db.clone();
        let id = deck.id.clone();
        let kept: Vec<String> = deck.items.iter().map(|i| i.id.clone()).collect();
        let saved = tokio::task::spawn_blocking(move || -> Result<Result<(), Vec<Problem>>, String> {
            let dropped = answered_items(&db, &id).map_err(|e| e.to_string())?.into_iter().filter(|i| !kept.contains(i)).collect::<Vec<_>>();
            if !dropped.is_empty() {
                return Ok(Err(dropped.iter().map(|item| dropped_problem(&content, item)).collect()));
            }
            let path = existing.unwrap_or_else(|| dir.join(format!("{id}.toml")));
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
                Refusal::new(ErrorCode::StorageFailed, "Het deck kon niet worden bewaard in de scenariomap van de server; vraag de beheerder die na te kijken.").into()
            }
            Err(_) => Refusal::from(ErrorCode::StorageFailed).into(),
        }
    }
}

/// The item ids of deck `id` that sessions stored answers under.
fn answered_items(db: &Path, id: &str) -> Result<Vec<String>, crate::store::StoreError> {
    let conn = crate::store::open_connection(db)?;
    let mut stmt = conn.prepare("SELECT DISTINCT a.item FROM answers a JOIN sessions s ON s.code = a.code WHERE s.scenario = ?1")?;
    let items = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(items)
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

/// Writes `content` to `path` whole: to a file beside it, then renamed over it.
fn write_whole(path: &Path, content: &str) -> std::io::Result<()> {
    let tmp: PathBuf = path.with_extension("toml.bewaren");
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path)
}
