//! Team names as players type them: trimmed, at most 40 characters, no control characters.

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
    Ok(Some(team.to_owned()))
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
}
