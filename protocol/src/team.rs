//! Team names as players type them: trimmed, at most 40 characters, no control or invisible format characters, in NFC; two spellings that differ only in case or composition are one team.

use unicode_normalization::UnicodeNormalization;

use crate::msg::{ErrorCode, Refusal};

/// Longest team name, in characters: long enough for "Wijkteam Overvecht-Noord", short enough
/// that a tally with many teams stays small.
pub const MAX_CHARS: usize = 40;

/// The team a join asks for: `None` for no team (absent or blank), the trimmed name when it is
/// fine, or a refusal that says what to change.
pub fn check(team: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(team) = team.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if team.chars().count() > MAX_CHARS {
        return Err(Refusal::new(
            ErrorCode::InvalidTeam,
            format!("Een teamnaam heeft hoogstens {MAX_CHARS} tekens; kies een kortere naam of laat het veld leeg."),
        ));
    }
    if team.chars().any(char::is_control) {
        return Err(Refusal::new(
            ErrorCode::InvalidTeam,
            "Een teamnaam mag geen tabs, regeleinden of andere stuurtekens bevatten; typ alleen de naam.",
        ));
    }
    if team.chars().any(is_format) {
        return Err(Refusal::new(
            ErrorCode::InvalidTeam,
            "Een teamnaam mag geen onzichtbare tekens bevatten (zoals een zero-width space of een richtingsteken); typ de naam opnieuw.",
        ));
    }
    Ok(Some(team.nfc().collect()))
}

/// Whether two team names are one team: the same after NFC and case folding ("Oost", "OOST", "oost").
pub fn same(a: &str, b: &str) -> bool {
    key(a) == key(b)
}

fn key(name: &str) -> String {
    name.nfc().flat_map(char::to_lowercase).collect()
}

/// Unicode's format characters (general category Cf, Unicode 15): invisible, they would make two
/// teams look like one, or turn text around (bidi controls).
pub fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x180E | 0x200B..=0x200F
            | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD
            | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_capped_and_plain() {
        assert_eq!(check(None), Ok(None));
        assert_eq!(check(Some("   ")), Ok(None));
        assert_eq!(check(Some(" Wijkteam Oost ")), Ok(Some("Wijkteam Oost".into())));
        assert_eq!(check(Some(&"é".repeat(40))).unwrap().unwrap().chars().count(), 40);
        assert_eq!(check(Some(&"a".repeat(41))).unwrap_err().code, ErrorCode::InvalidTeam);
        assert_eq!(check(Some("Oost\u{7}")).unwrap_err().code, ErrorCode::InvalidTeam);
        assert_eq!(check(Some("Oost\nWest")).unwrap_err().code, ErrorCode::InvalidTeam);
    }

    #[test]
    fn invisible_characters_are_refused_and_spellings_of_one_name_are_one_team() {
        for sneaky in ["Oost\u{200b}", "\u{202e}tsoO", "Oo\u{00ad}st", "Oost\u{feff}", "O\u{2066}ost", "Oost\u{e0041}"] {
            assert_eq!(check(Some(sneaky)).unwrap_err().code, ErrorCode::InvalidTeam, "{sneaky:?}");
        }
        // "Café" typed with a combining accent is stored composed.
        assert_eq!(check(Some("Cafe\u{301}")).unwrap(), Some("Caf\u{e9}".into()));
        assert!(same("Oost", "OOST") && same("Caf\u{e9}", "CAFE\u{301}") && !same("Oost", "West"));
        assert!(check(Some("Wijkteam Noord-West (2)")).is_ok() && check(Some("Zuid 🌳")).is_ok());
    }
}
