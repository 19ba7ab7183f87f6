//! The one look of every screen (`assets/design.toml`): colours of both themes, the six option colours, the type scale and the typeface, for the desktop app and the pages alike.

use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

/// The design file, compiled into every program that draws a screen.
pub const SOURCE: &str = include_str!("../../assets/design.toml");

/// A colour as the design file writes it (`"#1E2933"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#RRGGBB`, as CSS takes it.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }

    /// WCAG 2.1 relative luminance.
    pub fn luminance(self) -> f64 {
        let ch = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * ch(self.0) + 0.7152 * ch(self.1) + 0.0722 * ch(self.2)
    }

    /// WCAG 2.1 contrast ratio of two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rgb, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("a colour is written #RRGGBB, not {s:?}"));
        let hex = s.strip_prefix('#').filter(|h| h.len() == 6 && h.is_ascii()).ok_or_else(bad)?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }
}

/// The colours of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Palette {
    pub background: Rgb,
    pub surface: Rgb,
    pub ink: Rgb,
    /// Secondary text; at least 4.5:1 on the background.
    pub muted: Rgb,
    pub accent: Rgb,
    /// Text on the accent (a primary button, a chosen answer).
    pub accent_ink: Rgb,
    /// Edges of fields and buttons (3:1 on the background).
    pub border: Rgb,
    pub warning: Rgb,
    pub error_bg: Rgb,
    pub error_ink: Rgb,
    /// A private briefing's card.
    pub private: Rgb,
    /// The ring around what has the keyboard's focus.
    pub focus: Rgb,
    /// The empty part of a bar.
    pub track: Rgb,
    /// An earlier session's bar beside today's.
    pub then: Rgb,
    /// The colours of options 1 to 6, each under a label in `accent_ink`.
    pub options: [Rgb; 6],
}

/// Text sizes as multiples of the body text, and the body text's size on each kind of screen.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub small: f32,
    pub body: f32,
    pub button: f32,
    pub heading: f32,
    pub statement: f32,
    pub huge: f32,
    /// The body text in the desktop app, in pixels.
    pub desktop_body: f32,
    /// The body text on a 1280×720 projector, in pixels (larger screens scale it up).
    pub stage_body: f32,
    pub gap: f32,
    pub radius: f32,
}

/// The typeface: its name and the file names (without extension) in `assets/fonts/`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Font {
    pub family: String,
    pub regular: String,
    pub bold: String,
}

/// Everything in the design file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub font: Font,
    pub scale: Scale,
    pub calm: Palette,
    pub high_contrast: Palette,
}

/// The design file, read once. It is part of the program, and a test reads it, so it always parses.
pub fn design() -> &'static Design {
    static DESIGN: OnceLock<Design> = OnceLock::new();
    DESIGN.get_or_init(|| toml::from_str(SOURCE).expect("assets/design.toml is checked by protocol's tests"))
}

impl Design {
    /// The CSS custom properties of both themes, for the pages: the calm colours on `:root`, the
    /// high-contrast ones where the system asks for more contrast (`prefers-contrast: more`) or the
    /// page is set to it (`html[data-contrast=high]`), and the type scale as `--size-*` multiples.
    pub fn css(&self) -> String {
        let mut out = String::from(":root{");
        palette_css(&mut out, &self.calm);
        let s = &self.scale;
        for (name, v) in [
            ("small", s.small),
            ("body", s.body),
            ("button", s.button),
            ("heading", s.heading),
            ("statement", s.statement),
            ("huge", s.huge),
            ("gap", s.gap),
            ("radius", s.radius),
        ] {
            let _ = write!(out, "--size-{name}:{v};");
        }
        let _ = writeln!(out, "--stage-body:{};--font:\"{}\"}}", s.stage_body, self.font.family);
        let mut high = String::new();
        palette_css(&mut high, &self.high_contrast);
        let _ = write!(out, "@media (prefers-contrast:more){{:root{{{high}}}}}\nhtml[data-contrast=high]{{{high}}}\n");
        out
    }
}

fn palette_css(out: &mut String, p: &Palette) {
    let named = [
        ("bg", p.background),
        ("surface", p.surface),
        ("ink", p.ink),
        ("muted", p.muted),
        ("accent", p.accent),
        ("accent-ink", p.accent_ink),
        ("border", p.border),
        ("warning", p.warning),
        ("error-bg", p.error_bg),
        ("error-ink", p.error_ink),
        ("private", p.private),
        ("focus", p.focus),
        ("track", p.track),
        ("then", p.then),
    ];
    for (name, c) in named {
        let _ = write!(out, "--{name}:{};", c.hex());
    }
    for (i, c) in p.options.iter().enumerate() {
        let _ = write!(out, "--option-{}:{};", i + 1, c.hex());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_file_parses_and_a_bad_colour_is_refused_with_its_text() {
        assert_eq!(design().font.family, "Atkinson Hyperlegible");
        let bad = SOURCE.replacen("#F4F1EA", "#F4F1E", 1);
        let err = toml::from_str::<Design>(&bad).unwrap_err().to_string();
        assert!(err.contains("#RRGGBB") && err.contains("#F4F1E"), "{err}");
    }

    #[test]
    fn contrast_is_wcags() {
        assert!((Rgb(0, 0, 0).contrast(Rgb(255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((Rgb(0x76, 0x76, 0x76).contrast(Rgb(255, 255, 255)) - 4.54).abs() < 0.01);
    }

    /// Every pair a screen draws, in both themes: AA for text (AAA in high contrast), 3:1 for what is not text.
    #[test]
    fn every_colour_pair_meets_wcag_aa_and_high_contrast_aaa() {
        let d = design();
        for (p, text) in [(d.calm, 4.5), (d.high_contrast, 7.0)] {
            for bg in [p.background, p.surface] {
                assert!(p.ink.contrast(bg) >= text, "ink on {bg:?}");
                assert!(p.muted.contrast(bg) >= 4.5, "muted text on {bg:?}");
                assert!(p.accent.contrast(bg) >= 4.5, "a link or an outlined button's label on {bg:?}");
                assert!(p.border.contrast(bg) >= 3.0, "a field's edge on {bg:?}");
                assert!(p.focus.contrast(bg) >= 3.0, "the focus ring on {bg:?}");
                assert!(p.then.contrast(bg) >= 3.0, "the earlier session's bar on {bg:?}");
            }
            assert!(p.accent_ink.contrast(p.accent) >= text, "a primary button");
            assert!(p.error_ink.contrast(p.error_bg) >= 4.5);
            assert!(p.ink.contrast(p.private) >= text);
            assert!(p.ink.contrast(p.warning) >= 4.5, "the reconnecting bar");
            for (i, o) in p.options.iter().enumerate() {
                assert!(p.accent_ink.contrast(*o) >= text, "option {}'s label on its colour {o:?}", i + 1);
                assert!(o.contrast(p.background) >= 3.0, "option {}'s bar on the background", i + 1);
                assert!(o.contrast(p.track) >= 3.0, "option {}'s bar on its track", i + 1);
            }
        }
    }

    #[test]
    fn the_pages_custom_properties_carry_every_colour_of_both_themes() {
        let d = design();
        let css = d.css();
        let (calm, high) = css.split_once("@media").unwrap();
        for (i, o) in d.calm.options.iter().enumerate() {
            assert!(calm.contains(&format!("--option-{}:{};", i + 1, o.hex())), "{css}");
        }
        for (i, o) in d.high_contrast.options.iter().enumerate() {
            assert!(high.contains(&format!("--option-{}:{};", i + 1, o.hex())), "{css}");
        }
        assert!(calm.contains("--size-statement:1.8;") && calm.contains("--bg:#F4F1EA;"), "{css}");
    }
}
