//! The text-size setting: Ctrl + and Ctrl − step it between 75 % and 200 %, Ctrl 0 resets it; the app remembers it.

use bevy_egui::egui::{self, Key, Modifiers};

/// Text sizes offered, in percent; every screen is laid out to stay usable at each.
pub const STEPS: [u16; 7] = [75, 90, 100, 125, 150, 175, 200];
pub const DEFAULT: u16 = 100;

/// The nearest offered size to `percent` (a hand-edited settings file may hold anything).
pub fn nearest(percent: u16) -> u16 {
    *STEPS.iter().min_by_key(|s| s.abs_diff(percent)).expect("steps")
}

/// The size after the keys pressed now (Ctrl/Cmd with +, − or 0), if they changed it.
pub fn from_keys(ctx: &egui::Context, percent: u16) -> Option<u16> {
    let current = STEPS.iter().position(|s| *s == nearest(percent)).expect("a step");
    let pressed = |key: Key| ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, key));
    let wanted = if pressed(Key::Plus) || pressed(Key::Equals) {
        STEPS[(current + 1).min(STEPS.len() - 1)]
    } else if pressed(Key::Minus) {
        STEPS[current.saturating_sub(1)]
    } else if pressed(Key::Num0) {
        DEFAULT
    } else {
        return None;
    };
    (wanted != percent).then_some(wanted)
}

/// Applies `percent` to the whole interface (egui's own keyboard zoom is off: this one is bounded and remembered).
pub fn apply(ctx: &egui::Context, percent: u16) {
    ctx.options_mut(|o| o.zoom_with_keyboard = false);
    super::stage::remember_text_size(ctx, nearest(percent));
    ctx.set_zoom_factor(f32::from(nearest(percent)) / 100.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_values_snap_to_an_offered_size() {
        assert_eq!(nearest(0), 75);
        assert_eq!(nearest(110), 100);
        assert_eq!(nearest(400), 200);
        assert_eq!(nearest(150), 150);
    }
}
