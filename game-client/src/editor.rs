//! The deck editor's plugin: a deck file the server sent, or one from disk, opens in the editor;
//! a deck is written to disk on request. Off the drawing systems, which only draw.

use bevy::prelude::*;

use crate::ui::editor::Editor;
use crate::ui::{Action, Form};
use crate::view::ViewState;

/// A deck file the server sent (`deck`: id, content), until the editor opens it (the network plugin puts it here).
#[derive(Resource, Debug, Default)]
pub struct DeckInbox(pub Option<(String, String)>);

pub fn plugin(app: &mut App) {
    app.init_resource::<DeckInbox>().add_systems(Update, (received, files).in_set(crate::app::Frame::Follow));
}

/// The file `get_deck` asked for opens in the editor.
fn received(mut inbox: ResMut<DeckInbox>, mut view: ResMut<ViewState>, mut form: ResMut<Form>) {
    if inbox.0.is_none() {
        return;
    }
    let Some((id, content)) = inbox.0.take() else { return };
    match Editor::opened(&content, format!("{id}.toml")) {
        Ok(ed) => {
            view.deck_saved = None;
            form.edit.editor = Some(ed);
        }
        Err(e) => view.error = Some(e),
    }
}

/// Opening a deck file from disk, and saving one (a finished deck, or a draft with problems).
fn files(mut asked: MessageReader<Action>, mut view: ResMut<ViewState>, mut form: ResMut<Form>) {
    for action in asked.read() {
        match action {
            Action::ImportDeck(path) => match Editor::read(path) {
                Ok(ed) => {
                    view.error = None;
                    view.deck_saved = None;
                    form.edit.editor = Some(ed);
                }
                Err(e) => view.error = Some(e),
            },
            Action::ExportDeck { path, content } => {
                let written = crate::files::write_whole(std::path::Path::new(path), content.as_bytes());
                if let Some(ed) = form.edit.editor.as_mut() {
                    ed.note = Some(match written {
                        Ok(()) => format!("Bewaard in {path}"),
                        Err(e) => format!("Kon {path} niet bewaren: {e}"),
                    });
                }
            }
            _ => {}
        }
    }
}
