//! What players and the projector see: waiting, the statement with answer buttons or a sketch, and the result.

use std::time::Instant;

use bevy_egui::egui::{self, RichText};
use protocol::{ItemKind, Phase, Role};

use super::{Action, stage, theme, widgets};
use crate::view::ViewState;

pub fn panel(ui: &mut egui::Ui, view: &ViewState, form: &mut super::Form, now: Instant) -> Option<Action> {
    let l = view.lang;
    let session = view.session.as_ref()?;
    let player = view.role == Some(Role::Player);
    let big = !player;
    let mut action = None;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.add_space(if big { 12.0 } else { 24.0 });
        // The projector never scrolls: it draws everything and sizes itself to fit.
        stage::fill_or_scroll(ui, view.role == Some(Role::Watcher), |ui| {
            widgets::column(ui, if big { 1400.0 } else { 1000.0 }, |ui| {
                let Some(item) = session.item.as_ref() else {
                    ui.vertical_centered(|ui| {
                        ui.add_space(40.0);
                        ui.label(RichText::new(&session.title).size(40.0).family(theme::bold(ui.ctx())));
                        ui.add_space(20.0);
                        if player {
                            ui.label(
                                RichText::new(l.pick("Welkom! Wacht op de facilitator…", "Welcome! Waiting for the facilitator…"))
                                    .size(32.0),
                            );
                            ui.label(
                                RichText::new(l.pick(
                                    "Er zijn geen goede of foute antwoorden, en niemand ziet wat jij kiest.",
                                    "There are no right or wrong answers, and nobody sees what you choose.",
                                ))
                                .size(22.0)
                                .color(theme::of(ui).muted),
                            );
                        } else {
                            widgets::join_info(ui, &session.code, view, true);
                            ui.label(
                                RichText::new(format!("{} {}", session.participants, l.pick("deelnemers", "participants"))).size(32.0),
                            );
                        }
                    });
                    return;
                };
                let part = RichText::new(crate::i18n::part_of(l, session.index.unwrap_or(0) + 1, session.count)).color(theme::of(ui).muted);
                if view.role == Some(Role::Watcher) {
                    // Whoever comes in late can still join: the code and a small QR code in the corner.
                    ui.horizontal(|ui| {
                        ui.label(part);
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| widgets::latecomers(ui, &session.code, view));
                    });
                } else {
                    ui.label(part);
                }
                if item.kind == ItemKind::Sketch {
                    ui.label(
                        RichText::new(item.title.as_deref().unwrap_or_default())
                            .size(if big { 52.0 } else { 36.0 })
                            .family(theme::bold(ui.ctx())),
                    );
                    if let Some(card) = view.role_card.as_ref().filter(|c| c.item == item.id) {
                        widgets::card(ui, theme::of(ui).private, |ui| {
                            ui.label(RichText::new(format!("{} {}", l.pick("Jouw rol:", "Your role:"), card.role)).size(30.0).strong());
                            ui.label(RichText::new(&card.briefing).size(24.0));
                            ui.label(
                                RichText::new(l.pick("Alleen jij ziet deze briefing.", "Only you see this briefing."))
                                    .color(theme::of(ui).muted),
                            );
                        });
                    } else if player {
                        ui.label(
                            RichText::new(l.pick("Jij kijkt deze keer toe.", "This time you are in the audience."))
                                .color(theme::of(ui).muted),
                        );
                    }
                    widgets::card(ui, theme::of(ui).surface, |ui| {
                        ui.label(RichText::new(item.situation.as_deref().unwrap_or_default()).size(if big { 30.0 } else { 24.0 }))
                    });
                    let left = view.remaining(now);
                    if let Some(left) = left {
                        widgets::countdown(ui, left, item.duration_s.unwrap_or(0), if big { 120.0 } else { 64.0 }, l);
                    }
                    // The scene is over (its time is up, or the facilitator opened its statement early): discuss.
                    let over = left.map_or(session.phase != Phase::Scene, |left| left.is_zero());
                    if over && !item.questions.is_empty() {
                        ui.label(RichText::new(l.pick("Bespreek samen", "Discuss together")).size(26.0).strong());
                        for q in &item.questions {
                            ui.label(RichText::new(format!("• {q}")).size(24.0));
                        }
                    }
                }
                // While the scene is played the room watches; the follow-up statement comes after.
                let playing = view.remaining(now).is_some_and(|left| !left.is_zero());
                // During the scene (and while its countdown runs) the statement waits.
                if let Some(statement) = item.statement.as_ref().filter(|_| !playing && session.phase != Phase::Scene) {
                    ui.add_space(8.0);
                    ui.label(RichText::new(statement).size(if big { 52.0 } else { 34.0 }).family(theme::bold(ui.ctx())));
                    ui.add_space(12.0);
                    if item.kind == ItemKind::Question {
                        let text = l.pick(
                            "Een open vraag: bespreek hem samen. Er valt niets te kiezen.",
                            "An open question: discuss it together. There is nothing to choose.",
                        );
                        ui.label(RichText::new(text).size(if big { 30.0 } else { 24.0 }).color(theme::of(ui).muted));
                    } else {
                        match session.phase {
                            Phase::Revealed => {
                                widgets::bars(ui, &item.options, view.tally.as_ref(), view.my_choice(), session.min_group.get(), l)
                            }
                            Phase::Open if player => {
                                for (i, o) in item.options.iter().enumerate() {
                                    if widgets::option_button(ui, &o.label, i, view.my_choice() == Some(o.id.as_str()), !view.is_offline())
                                    {
                                        action = Some(Action::Answer { item: item.id.clone(), option: o.id.clone() });
                                    }
                                }
                                let note = match (&view.pending, view.mine.contains_key(&item.id)) {
                                    (Some(_), _) => l.pick("Bezig met opslaan…", "Saving…"),
                                    (None, true) => l.pick(
                                        "Je antwoord is opgeslagen. Je kunt het nog wijzigen.",
                                        "Your answer is saved. You can still change it.",
                                    ),
                                    (None, false) => l.pick(
                                        "Kies wat het dichtst bij jou ligt (ook met de toetsen 1, 2, 3…).",
                                        "Choose what is closest to you (also with the keys 1, 2, 3…).",
                                    ),
                                };
                                ui.label(RichText::new(note).color(theme::of(ui).muted));
                                if view.mine.contains_key(&item.id)
                                    && let Some(a) = extras(ui, view, item, form)
                                {
                                    action = Some(a);
                                }
                            }
                            Phase::Closed if player => {
                                for (i, o) in item.options.iter().enumerate() {
                                    widgets::option_button(ui, &o.label, i, view.my_choice() == Some(o.id.as_str()), false);
                                }
                                ui.label(
                                    RichText::new(
                                        l.pick("Stemmen is gesloten; wacht op de uitslag.", "Voting is closed; wait for the result."),
                                    )
                                    .color(theme::of(ui).muted),
                                );
                            }
                            _ => {
                                let answered = format!("{} {}", session.answered, l.pick("antwoorden", "answers"));
                                ui.label(RichText::new(answered).size(36.0).color(theme::of(ui).muted));
                            }
                        }
                    }
                } else if !playing && (item.kind == ItemKind::Dilemma || session.phase == Phase::Closed) {
                    ui.label(RichText::new(l.pick("Wacht op de facilitator…", "Waiting for the facilitator…")).color(theme::of(ui).muted));
                }
                if let Some(shown) = view.shown.as_ref().filter(|s| s.item == item.id) {
                    widgets::shown_reason(ui, shown, item, big, l);
                }
                if let Some(e) = &view.error {
                    widgets::error_box(ui, e);
                }
            });
        });
    });
    action
}

/// After answering: the guess of the room's result and the reason, when the item asks for them.
fn extras(ui: &mut egui::Ui, view: &ViewState, item: &protocol::ItemView, form: &mut super::Form) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    if let Some(first) = item.options.first().filter(|_| item.predict) {
        ui.add_space(16.0);
        let stored = view.guesses.get(&item.id).copied();
        let mut guess = form.play.guess.as_ref().filter(|(i, _)| *i == item.id).map(|(_, g)| *g).or(stored).unwrap_or(50);
        let question = match l {
            crate::i18n::Lang::Nl => format!("Wat denk je: hoeveel procent van de zaal koos '{}'?", first.label),
            crate::i18n::Lang::En => format!("What do you think: what share of the room chose '{}'?", first.label),
        };
        ui.label(RichText::new(question).size(24.0).strong());
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().slider_width = 300.0;
            if ui.add(egui::Slider::new(&mut guess, 0..=100).suffix("%").text(l.pick("jouw schatting", "your guess"))).changed() {
                form.play.guess = Some((item.id.clone(), guess));
            }
            let label = if stored.is_some() {
                l.pick("Wijzig je schatting", "Change your guess")
            } else {
                l.pick("Geef je schatting", "Send your guess")
            };
            if ui.add_enabled(stored != Some(guess), egui::Button::new(RichText::new(label).size(22.0))).clicked() {
                action = Some(Action::Predict { item: item.id.clone(), percent: guess });
            }
        });
        if let Some(g) = stored {
            let text = match l {
                crate::i18n::Lang::Nl => format!("Je schatting ({g}%) is opgeslagen. Na de uitslag zie je wat de zaal gemiddeld dacht."),
                crate::i18n::Lang::En => format!("Your guess ({g}%) is saved. After the result you see what the room thought on average."),
            };
            ui.label(RichText::new(text).color(theme::of(ui).muted));
        }
    }
    if item.reasons {
        ui.add_space(16.0);
        ui.label(RichText::new(l.pick("Waarom koos je dit? (mag, hoeft niet)", "Why did you choose this? (optional)")).size(24.0).strong());
        let stored = view.reasons.get(&item.id);
        if let Some(text) = stored {
            ui.label(RichText::new(format!("{} “{text}”", l.pick("Je reden:", "Your reason:"))).size(22.0));
        }
        ui.add(
            egui::TextEdit::singleline(&mut form.play.reason)
                .char_limit(protocol::msg::REASON_MAX_CHARS)
                .desired_width(f32::INFINITY)
                .hint_text(l.pick("In één zin. Niemand ziet dat hij van jou is.", "One sentence. Nobody sees it is yours.")),
        );
        ui.horizontal_wrapped(|ui| {
            let label = if stored.is_some() {
                l.pick("Wijzig je reden", "Change your reason")
            } else {
                l.pick("Geef je reden", "Send your reason")
            };
            if ui.add_enabled(!form.play.reason.trim().is_empty(), egui::Button::new(RichText::new(label).size(22.0))).clicked() {
                action = Some(Action::Reason { item: item.id.clone(), text: Some(std::mem::take(&mut form.play.reason)) });
            }
            if stored.is_some() && ui.button(RichText::new(l.pick("Haal je reden weg", "Withdraw your reason")).size(22.0)).clicked() {
                action = Some(Action::Reason { item: item.id.clone(), text: None });
            }
        });
        ui.label(
            RichText::new(l.pick(
                "De facilitator ziet de redenen zonder namen en kan er een op het scherm zetten.",
                "The facilitator sees the reasons without names and may put one on the screen.",
            ))
            .color(theme::of(ui).muted),
        );
    }
    action
}
