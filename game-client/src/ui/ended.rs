//! The end: thanks for everyone, and for the facilitator where the report is.

use bevy_egui::egui::{self, RichText};
use protocol::Role;

use super::{Action, stage, theme, widgets};
use crate::view::ViewState;

/// `report` says whether the facilitator's report is being saved, and where it went.
pub fn panel(ui: &mut egui::Ui, view: &ViewState, report: &crate::report::ReportStatus) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    // The projector's window never scrolls: it sizes itself to fit (see stage); other screens scroll.
    let watcher = view.role == Some(Role::Watcher);
    egui::CentralPanel::default().show(ui, |ui| {
        stage::fill_or_scroll(ui, watcher, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(if watcher { 24.0 } else { 80.0 });
                // The room is thanked; the facilitator is told where things stand.
                let heading = if view.role == Some(Role::Facilitator) {
                    l.pick("De sessie is afgelopen", "The session has ended")
                } else {
                    l.pick("Bedankt voor het meedoen!", "Thank you for taking part!")
                };
                ui.label(RichText::new(heading).size(56.0).strong());
                ui.add_space(16.0);
                ui.label(
                    RichText::new(l.pick(
                        "Wat neem je mee naar je volgende gesprek met een initiatiefnemer?",
                        "What will you take into your next conversation with an initiator?",
                    ))
                    .size(28.0)
                    .color(theme::of(ui).muted),
                );
                ui.add_space(30.0);
                let shifts = view.largest_shifts(3);
                if !shifts.is_empty() {
                    ui.label(RichText::new(l.pick("Wat het meest verschoof sinds toen", "What moved most since then")).size(32.0).strong());
                    for (statement, option, points) in &shifts {
                        ui.label(RichText::new(format!("{statement} — {option}: {}", widgets::shift(*points, l))).size(24.0));
                    }
                    ui.add_space(20.0);
                }
                if !view.agreements.is_empty() {
                    ui.label(RichText::new(l.pick("Jullie afspraken", "Your agreements")).size(32.0).strong());
                    let line = |ui: &mut egui::Ui, a: &protocol::AgreementView| {
                        ui.label(RichText::new(format!("{}. {}", a.number, a.text)).size(26.0))
                    };
                    // Many agreements stand in two or three columns on the projector.
                    if watcher && view.agreements.len() > 8 {
                        let n = if view.agreements.len() > 16 { 3 } else { 2 };
                        let per = view.agreements.len().div_ceil(n);
                        ui.columns(n, |cols| {
                            for (i, a) in view.agreements.iter().enumerate() {
                                line(&mut cols[i / per], a);
                            }
                        });
                    } else {
                        for a in &view.agreements {
                            line(ui, a);
                        }
                    }
                    ui.add_space(20.0);
                }
                if view.role == Some(Role::Facilitator) {
                    let code = view.code.as_deref().unwrap_or_default();
                    // Both reports stay on offer after either was saved; where the last one went is said below.
                    if report.saving_for(view.code.as_deref()) {
                        ui.label(RichText::new(l.pick("Bezig met het verslag…", "Writing the report…")).size(24.0));
                        // The app sleeps until something happens: look again soon.
                        ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
                    } else {
                        if widgets::primary(ui, l.pick("Bewaar het verslag (Markdown en CSV)", "Save the report (Markdown and CSV)")) {
                            action = Some(Action::SaveReport);
                        }
                        // A follow-up: the analysis group's report of the whole series, by theme, with charts.
                        if view.session.as_ref().is_some_and(|s| s.follows.is_some())
                            && ui
                                .button(l.pick(
                                    "Bewaar het verslag van de hele reeks (per thema, met grafieken)",
                                    "Save the report of the whole series (by theme, with charts)",
                                ))
                                .clicked()
                        {
                            action = Some(Action::SaveSeriesReport);
                        }
                    }
                    if let Some(path) = report.saved_for(view.code.as_deref()) {
                        ui.label(RichText::new(l.pick("Bewaard in:", "Saved in:")).size(24.0));
                        ui.label(RichText::new(path).monospace());
                    }
                    // Statements the room came up with, as a deck file a trainer can add to the scenarios.
                    let from_room =
                        view.session.as_ref().and_then(|s| s.items.as_ref()).is_some_and(|items| items.iter().any(|i| i.from_room));
                    if from_room
                        && !report.saving_for(view.code.as_deref())
                        && ui
                            .button(l.pick(
                                "Bewaar de stellingen uit de zaal als deck (voor trainers)",
                                "Save the statements from the room as a deck (for trainers)",
                            ))
                            .clicked()
                    {
                        action = Some(Action::SaveRoomDeck);
                    }
                    ui.add_space(10.0);
                    ui.label(
                        RichText::new(l.pick(
                            "Later nog nodig? De server bewaart de uitslagen; wie de server beheert, kan het verslag ook later maken.",
                            "Need it later? The server keeps the results; whoever runs the server can make the report later too.",
                        ))
                        .size(18.0)
                        .color(theme::of(ui).muted),
                    );
                    // The command itself is for whoever runs the server, folded away for the facilitator.
                    let id = ui.id().with("for-the-operator");
                    let open = ui.data(|d| d.get_temp::<bool>(id).unwrap_or(false));
                    if ui.link(RichText::new(l.pick("Voor de beheerder", "For whoever runs the server")).size(18.0)).clicked() {
                        ui.data_mut(|d| d.insert_temp(id, !open));
                    }
                    if open {
                        ui.label(RichText::new(format!("session-server export {code} --format md --db <workshop.db>")).monospace());
                    }
                }
                if let Some(e) = &view.error {
                    widgets::error_box(ui, e);
                }
                ui.add_space(20.0);
                if ui.button(l.pick("Terug naar het begin", "Back to the start")).clicked() {
                    action = Some(Action::Leave);
                }
            });
        });
    });
    action
}
