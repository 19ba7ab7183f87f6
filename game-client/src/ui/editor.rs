//! The trainers' deck editor: the decks on the server, one deck in forms with each problem beside
//! its field (the same validator as `session-server validate`), saved to the server or to a file.

use bevy_egui::egui::{self, RichText};
use protocol::scenario::{Deck, DeckFile, Field, Problem};
use protocol::{Phase, Role, SessionView};

use super::{Action, Form, theme, widgets};
use crate::view::ViewState;

/// A deck open in the editor.
#[derive(Debug, Clone)]
pub struct Editor {
    pub file: DeckFile,
    /// The item whose fields are shown; `None`: the deck's own fields.
    pub selected: Option<usize>,
    /// The file to save to or open from, for mailing a deck.
    pub path: String,
    /// What became of the last save to a file.
    pub note: Option<String>,
    /// Whose screen the preview shows, and whether it is showing.
    pub preview: Role,
    pub previewing: bool,
}

impl Editor {
    pub fn new(file: DeckFile) -> Editor {
        Editor { file, selected: None, path: String::new(), note: None, preview: Role::Player, previewing: false }
    }

    /// A deck file's text opened for editing, to be saved back to `path`, its first item shown.
    pub fn opened(text: &str, path: String) -> Result<Editor, String> {
        let file = DeckFile::parse(text)?;
        Ok(Editor { path, selected: (file.items() > 0).then_some(0), ..Editor::new(file) })
    }

    /// The deck file at `path` on this computer, opened for editing.
    pub fn read(path: &str) -> Result<Editor, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        Editor::opened(&text, path.to_owned()).map_err(|e| format!("{path}: {e}"))
    }
}

/// The Decks tab without a deck open: the server's decks to edit, a new deck, or a file to open.
pub fn list(ui: &mut egui::Ui, view: &ViewState, form: &mut Form, action: &mut Option<Action>) {
    let l = view.lang;
    ui.label(
        RichText::new(l.pick(
            "Schrijf en verbeter decks in formulieren. Het bestand blijft de bron: opmerkingen en volgorde blijven staan.",
            "Write and improve decks in forms. The file stays the source: comments and order are kept.",
        ))
        .color(theme::of(ui).muted),
    );
    for s in &view.scenarios {
        ui.horizontal_wrapped(|ui| {
            let edit = format!("{} {}", l.pick("Bewerk", "Edit"), s.title);
            if ui.button(l.pick("Bewerk", "Edit")).on_hover_text(&edit).clicked() {
                *action = Some(Action::OpenDeck(s.id.clone()));
            }
            ui.label(RichText::new(format!("{} ({}, {} items)", s.title, s.id, s.items)).size(20.0));
        });
    }
    ui.add_space(12.0);
    if widgets::primary(ui, l.pick("Nieuw deck", "New deck")) {
        form.edit.editor = Some(Editor::new(DeckFile::new("nieuw-deck", l.pick("Nieuw deck", "New deck"), l.code())));
    }
    ui.add_space(8.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(l.pick("Of open een bestand:", "Or open a file:"));
        ui.add(egui::TextEdit::singleline(&mut form.edit.deck_path).desired_width(420.0).hint_text("C:\\Users\\…\\mijn-deck.toml"));
        if ui.add_enabled(!form.edit.deck_path.trim().is_empty(), egui::Button::new(l.pick("Open", "Open"))).clicked() {
            *action = Some(Action::ImportDeck(form.edit.deck_path.trim().to_owned()));
        }
    });
}

/// The deck in forms.
pub fn editor(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, action: &mut Option<Action>) -> bool {
    let l = view.lang;
    let mut close = false;
    let checked = ed.file.check();
    let problems: Vec<(Option<Field>, Problem)> = match &checked {
        Ok(_) => Vec::new(),
        Err(ps) => ps.iter().map(|p| (ed.file.field_of(p), p.clone())).collect(),
    };
    ui.horizontal_wrapped(|ui| {
        let title = ed.file.text_of(Field::Deck("title"));
        ui.label(RichText::new(format!("{}: {title}", l.pick("Deck", "Deck"))).size(30.0).strong());
        ui.add_space(20.0);
        let ok = problems.is_empty();
        let save = ui.add_enabled(ok, egui::Button::new(RichText::new(l.pick("Bewaar op de server", "Save on the server")).size(20.0)));
        let save = save.on_disabled_hover_text(l.pick(
            "Los eerst de problemen op; bewaar het anders als concept in een bestand.",
            "Fix the problems first; or save it as a draft in a file.",
        ));
        if save.clicked() {
            *action = Some(Action::SaveDeck(ed.file.text()));
        }
        if ui.button(l.pick("Sluit", "Close")).clicked() {
            close = true;
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(l.pick("Bestand:", "File:"));
        ui.add(egui::TextEdit::singleline(&mut ed.path).desired_width(420.0).hint_text("mijn-deck.toml"));
        let label = if problems.is_empty() {
            l.pick("Bewaar als bestand", "Save as a file")
        } else {
            l.pick("Bewaar als concept", "Save as a draft")
        };
        if ui.add_enabled(!ed.path.trim().is_empty(), egui::Button::new(label)).clicked() {
            *action = Some(Action::ExportDeck { path: ed.path.trim().to_owned(), content: ed.file.text() });
        }
    });
    let status = match (&view.deck_saved, problems.len()) {
        (Some(Ok(id)), 0) => format!("{} {id}", l.pick("Bewaard op de server:", "Saved on the server:")),
        (Some(Err(ps)), _) => format!(
            "{} {}",
            l.pick("De server weigerde:", "The server refused:"),
            ps.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" ")
        ),
        (_, 0) => l.pick("Geen problemen: klaar om te bewaren.", "No problems: ready to save.").to_owned(),
        (_, n) => match l {
            crate::i18n::Lang::Nl => format!("{n} probleem/problemen; ze staan bij het veld waar ze over gaan."),
            crate::i18n::Lang::En => format!("{n} problem(s), each shown beside its field."),
        },
    };
    ui.label(RichText::new(status).size(20.0));
    if let Some(note) = &ed.note {
        ui.label(RichText::new(note).color(theme::of(ui).muted));
    }
    for (_, p) in problems.iter().filter(|(f, _)| f.is_none()) {
        problem(ui, p);
    }
    ui.separator();
    ui.columns(2, |cols| {
        items(&mut cols[0], view, ed, &problems);
        egui::ScrollArea::vertical().id_salt("fields").show(&mut cols[1], |ui| match ed.selected {
            None => deck_fields(ui, view, ed, &problems),
            Some(n) => {
                item_fields(ui, view, ed, n, &problems);
                ui.add_space(10.0);
                let hint = l.pick("Los eerst de problemen op", "Fix the problems first");
                if ui
                    .add_enabled(
                        checked.is_ok(),
                        egui::Button::new(
                            RichText::new(l.pick("Voorbeeld: zo ziet de zaal het", "Preview: as the room sees it")).size(20.0),
                        ),
                    )
                    .on_disabled_hover_text(hint)
                    .clicked()
                {
                    ed.previewing = true;
                }
            }
        });
    });
    close
}

/// The bar above the preview: whose screen, and back to the forms. True when the trainer goes back.
pub fn preview_bar(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor) -> bool {
    let l = view.lang;
    let mut back = false;
    egui::Panel::top("preview-bar").frame(egui::Frame::new().fill(theme::of(ui).private).inner_margin(egui::Margin::same(10))).show(
        ui,
        |ui| {
            ui.horizontal_wrapped(|ui| {
                back = ui.button(RichText::new(l.pick("Terug naar het deck", "Back to the deck")).size(20.0)).clicked();
                ui.label(RichText::new(l.pick("Voorbeeld als", "Preview as")).size(22.0).strong());
                for (role, nl, en) in [
                    (Role::Player, "deelnemer", "participant"),
                    (Role::Watcher, "scherm voor de zaal", "room's screen"),
                    (Role::Facilitator, "facilitator", "facilitator"),
                ] {
                    ui.selectable_value(&mut ed.preview, role, RichText::new(l.pick(nl, en)).size(20.0));
                }
                ui.label(RichText::new(l.pick("(met een verzonnen uitslag)", "(with a made-up result)")).color(theme::of(ui).muted));
            });
        },
    );
    back
}

/// The selected item as a player, the projector or the facilitator would see it: a made-up
/// result for a statement, the first role drawn for a sketch. `None` when there is nothing to show
/// (a deck with problems, or no item selected).
pub fn preview_view(view: &ViewState, ed: &Editor) -> Option<ViewState> {
    let deck: Deck = ed.file.check().ok()?;
    let n = ed.selected?;
    let item = deck.items.get(n)?;
    let facilitator = ed.preview == Role::Facilitator;
    let options = item.option_ids();
    // A made-up result: falling counts over the options, so every bar shows.
    let made_up = [9u32, 6, 4, 2, 1, 1];
    let counts = &made_up[..options.len().min(made_up.len())];
    let tally = (!options.is_empty()).then(|| protocol::tally::from_counts(&item.id, &options[..counts.len()], counts, [], deck.min_group));
    let sketch = item.sketch();
    let session = SessionView {
        code: "K7M2QX".into(),
        title: deck.title.clone(),
        scenario: deck.id.clone(),
        language: deck.language.clone(),
        phase: match (&tally, sketch) {
            (_, Some(_)) => Phase::Scene,
            (Some(_), None) => Phase::Revealed,
            (None, None) => Phase::Open,
        },
        index: Some(n),
        count: deck.items.len(),
        participants: 22,
        answered: counts.iter().sum(),
        item: Some(item.view(facilitator)),
        timer: None,
        items: facilitator.then(|| deck.items.iter().map(|i| i.view(true)).collect()),
        follows: None,
        min_group: deck.min_group,
        preview: facilitator,
        teams: 0,
    };
    let role_card = sketch.and_then(|s| s.roles.first()).filter(|_| ed.preview == Role::Player).map(|r| crate::view::RoleCard {
        item: item.id.clone(),
        role: r.name.clone(),
        briefing: r.briefing.clone(),
    });
    Some(ViewState {
        lang: view.lang,
        role: Some(ed.preview),
        code: Some(session.code.clone()),
        session: Some(session),
        tally,
        role_card,
        ..ViewState::default()
    })
}

fn problem(ui: &mut egui::Ui, p: &Problem) {
    ui.label(RichText::new(format!("⚠ {}", p.message)).color(theme::of(ui).error_ink));
}

/// The list of items with the buttons that change it.
fn items(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, problems: &[(Option<Field>, Problem)]) {
    let l = view.lang;
    if ui
        .selectable_label(
            ed.selected.is_none(),
            RichText::new(l.pick("Het deck: titel en taal", "The deck: title and language")).size(20.0),
        )
        .clicked()
    {
        ed.selected = None;
    }
    for n in 0..ed.file.items() {
        let icon = match ed.file.kind_of(n).as_str() {
            "sketch" => "🎭",
            "question" => "❓",
            _ => "💬",
        };
        let bad = problems.iter().any(|(f, _)| matches!(f, Some(Field::Item(i, _)) if *i == n));
        let text = format!("{}. {icon} {}{}", n + 1, ed.file.text_of(Field::Item(n, "id")), if bad { "  ⚠" } else { "" });
        if ui.selectable_label(ed.selected == Some(n), RichText::new(text).size(20.0)).clicked() {
            ed.selected = Some(n);
        }
    }
    ui.add_space(8.0);
    ui.horizontal_wrapped(|ui| {
        for (kind, nl, en) in
            [("dilemma", "+ Stelling", "+ Statement"), ("sketch", "+ Sketch", "+ Sketch"), ("question", "+ Open vraag", "+ Open question")]
        {
            if ui.button(l.pick(nl, en)).clicked() {
                ed.selected = Some(ed.file.add_item(kind));
            }
        }
    });
    if let Some(n) = ed.selected {
        ui.horizontal_wrapped(|ui| {
            if ui.button(l.pick("Naar boven", "Move up")).clicked() && n > 0 {
                ed.file.move_item(n, true);
                ed.selected = Some(n - 1);
            }
            if ui.button(l.pick("Naar beneden", "Move down")).clicked() && n + 1 < ed.file.items() {
                ed.file.move_item(n, false);
                ed.selected = Some(n + 1);
            }
            if ui.button(l.pick("Dupliceer", "Duplicate")).clicked() {
                ed.file.duplicate(n);
                ed.selected = Some(n + 1);
            }
            if ui.button(l.pick("Verwijder", "Remove")).clicked() {
                ed.file.remove(n);
                ed.selected = None;
            }
        });
    }
}

/// One text field with the problems that are about it right under it.
fn text(ui: &mut egui::Ui, ed: &mut Editor, f: Field, label: &str, multiline: bool, problems: &[(Option<Field>, Problem)]) {
    ui.label(RichText::new(label).strong());
    let mut value = ed.file.text_of(f);
    let edit = if multiline { egui::TextEdit::multiline(&mut value).desired_rows(3) } else { egui::TextEdit::singleline(&mut value) };
    if ui.add(edit.desired_width(f32::INFINITY)).changed() {
        ed.file.set_text(f, &value);
    }
    for (_, p) in problems.iter().filter(|(at, _)| *at == Some(f)) {
        problem(ui, p);
    }
    ui.add_space(6.0);
}

/// A list field, one entry per line.
fn lines(ui: &mut egui::Ui, ed: &mut Editor, f: Field, label: &str, problems: &[(Option<Field>, Problem)]) {
    ui.label(RichText::new(label).strong());
    let mut value = ed.file.list_of(f).join("\n");
    if ui.add(egui::TextEdit::multiline(&mut value).desired_rows(2).desired_width(f32::INFINITY)).changed() {
        let list: Vec<String> = value.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        ed.file.set_list(f, &list);
    }
    for (_, p) in problems.iter().filter(|(at, _)| *at == Some(f)) {
        problem(ui, p);
    }
    ui.add_space(6.0);
}

fn deck_fields(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, problems: &[(Option<Field>, Problem)]) {
    let l = view.lang;
    text(ui, ed, Field::Deck("title"), l.pick("Titel", "Title"), false, problems);
    text(
        ui,
        ed,
        Field::Deck("id"),
        l.pick("Korte naam (id; kleine letters, cijfers en -)", "Short name (id; lowercase letters, digits and -)"),
        false,
        problems,
    );
    text(ui, ed, Field::Deck("language"), l.pick("Taal (nl of en)", "Language (nl or en)"), false, problems);
    text(ui, ed, Field::Deck("description"), l.pick("Beschrijving", "Description"), true, problems);
}

fn item_fields(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, n: usize, problems: &[(Option<Field>, Problem)]) {
    let l = view.lang;
    let it = |k| Field::Item(n, k);
    text(
        ui,
        ed,
        it("id"),
        l.pick("Korte naam (id; verander hem niet meer als er gespeeld is)", "Short name (id; do not change it once played)"),
        false,
        problems,
    );
    let kind = ed.file.kind_of(n);
    // The fields drawn below with their own problems; the item's other problems follow at the end.
    let beside: &[&str] = match kind.as_str() {
        "sketch" => &["id", "title", "situation", "role", "questions", "themes"],
        "question" => &["id", "question", "prompts", "themes"],
        _ => &["id", "statement", "options", "prompts", "themes"],
    };
    match kind.as_str() {
        "sketch" => {
            text(ui, ed, it("title"), l.pick("Titel", "Title"), false, problems);
            text(ui, ed, it("situation"), l.pick("Situatie (iedereen ziet die)", "Situation (everyone sees it)"), true, problems);
            ui.label(RichText::new(l.pick("Duur in seconden", "Duration in seconds")).strong());
            let mut secs = ed.file.number_of(it("duration_s")).unwrap_or(120);
            if ui.add(egui::DragValue::new(&mut secs).range(30..=900)).changed() {
                ed.file.set_number(it("duration_s"), secs);
            }
            roles(ui, view, ed, n, problems);
            lines(
                ui,
                ed,
                it("questions"),
                l.pick("Vragen voor na het spel (één per regel)", "Questions after the scene (one per line)"),
                problems,
            );
            ui.label(RichText::new(l.pick("Stelling na het spel (mag leeg)", "Statement after the scene (optional)")).strong());
            let mut follow = ed.file.follow_up(n);
            if ui.add(egui::TextEdit::singleline(&mut follow).desired_width(f32::INFINITY)).changed() {
                ed.file.set_follow_up(n, &follow);
            }
        }
        "question" => {
            text(ui, ed, it("question"), l.pick("Open vraag", "Open question"), true, problems);
            lines(
                ui,
                ed,
                it("prompts"),
                l.pick("Doorvragen voor de facilitator (één per regel)", "Follow-up questions for the facilitator (one per line)"),
                problems,
            );
        }
        _ => {
            text(
                ui,
                ed,
                it("statement"),
                l.pick("Stelling (geen goed of fout antwoord)", "Statement (no right or wrong answer)"),
                true,
                problems,
            );
            lines(
                ui,
                ed,
                it("options"),
                l.pick(
                    "Antwoorden (één per regel; leeg: eens / oneens / hangt ervan af)",
                    "Answers (one per line; empty: agree / disagree / it depends)",
                ),
                problems,
            );
            lines(
                ui,
                ed,
                it("prompts"),
                l.pick("Vragen voor de facilitator (één per regel)", "Questions for the facilitator (one per line)"),
                problems,
            );
            fits(ui, view, ed, n);
        }
    }
    lines(ui, ed, it("themes"), l.pick("Thema's (één per regel)", "Themes (one per line)"), problems);
    // The themes other decks use, to keep the analysis by theme together.
    let mine = ed.file.list_of(it("themes"));
    let used: std::collections::BTreeSet<&String> = view.scenarios.iter().flat_map(|s| &s.themes).filter(|t| !mine.contains(t)).collect();
    if !used.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(l.pick("Thema's uit andere decks:", "Themes of other decks:")).color(theme::of(ui).muted));
            for t in used.into_iter().take(40) {
                if ui.small_button(format!("+ {t}")).clicked() {
                    let mut list = mine.clone();
                    list.push(t.clone());
                    ed.file.set_list(it("themes"), &list);
                }
            }
        });
    }
    for (_, p) in problems.iter().filter(|(at, _)| matches!(at, Some(Field::Item(i, k)) if *i == n && !beside.contains(k))) {
        problem(ui, p);
    }
}

/// Which result each prompt suits, so the facilitator's screen can put it first when it fits.
fn fits(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, n: usize) {
    let l = view.lang;
    let language = ed.file.text_of(Field::Deck("language"));
    let prompts = ed.file.list_of(Field::Item(n, "prompts"));
    if prompts.is_empty() {
        return;
    }
    ui.label(
        RichText::new(l.pick(
            "Past bij de uitslag (de facilitator ziet passende vragen bovenaan)",
            "Fits the result (the facilitator sees fitting prompts first)",
        ))
        .strong(),
    );
    for (i, text) in prompts.iter().enumerate() {
        let now = ed.file.prompt_fits(n, i);
        let shown = now.first().map_or(l.pick("altijd", "always"), |s| s.name(&language));
        let short: String = text.chars().take(50).collect();
        ui.horizontal_wrapped(|ui| {
            egui::ComboBox::from_id_salt(("fits", n, i)).selected_text(shown).show_ui(ui, |ui| {
                if ui.selectable_label(now.is_empty(), l.pick("altijd", "always")).clicked() {
                    ed.file.set_prompt_fits(n, i, &[]);
                }
                for shape in protocol::fit::Shape::ALL {
                    if ui.selectable_label(now == [shape], shape.name(&language)).clicked() {
                        ed.file.set_prompt_fits(n, i, &[shape]);
                    }
                }
            });
            ui.label(short);
        });
    }
    ui.add_space(6.0);
}

fn roles(ui: &mut egui::Ui, view: &ViewState, ed: &mut Editor, n: usize, problems: &[(Option<Field>, Problem)]) {
    let l = view.lang;
    ui.label(RichText::new(l.pick("Rollen, elk met een geheime briefing", "Roles, each with a private briefing")).strong());
    let mut roles = ed.file.roles(n);
    let mut changed = false;
    let mut remove = None;
    for (i, (name, briefing)) in roles.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(l.pick("Rol", "Role"));
                let width = (ui.available_width() - 60.0).clamp(120.0, 260.0);
                changed |= ui.add(egui::TextEdit::singleline(name).desired_width(width)).changed();
                if ui.small_button("×").on_hover_text(l.pick("Haal deze rol weg", "Remove this role")).clicked() {
                    remove = Some(i);
                }
            });
            changed |= ui.add(egui::TextEdit::multiline(briefing).desired_rows(2).desired_width(f32::INFINITY)).changed();
        });
    }
    if let Some(i) = remove {
        roles.remove(i);
        changed = true;
    }
    if ui.button(l.pick("+ Rol", "+ Role")).clicked() {
        roles.push((String::new(), String::new()));
        changed = true;
    }
    if changed {
        ed.file.set_roles(n, &roles);
    }
    for (_, p) in problems.iter().filter(|(at, _)| *at == Some(Field::Item(n, "role"))) {
        problem(ui, p);
    }
}
