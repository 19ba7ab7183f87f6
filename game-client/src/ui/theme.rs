//! Calm colours and large type that read well on a projector: the look of every screen.

use bevy_egui::egui::{self, Color32, FontFamily, FontId, TextStyle};

pub const BACKGROUND: Color32 = Color32::from_rgb(0xF4, 0xF1, 0xEA);
pub const SURFACE: Color32 = Color32::from_rgb(0xFD, 0xFC, 0xF9);
pub const INK: Color32 = Color32::from_rgb(0x1E, 0x29, 0x33);
pub const MUTED: Color32 = Color32::from_rgb(0x5B, 0x67, 0x70);
pub const ACCENT: Color32 = Color32::from_rgb(0x2E, 0x5E, 0x7E);
pub const BORDER: Color32 = Color32::from_rgb(0xB9, 0xB3, 0xA7);
pub const WARNING: Color32 = Color32::from_rgb(0xE8, 0xA3, 0x3D);
pub const ERROR_BG: Color32 = Color32::from_rgb(0xF6, 0xE2, 0xDD);
pub const ERROR_INK: Color32 = Color32::from_rgb(0x8A, 0x2E, 0x1F);
pub const PRIVATE: Color32 = Color32::from_rgb(0xFF, 0xF4, 0xD6);

/// Option colours: distinct but neutral, so no answer looks "right" (no green for yes, red for no).
pub const OPTION_COLOURS: [Color32; 6] = [
    Color32::from_rgb(0x3E, 0x6F, 0xA3),
    Color32::from_rgb(0xC9, 0x8A, 0x2B),
    Color32::from_rgb(0x7B, 0x5A, 0x94),
    Color32::from_rgb(0x2E, 0x8A, 0x85),
    Color32::from_rgb(0xA3, 0x5D, 0x3E),
    Color32::from_rgb(0x5F, 0x7A, 0x3A),
];

pub fn option_colour(index: usize) -> Color32 {
    OPTION_COLOURS[index % OPTION_COLOURS.len()]
}

/// Text sizes for a room: the statement is read from the back row.
pub const STATEMENT: f32 = 40.0;
pub const HUGE: f32 = 72.0;

pub fn apply(ctx: &egui::Context) {
    let mut style = (*ctx.global_style()).clone();
    style.text_styles = [
        (TextStyle::Heading, FontId::new(34.0, FontFamily::Proportional)),
        (TextStyle::Body, FontId::new(22.0, FontFamily::Proportional)),
        (TextStyle::Button, FontId::new(24.0, FontFamily::Proportional)),
        (TextStyle::Small, FontId::new(17.0, FontFamily::Proportional)),
        (TextStyle::Monospace, FontId::new(20.0, FontFamily::Monospace)),
    ]
    .into();
    style.spacing.item_spacing = egui::vec2(12.0, 12.0);
    style.spacing.button_padding = egui::vec2(18.0, 10.0);
    style.spacing.interact_size.y = 40.0;
    let mut v = egui::Visuals::light();
    v.panel_fill = BACKGROUND;
    v.window_fill = SURFACE;
    v.selection.bg_fill = ACCENT;
    v.selection.stroke = egui::Stroke::new(1.0, Color32::WHITE);
    v.hyperlink_color = ACCENT;
    // Text in ink everywhere, except on selected items (white on the accent, see `selection`).
    for w in [&mut v.widgets.inactive, &mut v.widgets.hovered, &mut v.widgets.active, &mut v.widgets.noninteractive] {
        w.corner_radius = 10.into();
        w.fg_stroke.color = INK;
    }
    // Text fields need a visible edge on the light background.
    v.extreme_bg_color = Color32::WHITE;
    v.widgets.inactive.bg_stroke = egui::Stroke::new(1.5, BORDER);
    v.widgets.hovered.bg_stroke = egui::Stroke::new(2.0, ACCENT);
    style.visuals = v;
    ctx.set_global_style(style);
}
