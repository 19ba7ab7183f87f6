//! Every example of the wire contract, written out literally, parses and serialises back to the same JSON.

use protocol::{ClientMsg, ControlAction, ErrorCode, PROTOCOL_VERSION, Phase, ServerMsg};
use serde_json::Value;

fn client_round_trip(json: &str) -> ClientMsg {
    let msg: ClientMsg = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let back = serde_json::to_value(&msg).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(json).unwrap(), "{json}");
    msg
}

fn server_round_trip(json: &str) -> ServerMsg {
    let msg: ServerMsg = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let back = serde_json::to_value(&msg).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(json).unwrap(), "{json}");
    msg
}

const SESSION: &str = r#"{"code":"K7M2QX","title":"Team Wijken, 3 maart","scenario":"samen-werken","language":"nl",
 "phase":"open","index":2,"count":14,"participants":23,"answered":17,
 "item":{"id":"groen-speeltuin","kind":"dilemma",
         "statement":"Bewoners mogen het groen in de speeltuin in hun wijk zelf beheren.",
         "options":[{"id":"eens","label":"Eens"},{"id":"oneens","label":"Oneens"},{"id":"hangt_af","label":"Hangt ervan af"}]},
 "timer":null}"#;

#[test]
fn version_is_one() {
    assert_eq!(PROTOCOL_VERSION, 1);
}

#[test]
fn opening_messages() {
    assert_eq!(client_round_trip(r#"{"type":"list_scenarios","protocol":1}"#).opening_protocol(), Some(1));
    client_round_trip(r#"{"type":"create_session","protocol":1,"scenario":"samen-werken","title":"Team Wijken, 3 maart"}"#);
    let join = client_round_trip(r#"{"type":"join","protocol":1,"code":"K7M2QX","name":"Sanne","team":"Wijkteam Oost"}"#);
    assert!(matches!(join, ClientMsg::Join { ref team, .. } if team.as_deref() == Some("Wijkteam Oost")));
    client_round_trip(r#"{"type":"join","protocol":1,"code":"K7M2QX"}"#);
    client_round_trip(r#"{"type":"watch","protocol":1,"code":"K7M2QX"}"#);
    client_round_trip(r#"{"type":"resume","protocol":1,"code":"K7M2QX","token":"abc"}"#);
}

#[test]
fn player_and_facilitator_messages() {
    let a = client_round_trip(r#"{"type":"answer","item":"groen-speeltuin","option":"eens"}"#);
    assert_eq!(a.opening_protocol(), None);
    let c = client_round_trip(r#"{"type":"control","action":"open","item":"groen-speeltuin"}"#);
    assert!(matches!(c, ClientMsg::Control { action: ControlAction::Open, .. }));
    for action in ["close", "reveal", "start_timer", "end"] {
        client_round_trip(&format!(r#"{{"type":"control","action":"{action}"}}"#));
    }
}

#[test]
fn unknown_fields_are_ignored_and_unknown_types_refused() {
    let m: ClientMsg = serde_json::from_str(r#"{"type":"answer","item":"a","option":"eens","extra":[1,2]}"#).unwrap();
    assert_eq!(m, ClientMsg::Answer { item: "a".into(), option: "eens".into() });
    assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"dance"}"#).is_err());
}

#[test]
fn server_messages() {
    server_round_trip(
        r#"{"type":"scenarios","scenarios":[{"id":"samen-werken","title":"Samen werken aan de stad","language":"nl","items":14}]}"#,
    );
    let welcome = server_round_trip(&format!(
        r#"{{"type":"welcome","role":"player","code":"K7M2QX","token":"t0k3n","player_id":"p7","session":{SESSION}}}"#
    ));
    let ServerMsg::Welcome { session, .. } = welcome else { panic!() };
    assert_eq!(session.phase, Phase::Open);
    assert_eq!(session.item.unwrap().options.len(), 3);
    server_round_trip(&format!(r#"{{"type":"session","session":{SESSION}}}"#));
    server_round_trip(
        r#"{"type":"tally","item":"groen-speeltuin","total":23,"counts":{"eens":10,"oneens":8,"hangt_af":5},"percentages":{"eens":43,"oneens":35,"hangt_af":22},"teams":{"Wijkteam Oost":{"total":7,"counts":{"eens":3,"oneens":3,"hangt_af":1},"percentages":{"eens":43,"oneens":43,"hangt_af":14}}}}"#,
    );
    server_round_trip(r#"{"type":"answer_ack","item":"groen-speeltuin","option":"eens"}"#);
    server_round_trip(r#"{"type":"role","item":"subsidie-beoordelaar","role":"Initiatiefnemer","briefing":"Je vindt het lastig."}"#);
    let e = server_round_trip(r#"{"type":"error","code":"voting_closed","message":"Stemmen op deze stelling is gesloten."}"#);
    assert_eq!(e, ServerMsg::Error { code: ErrorCode::VotingClosed, message: "Stemmen op deze stelling is gesloten.".into() });
}

#[test]
fn sketch_items_and_timers() {
    let json = r#"{"type":"session","session":{"code":"K7M2QX","title":"t","scenario":"s","phase":"open","index":0,"count":1,
      "participants":4,"answered":0,
      "item":{"id":"subsidie-beoordelaar","kind":"sketch","title":"Twee petten","situation":"Een initiatiefnemer…",
              "roles":["Ambtenaar","Initiatiefnemer"],"duration_s":120,"statement":"Het mag.","options":[{"id":"eens","label":"Eens"},{"id":"oneens","label":"Oneens"}],
              "prompts":["Wat zag je?"]},
      "timer":{"duration_s":120,"remaining_ms":83000},
      "items":[{"id":"subsidie-beoordelaar","kind":"sketch","title":"Twee petten","situation":"Een initiatiefnemer…","roles":["Ambtenaar","Initiatiefnemer"],"duration_s":120}]}}"#;
    let ServerMsg::Session { session } = server_round_trip(json) else { panic!() };
    assert_eq!(session.timer.unwrap().remaining_ms, 83_000);
    assert_eq!(session.items.unwrap().len(), 1);
}

#[test]
fn every_error_code_has_its_wire_name_and_a_sentence() {
    let codes = [
        (ErrorCode::BadRequest, "bad_request"),
        (ErrorCode::ProtocolMismatch, "protocol_mismatch"),
        (ErrorCode::UnknownSession, "unknown_session"),
        (ErrorCode::UnknownScenario, "unknown_scenario"),
        (ErrorCode::Unauthorized, "unauthorized"),
        (ErrorCode::UnknownItem, "unknown_item"),
        (ErrorCode::InvalidOption, "invalid_option"),
        (ErrorCode::VotingClosed, "voting_closed"),
        (ErrorCode::SessionEnded, "session_ended"),
        (ErrorCode::SessionFull, "session_full"),
        (ErrorCode::RateLimited, "rate_limited"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::InvalidTeam, "invalid_team"),
        (ErrorCode::StorageFailed, "storage_failed"),
    ];
    for (code, name) in codes {
        assert_eq!(serde_json::to_value(code).unwrap(), Value::String(name.into()));
        assert!(code.default_message().ends_with('.'));
    }
}

#[test]
fn the_type_tag_is_written_first() {
    // Clients may classify a frame by its first bytes without parsing it (the load generator does).
    let msgs = [
        ServerMsg::AnswerAck { item: "a".into(), option: "eens".into() },
        ServerMsg::Error { code: ErrorCode::BadRequest, message: "x".into() },
        ServerMsg::Tally(protocol::tally::tally("a", &["eens"], [], protocol::MinGroup::LEAST).for_the_room(protocol::MinGroup::LEAST)),
        ServerMsg::Role { item: "a".into(), role: "r".into(), briefing: "b".into() },
    ];
    for m in msgs {
        let json = serde_json::to_string(&m).unwrap();
        let tag = serde_json::to_value(&m).unwrap()["type"].as_str().unwrap().to_owned();
        assert!(json.starts_with(&format!(r#"{{"type":"{tag}""#)), "{json}");
    }
    let session: ServerMsg = serde_json::from_str(&format!(r#"{{"type":"session","session":{SESSION}}}"#)).unwrap();
    assert!(serde_json::to_string(&session).unwrap().starts_with(r#"{"type":"session""#));
}

/// The JSON values in the ```json blocks of docs/protocol.md, each with the block's first line.
fn documented_examples() -> Vec<(usize, Value)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md")).unwrap();
    let mut out = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (n, line) in doc.lines().enumerate() {
        match (&mut block, line.trim()) {
            (None, "```json") => block = Some((n + 2, String::new())),
            (Some((at, text)), "```") => {
                for v in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
                    out.push((*at, v.unwrap_or_else(|e| panic!("docs/protocol.md:{at}: not JSON: {e}"))));
                }
                block = None;
            }
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_message_example_in_docs_protocol_md_round_trips_through_the_types() {
    let mut messages = 0;
    for (at, v) in documented_examples() {
        // Fragments (a session object, a follow-up's `earlier`) are checked as part of the messages.
        if v.get("type").is_none() {
            continue;
        }
        messages += 1;
        let back = match (serde_json::from_value::<ClientMsg>(v.clone()), serde_json::from_value::<ServerMsg>(v.clone())) {
            (Ok(m), _) => serde_json::to_value(m).unwrap(),
            (_, Ok(m)) => serde_json::to_value(m).unwrap(),
            (Err(c), Err(s)) => panic!("docs/protocol.md:{at}: {v} is no message: as a client's, {c}; as the server's, {s}"),
        };
        assert_eq!(back, v, "docs/protocol.md:{at}: the example does not come back the same");
    }
    assert!(messages >= 40, "only {messages} examples found: is the extraction broken?");
}

#[test]
fn the_error_table_of_docs_protocol_md_lists_every_code_and_only_those() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md")).unwrap();
    let section = doc.split("\n### ").find(|s| s.starts_with("`error`")).expect("the `error` message's section");
    let section = section.split("| code | when |").nth(1).expect("its table of codes");
    let listed: Vec<ErrorCode> = section
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`').map(|(name, _)| name.to_owned()))
        .map(|name| {
            serde_json::from_value(Value::String(name.clone())).unwrap_or_else(|_| panic!("`{name}` in the table is no error code"))
        })
        .collect();
    for code in [
        ErrorCode::BadRequest,
        ErrorCode::ProtocolMismatch,
        ErrorCode::UnknownSession,
        ErrorCode::UnknownScenario,
        ErrorCode::Unauthorized,
        ErrorCode::UnknownItem,
        ErrorCode::InvalidOption,
        ErrorCode::VotingClosed,
        ErrorCode::SessionEnded,
        ErrorCode::SessionFull,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::InvalidTeam,
        ErrorCode::StorageFailed,
    ] {
        // A new code fails to compile here until it is listed (the match is exhaustive).
        match code {
            ErrorCode::BadRequest
            | ErrorCode::ProtocolMismatch
            | ErrorCode::UnknownSession
            | ErrorCode::UnknownScenario
            | ErrorCode::Unauthorized
            | ErrorCode::UnknownItem
            | ErrorCode::InvalidOption
            | ErrorCode::VotingClosed
            | ErrorCode::SessionEnded
            | ErrorCode::SessionFull
            | ErrorCode::RateLimited
            | ErrorCode::TooLarge
            | ErrorCode::InvalidTeam
            | ErrorCode::StorageFailed => {}
        }
        assert!(listed.contains(&code), "{code:?} is missing from the error table of docs/protocol.md");
    }
}
