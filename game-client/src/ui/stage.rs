//! The projector's window as a stage that never scrolls: its drawing is a 1280×720 layout scaled to the window, and shrinks further until the state fits.

use bevy_egui::egui::{self, Id};

use super::zoom;

/// The layout every projector screen is made for; other windows scale it.
const DESIGN: egui::Vec2 = egui::vec2(1280.0, 720.0);

/// How far a state may shrink below the window's own scale before what is left is cut off.
const FLOOR: f32 = 0.6;

fn text_size_key() -> Id {
    Id::new("stage-text-size")
}

/// Remembers the text-size setting (the stage scales with it as far as the state fits).
pub fn remember_text_size(ctx: &egui::Context, percent: u16) {
    ctx.data_mut(|d| d.insert_temp(text_size_key(), percent));
}

fn text_size(ctx: &egui::Context) -> u16 {
    ctx.data(|d| d.get_temp(text_size_key())).unwrap_or(zoom::DEFAULT)
}

/// After drawing a projector state that took `used` points of height where there were `room`:
/// the zoom for the next frame. A 1280×720 window draws at 1 (times the text size), a 1920×1080
/// one at 1.5; a state too tall for that shrinks (at most to [`FLOOR`] of the window's scale), and
/// grows back when there is room again.
fn fit(ctx: &egui::Context, used: f32, room: f32) {
    let z = ctx.zoom_factor();
    let window = ctx.content_rect().size() * z;
    let scale = (window.x / DESIGN.x).min(window.y / DESIGN.y);
    let full = scale * f32::from(text_size(ctx)) / 100.0;
    let floor = (scale * FLOOR).min(full);
    // Heights in points hardly change with the zoom; the room does: it fits at z × room / used.
    // Lines wrap differently at another zoom, so the smallest zoom seen too large for this state is
    // a ceiling that growing stays under (forgotten when the state leaves much room: a new one).
    let fits_at = if used > 0.0 { z * room / used } else { full };
    let ceiling_key = Id::new("stage-ceiling");
    let mut ceiling = ctx.data(|d| d.get_temp::<f32>(ceiling_key)).unwrap_or(f32::INFINITY);
    if used < room * 0.8 {
        ceiling = f32::INFINITY;
    }
    let next = if used > room + 0.5 {
        ceiling = ceiling.min(z);
        fits_at
    } else if used < room * 0.92 && fits_at.min(full).min(ceiling * 0.97) > z * 1.01 {
        (z + fits_at.min(full).min(ceiling * 0.97)) / 2.0
    } else {
        z
    };
    ctx.data_mut(|d| d.insert_temp(ceiling_key, ceiling));
    let next = next.clamp(floor, full);
    if (next - z).abs() > 0.002 {
        ctx.set_zoom_factor(next);
        ctx.request_repaint();
    }
}

/// Draws `body` in what is left of `ui`: on the projector (`stage`) all of it, sized to fit (see
/// [`fit`]); on other screens in a scroll area.
pub fn fill_or_scroll(ui: &mut egui::Ui, stage: bool, body: impl FnOnce(&mut egui::Ui)) {
    if stage {
        let room = ui.available_height();
        let used = ui.scope(body).response.rect.height();
        fit(ui.ctx(), used, room);
    } else {
        egui::ScrollArea::vertical().show(ui, body);
    }
}

/// Leaving the stage (another screen): the text size as set.
pub fn leave(ctx: &egui::Context) {
    let percent = text_size(ctx);
    if (ctx.zoom_factor() - f32::from(percent) / 100.0).abs() > 0.001 {
        zoom::apply(ctx, percent);
    }
}
