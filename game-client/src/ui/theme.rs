//! Calm colours and large type that read well on a projector, and a high-contrast variant: the look of every screen.
//!
//! Screens take their colours from [`of`], so the same code draws both themes.

use bevy_egui::egui::{self, Color32, FontFamily, FontId, Id, Stroke, TextStyle};

/// The colours of a theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub background: Color32,
    pub surface: Color32,
    pub ink: Color32,
    /// Secondary text; at least 4.5:1 on the background (WCAG 2.1 AA).
    pub muted: Color32,
    pub accent: Color32,
    pub border: Color32,
    pub warning: Color32,
    pub error_bg: Color32,
    pub error_ink: Color32,
    /// A private briefing's card.
    pub private: Color32,
    /// The ring around the widget that has the keyboard's focus.
    pub focus: Color32,
    /// Option colours: distinct but neutral, so no answer looks "right" (no green for yes, red for no).
    pub options: [Color32; 6],
}

pub const CALM: Palette = Palette {
    background: Color32::from_rgb(0xF4, 0xF1, 0xEA),
    surface: Color32::from_rgb(0xFD, 0xFC, 0xF9),
    ink: Color32::from_rgb(0x1E, 0x29, 0x33),
    muted: Color32::from_rgb(0x5B, 0x67, 0x70),
    accent: Color32::from_rgb(0x2E, 0x5E, 0x7E),
    border: Color32::from_rgb(0xB9, 0xB3, 0xA7),
    warning: Color32::from_rgb(0xE8, 0xA3, 0x3D),
    error_bg: Color32::from_rgb(0xF6, 0xE2, 0xDD),
    error_ink: Color32::from_rgb(0x8A, 0x2E, 0x1F),
    private: Color32::from_rgb(0xFF, 0xF4, 0xD6),
    focus: Color32::from_rgb(0xB3, 0x26, 0x7A),
    options: [
        Color32::from_rgb(0x3E, 0x6F, 0xA3),
        Color32::from_rgb(0x9A, 0x64, 0x15),
        Color32::from_rgb(0x7B, 0x5A, 0x94),
        Color32::from_rgb(0x2A, 0x7A, 0x75),
        Color32::from_rgb(0xA3, 0x5D, 0x3E),
        Color32::from_rgb(0x5F, 0x7A, 0x3A),
    ],
};

/// Black on white, dark fills under white text, strong edges: for a washed-out projector or weak eyes.
pub const HIGH_CONTRAST: Palette = Palette {
    background: Color32::WHITE,
    surface: Color32::WHITE,
    ink: Color32::BLACK,
    muted: Color32::BLACK,
    accent: Color32::from_rgb(0x00, 0x2B, 0x66),
    border: Color32::BLACK,
    warning: Color32::from_rgb(0xFF, 0xD4, 0x00),
    error_bg: Color32::WHITE,
    error_ink: Color32::from_rgb(0x9E, 0x00, 0x00),
    private: Color32::from_rgb(0xFF, 0xF0, 0x99),
    focus: Color32::from_rgb(0xC8, 0x00, 0x6E),
    options: [
        Color32::from_rgb(0x00, 0x3F, 0x8A),
        Color32::from_rgb(0x7A, 0x4A, 0x00),
        Color32::from_rgb(0x4B, 0x1F, 0x75),
        Color32::from_rgb(0x00, 0x5A, 0x52),
        Color32::from_rgb(0x80, 0x20, 0x10),
        Color32::from_rgb(0x2F, 0x4A, 0x0E),
    ],
};

/// Text sizes for a room: the statement is read from the back row.
pub const STATEMENT: f32 = 40.0;
pub const HUGE: f32 = 72.0;

fn key() -> Id {
    Id::new("dilemma-palette")
}

/// The palette in use.
pub fn of(ui: &egui::Ui) -> Palette {
    palette(ui.ctx())
}

pub fn palette(ctx: &egui::Context) -> Palette {
    ctx.data(|d| d.get_temp::<bool>(key())).map_or(CALM, |high| if high { HIGH_CONTRAST } else { CALM })
}

impl Palette {
    pub fn option(&self, index: usize) -> Color32 {
        self.options[index % self.options.len()]
    }
}

/// Sets the type, spacing and colours of every screen; `high_contrast` picks [`HIGH_CONTRAST`].
pub fn apply(ctx: &egui::Context, high_contrast: bool) {
    ctx.data_mut(|d| d.insert_temp(key(), high_contrast));
    let p = palette(ctx);
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
    v.panel_fill = p.background;
    v.window_fill = p.surface;
    v.selection.bg_fill = p.accent;
    v.selection.stroke = Stroke::new(1.0, Color32::WHITE);
    v.hyperlink_color = p.accent;
    v.weak_text_color = Some(p.muted);
    v.error_fg_color = p.error_ink;
    // Text in ink everywhere, except on selected items (white on the accent, see `selection`).
    for w in [&mut v.widgets.inactive, &mut v.widgets.hovered, &mut v.widgets.active, &mut v.widgets.noninteractive] {
        w.corner_radius = 10.into();
        w.fg_stroke.color = p.ink;
    }
    // Text fields and buttons need a visible edge on the light background.
    let edge = if high_contrast { 2.0 } else { 1.5 };
    v.extreme_bg_color = Color32::WHITE;
    v.widgets.inactive.bg_stroke = Stroke::new(edge, p.border);
    v.widgets.hovered.bg_stroke = Stroke::new(edge + 0.5, p.accent);
    if high_contrast {
        v.widgets.inactive.weak_bg_fill = Color32::WHITE;
        v.widgets.inactive.bg_fill = Color32::WHITE;
        v.widgets.noninteractive.bg_stroke = Stroke::new(1.5, p.border);
    }
    style.visuals = v;
    ctx.set_global_style(style);
}

/// Draws a ring around the widget that has the keyboard's focus (Tab moves it, Enter or Space
/// presses it), on top of everything, so keyboard users always see where they are.
pub fn focus_ring(ctx: &egui::Context) {
    let Some(id) = ctx.memory(|m| m.focused()) else { return };
    let Some(r) = ctx.read_response(id) else { return };
    let p = palette(ctx);
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, Id::new("focus-ring")));
    painter.rect_stroke(r.rect.expand(3.0), 12.0, Stroke::new(2.0, Color32::WHITE), egui::StrokeKind::Outside);
    painter.rect_stroke(r.rect.expand(5.0), 14.0, Stroke::new(3.0, p.focus), egui::StrokeKind::Outside);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2.1 relative luminance and contrast ratio.
    fn contrast(a: Color32, b: Color32) -> f32 {
        let lum = |c: Color32| {
            let ch = |v: u8| {
                let v = f32::from(v) / 255.0;
                if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * ch(c.r()) + 0.7152 * ch(c.g()) + 0.0722 * ch(c.b())
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn text_meets_wcag_aa_and_high_contrast_meets_aaa() {
        for (p, text) in [(CALM, 4.5), (HIGH_CONTRAST, 7.0)] {
            for bg in [p.background, p.surface] {
                assert!(contrast(p.ink, bg) >= text, "{p:?}");
                assert!(contrast(p.muted, bg) >= 4.5, "muted text on {bg:?}");
            }
            assert!(contrast(p.error_ink, p.error_bg) >= 4.5);
            assert!(contrast(Color32::WHITE, p.accent) >= text, "white on the primary button");
            assert!(contrast(p.ink, p.private) >= text);
            assert!(contrast(p.ink, p.warning) >= 4.5, "the reconnecting bar");
            // Non-text: the focus ring and the bars against the background (WCAG 1.4.11, 3:1).
            assert!(contrast(p.focus, p.background) >= 3.0);
            for o in p.options {
                assert!(contrast(Color32::WHITE, o) >= 4.5, "a chosen answer's white label on {o:?}");
            }
        }
        for o in HIGH_CONTRAST.options {
            assert!(contrast(Color32::WHITE, o) >= 7.0, "{o:?}");
        }
    }
}
