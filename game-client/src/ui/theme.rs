//! The look of every screen, from the one design file (`assets/design.toml`, see `protocol::design`): colours of both themes, the option colours, the type scale and the typeface.
//!
//! Screens take their colours from [`of`], so the same code draws both themes.

use bevy_egui::egui::{self, Color32, FontData, FontDefinitions, FontFamily, FontId, Id, Stroke, TextStyle};
use protocol::design::{self, Rgb};

/// The colours of a theme, as egui takes them (see `protocol::design::Palette` for what each is for).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub background: Color32,
    pub surface: Color32,
    pub ink: Color32,
    /// Secondary text; at least 4.5:1 on the background (WCAG 2.1 AA).
    pub muted: Color32,
    pub accent: Color32,
    pub accent_ink: Color32,
    pub border: Color32,
    pub warning: Color32,
    pub error_bg: Color32,
    pub error_ink: Color32,
    /// A private briefing's card.
    pub private: Color32,
    /// The ring around the widget that has the keyboard's focus.
    pub focus: Color32,
    pub track: Color32,
    pub then: Color32,
    /// Option colours: distinct but neutral, so no answer looks "right" (no green for yes, red for no).
    pub options: [Color32; 6],
}

fn color(c: Rgb) -> Color32 {
    Color32::from_rgb(c.0, c.1, c.2)
}

impl From<&design::Palette> for Palette {
    fn from(p: &design::Palette) -> Palette {
        Palette {
            background: color(p.background),
            surface: color(p.surface),
            ink: color(p.ink),
            muted: color(p.muted),
            accent: color(p.accent),
            accent_ink: color(p.accent_ink),
            border: color(p.border),
            warning: color(p.warning),
            error_bg: color(p.error_bg),
            error_ink: color(p.error_ink),
            private: color(p.private),
            focus: color(p.focus),
            track: color(p.track),
            then: color(p.then),
            options: p.options.map(color),
        }
    }
}

/// The calm theme of a workshop room.
pub fn calm() -> Palette {
    Palette::from(&design::design().calm)
}

/// Black on white, dark fills under white text, strong edges: for a washed-out projector or weak eyes.
pub fn high_contrast() -> Palette {
    Palette::from(&design::design().high_contrast)
}

/// A step of the type scale in the desktop app's pixels (`statement`, `huge`, ...: see the design file).
fn step(of: impl Fn(&design::Scale) -> f32) -> f32 {
    let s = &design::design().scale;
    (of(s) * s.desktop_body).round()
}

/// The statement, read from the back row.
pub fn statement() -> f32 {
    step(|s| s.statement)
}

/// The largest text: the join code, the countdown.
pub fn huge() -> f32 {
    step(|s| s.huge)
}

/// The typeface's regular and bold cuts, shipped in `assets/fonts/` under the SIL Open Font License.
const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Bold.ttf");

fn bold_family() -> FontFamily {
    FontFamily::Name("bold".into())
}

/// The family of the typeface's bold cut, for statements and titles (the regular one until the
/// fonts [`apply`] set are active: egui takes new fonts from the next frame on).
pub fn bold(ctx: &egui::Context) -> FontFamily {
    let ready = ctx.fonts(|f| f.definitions().families.contains_key(&bold_family()));
    if ready { bold_family() } else { FontFamily::Proportional }
}

/// One typeface on every screen: the design's font first, egui's own fonts behind it for the
/// symbols it lacks (✓, ⚠, arrows).
fn fonts(ctx: &egui::Context) {
    let mut f = FontDefinitions::default();
    let name = &design::design().font;
    f.font_data.insert(name.regular.clone(), FontData::from_static(REGULAR).into());
    f.font_data.insert(name.bold.clone(), FontData::from_static(BOLD).into());
    let fallback = f.families.get(&FontFamily::Proportional).cloned().unwrap_or_default();
    f.families.insert(FontFamily::Proportional, std::iter::once(name.regular.clone()).chain(fallback.iter().cloned()).collect());
    f.families.insert(bold_family(), std::iter::once(name.bold.clone()).chain(fallback).collect());
    ctx.set_fonts(f);
}

fn key() -> Id {
    Id::new("dilemma-palette")
}

/// The palette in use.
pub fn of(ui: &egui::Ui) -> Palette {
    palette(ui.ctx())
}

pub fn palette(ctx: &egui::Context) -> Palette {
    if ctx.data(|d| d.get_temp::<bool>(key())).unwrap_or(false) { high_contrast() } else { calm() }
}

impl Palette {
    pub fn option(&self, index: usize) -> Color32 {
        self.options[index % self.options.len()]
    }
}

/// Sets the type, spacing and colours of every screen; `high_contrast` picks [`high_contrast`].
pub fn apply(ctx: &egui::Context, high_contrast: bool) {
    ctx.data_mut(|d| d.insert_temp(key(), high_contrast));
    fonts(ctx);
    let p = palette(ctx);
    let mut style = (*ctx.global_style()).clone();
    style.text_styles = [
        (TextStyle::Heading, FontId::new(step(|s| s.heading), FontFamily::Proportional)),
        (TextStyle::Body, FontId::new(step(|s| s.body), FontFamily::Proportional)),
        (TextStyle::Button, FontId::new(step(|s| s.button), FontFamily::Proportional)),
        (TextStyle::Small, FontId::new(step(|s| s.small), FontFamily::Proportional)),
        (TextStyle::Monospace, FontId::new(20.0, FontFamily::Monospace)),
    ]
    .into();
    let gap = step(|s| s.gap);
    style.spacing.item_spacing = egui::vec2(gap, gap);
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
        w.corner_radius = (step(|s| s.radius) as u8).into();
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

    /// The desktop app draws the design file's colours (its contrast is checked in `protocol::design`).
    #[test]
    fn the_themes_are_the_design_files() {
        let d = design::design();
        assert_eq!(calm().options.map(|c| c.to_hex()), d.calm.options.map(|c| format!("{}ff", c.hex().to_lowercase())));
        assert_eq!(high_contrast().ink, Color32::BLACK);
        assert_eq!(statement(), (d.scale.statement * d.scale.desktop_body).round());
    }

    /// Applying a theme puts its colours and the scale's body size in egui's style, and the typeface's bold cut in its fonts.
    #[test]
    fn applying_a_theme_sets_its_colours_and_type() {
        let ctx = egui::Context::default();
        for (high, want) in [(true, high_contrast()), (false, calm())] {
            apply(&ctx, high);
            let style = ctx.global_style();
            assert_eq!(style.visuals.panel_fill, want.background);
            assert_eq!(style.visuals.widgets.inactive.fg_stroke.color, want.ink);
            assert_eq!(style.text_styles[&TextStyle::Body].size, 22.0);
            assert_eq!(palette(&ctx), want);
            ctx.run_ui(Default::default(), |_| {}).textures_delta.clear();
            assert_eq!(bold(&ctx), FontFamily::Name("bold".into()), "the bold cut, from the frame after");
        }
    }
}
