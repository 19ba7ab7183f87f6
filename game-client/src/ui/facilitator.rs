//! The facilitator's screen: the code and QR, the deck, the controls, live results and the discussion prompts.

use std::time::Instant;

use bevy_egui::egui::{self, RichText};
use protocol::{ControlAction, ItemKind, ItemView, Phase, fit};

use super::{Action, keys, theme, widgets};
use crate::view::ViewState;

fn short(item: &ItemView) -> String {
    let text = item.title.as_deref().or(item.statement.as_deref()).unwrap_or(&item.id);
    let mut s: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

pub fn panel(ui: &mut egui::Ui, view: &ViewState, form: &mut super::Form, now: Instant) -> Option<Action> {
    let l = view.lang;
    let session = view.session.as_ref()?;
    let mut action = None;
    let control = |a: ControlAction| Some(Action::Control { action: a, item: None });
    // Nothing can reach the server while the connection is down: the controls say so by being
    // greyed out (the banner above says why), instead of taking a click that goes nowhere.
    if view.is_offline() {
        ui.disable();
    }

    // Large text (or a small window) leaves fewer points: below these the QR code moves out of the
    // header, the prompts move under the result, and the deck list narrows.
    let size = ui.available_size();
    let (wide, tall) = (size.x >= 1200.0, size.y >= 700.0);
    // The join bar is a strip with the code: in the lobby the middle of the screen has the QR code
    // and the address in large; once the session has started latecomers can still type the code,
    // and the QR code comes on request, so the statement and its result stay above the fold.
    let started = session.index.is_some() || session.phase != Phase::Lobby;
    let strip = !(started && form.lead.show_qr);
    egui::Panel::top("header")
        .frame(egui::Frame::new().fill(theme::of(ui).surface).inner_margin(egui::Margin::same(if strip { 8 } else { 12 })))
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                if tall && !strip {
                    widgets::join_info(ui, &session.code, view, false);
                    ui.add_space(30.0);
                } else {
                    ui.label(RichText::new(l.pick("Code", "Code")).color(theme::of(ui).muted));
                    ui.label(RichText::new(&session.code).size(36.0).strong().monospace());
                    ui.add_space(16.0);
                }
                if started {
                    let label = if form.lead.show_qr {
                        l.pick("QR-code verbergen", "Hide the QR code")
                    } else {
                        l.pick("QR-code tonen", "Show the QR code")
                    };
                    if ui.button(label).clicked() {
                        form.lead.show_qr = !form.lead.show_qr;
                    }
                    ui.add_space(16.0);
                }
                // In the strip the title, what it follows and who is here stand on one line.
                let layout = if strip {
                    egui::Layout::left_to_right(egui::Align::Center).with_main_wrap(true)
                } else {
                    egui::Layout::top_down(egui::Align::Min)
                };
                ui.with_layout(layout, |ui| {
                    ui.label(RichText::new(&session.title).size(if strip { 24.0 } else { 28.0 }).strong());
                    // A follow-up says what it follows, all the time it runs.
                    if let Some(f) = &session.follows {
                        let said = match (l, f.gone) {
                            (crate::i18n::Lang::Nl, false) => format!("Vervolg op {} van {}", f.title, f.date),
                            (crate::i18n::Lang::En, false) => format!("Follow-up of {} of {}", f.title, f.date),
                            (crate::i18n::Lang::Nl, true) => "Vervolg op een sessie die niet meer bewaard is".to_owned(),
                            (crate::i18n::Lang::En, true) => "Follow-up of a session that is no longer kept".to_owned(),
                        };
                        ui.label(RichText::new(said).size(18.0).color(theme::of(ui).muted));
                    }
                    let people = match l {
                        crate::i18n::Lang::Nl => format!("{} deelnemers", session.participants),
                        crate::i18n::Lang::En => format!("{} participants", session.participants),
                    };
                    ui.label(RichText::new(people).size(if strip { 22.0 } else { 30.0 }));
                });
            });
        });

    let deck_width = if wide { 360.0 } else { (size.x * 0.3).clamp(160.0, 300.0) };
    egui::Panel::left("deck").resizable(false).exact_size(deck_width).show(ui, |ui| {
        ui.add_space(8.0);
        ui.label(RichText::new(l.pick("Stellingen en sketches", "Statements and sketches")).size(24.0).strong());
        if let Some(a) = statement_from_the_room(ui, view, form) {
            action = Some(a);
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, item) in session.items.iter().flatten().enumerate() {
                let current = session.index == Some(i);
                let icon = match item.kind {
                    ItemKind::Sketch => "🎭",
                    _ if item.from_room => "✍",
                    _ => "💬",
                };
                // Played in this session already: a tick, and the word, also for screen readers.
                let played = if item.played && !current { l.pick("  ✔ gespeeld", "  ✔ played") } else { "" };
                let text = RichText::new(format!("{}. {icon} {}{played}", i + 1, short(item))).size(19.0);
                if ui.selectable_label(current, text).on_hover_text(l.pick("Open dit item", "Open this item")).clicked() {
                    action = Some(Action::Control { action: ControlAction::Open, item: Some(item.id.clone()) });
                }
            }
        });
    });

    let item = session.item.as_ref();
    if wide {
        // Prompts, reasons and agreements can be longer than the window: they scroll.
        // A new item starts at the top of its prompts (the scroll position is the item's own), and
        // the scrollbar takes room of its own instead of lying over the text.
        egui::Panel::right("prompts").resizable(false).exact_size(380.0).show(ui, |ui| {
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::vertical().id_salt(("prompts", item.map(|i| i.id.as_str()))).show(ui, |ui| {
                ui.add_space(8.0);
                if let Some(a) = conversation(ui, item, view, form) {
                    action = Some(a);
                }
            });
        });
    }

    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            let Some(item) = item else {
                ui.add_space(30.0);
                ui.vertical_centered(|ui| {
                    widgets::join_info(ui, &session.code, view, true);
                    ui.add_space(20.0);
                    ui.label(
                        RichText::new(l.pick("Kies links een onderdeel om te beginnen.", "Pick an item on the left to begin.")).size(28.0),
                    );
                });
                return;
            };
            let phase_text = match session.phase {
                Phase::Scene => {
                    l.pick("De scène — de stelling erna gaat open als de tijd om is", "The scene — its statement opens when time is up")
                }
                Phase::Open => l.pick("Stemmen staat open", "Voting is open"),
                Phase::Closed => l.pick("Stemmen gesloten — uitslag nog verborgen", "Voting closed — result still hidden"),
                // Say what the room sees: also when that is "too few to show" or last time's result.
                Phase::Revealed => match view.tally.as_ref().filter(|t| t.item == item.id) {
                    Some(t) if t.withheld > 0 => {
                        l.pick("De zaal ziet: te weinig antwoorden om te tonen", "The room sees: too few answers to show")
                    }
                    Some(t) if t.held_back > 0 => l.pick("De zaal ziet de uitslag van de vorige keer", "The room sees last time's result"),
                    _ => l.pick("Uitslag zichtbaar voor iedereen", "Result shown to everyone"),
                },
                Phase::Lobby | Phase::Ended => "",
            };
            ui.label(
                RichText::new(format!("{} · {phase_text}", crate::i18n::part_of(l, session.index.unwrap_or(0) + 1, session.count)))
                    .color(theme::of(ui).muted),
            );
            if item.kind == ItemKind::Sketch {
                ui.label(RichText::new(item.title.as_deref().unwrap_or_default()).size(theme::statement()).family(theme::bold(ui.ctx())));
                widgets::card(ui, theme::of(ui).surface, |ui| {
                    ui.label(RichText::new(item.situation.as_deref().unwrap_or_default()).size(22.0))
                });
                ui.label(format!("{}: {}", l.pick("Rollen", "Roles"), item.roles.join(", ")));
                match view.remaining(now) {
                    Some(left) => widgets::countdown(ui, left, item.duration_s.unwrap_or(0), 56.0, l),
                    None => {
                        ui.label(
                            RichText::new(l.pick(
                                "Geef de spelers even om hun briefing te lezen.",
                                "Give the players a moment to read their briefing.",
                            ))
                            .color(theme::of(ui).muted),
                        );
                    }
                }
                if ui.checkbox(&mut form.sound, l.pick("Geluid als de tijd om is", "Sound when time is up")).changed() {
                    action = Some(Action::Sound(form.sound));
                }
            }
            // A sketch's statement waits for the scene on this screen too (it may be the projector),
            // unless the facilitator previews.
            if let Some(statement) = item.statement.as_ref().filter(|_| session.phase != Phase::Scene || session.preview) {
                ui.label(
                    RichText::new(statement)
                        .size(if item.kind == ItemKind::Sketch { 30.0 } else { theme::statement() })
                        .family(theme::bold(ui.ctx())),
                );
            } else if item.statement.is_some() {
                ui.label(
                    RichText::new(l.pick(
                        "De stelling na de scène verschijnt als de tijd om is.",
                        "The statement after the scene appears when time is up.",
                    ))
                    .color(theme::of(ui).muted),
                );
            }
            ui.add_space(8.0);
            // What the server would take now, by the protocol's own phase rules; each button shows its key.
            let allowed = |a: ControlAction| keys::allowed(session, a);
            // One primary button: the next step of this phase (the scene's timer, closing, revealing).
            let button = |ui: &mut egui::Ui, label: &str, primary: bool| {
                if primary { widgets::primary(ui, label) } else { ui.button(label).clicked() }
            };
            ui.horizontal_wrapped(|ui| {
                let running = view.remaining(now).is_some_and(|left| !left.is_zero());
                let timer_label =
                    if running { l.pick("Timer opnieuw", "Restart the timer") } else { l.pick("Start de timer", "Start the timer") };
                if allowed(ControlAction::StartTimer)
                    && button(ui, &keys::with_key(timer_label, keys::TIMER), session.phase == Phase::Scene && !running)
                {
                    action = control(ControlAction::StartTimer);
                }
                // The scene was over early: open its statement now, without waiting for the timer.
                if session.phase == Phase::Scene
                    && !item.options.is_empty()
                    && ui.button(l.pick("Open de stelling nu", "Open the statement now")).clicked()
                {
                    action = Some(Action::Control { action: ControlAction::Open, item: Some(item.id.clone()) });
                }
                // Closing is offered only where there is something to vote on.
                if allowed(ControlAction::Close)
                    && !item.options.is_empty()
                    && button(ui, &keys::with_key(l.pick("Sluit het stemmen", "Close voting"), keys::CLOSE), session.phase == Phase::Open)
                {
                    action = control(ControlAction::Close);
                }
                if allowed(ControlAction::Reveal)
                    && button(
                        ui,
                        &keys::with_key(l.pick("Toon de uitslag", "Show the result"), keys::REVEAL),
                        session.phase == Phase::Closed,
                    )
                {
                    action = control(ControlAction::Reveal);
                }
                // Here an item is open, so the next one is the one after it (N in the lobby opens the first).
                if let Some(next) = keys::next_item(session)
                    && ui.button(keys::with_key(l.pick("Volgende ▶", "Next ▶"), keys::NEXT)).clicked()
                {
                    action = Some(Action::Control { action: ControlAction::Open, item: Some(next) });
                }
                if allowed(ControlAction::End)
                    && ui.button(keys::with_key(l.pick("Beëindig de sessie", "End the session"), keys::END)).clicked()
                {
                    action = control(ControlAction::End);
                }
            });
            if let Some(e) = &view.error {
                widgets::error_box(ui, e);
            }
            if !item.options.is_empty() {
                let answered = match l {
                    crate::i18n::Lang::Nl => format!("{} van {} geantwoord", session.answered, session.participants.max(session.answered)),
                    crate::i18n::Lang::En => format!("{} of {} answered", session.answered, session.participants.max(session.answered)),
                };
                ui.label(RichText::new(answered).size(30.0).strong());
                // This screen is often the projector: before the reveal it shows how many answered,
                // and the result only to a facilitator who asks for a private preview.
                let mut preview = session.preview;
                let hint = l.pick(
                    "Alleen als dit scherm niet op de beamer staat: de uitslag is dan hier al te zien voordat je hem toont.",
                    "Only when this screen is not on the projector: the result then shows here before you reveal it.",
                );
                if session.phase != Phase::Revealed
                    && ui
                        .checkbox(&mut preview, l.pick("Voorproefje van de uitslag, alleen voor mij", "Preview the result, for me only"))
                        .on_hover_text(hint)
                        .changed()
                {
                    action = Some(Action::Preview(preview));
                }
                if session.phase == Phase::Revealed || session.preview {
                    widgets::bars(ui, &item.options, view.tally.as_ref(), None, session.min_group.get(), l);
                } else {
                    let text = l.pick("De uitslag blijft verborgen tot je hem toont.", "The result stays hidden until you show it.");
                    ui.label(RichText::new(text).size(22.0).color(theme::of(ui).muted));
                }
            }
            if item.kind == ItemKind::Sketch && !item.questions.is_empty() {
                ui.add_space(8.0);
                ui.label(
                    RichText::new(l.pick("De zaal ziet na het spel deze vragen.", "After the scene the room sees these questions."))
                        .color(theme::of(ui).muted),
                );
            }
            if !wide {
                ui.add_space(12.0);
                if let Some(a) = conversation(ui, Some(item), view, form) {
                    action = Some(a);
                }
            }
        })
    });
    action
}

/// A statement the room came up with, typed in and added to the end of the deck, to open like any other.
fn statement_from_the_room(ui: &mut egui::Ui, view: &ViewState, form: &mut super::Form) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    egui::CollapsingHeader::new(RichText::new(l.pick("Stelling uit de zaal", "Statement from the room")).size(19.0))
        .id_salt("from-the-room")
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(&mut form.lead.statement)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .char_limit(protocol::msg::STATEMENT_MAX_CHARS)
                    .hint_text(l.pick("De stelling in één zin", "The statement in one sentence")),
            );
            ui.add(egui::TextEdit::singleline(&mut form.lead.statement_options).desired_width(f32::INFINITY).hint_text(l.pick(
                "Antwoorden, zoals Ja / Nee (leeg: eens / oneens / hangt ervan af)",
                "Answers, like Yes / No (empty: agree / disagree / it depends)",
            )));
            if ui
                .add_enabled(!form.lead.statement.trim().is_empty(), egui::Button::new(l.pick("Voeg toe aan de lijst", "Add to the list")))
                .clicked()
            {
                let options = form.lead.statement_options.split('/').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
                form.lead.statement_options.clear();
                action = Some(Action::AddStatement { statement: std::mem::take(&mut form.lead.statement), options });
            }
        });
    action
}

/// What the facilitator needs for the conversation: the prompts and the room's reasons for the
/// item on screen, then the agreements. Beside the result in a wide window, under it otherwise.
fn conversation(ui: &mut egui::Ui, item: Option<&ItemView>, view: &ViewState, form: &mut super::Form) -> Option<Action> {
    let mut action = None;
    if let Some(item) = item {
        prompts(ui, item, view);
        action = extras(ui, item, view);
    }
    ui.add_space(16.0);
    agreements(ui, view, form).or(action)
}

/// The group's agreements: write one (about the item on screen, or about none), see them, take one back.
fn agreements(ui: &mut egui::Ui, view: &ViewState, form: &mut super::Form) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    ui.label(RichText::new(l.pick("Afspraken", "Agreements")).size(24.0).strong());
    for a in &view.agreements {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}. {}", a.number, a.text)).size(20.0));
            let take_back = format!("{} {}", l.pick("Haal afspraak weg", "Take back agreement"), a.number);
            if ui.small_button("×").on_hover_text(&take_back).clicked() {
                action = Some(Action::DropAgreement(a.number));
            }
        });
    }
    let max = protocol::msg::AGREEMENT_MAX_CHARS;
    ui.add(
        egui::TextEdit::multiline(&mut form.lead.agreement)
            .desired_rows(2)
            .desired_width(f32::INFINITY)
            .char_limit(max)
            .hint_text(l.pick("Wat spreken jullie af? In één zin, zonder namen.", "What do you agree? One sentence, no names.")),
    );
    let on_screen = view.item().map(|i| i.id.clone());
    if on_screen.is_some() {
        let mut about = !form.lead.agreement_loose;
        ui.checkbox(&mut about, l.pick("hoort bij deze stelling", "about this statement"));
        form.lead.agreement_loose = !about;
    }
    if ui
        .add_enabled(!form.lead.agreement.trim().is_empty(), egui::Button::new(l.pick("Leg de afspraak vast", "Record the agreement")))
        .clicked()
    {
        let item = on_screen.filter(|_| !form.lead.agreement_loose);
        action = Some(Action::Agreement { text: std::mem::take(&mut form.lead.agreement), item });
    }
    action
}

/// What the item asks of players besides the answer (switchable here), and the reasons they gave:
/// grouped by option, in the server's random order, without names; one can go on the projector.
fn extras(ui: &mut egui::Ui, item: &ItemView, view: &ViewState) -> Option<Action> {
    let l = view.lang;
    if item.options.is_empty() {
        return None;
    }
    let mut action = None;
    ui.add_space(10.0);
    let (mut predict, mut reasons) = (item.predict, item.reasons);
    let a = ui.checkbox(&mut predict, l.pick("Laat de zaal de uitslag raden", "Let the room guess the result"));
    let b = ui.checkbox(&mut reasons, l.pick("Vraag om een reden (anoniem)", "Ask for a reason (anonymous)"));
    if a.changed() || b.changed() {
        action = Some(Action::Ask { item: item.id.clone(), predict, reasons });
    }
    let Some((_, groups, withheld)) = view.room_reasons.as_ref().filter(|(i, _, _)| *i == item.id && item.reasons) else { return action };
    ui.add_space(8.0);
    ui.label(RichText::new(l.pick("Redenen", "Reasons")).size(24.0).strong());
    if *withheld > 0 {
        let k = view.session.as_ref().map_or(protocol::MinGroup::LEAST.get(), |s| s.min_group.get());
        let text = match l {
            crate::i18n::Lang::Nl => format!("{withheld} reden(en); te tonen vanaf {k} antwoorden, anders is te herleiden wie wat koos."),
            crate::i18n::Lang::En => format!("{withheld} reason(s); shown from {k} answers, or who chose what could be traced."),
        };
        ui.label(RichText::new(text).color(theme::of(ui).muted));
    }
    let session = view.session.as_ref();
    let closed = session.is_some_and(|s| matches!(s.phase, Phase::Closed | Phase::Revealed));
    let on_screen = view.shown.as_ref().filter(|s| s.item == item.id);
    for g in groups.iter().filter(|g| !g.reasons.is_empty()) {
        let label = item.options.iter().find(|o| o.id == g.option).map_or(g.option.as_str(), |o| o.label.as_str());
        ui.label(RichText::new(label).size(20.0).strong());
        for r in &g.reasons {
            ui.horizontal_wrapped(|ui| {
                let up = on_screen.is_some_and(|s| s.text == r.text && s.option == g.option);
                if up {
                    if ui.button(l.pick("Van het scherm", "Take down")).clicked() {
                        action = Some(Action::ShowReason(None));
                    }
                } else {
                    let hint = l.pick("Kan zodra het stemmen gesloten is", "Possible once voting is closed");
                    if ui
                        .add_enabled(closed, egui::Button::new(l.pick("Op het scherm", "On screen")))
                        .on_disabled_hover_text(hint)
                        .clicked()
                    {
                        action = Some(Action::ShowReason(Some(r.id.clone())));
                    }
                }
                ui.label(RichText::new(format!("“{}”", r.text)).size(19.0));
            });
        }
        if g.more > 0 {
            ui.label(RichText::new(format!("{} {}", l.pick("en nog", "and"), g.more)).color(theme::of(ui).muted));
        }
    }
    action
}

/// The prompts for the conversation, those that fit the result first with why, and the item's themes.
fn prompts(ui: &mut egui::Ui, item: &ItemView, view: &ViewState) {
    let l = view.lang;
    ui.label(RichText::new(l.pick("Vragen voor het gesprek", "Questions for the conversation")).size(24.0).strong());
    let language = view.session.as_ref().map_or("nl", |s| s.language.as_str());
    let found = view.tally.as_ref().filter(|t| t.item == item.id).map(|t| fit::shapes(t, &item.options, language)).unwrap_or_default();
    let texts = item.prompts.as_deref().unwrap_or_default();
    let tagged = |i: usize| item.prompt_fits.get(i).filter(|tags| !tags.is_empty());
    let has_result = view.tally.as_ref().is_some_and(|t| t.item == item.id && t.total > 0);
    let mut other = Vec::new();
    for (i, shape) in fit::order(texts.len(), &item.prompt_fits, &found) {
        match shape.and_then(|s| found.iter().find(|f| f.shape == s)) {
            Some(f) => {
                ui.label(RichText::new(format!("★ {}", texts[i])).size(21.0).strong());
                let why = format!("{} {}", l.pick("past bij de uitslag —", "fits the result —"), f.why);
                ui.indent(i, |ui| ui.label(RichText::new(why).size(17.0).color(theme::of(ui).muted)));
            }
            // Written for another shape of result than this one: after the rest, set apart.
            None if has_result && tagged(i).is_some() => other.push(i),
            None => {
                ui.label(RichText::new(format!("• {}", texts[i])).size(21.0));
            }
        }
    }
    if !other.is_empty() {
        ui.add_space(6.0);
        ui.label(RichText::new(l.pick("Voor een andere uitslag", "For another result")).size(18.0).color(theme::of(ui).muted));
        for i in other {
            let shapes: Vec<&str> = tagged(i).into_iter().flatten().map(|s| s.name(language)).collect();
            ui.label(RichText::new(format!("– {} ({})", texts[i], shapes.join(", "))).size(18.0).color(theme::of(ui).muted));
        }
    }
    if !item.themes.is_empty() {
        ui.add_space(10.0);
        ui.label(RichText::new(format!("{}: {}", l.pick("Thema's", "Themes"), item.themes.join(", "))).color(theme::of(ui).muted));
    }
}
