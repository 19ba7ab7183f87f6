//! The pieces every screen uses: result bars, the countdown, the QR code, option buttons, notices.

use std::time::Duration;

use bevy_egui::egui::{self, Color32, RichText, Sense, Stroke, vec2};
use protocol::{OptionView, Tally};
use qrcode::{Color, QrCode};

use super::theme;
use crate::i18n::Lang;
use crate::view::ViewState;

/// Horizontal bars, one per option, with percentage and count; they grow smoothly as answers come in.
/// `mine` marks this player's own choice. Without a tally every bar is empty. In a follow-up the
/// earlier session's result is drawn under each bar, with the shift in points.
/// The result as bars; `k` is the room's minimum group (no result of fewer people is shown).
pub fn bars(ui: &mut egui::Ui, options: &[OptionView], tally: Option<&Tally>, mine: Option<&str>, k: u32, lang: Lang) {
    let earlier = tally.and_then(|t| t.earlier.as_deref());
    if let Some(e) = earlier {
        let day = day(&e.date, lang);
        let text = match (lang, e.withheld > 0) {
            (Lang::Nl, false) => format!("Nu, en eronder toen ({day}, {} antwoorden)", e.total),
            (Lang::En, false) => format!("Now, and below it then ({day}, {} answers)", e.total),
            (Lang::Nl, true) => format!("Toen ({day}) waren er te weinig antwoorden om te tonen."),
            (Lang::En, true) => format!("Then ({day}) there were too few answers to show."),
        };
        ui.label(RichText::new(text).size(22.0).color(theme::of(ui).muted));
    }
    if let Some(n) = tally.map(|t| t.withheld).filter(|n| *n > 0) {
        let text = match lang {
            Lang::Nl => format!(
                "{n} antwoord(en): te weinig om te tonen. Een uitslag staat er pas vanaf {k} antwoorden, zodat niemands keuze te herleiden is."
            ),
            Lang::En => format!("{n} answer(s): too few to show. A result appears from {k} answers, so nobody's choice can be traced."),
        };
        ui.label(RichText::new(text).size(26.0));
        return;
    }
    if let Some(n) = tally.map(|t| t.held_back).filter(|n| *n > 0) {
        let text = match lang {
            Lang::Nl => format!(
                "Dit is de uitslag van de vorige keer: {n} nieuw(e) antwoord(en) is te weinig om mee te tellen, anders is te herleiden wie wat koos."
            ),
            Lang::En => {
                format!("This is the result of last time: {n} new answer(s) are too few to count in, or who chose what could be traced.")
            }
        };
        ui.label(RichText::new(text).size(22.0).color(theme::of(ui).muted));
    }
    let earlier = earlier.filter(|e| e.withheld == 0);
    let label_width = 260.0_f32.min(ui.available_width() * 0.3);
    // Room right of the bars for "57% (12)", or for "toen 47%  −28 punten" in a follow-up; both
    // bars of an option are equally long, so their lengths compare.
    let right = if earlier.is_some() { 290.0 } else { 190.0 };
    for (i, option) in options.iter().enumerate() {
        let pct = tally.and_then(|t| t.percentages.get(&option.id)).copied().unwrap_or(0);
        let count = tally.and_then(|t| t.counts.get(&option.id)).copied().unwrap_or(0);
        let shown = ui.ctx().animate_value_with_time(ui.id().with(("bar", &option.id)), pct as f32, 0.5);
        ui.horizontal(|ui| {
            let mine = mine == Some(option.id.as_str());
            let text = if mine { format!("✔ {}", option.label) } else { option.label.clone() };
            ui.allocate_ui_with_layout(vec2(label_width, 44.0), egui::Layout::left_to_right(egui::Align::Center), |ui| {
                ui.set_min_width(label_width);
                number(ui, i);
                ui.add(egui::Label::new(RichText::new(text).size(26.0).strong()).truncate());
            });
            let width = (ui.available_width() - right).max(80.0);
            let (rect, _) = ui.allocate_exact_size(vec2(width, 40.0), Sense::hover());
            ui.painter().rect_filled(rect, 8.0, theme::of(ui).track);
            ui.painter().rect_stroke(rect, 8.0, Stroke::new(1.0, theme::of(ui).border), egui::StrokeKind::Inside);
            let mut filled = rect;
            filled.set_width(rect.width() * shown / 100.0);
            ui.painter().rect_filled(filled, 8.0, theme::of(ui).option(i));
            if mine {
                ui.painter().rect_stroke(rect, 8.0, Stroke::new(3.0, theme::of(ui).ink), egui::StrokeKind::Outside);
            }
            ui.label(RichText::new(format!("{pct}%")).size(30.0).strong());
            ui.label(RichText::new(format!("({count})")).size(20.0).color(theme::of(ui).muted));
        });
        if let Some(e) = earlier {
            let then = e.percentages.get(&option.id).copied().unwrap_or(0);
            ui.horizontal(|ui| {
                ui.add_space(label_width + ui.spacing().item_spacing.x);
                let width = (ui.available_width() - right).max(80.0);
                let (rect, _) = ui.allocate_exact_size(vec2(width, 14.0), Sense::hover());
                ui.painter().rect_filled(rect, 4.0, theme::of(ui).track);
                let mut filled = rect;
                filled.set_width(rect.width() * then as f32 / 100.0);
                ui.painter().rect_filled(filled, 4.0, theme::of(ui).then);
                let shift = e.shift.get(&option.id).map(|s| format!("  {}", shift(*s, lang))).unwrap_or_default();
                ui.label(RichText::new(format!("{} {then}%{shift}", lang.pick("toen", "then"))).size(20.0));
            });
        }
    }
    if let Some(t) = tally
        && let Some(p) = &t.prediction
        && let Some(option) = options.iter().find(|o| o.id == p.option)
    {
        let real = t.percentages.get(&p.option).copied().unwrap_or(0);
        let label = option.label.to_lowercase();
        let text = match lang {
            Lang::Nl => format!("We dachten: {}% {label}. Het werd {real}%.", p.average),
            Lang::En => format!("We thought: {}% {label}. It was {real}%.", p.average),
        };
        ui.add_space(6.0);
        ui.label(RichText::new(text).size(28.0).strong());
    }
    if let Some(t) = tally.filter(|t| !t.teams.is_empty()) {
        ui.add_space(6.0);
        let heading = match lang {
            Lang::Nl => format!("Per team (vanaf {k} antwoorden)"),
            Lang::En => format!("Per team (from {k} answers)"),
        };
        ui.label(RichText::new(heading).color(theme::of(ui).muted));
        ui.label(
            RichText::new(lang.pick(
                "Soms ontbreekt ook een team met genoeg antwoorden: anders is te herleiden wat de rest koos.",
                "Sometimes a team with enough answers is left out too: otherwise what the others chose could be traced.",
            ))
            .size(18.0)
            .color(theme::of(ui).muted),
        );
        for (team, tt) in &t.teams {
            ui.label(RichText::new(format!("{team} ({})", tt.total)).strong());
            team_bar(ui, options, tt);
        }
    }
}

/// An option's number in a circle of its colour, as on the pages: told apart by more than colour.
fn number(ui: &mut egui::Ui, i: usize) {
    let (rect, _) = ui.allocate_exact_size(vec2(30.0, 30.0), Sense::hover());
    let p = theme::of(ui);
    ui.painter().circle_filled(rect.center(), 15.0, p.option(i));
    ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, (i % 6 + 1).to_string(), egui::FontId::proportional(18.0), p.accent_ink);
}

/// One team's result as one bar split by option in the options' colours, the shares written in the
/// parts wide enough for them and all of them in its text for screen readers.
fn team_bar(ui: &mut egui::Ui, options: &[OptionView], team: &protocol::TeamTally) {
    let said: Vec<String> = options.iter().map(|o| format!("{} {}%", o.label, team.percentages.get(&o.id).copied().unwrap_or(0))).collect();
    let width = ui.available_width().min(700.0);
    let (rect, response) = ui.allocate_exact_size(vec2(width, 30.0), Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, said.join(", ")));
    let p = theme::of(ui);
    ui.painter().rect_filled(rect, 6.0, p.track);
    let mut left = rect.left();
    for (i, o) in options.iter().enumerate() {
        let pct = team.percentages.get(&o.id).copied().unwrap_or(0);
        let part = egui::Rect::from_min_size(egui::pos2(left, rect.top()), vec2(rect.width() * pct as f32 / 100.0, rect.height()));
        left = part.right();
        if pct == 0 {
            continue;
        }
        ui.painter().rect_filled(part, 0.0, p.option(i));
        if pct >= 15 {
            ui.painter().text(
                part.center(),
                egui::Align2::CENTER_CENTER,
                format!("{pct}%"),
                egui::FontId::proportional(18.0),
                p.accent_ink,
            );
        }
    }
    ui.painter().rect_stroke(rect, 6.0, Stroke::new(1.0, p.border), egui::StrokeKind::Inside);
}

/// The reason the facilitator put on the projector, with the option its writer chose; never who.
pub fn shown_reason(ui: &mut egui::Ui, shown: &protocol::ShownReason, item: &protocol::ItemView, big: bool, lang: Lang) {
    let label = item.options.iter().find(|o| o.id == shown.option).map_or(shown.option.as_str(), |o| o.label.as_str());
    ui.add_space(12.0);
    card(ui, theme::of(ui).surface, |ui| {
        ui.label(RichText::new(format!("“{}”", shown.text)).size(if big { 40.0 } else { 28.0 }).italics());
        let who = match lang {
            Lang::Nl => format!("— een reden bij '{label}'"),
            Lang::En => format!("— a reason for '{label}'"),
        };
        ui.label(RichText::new(who).size(if big { 26.0 } else { 20.0 }).color(theme::of(ui).muted));
    });
}

/// `2026-08-29` as the screen's language writes a day.
pub fn day(iso: &str, lang: Lang) -> String {
    match (lang, iso.split('-').collect::<Vec<_>>().as_slice()) {
        (Lang::Nl, [y, m, d]) => format!("{d}-{m}-{y}"),
        _ => iso.to_owned(),
    }
}

/// A change in percentage points, with its sign spelled out (−42 punten, +17 punten, gelijk).
pub fn shift(points: i32, lang: Lang) -> String {
    if points == 0 {
        return lang.pick("gelijk", "same").to_owned();
    }
    let unit = if points.abs() == 1 { lang.pick("punt", "point") } else { lang.pick("punten", "points") };
    format!("{}{} {unit}", if points > 0 { "+" } else { "−" }, points.abs())
}

/// A big mm:ss with a bar that empties as the scene is played; at zero it says that time is up.
pub fn countdown(ui: &mut egui::Ui, remaining: Duration, duration_s: u32, size: f32, lang: Lang) {
    let secs = remaining.as_secs_f32().ceil() as u32;
    // The last ten seconds are said in words as well as colour.
    let (colour, words) = match secs {
        0 => (theme::of(ui).ink, Some(lang.pick("Tijd is om", "Time is up"))),
        1..=10 => (theme::of(ui).warning, Some(lang.pick("nog even", "almost"))),
        _ => (theme::of(ui).ink, None),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("{}:{:02}", secs / 60, secs % 60)).size(size).strong().color(colour));
        if let Some(words) = words {
            ui.label(RichText::new(words).size(size * 0.6).strong());
        }
    });
    let fraction = if duration_s == 0 { 0.0 } else { remaining.as_secs_f32() / duration_s as f32 };
    ui.add(egui::ProgressBar::new(fraction.clamp(0.0, 1.0)).desired_height(12.0).fill(theme::of(ui).accent));
    // The app otherwise sleeps until something happens: a running countdown wakes it for the next second.
    if !remaining.is_zero() {
        let to_next_second = Duration::from_secs_f32(remaining.as_secs_f32().fract().max(0.05));
        ui.ctx().request_repaint_after(to_next_second);
    }
}

/// The QR code of `text`, drawn module by module (no image decoding needed).
pub fn qr(ui: &mut egui::Ui, text: &str, size: f32) {
    let Ok(code) = QrCode::new(text.as_bytes()) else { return };
    let width = code.width();
    let quiet = 2;
    let modules = (width + 2 * quiet) as f32;
    let (rect, _) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    ui.painter().rect_filled(rect, 4.0, Color32::WHITE);
    let cell = size / modules;
    for (i, colour) in code.to_colors().iter().enumerate() {
        if *colour == Color::Dark {
            let (x, y) = ((i % width + quiet) as f32, (i / width + quiet) as f32);
            let min = rect.min + vec2(x * cell, y * cell);
            ui.painter().rect_filled(egui::Rect::from_min_size(min, vec2(cell + 0.5, cell + 0.5)), 0.0, Color32::BLACK);
        }
    }
}

/// A full-width answer button; the chosen one is filled and ticked.
pub fn option_button(ui: &mut egui::Ui, label: &str, index: usize, chosen: bool, enabled: bool) -> bool {
    let colour = theme::of(ui).option(index);
    let text = if chosen { format!("✔  {label}") } else { label.to_owned() };
    let (fill, ink) = if chosen { (colour, Color32::WHITE) } else { (theme::of(ui).surface, theme::of(ui).ink) };
    let button = egui::Button::new(RichText::new(text).size(30.0).strong().color(ink))
        .fill(fill)
        .stroke(Stroke::new(3.0, colour))
        .corner_radius(14.0)
        .min_size(vec2(ui.available_width(), 72.0));
    ui.add_enabled(enabled, button).clicked()
}

/// A primary action: accent-coloured, large.
pub fn primary(ui: &mut egui::Ui, label: &str) -> bool {
    let button = egui::Button::new(RichText::new(label).size(26.0).strong().color(Color32::WHITE))
        .fill(theme::of(ui).accent)
        .corner_radius(12.0)
        .min_size(vec2(0.0, 52.0));
    ui.add(button).clicked()
}

pub fn error_box(ui: &mut egui::Ui, message: &str) {
    egui::Frame::new().fill(theme::of(ui).error_bg).corner_radius(10.0).inner_margin(egui::Margin::same(14)).show(ui, |ui| {
        ui.label(RichText::new(message).color(theme::of(ui).error_ink).size(22.0));
    });
}

/// A card with a coloured background, for a situation or a private briefing.
pub fn card<R>(ui: &mut egui::Ui, fill: Color32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(14.0)
        .inner_margin(egui::Margin::same(20))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui)
        })
        .inner
}

/// Where phones join: the server's public address when it has one, else the address this client
/// reached it at (a server on this machine under its LAN address); and whether only this machine can.
pub fn join_page(view: &ViewState) -> (String, bool) {
    match &view.public_url {
        Some(public) => (public.clone(), false),
        None => session_server::address::room_page(&view.server, view.lan_ip),
    }
}

/// The join page's address and the code, and a QR code of the page with the code that a phone's camera opens.
pub fn join_info(ui: &mut egui::Ui, code: &str, view: &ViewState, big: bool) {
    let lang = view.lang;
    let (page, loopback_only) = join_page(view);
    ui.horizontal(|ui| {
        qr(ui, &format!("{page}/?code={code}"), if big { 260.0 } else { 120.0 });
        ui.vertical(|ui| {
            ui.label(
                RichText::new(lang.pick("Meedoen: scan de QR-code of ga naar", "Join: scan the QR code or go to"))
                    .color(theme::of(ui).muted),
            );
            // The address and the code smaller where the room is narrow, the code always on one
            // line: a code broken over two lines reads as two codes.
            let width = ui.available_width();
            let address = fitting(width, page.chars().count(), 0.55, if big { 28.0 } else { 18.0 }, 14.0);
            ui.label(RichText::new(&page).size(address).strong());
            ui.label(RichText::new(lang.pick("en typ de code", "and type the code")).color(theme::of(ui).muted));
            let size = fitting(width, code.chars().count(), 0.62, if big { theme::huge() } else { 48.0 }, 24.0);
            ui.add(egui::Label::new(RichText::new(code).size(size).strong().monospace()).wrap_mode(egui::TextWrapMode::Extend));
            if loopback_only {
                ui.label(
                    RichText::new(lang.pick(
                        "Alleen deze computer bereikt dit adres: verbind hem met het netwerk van de zaal.",
                        "Only this computer reaches this address: connect it to the room's network.",
                    ))
                    .color(theme::of(ui).error_ink),
                );
            }
        });
    });
}

/// The projector's corner while a statement or sketch is on screen (in a right-to-left row): a
/// small QR code and the code, so that whoever comes in late can still join.
pub fn latecomers(ui: &mut egui::Ui, code: &str, view: &ViewState) {
    let (page, _) = join_page(view);
    qr(ui, &format!("{page}/?code={code}"), 96.0);
    ui.add(egui::Label::new(RichText::new(code).size(40.0).strong().monospace()).wrap_mode(egui::TextWrapMode::Extend));
}

/// The text size at which `chars` characters of about `per_char` × the size each fit in `width`:
/// at most `largest`, at least `smallest`.
fn fitting(width: f32, chars: usize, per_char: f32, largest: f32, smallest: f32) -> f32 {
    (width / (chars.max(1) as f32 * per_char)).clamp(smallest, largest)
}

/// Content in a centred column at most `max_width` wide, so a wide window does not stretch it.
pub fn column<R>(ui: &mut egui::Ui, max_width: f32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let width = ui.available_width().min(max_width);
    let margin = (ui.available_width() - width) / 2.0;
    ui.horizontal_top(|ui| {
        ui.add_space(margin);
        ui.vertical(|ui| {
            ui.set_width(width);
            add(ui)
        })
        .inner
    })
    .inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_join_at_the_public_address_when_the_server_has_one() {
        let mut view = ViewState {
            server: "ws://127.0.0.1:7878/ws".into(),
            lan_ip: Some(std::net::Ipv4Addr::new(10, 0, 0, 5)),
            ..ViewState::default()
        };
        assert_eq!(join_page(&view), ("http://10.0.0.5:7878".into(), false));
        view.public_url = Some("https://dilemma.gemeente.nl".into());
        assert_eq!(join_page(&view), ("https://dilemma.gemeente.nl".into(), false));
    }
}
