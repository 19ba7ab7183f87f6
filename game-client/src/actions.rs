//! What each person's action sends to the server, and what it changes locally while the answer is on its way.

use protocol::{ClientMsg, PROTOCOL_VERSION};

use crate::connection_thread::NetCmd;
use crate::ui::Action;
use crate::view::ViewState;

/// The network commands for `action`, updating `view` for what happens locally (a pending answer,
/// forgetting a session). None for actions the network does not handle.
pub fn command(action: &Action, view: &mut ViewState) -> Vec<NetCmd> {
    view.error = None;
    match action {
        // The list of decks is asked again right after: the server answers in order, so the host
        // tab offers a saved deck at once.
        Action::SaveDeck(content) => {
            view.deck_saved = None;
            let p = PROTOCOL_VERSION;
            vec![
                NetCmd::Send(ClientMsg::SaveDeck { protocol: p, content: content.clone(), key: view.create_key.clone(), check: false }),
                NetCmd::Send(ClientMsg::ListScenarios { protocol: p }),
            ]
        }
        _ => one_command(action, view).into_iter().collect(),
    }
}

fn one_command(action: &Action, view: &mut ViewState) -> Option<NetCmd> {
    let p = PROTOCOL_VERSION;
    let send = |m: ClientMsg| Some(NetCmd::Send(m));
    match action.clone() {
        Action::Connect { server } => {
            view.server = server.clone();
            Some(NetCmd::Connect { url: server, opening: ClientMsg::ListScenarios { protocol: p } })
        }
        Action::RefreshScenarios => send(ClientMsg::ListScenarios { protocol: p }),
        Action::Host { scenario, title, follows, min_group } => send(ClientMsg::CreateSession {
            protocol: p,
            scenario,
            title,
            key: view.create_key.clone(),
            follows,
            min_group,
            preview: false,
        }),
        Action::Join { code, name, team } => send(ClientMsg::Join { protocol: p, code, name, team }),
        Action::Watch { code } => send(ClientMsg::Watch { protocol: p, code }),
        Action::Resume { code, token } => send(ClientMsg::Resume { protocol: p, code, token }),
        Action::Answer { item, option } => {
            view.pending = Some((item.clone(), option.clone()));
            send(ClientMsg::Answer { item, option })
        }
        Action::Control { action, item } => send(ClientMsg::Control { action, item }),
        Action::Agreement { text, item } => send(ClientMsg::Agreement { text, item }),
        Action::DropAgreement(number) => send(ClientMsg::DropAgreement { number }),
        Action::Predict { item, percent } => send(ClientMsg::Predict { item, percent }),
        Action::Reason { item, text: Some(text) } => send(ClientMsg::Reason { item, text }),
        Action::Reason { item, text: None } => send(ClientMsg::DropReason { item }),
        Action::Ask { item, predict, reasons } => send(ClientMsg::Ask { item, predict, reasons }),
        Action::Preview(on) => send(ClientMsg::Preview { on }),
        Action::ShowReason(reason) => send(ClientMsg::ShowReason { reason }),
        Action::AddStatement { statement, options } => send(ClientMsg::AddStatement { statement, options }),
        Action::OpenDeck(id) => send(ClientMsg::GetDeck { protocol: p, id, key: view.create_key.clone() }),
        Action::SaveDeck(_) => None,
        Action::Leave => {
            let keep = ViewState::new(view.lang, view.server.clone());
            let scenarios = std::mem::take(&mut view.scenarios);
            // What this client keeps across sessions stays: the decks on offer, the sessions it led
            // (for "Vervolg op"), its address and the trainers' key.
            let led = std::mem::take(&mut view.led);
            *view = ViewState { scenarios, led, lan_ip: view.lan_ip, create_key: view.create_key.clone(), ..keep };
            Some(NetCmd::Connect { url: view.server.clone(), opening: ClientMsg::ListScenarios { protocol: p } })
        }
        Action::SaveReport | Action::SaveSeriesReport | Action::SaveRoomDeck | Action::HighContrast(_) | Action::Sound(_) => None,
        Action::ImportDeck(_) | Action::ExportDeck { .. } | Action::HostHere => None,
        Action::SignIn | Action::CancelSignIn | Action::SignOut => None,
        Action::TakeOver => Some(NetCmd::TakeOver),
    }
}

/// An action from a line of text, for driving a client without a screen:
/// `host SCENARIO`, `join CODE [TEAM]`, `watch CODE`, `resume CODE TOKEN`, `answer ITEM OPTION`,
/// `predict ITEM PERCENT`, `reason ITEM TEXT…`, `drop_reason ITEM`, `ask ITEM predict|reasons|both|none`,
/// `show_reason ID`, `hide_reason`, `statement TEXT…`, `open ITEM`, `close`, `reveal`, `start_timer`, `end`,
/// `report`, `room_deck`, `leave`, `sign_in`, `cancel_sign_in`, `sign_out`.
pub fn parse_command(line: &str) -> Option<Action> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let control = |action, item: Option<&&str>| Some(Action::Control { action, item: item.map(|i| (*i).to_owned()) });
    match words.as_slice() {
        ["host", scenario] => Some(Action::Host { scenario: (*scenario).into(), title: None, follows: None, min_group: None }),
        ["host", scenario, "strict", k] => {
            Some(Action::Host { scenario: (*scenario).into(), title: None, follows: None, min_group: Some(k.parse().ok()?) })
        }
        ["preview", "on"] => Some(Action::Preview(true)),
        ["preview", "off"] => Some(Action::Preview(false)),
        ["join", code, team @ ..] => {
            Some(Action::Join { code: (*code).into(), name: None, team: (!team.is_empty()).then(|| team.join(" ")) })
        }
        ["watch", code] => Some(Action::Watch { code: (*code).into() }),
        ["resume", code, token] => Some(Action::Resume { code: (*code).into(), token: (*token).into() }),
        ["answer", item, option] => Some(Action::Answer { item: (*item).into(), option: (*option).into() }),
        ["predict", item, percent] => Some(Action::Predict { item: (*item).into(), percent: percent.parse().ok()? }),
        ["reason", item, text @ ..] if !text.is_empty() => Some(Action::Reason { item: (*item).into(), text: Some(text.join(" ")) }),
        ["drop_reason", item] => Some(Action::Reason { item: (*item).into(), text: None }),
        ["ask", item, what] => {
            let (predict, reasons) = match *what {
                "predict" => (true, false),
                "reasons" => (false, true),
                "both" => (true, true),
                "none" => (false, false),
                _ => return None,
            };
            Some(Action::Ask { item: (*item).into(), predict, reasons })
        }
        ["show_reason", id] => Some(Action::ShowReason(Some((*id).into()))),
        ["hide_reason"] => Some(Action::ShowReason(None)),
        ["open", item] => control(protocol::ControlAction::Open, Some(item)),
        ["close"] => control(protocol::ControlAction::Close, None),
        ["reveal"] => control(protocol::ControlAction::Reveal, None),
        ["start_timer"] => control(protocol::ControlAction::StartTimer, None),
        ["end"] => control(protocol::ControlAction::End, None),
        ["leave"] => Some(Action::Leave),
        ["sign_in"] => Some(Action::SignIn),
        ["cancel_sign_in"] => Some(Action::CancelSignIn),
        ["sign_out"] => Some(Action::SignOut),
        ["report"] => Some(Action::SaveReport),
        ["room_deck"] => Some(Action::SaveRoomDeck),
        ["statement", text @ ..] if !text.is_empty() => Some(Action::AddStatement { statement: text.join(" "), options: Vec::new() }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ControlAction;

    #[test]
    fn actions_become_protocol_messages() {
        let mut v = ViewState::new(crate::i18n::Lang::Nl, "ws://x/ws".into());
        v.error = Some("oud".into());
        let c = command(&Action::Answer { item: "a".into(), option: "eens".into() }, &mut v).pop();
        assert!(matches!(c, Some(NetCmd::Send(ClientMsg::Answer { ref item, .. })) if item == "a"));
        assert_eq!(v.pending, Some(("a".into(), "eens".into())));
        assert_eq!(v.error, None, "a new action clears the old error");
        let c = command(&Action::Control { action: ControlAction::Reveal, item: None }, &mut v).pop();
        assert!(matches!(c, Some(NetCmd::Send(ClientMsg::Control { action: ControlAction::Reveal, .. }))));
        let c = command(&Action::Join { code: "K7M2QX".into(), name: None, team: Some("Oost".into()) }, &mut v).pop();
        assert!(matches!(c, Some(NetCmd::Send(ClientMsg::Join { protocol: 1, ref team, .. })) if team.as_deref() == Some("Oost")));
    }

    #[test]
    fn text_commands() {
        assert_eq!(
            parse_command("join k7m2qx Wijkteam Oost"),
            Some(Action::Join { code: "k7m2qx".into(), name: None, team: Some("Wijkteam Oost".into()) })
        );
        assert_eq!(parse_command("open a"), Some(Action::Control { action: ControlAction::Open, item: Some("a".into()) }));
        assert_eq!(parse_command("reveal"), Some(Action::Control { action: ControlAction::Reveal, item: None }));
        assert_eq!(parse_command("resume K7M2QX t0k"), Some(Action::Resume { code: "K7M2QX".into(), token: "t0k".into() }));
        assert_eq!(parse_command("report"), Some(Action::SaveReport));
        assert_eq!(parse_command("dance"), None);
    }

    #[test]
    fn leaving_forgets_the_session_and_reconnects() {
        let mut v = ViewState::new(crate::i18n::Lang::En, "ws://x/ws".into());
        v.code = Some("K7M2QX".into());
        v.role = Some(protocol::Role::Player);
        let led = crate::settings::LedSession {
            server: "ws://x/ws".into(),
            code: "AAAAAA".into(),
            token: "t".into(),
            title: "Eerste".into(),
            date: "2026-08-29".into(),
            scenario: "test".into(),
        };
        v.led = vec![led.clone()];
        let c = command(&Action::Leave, &mut v).pop();
        assert!(matches!(c, Some(NetCmd::Connect { ref url, .. }) if url == "ws://x/ws"));
        assert_eq!((v.code, v.role, v.lang), (None, None, crate::i18n::Lang::En));
        assert_eq!(v.led, vec![led], "the sessions it led stay on offer for a follow-up");
    }
}
