//! Join codes: six characters from an alphabet without look-alikes, typed in any case.

/// No 0/O, no 1/I/L: what is read off a projector is typed back right.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const LENGTH: usize = 6;

/// The canonical form of a code as typed: upper case, spaces and dashes dropped.
/// `None` when it cannot be a code at all.
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed_chars(typed).map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The characters of a code as typed, without the spaces and dashes people put in.
fn typed_chars(typed: &str) -> impl Iterator<Item = char> + '_ {
    typed.chars().filter(|c| !c.is_whitespace() && *c != '-')
}

/// Why `typed` cannot be a code, in a sentence that says what to look for; `None` when it can be.
/// Codes never use 0, 1, I, L or O, which are too easily taken for one another.
pub fn problem(typed: &str) -> Option<&'static str> {
    if normalize(typed).is_some() {
        return None;
    }
    Some(if typed_chars(typed).count() != LENGTH {
        "Een code heeft 6 tekens, zoals K7M2QX. Kijk op het scherm van de facilitator."
    } else {
        "Een code bevat nooit 0, 1, I, L of O (die lijken te veel op elkaar), alleen de andere letters en de cijfers 2 tot en met 9. Kijk nog eens op het scherm van de facilitator."
    })
}

/// Builds a code from random indexes (the caller owns the randomness).
pub fn from_indexes(indexes: [usize; LENGTH]) -> String {
    indexes.iter().map(|&i| ALPHABET[i % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_that_cannot_be_one_says_why() {
        assert_eq!(problem("K7M2QX"), None);
        assert!(problem("ABC123").unwrap().contains("nooit 0, 1, I, L of O"));
        assert!(problem("K7MO2X").unwrap().contains("nooit 0, 1, I, L of O"));
        assert!(problem("abc").unwrap().contains("6 tekens"));
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalize("k7m2qx").as_deref(), Some("K7M2QX"));
        assert_eq!(normalize(" K7M-2QX ").as_deref(), Some("K7M2QX"));
    }

    #[test]
    fn look_alikes_and_wrong_lengths_are_not_codes() {
        assert_eq!(normalize("K7M2Q0"), None);
        assert_eq!(normalize("K7M2QI"), None);
        assert_eq!(normalize("K7M2Q"), None);
        assert_eq!(normalize("K7M2QXX"), None);
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for b in b"01OIL" {
            assert!(!ALPHABET.contains(b));
        }
        assert!(from_indexes([0, 1, 2, 3, 4, 40]).bytes().all(|b| ALPHABET.contains(&b)));
    }
}
