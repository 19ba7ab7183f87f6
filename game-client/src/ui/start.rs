//! The start screen: host a session, join one with the code, or open the projector view.

use bevy_egui::egui::{self, RichText};

use super::{Action, Form, StartTab, theme, widgets};
use crate::connection_thread::Link;
use crate::view::ViewState;

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

pub fn panel(ui: &mut egui::Ui, view: &ViewState, form: &mut Form) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    egui::Panel::bottom("server").frame(egui::Frame::new().fill(theme::of(ui).surface).inner_margin(egui::Margin::same(14))).show(
        ui,
        |ui| {
            // Wraps at large text sizes instead of running off the window.
            ui.horizontal_wrapped(|ui| {
                ui.label(l.pick("Server:", "Server:"));
                let width = (ui.available_width() - 180.0).clamp(160.0, 420.0);
                ui.add(egui::TextEdit::singleline(&mut form.start.server).desired_width(width));
                if ui.button(l.pick("Verbind", "Connect")).clicked() {
                    action = Some(Action::Connect { server: form.start.server.trim().to_owned() });
                }
                let status = match &view.link {
                    Link::Connected => l.pick("verbonden", "connected"),
                    Link::Connecting => l.pick("verbinden…", "connecting…"),
                    Link::Lost { .. } => l.pick("niet bereikbaar, opnieuw proberen…", "unreachable, retrying…"),
                    Link::Idle => "",
                    Link::Closed(_) => l.pick("gesloten", "closed"),
                };
                ui.label(RichText::new(status).color(theme::of(ui).muted));
                ui.add_space(24.0);
                let mut high = theme::of(ui) == theme::high_contrast();
                if ui.checkbox(&mut high, l.pick("Hoog contrast (Ctrl H)", "High contrast (Ctrl H)")).changed() {
                    action = Some(Action::HighContrast(high));
                }
                if ui.checkbox(&mut form.sound, l.pick("Geluid als de tijd om is", "Sound when time is up")).changed() {
                    action = Some(Action::Sound(form.sound));
                }
            });
        },
    );
    if form.start.scenario.as_ref().is_none_or(|id| !view.scenarios.iter().any(|s| s.id == *id)) {
        // Preselect the deck on top of the list.
        form.start.scenario = decks_in_order(view).first().map(|s| s.id.clone());
    }
    // Leading a session: what starts it stays in view above the server bar, however long the
    // list of decks and whatever the window or text size; the rest scrolls.
    let earlier: Vec<crate::settings::LedSession> = view.led.iter().rev().filter(|s| s.server == view.server).cloned().collect();
    // On a server with accounts nothing starts before the sign-in (or with the trainers' key).
    let may_start = view.accounts.as_ref().is_none_or(|a| a.signed_in.is_some()) || view.create_key.is_some();
    if form.start.tab == StartTab::Host && !view.scenarios.is_empty() && may_start {
        egui::Panel::bottom("start-session")
            .frame(egui::Frame::new().fill(theme::of(ui).background).inner_margin(egui::Margin::symmetric(20, 10)))
            .show(ui, |ui| {
                start_bar(ui, view, form, &earlier, &mut action);
            });
    }
    // A deck open in the editor takes the whole window: forms beside the list of items.
    if form.start.tab == StartTab::Decks
        && let Some(ed) = form.edit.editor.as_mut()
    {
        if ed.previewing
            && let Some(shown) = super::editor::preview_view(view, ed)
        {
            ed.previewing = !super::editor::preview_bar(ui, view, ed);
            let mut scratch = Form::default();
            let _ = match ed.preview {
                protocol::Role::Facilitator => super::facilitator::panel(ui, &shown, &mut scratch, std::time::Instant::now()),
                _ => super::item::panel(ui, &shown, &mut scratch, std::time::Instant::now()),
            };
            return action;
        }
        ed.previewing = false;
        let close = egui::CentralPanel::default().show(ui, |ui| super::editor::editor(ui, view, ed, &mut action)).inner;
        if close {
            form.edit.editor = None;
        }
        return action;
    }
    egui::CentralPanel::default().show(ui, |ui| {
        widgets::column(ui, 1100.0, |ui| {
            ui.add_space(20.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new(l.pick("Samen werken aan de stad", "Working together on the city")).size(46.0).strong());
                ui.label(
                    RichText::new(l.pick(
                        "Stellingen zonder goed of fout. Niemand ziet wie wat antwoordde.",
                        "Statements without right or wrong. Nobody sees who answered what.",
                    ))
                    .size(24.0)
                    .color(theme::of(ui).muted),
                );
            });
            ui.add_space(16.0);
            ui.horizontal_wrapped(|ui| {
                for (tab, nl, en) in [
                    (StartTab::Host, "Sessie leiden", "Lead a session"),
                    (StartTab::Join, "Meedoen", "Take part"),
                    (StartTab::Watch, "Scherm voor de zaal", "Screen for the room"),
                    (StartTab::Decks, "Decks schrijven", "Write decks"),
                ] {
                    ui.selectable_value(&mut form.start.tab, tab, RichText::new(l.pick(nl, en)).size(26.0));
                }
            });
            ui.separator();
            if let Some(e) = &view.error {
                widgets::error_box(ui, e);
            }
            if view.remembered_server {
                widgets::card(ui, theme::of(ui).surface, |ui| {
                    let text = match l {
                        crate::i18n::Lang::Nl => format!("Je werkt met de server van de vorige keer: {}", view.server),
                        crate::i18n::Lang::En => format!("You are using the server of last time: {}", view.server),
                    };
                    ui.label(RichText::new(text).size(22.0));
                    if ui.button(RichText::new(l.pick("Host op deze laptop", "Host on this laptop")).size(22.0)).clicked() {
                        action = Some(Action::HostHere);
                    }
                });
            }
            if let Some(last) = view.resumable.as_ref().filter(|l| l.server == view.server) {
                widgets::card(ui, theme::of(ui).private, |ui| {
                    let who = match last.role {
                        protocol::Role::Facilitator => l.pick("als facilitator", "as facilitator"),
                        protocol::Role::Player => l.pick("als deelnemer", "as participant"),
                        protocol::Role::Watcher => l.pick("als scherm voor de zaal", "as the room's screen"),
                    };
                    ui.label(
                        RichText::new(format!("{} {} {who}", l.pick("Je was in sessie", "You were in session"), last.code)).size(24.0),
                    );
                    if widgets::primary(ui, l.pick("Ga verder met die sessie", "Continue that session")) {
                        action = Some(Action::Resume { code: last.code.clone(), token: last.token.clone() });
                    }
                });
            }
            if matches!(form.start.tab, StartTab::Host | StartTab::Decks) {
                super::signin::card(ui, view, &mut action);
            }
            match form.start.tab {
                StartTab::Host => {
                    egui::ScrollArea::vertical().id_salt("host").show(ui, |ui| host(ui, view, form, &mut action));
                }
                StartTab::Join => {
                    ui.label(l.pick("Code van het scherm", "Code from the screen"));
                    ui.add(
                        egui::TextEdit::singleline(&mut form.start.code)
                            .font(egui::FontId::monospace(40.0))
                            .desired_width(260.0)
                            .char_limit(8),
                    );
                    ui.label(
                        l.pick("Naam (mag leeg blijven; niemand ziet wat je antwoordt)", "Name (optional; nobody sees what you answer)"),
                    );
                    ui.add(egui::TextEdit::singleline(&mut form.start.name).desired_width(420.0));
                    ui.label(l.pick("Team (mag leeg blijven)", "Team (optional)"));
                    ui.add(egui::TextEdit::singleline(&mut form.start.team).desired_width(420.0));
                    if widgets::primary(ui, l.pick("Doe mee", "Join")) {
                        action = Some(Action::Join {
                            code: form.start.code.trim().to_owned(),
                            name: opt(&form.start.name),
                            team: opt(&form.start.team),
                        });
                    }
                }
                StartTab::Decks => super::editor::list(ui, view, form, &mut action),
                StartTab::Watch => {
                    ui.label(l.pick("Code van de sessie", "Session code"));
                    ui.add(
                        egui::TextEdit::singleline(&mut form.start.code)
                            .font(egui::FontId::monospace(40.0))
                            .desired_width(260.0)
                            .char_limit(8),
                    );
                    if widgets::primary(ui, l.pick("Toon op het scherm", "Show on screen")) {
                        action = Some(Action::Watch { code: form.start.code.trim().to_owned() });
                    }
                }
            }
        })
    });
    action
}

fn host(ui: &mut egui::Ui, view: &ViewState, form: &mut Form, action: &mut Option<Action>) {
    let l = view.lang;
    if view.scenarios.is_empty() {
        ui.label(l.pick("Geen scenario's gevonden op deze server.", "No scenarios found on this server."));
        if ui.button(l.pick("Opnieuw laden", "Reload")).clicked() {
            *action = Some(Action::RefreshScenarios);
        }
        return;
    }
    ui.label(l.pick("Kies een scenario", "Choose a scenario"));
    let mut other_language = false;
    for s in decks_in_order(view) {
        if s.language != l.code() && !other_language {
            other_language = true;
            ui.add_space(6.0);
            ui.label(RichText::new(l.pick("In een andere taal", "In another language")).size(20.0).color(theme::of(ui).muted));
        }
        let selected = form.start.scenario.as_deref() == Some(s.id.as_str());
        let text = RichText::new(format!("{}   ({} items · {})", s.title, s.items, s.language)).size(26.0);
        if ui.selectable_label(selected, text).clicked() {
            form.start.scenario = Some(s.id.clone());
        }
        if !s.description.is_empty() {
            ui.label(RichText::new(s.description.trim()).size(18.0).color(theme::of(ui).muted));
        }
    }
    ui.add_space(8.0);
    ui.label(l.pick("Naam van de sessie (mag leeg blijven)", "Session name (optional)"));
    ui.horizontal_wrapped(|ui| {
        ui.add(egui::TextEdit::singleline(&mut form.start.title).desired_width(520.0));
        // A stricter room: no result of fewer people than this is shown, on any screen.
        ui.label(l.pick("Uitslag tonen vanaf", "Show a result from"));
        form.start.min_group = form.start.min_group.clamp(protocol::MinGroup::LEAST.get(), protocol::MinGroup::MOST);
        ui.add(egui::DragValue::new(&mut form.start.min_group).range(protocol::MinGroup::LEAST.get()..=protocol::MinGroup::MOST))
            .on_hover_text(l.pick(
                "Hoe meer, hoe moeilijker iemands keuze te herleiden is; 3 is het minste.",
                "The more, the harder anyone's choice is to trace; 3 is the least.",
            ));
        ui.label(l.pick("antwoorden", "answers"));
    });
}

/// The decks on offer as the start screen lists them: those in the app's language first; within
/// each language the decks this client led most sessions on (on this server) first, then the
/// bigger ones (the whole game before the shorter guides), then the server's order.
pub fn decks_in_order(view: &ViewState) -> Vec<&protocol::ScenarioSummary> {
    let led = |id: &str| view.led.iter().filter(|s| s.server == view.server && s.scenario == id).count();
    let mut decks: Vec<(usize, &protocol::ScenarioSummary)> = view.scenarios.iter().enumerate().collect();
    decks.sort_by_key(|(i, s)| (s.language != view.lang.code(), std::cmp::Reverse(led(&s.id)), std::cmp::Reverse(s.items), *i));
    decks.into_iter().map(|(_, s)| s).collect()
}

/// The chosen deck, "Vervolg op" (when this client led sessions on this server) and "Start de sessie".
fn start_bar(ui: &mut egui::Ui, view: &ViewState, form: &mut Form, earlier: &[crate::settings::LedSession], action: &mut Option<Action>) {
    let l = view.lang;
    let earlier: Vec<&crate::settings::LedSession> = earlier.iter().collect();
    // The start button above the follow-up choice: that choice's open list drops down over what is
    // below it, and a click beside an open list only closes it.
    ui.horizontal_wrapped(|ui| {
        if widgets::primary(ui, l.pick("Start de sessie", "Start the session"))
            && let Some(scenario) = form.start.scenario.clone()
        {
            let follows = form.start.follows.as_ref().and_then(|code| earlier.iter().find(|s| s.code == *code));
            let follows = follows.map(|s| protocol::FollowUp { code: s.code.clone(), token: s.token.clone() });
            let min_group = (form.start.min_group > protocol::MinGroup::LEAST.get()).then_some(form.start.min_group);
            *action = Some(Action::Host { scenario, title: opt(&form.start.title), follows, min_group });
        }
        if let Some(deck) = view.scenarios.iter().find(|s| Some(&s.id) == form.start.scenario.as_ref()) {
            ui.label(RichText::new(&deck.title).size(22.0).color(theme::of(ui).muted));
        }
    });
    if !earlier.is_empty() {
        follow_up_choice(ui, view, form, &earlier);
    }
}

/// "Vervolg op": the sessions this client led on this server, newest first, or none.
fn follow_up_choice(ui: &mut egui::Ui, view: &ViewState, form: &mut Form, earlier: &[&crate::settings::LedSession]) {
    let l = view.lang;
    let name = |s: &crate::settings::LedSession| format!("{} — {} ({})", s.title, widgets::day(&s.date, l), s.code);
    let none = l.pick("geen: een nieuwe reeks", "none: a new series");
    let chosen =
        form.start.follows.as_ref().and_then(|c| earlier.iter().find(|s| s.code == *c)).map_or_else(|| none.to_owned(), |s| name(s));
    ui.horizontal_wrapped(|ui| {
        ui.label(l.pick("Vervolg op", "Follow-up of"));
        egui::ComboBox::from_id_salt("follows").selected_text(chosen).width(520.0).show_ui(ui, |ui| {
            ui.selectable_value(&mut form.start.follows, None, none);
            for s in earlier {
                ui.selectable_value(&mut form.start.follows, Some(s.code.clone()), name(s));
            }
        });
    });
    if form.start.follows.is_some() {
        ui.label(
            RichText::new(l.pick(
                "De uitslag van toen komt naast die van nu, per stelling die in beide zit.",
                "Then's result appears beside now's, for each statement in both.",
            ))
            .color(theme::of(ui).muted),
        );
    }
}
