//! The phase machine as pure functions: which message is legal for which role in which phase, and what follows.

use crate::msg::{
    AGREEMENT_MAX_CHARS, AGREEMENTS_MAX, ClientMsg, ControlAction, ErrorCode, REASON_MAX_CHARS, Refusal, STATEMENT_MAX_CHARS,
    STATEMENTS_MAX,
};
use crate::view::{ItemKind, Phase, Role};

/// Whether a connection may send `msg` now: opening messages before it is in a session, the rest
/// after. What a member may send in the session is [`may_send`], checked by the session.
pub fn in_order(attached: bool, msg: &ClientMsg) -> Result<(), Refusal> {
    match (attached, msg.opening_protocol().is_some()) {
        (false, true) | (true, false) => Ok(()),
        (false, false) => {
            Err(Refusal::new(ErrorCode::BadRequest, "Meld je eerst aan bij een sessie (join, watch, resume of create_session)."))
        }
        (true, true) => {
            Err(Refusal::new(ErrorCode::BadRequest, "Deze verbinding hoort al bij een sessie; open een nieuwe verbinding voor een andere."))
        }
    }
}

/// Whether a member with `role` may send this in-session message.
pub fn may_send(role: Role, msg: &ClientMsg) -> Result<(), Refusal> {
    match (role, msg) {
        (Role::Player, ClientMsg::Answer { .. }) => Ok(()),
        (_, ClientMsg::Answer { .. }) => Err(Refusal::new(ErrorCode::Unauthorized, "Alleen deelnemers kunnen antwoorden.")),
        (Role::Facilitator, ClientMsg::Control { .. } | ClientMsg::Export { .. }) => Ok(()),
        (_, ClientMsg::Export { .. }) => Err(Refusal::new(ErrorCode::Unauthorized, "Alleen de facilitator kan het verslag opvragen.")),
        (Role::Facilitator, ClientMsg::Agreement { .. } | ClientMsg::DropAgreement { .. }) => Ok(()),
        (_, ClientMsg::Agreement { .. } | ClientMsg::DropAgreement { .. }) => {
            Err(Refusal::new(ErrorCode::Unauthorized, "Alleen de facilitator legt afspraken vast."))
        }
        (Role::Player, ClientMsg::Predict { .. } | ClientMsg::Reason { .. } | ClientMsg::DropReason { .. }) => Ok(()),
        (_, ClientMsg::Predict { .. } | ClientMsg::Reason { .. } | ClientMsg::DropReason { .. }) => {
            Err(Refusal::new(ErrorCode::Unauthorized, "Alleen deelnemers raden en geven een reden bij hun antwoord."))
        }
        (
            Role::Facilitator,
            ClientMsg::Ask { .. } | ClientMsg::ShowReason { .. } | ClientMsg::AddStatement { .. } | ClientMsg::Preview { .. },
        ) => Ok(()),
        _ => Err(ErrorCode::Unauthorized.into()),
    }
}

/// An agreement's text as it is stored: control characters become spaces, spaces at the ends go.
/// Refused when nothing is left, when it is longer than [`AGREEMENT_MAX_CHARS`], or when the
/// session already holds `count` = [`AGREEMENTS_MAX`] agreements.
pub fn check_agreement(text: &str, count: usize) -> Result<String, Refusal> {
    short_text(
        text,
        AGREEMENT_MAX_CHARS,
        count >= AGREEMENTS_MAX,
        [
            "Een afspraak zonder tekst kan niet; schrijf in één zin wat jullie afspreken.".into(),
            format!("Een afspraak is hoogstens {AGREEMENT_MAX_CHARS} tekens; maak hem korter of splits hem in twee."),
            format!("Deze sessie heeft al {AGREEMENTS_MAX} afspraken; haal er een weg voor je een nieuwe vastlegt."),
        ],
    )
}

/// `text` [`clean`]ed; refused (`bad_request`) with the first sentence when nothing is left, the
/// second when it is longer than `max` characters, the third when there is no room (`full`).
fn short_text(text: &str, max: usize, full: bool, [empty, long, no_room]: [String; 3]) -> Result<String, Refusal> {
    let text = clean(text);
    let refusal = match () {
        () if text.is_empty() => empty,
        () if text.chars().count() > max => long,
        () if full => no_room,
        () => return Ok(text),
    };
    Err(Refusal::new(ErrorCode::BadRequest, refusal))
}

/// Text as a person typed it, made safe to show: control characters become spaces, runs of
/// spaces one, spaces at the ends go.
pub fn clean(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A reason as it is stored (see [`clean`]); refused when empty or longer than [`REASON_MAX_CHARS`].
pub fn check_reason(text: &str) -> Result<String, Refusal> {
    let long = format!("Een reden is hoogstens {REASON_MAX_CHARS} tekens: één zin. Maak hem korter.");
    short_text(
        text,
        REASON_MAX_CHARS,
        false,
        ["Een lege reden kan niet; schrijf in één zin waarom, of haal je reden weg.".into(), long, String::new()],
    )
}

/// The longest session title, in characters (what fits on the projector's top line).
pub const TITLE_MAX_CHARS: usize = 120;

/// The longest option label of a statement from the room, and the most options it may have.
pub const OPTION_MAX_CHARS: usize = 60;
pub const OPTIONS_MAX: usize = 6;

/// A statement from the room as it is stored: its text and option labels [`clean`]ed. Refused when
/// the text is empty or longer than [`STATEMENT_MAX_CHARS`], with one option or more than
/// [`OPTIONS_MAX`], an empty, long or repeated option, or when the session already added `count`
/// = [`STATEMENTS_MAX`]. No options means the default ones.
pub fn check_statement(text: &str, options: &[String], count: usize) -> Result<(String, Vec<String>), Refusal> {
    let bad = |m: String| Err(Refusal::new(ErrorCode::BadRequest, m));
    let text = short_text(
        text,
        STATEMENT_MAX_CHARS,
        count >= STATEMENTS_MAX,
        [
            "Een stelling zonder tekst kan niet; schrijf in één zin waar de zaal het over eens of oneens kan zijn.".into(),
            format!("Een stelling is hoogstens {STATEMENT_MAX_CHARS} tekens; maak hem korter."),
            format!("Deze sessie heeft al {STATEMENTS_MAX} stellingen uit de zaal; meer kan niet."),
        ],
    )?;
    let options: Vec<String> = options.iter().map(|o| clean(o)).collect();
    if options.len() == 1 || options.len() > OPTIONS_MAX {
        return bad(format!("Geef 2 tot {OPTIONS_MAX} antwoorden, of geen: dan zijn het eens / oneens / hangt ervan af."));
    }
    if options.iter().any(|o| o.is_empty() || o.chars().count() > OPTION_MAX_CHARS) {
        return bad(format!("Elk antwoord heeft tekst, hoogstens {OPTION_MAX_CHARS} tekens."));
    }
    let mut ids: Vec<String> = options.iter().map(|o| crate::scenario::option_id(o)).collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return bad("Twee antwoorden zijn (bijna) hetzelfde; maak ze verschillend.".into());
    }
    Ok((text, options))
}

/// What a player adds to an answer: a guess of the room's result, or a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    Guess,
    Reason,
}

/// Whether voting on `item` is open: the session goes on, the item exists and is the one open.
fn voting_open(phase: Phase, current: Option<&str>, item: &str, item_known: bool) -> Result<(), Refusal> {
    if phase == Phase::Ended {
        return Err(ErrorCode::SessionEnded.into());
    }
    if !item_known {
        return Err(ErrorCode::UnknownItem.into());
    }
    if phase == Phase::Scene && current == Some(item) {
        return Err(Refusal::new(ErrorCode::VotingClosed, "Eerst de scène; daarna kun je kiezen."));
    }
    if phase != Phase::Open || current != Some(item) {
        return Err(ErrorCode::VotingClosed.into());
    }
    Ok(())
}

/// Whether a player's guess or reason for `item` is taken: while voting on it is open, when the
/// item asks for it, and after they answered it. Checked in the order a person would want to hear.
pub fn check_extra(
    phase: Phase,
    current: Option<&str>,
    item: &str,
    item_known: bool,
    asked: bool,
    answered: bool,
    extra: Extra,
) -> Result<(), Refusal> {
    voting_open(phase, current, item, item_known)?;
    let what = match extra {
        Extra::Guess => "een voorspelling",
        Extra::Reason => "een reden",
    };
    if !asked {
        return Err(Refusal::new(ErrorCode::BadRequest, format!("Bij deze stelling wordt niet om {what} gevraagd.")));
    }
    if !answered {
        return Err(Refusal::new(ErrorCode::BadRequest, format!("Kies eerst je antwoord; daarna kun je {what} geven.")));
    }
    Ok(())
}

/// The phase after a facilitator's `control`, given the kind of the item now shown.
/// Whether the item named by `open` exists is for the caller to check (`unknown_item`).
pub fn next_phase(phase: Phase, action: ControlAction, current: Option<ItemKind>) -> Result<Phase, Refusal> {
    if phase == Phase::Ended {
        return Err(ErrorCode::SessionEnded.into());
    }
    let bad = |message: &str| Err(Refusal::new(ErrorCode::BadRequest, message));
    match action {
        // Which phase an opened item starts in is `opened`'s to say.
        ControlAction::Open => Ok(Phase::Open),
        ControlAction::End => Ok(Phase::Ended),
        ControlAction::Close if phase == Phase::Open => Ok(Phase::Closed),
        ControlAction::Close if phase == Phase::Scene => bad("De scène loopt nog; de stelling erna gaat open als de tijd om is."),
        ControlAction::Close => bad("Er staat geen stelling open om te sluiten."),
        ControlAction::Reveal if matches!(phase, Phase::Open | Phase::Closed) => Ok(Phase::Revealed),
        ControlAction::Reveal if phase == Phase::Revealed => bad("De uitslag staat al op het scherm."),
        ControlAction::Reveal if phase == Phase::Scene => bad("Eerst de scène en dan de stelling; er is nog geen uitslag."),
        ControlAction::Reveal => bad("Open eerst een stelling; dan is er een uitslag om te tonen."),
        // The scene is played (again): its statement waits until the time is up.
        ControlAction::StartTimer if matches!(phase, Phase::Scene | Phase::Open) && current == Some(ItemKind::Sketch) => Ok(Phase::Scene),
        ControlAction::StartTimer => bad("De timer hoort bij een sketch die openstaat; open eerst een sketch."),
    }
}

/// The phase an item starts in when the facilitator opens it: a sketch starts with its scene
/// (no answers yet); anything else is open for answers. Opening the sketch that is being played
/// (`again`) opens its statement (`has_statement`) before the time is up: the scene was over early.
pub fn opened(phase: Phase, target: ItemKind, has_statement: bool, again: bool) -> Phase {
    match target {
        ItemKind::Sketch if again && phase == Phase::Scene && has_statement => Phase::Open,
        ItemKind::Sketch => Phase::Scene,
        _ => Phase::Open,
    }
}

/// The phase when a sketch's countdown runs out: a follow-up statement stays open for answers,
/// otherwise the scene is over and the item closes.
pub fn after_timer(has_follow_up: bool) -> Phase {
    if has_follow_up { Phase::Open } else { Phase::Closed }
}

/// Whether a player's answer is taken. Checked in the order a person would want to hear about it.
pub fn check_answer(phase: Phase, current: Option<&str>, item: &str, item_known: bool, option_known: bool) -> Result<(), Refusal> {
    // A sketch without a statement never takes answers, scene or not.
    if phase == Phase::Scene && current == Some(item) && item_known && !option_known {
        return Err(ErrorCode::InvalidOption.into());
    }
    voting_open(phase, current, item, item_known)?;
    if !option_known {
        return Err(ErrorCode::InvalidOption.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> ClientMsg {
        ClientMsg::Answer { item: "a".into(), option: "eens".into() }
    }
    fn control() -> ClientMsg {
        ClientMsg::Control { action: ControlAction::Close, item: None }
    }
    fn join() -> ClientMsg {
        ClientMsg::Join { protocol: 1, code: "K7M2QX".into(), name: None, team: None }
    }

    #[test]
    fn reasons_are_cleaned_and_bounded_and_follow_the_answer() {
        assert_eq!(check_reason(" Omdat\u{1b}het\t\tkan. ").unwrap(), "Omdat het kan.");
        assert!(check_reason("\n\u{7}").unwrap_err().message.contains("lege reden"));
        assert!(check_reason(&"é".repeat(REASON_MAX_CHARS)).is_ok(), "characters, not bytes");
        assert!(check_reason(&"a".repeat(REASON_MAX_CHARS + 1)).unwrap_err().message.contains("hoogstens"));
        let open = |asked, answered| check_extra(Phase::Open, Some("a"), "a", true, asked, answered, Extra::Reason);
        assert!(open(true, true).is_ok());
        assert!(open(true, false).unwrap_err().message.contains("Kies eerst je antwoord"));
        assert!(open(false, true).unwrap_err().message.contains("niet om een reden"));
        let guess = |phase, current| check_extra(phase, current, "a", true, true, true, Extra::Guess);
        assert_eq!(guess(Phase::Closed, Some("a")).unwrap_err().code, ErrorCode::VotingClosed);
        assert_eq!(guess(Phase::Open, Some("b")).unwrap_err().code, ErrorCode::VotingClosed);
        assert_eq!(guess(Phase::Ended, Some("a")).unwrap_err().code, ErrorCode::SessionEnded);
        assert_eq!(check_extra(Phase::Open, Some("a"), "x", false, true, true, Extra::Guess).unwrap_err().code, ErrorCode::UnknownItem);
    }

    #[test]
    fn statements_from_the_room_are_cleaned_and_bounded() {
        assert_eq!(check_statement(" Wij\tbellen  eerst. ", &[], 0).unwrap(), ("Wij bellen eerst.".into(), vec![]));
        let two = ["Ja ".to_owned(), " Nee".to_owned()];
        assert_eq!(check_statement("S", &two, 0).unwrap().1, ["Ja", "Nee"]);
        let says = |text: &str, options: &[String], count| check_statement(text, options, count).unwrap_err().message;
        assert!(says("\u{7} ", &[], 0).contains("zonder tekst"));
        assert!(says(&"a".repeat(STATEMENT_MAX_CHARS + 1), &[], 0).contains("hoogstens 300"));
        assert!(says("S", &[], STATEMENTS_MAX).contains("al 20"));
        assert!(says("S", &two[..1], 0).contains("2 tot 6"));
        assert!(says("S", &vec!["a".to_owned(); 7], 0).contains("2 tot 6"));
        assert!(says("S", &["Ja".to_owned(), " ".to_owned()], 0).contains("Elk antwoord"));
        assert!(says("S", &["Ja!".to_owned(), "ja".to_owned()], 0).contains("hetzelfde"));
    }

    #[test]
    fn agreements_are_cleaned_and_bounded() {
        assert_eq!(check_agreement("  We bellen\tvoor we mailen. \n", 0).unwrap(), "We bellen voor we mailen.");
        assert!(check_agreement(" \u{7} ", 0).unwrap_err().message.contains("zonder tekst"));
        assert!(check_agreement(&"a".repeat(AGREEMENT_MAX_CHARS), 0).is_ok());
        assert!(check_agreement(&"a".repeat(AGREEMENT_MAX_CHARS + 1), 0).unwrap_err().message.contains("hoogstens"));
        assert!(check_agreement("Nog een", AGREEMENTS_MAX).unwrap_err().message.contains("al 30 afspraken"));
        let agreement = ClientMsg::Agreement { text: "x".into(), item: None };
        assert!(may_send(Role::Facilitator, &agreement).is_ok());
        assert_eq!(may_send(Role::Player, &agreement).unwrap_err().code, ErrorCode::Unauthorized);
        assert_eq!(may_send(Role::Watcher, &ClientMsg::DropAgreement { number: 1 }).unwrap_err().code, ErrorCode::Unauthorized);
    }

    #[test]
    fn who_may_send_what() {
        assert!(in_order(false, &join()).is_ok());
        assert_eq!(in_order(false, &answer()).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(in_order(true, &join()).unwrap_err().code, ErrorCode::BadRequest);
        assert!(in_order(true, &answer()).is_ok());
        assert!(may_send(Role::Player, &answer()).is_ok());
        assert_eq!(may_send(Role::Watcher, &answer()).unwrap_err().code, ErrorCode::Unauthorized);
        assert_eq!(may_send(Role::Facilitator, &answer()).unwrap_err().code, ErrorCode::Unauthorized);
        assert!(may_send(Role::Facilitator, &control()).is_ok());
        assert_eq!(may_send(Role::Player, &control()).unwrap_err().code, ErrorCode::Unauthorized);
        assert_eq!(may_send(Role::Watcher, &control()).unwrap_err().code, ErrorCode::Unauthorized);
    }

    #[test]
    fn transitions() {
        use ControlAction::{Close, End, Reveal, StartTimer};
        use Phase::{Closed, Ended, Lobby, Revealed};
        let d = Some(ItemKind::Dilemma);
        let s = Some(ItemKind::Sketch);
        for p in [Lobby, Phase::Open, Closed, Revealed] {
            assert_eq!(next_phase(p, ControlAction::Open, d), Ok(Phase::Open), "open from {p:?}");
            assert_eq!(next_phase(p, End, d), Ok(Ended));
        }
        assert_eq!(next_phase(Phase::Open, Close, d), Ok(Closed));
        assert_eq!(next_phase(Phase::Open, Reveal, d), Ok(Revealed));
        assert_eq!(next_phase(Closed, Reveal, d), Ok(Revealed));
        assert_eq!(next_phase(Phase::Open, StartTimer, s), Ok(Phase::Scene), "the scene played again");
        assert_eq!(next_phase(Phase::Scene, StartTimer, s), Ok(Phase::Scene));
        for (p, a, k) in [
            (Phase::Scene, Close, s),
            (Phase::Scene, Reveal, s),
            (Lobby, Close, None),
            (Closed, Close, d),
            (Lobby, Reveal, None),
            (Revealed, Reveal, d),
            (Phase::Open, StartTimer, d),
            (Closed, StartTimer, s),
        ] {
            assert_eq!(next_phase(p, a, k).unwrap_err().code, ErrorCode::BadRequest, "{a:?} in {p:?}");
        }
        for a in [ControlAction::Open, Close, Reveal, StartTimer, End] {
            assert_eq!(next_phase(Ended, a, d).unwrap_err().code, ErrorCode::SessionEnded);
        }
    }

    #[test]
    fn a_sketch_opens_with_its_scene_and_its_statement_after_it() {
        use ItemKind::{Dilemma, Sketch};
        assert_eq!(opened(Phase::Lobby, Sketch, true, false), Phase::Scene);
        assert_eq!(opened(Phase::Revealed, Sketch, false, false), Phase::Scene);
        assert_eq!(opened(Phase::Scene, Sketch, true, true), Phase::Open, "the facilitator opens the statement after the scene");
        assert_eq!(opened(Phase::Scene, Sketch, false, true), Phase::Scene, "no statement: the scene starts again");
        assert_eq!(opened(Phase::Open, Sketch, true, true), Phase::Scene, "opened again after its statement: the scene again");
        assert_eq!(opened(Phase::Scene, Dilemma, true, false), Phase::Open);
        let refused = check_answer(Phase::Scene, Some("s"), "s", true, true).unwrap_err();
        assert_eq!((refused.code, refused.message.as_str()), (ErrorCode::VotingClosed, "Eerst de scène; daarna kun je kiezen."));
    }

    #[test]
    fn answers() {
        assert!(check_answer(Phase::Open, Some("a"), "a", true, true).is_ok());
        let code = |r: Result<(), Refusal>| r.unwrap_err().code;
        assert_eq!(code(check_answer(Phase::Open, Some("a"), "zz", false, false)), ErrorCode::UnknownItem);
        assert_eq!(code(check_answer(Phase::Open, Some("a"), "b", true, true)), ErrorCode::VotingClosed);
        assert_eq!(code(check_answer(Phase::Closed, Some("a"), "a", true, true)), ErrorCode::VotingClosed);
        assert_eq!(code(check_answer(Phase::Revealed, Some("a"), "a", true, true)), ErrorCode::VotingClosed);
        assert_eq!(code(check_answer(Phase::Open, Some("a"), "a", true, false)), ErrorCode::InvalidOption);
        assert_eq!(code(check_answer(Phase::Ended, Some("a"), "a", true, true)), ErrorCode::SessionEnded);
    }

    #[test]
    fn timer_expiry() {
        assert_eq!(after_timer(true), Phase::Open);
        assert_eq!(after_timer(false), Phase::Closed);
    }
}
