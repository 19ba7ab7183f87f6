//! Playing and leading with the keyboard: number keys answer, letters drive the facilitator's controls (the buttons show them).

use bevy_egui::egui::{self, Key};
use protocol::{ControlAction, Phase, Role, SessionView};

use super::{Action, Screen};
use crate::view::ViewState;

/// The facilitator's keys, as the buttons show them.
pub const NEXT: &str = "N";
pub const CLOSE: &str = "C";
pub const REVEAL: &str = "R";
pub const TIMER: &str = "T";
pub const END: &str = "Shift+E";

/// Whether the protocol's phase rules let the facilitator do `action` now.
pub fn allowed(session: &SessionView, action: ControlAction) -> bool {
    let kind = session.item.as_ref().map(|i| i.kind);
    let needs_item = !matches!(action, ControlAction::Open | ControlAction::End);
    // Closing and revealing are about answers: an open question or a sketch without a statement has none.
    let answerable = session.item.as_ref().is_some_and(|i| !i.options.is_empty());
    if matches!(action, ControlAction::Close | ControlAction::Reveal) && !answerable {
        return false;
    }
    (!needs_item || kind.is_some()) && protocol::flow::next_phase(session.phase, action, kind).is_ok()
}

/// The item after the current one (the first when none is open yet).
pub fn next_item(session: &SessionView) -> Option<String> {
    let next = session.index.map_or(0, |i| i + 1);
    Some(session.items.as_ref()?.get(next)?.id.clone())
}

/// What a key pressed now asks for on `screen`, when it is allowed. Nothing while a text field
/// has the keyboard (typing a code or a team name).
pub fn shortcut(ctx: &egui::Context, screen: Screen, view: &ViewState) -> Option<Action> {
    // Typing in a field, or no connection (the buttons are greyed out and the banner says why).
    if ctx.egui_wants_keyboard_input() || view.is_offline() {
        return None;
    }
    let session = view.session.as_ref()?;
    let pressed = |key: Key| ctx.input(|i| i.key_pressed(key) && i.modifiers.is_none());
    match screen {
        Screen::Facilitator => {
            let control = |a: ControlAction| allowed(session, a).then_some(Action::Control { action: a, item: None });
            if pressed(Key::N) {
                return next_item(session).map(|id| Action::Control { action: ControlAction::Open, item: Some(id) });
            }
            let has_options = session.item.as_ref().is_some_and(|i| !i.options.is_empty());
            if pressed(Key::C) && has_options {
                return control(ControlAction::Close);
            }
            if pressed(Key::R) {
                return control(ControlAction::Reveal);
            }
            if pressed(Key::T) {
                return control(ControlAction::StartTimer);
            }
            if ctx.input(|i| i.key_pressed(Key::E) && i.modifiers.shift_only()) {
                return control(ControlAction::End);
            }
            None
        }
        Screen::Item if view.role == Some(Role::Player) && session.phase == Phase::Open => {
            let item = session.item.as_ref()?;
            const DIGITS: [Key; 9] = [Key::Num1, Key::Num2, Key::Num3, Key::Num4, Key::Num5, Key::Num6, Key::Num7, Key::Num8, Key::Num9];
            let i = DIGITS.iter().position(|k| pressed(*k))?;
            let option = item.options.get(i)?;
            Some(Action::Answer { item: item.id.clone(), option: option.id.clone() })
        }
        _ => None,
    }
}

/// A button's text with its key: "Toon de uitslag  (R)".
pub fn with_key(label: &str, key: &str) -> String {
    format!("{label}  ({key})")
}
