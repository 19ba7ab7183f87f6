//! Fuzz-style properties: whatever bytes or JSON a client sends and whatever text a trainer saves, decoding never panics and says what is wrong.
//!
//! Normal runs use proptest's default number of cases; `scripts/fuzz.sh` runs them with many more.

use proptest::prelude::*;
use protocol::ClientMsg;
use protocol::scenario::parse_deck;

/// Any JSON value, nested a few levels, with the field names the protocol uses among the keys.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("type".to_owned()),
        Just("protocol".to_owned()),
        Just("code".to_owned()),
        Just("item".to_owned()),
        Just("option".to_owned()),
        Just("action".to_owned()),
        Just("team".to_owned()),
        ".{0,8}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)),
        prop_oneof![Just("join".to_owned()), Just("answer".to_owned()), Just("control".to_owned()), ".{0,12}"]
            .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text that looks like a deck often enough to reach deep into the parser.
fn deck_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("id = \"d\"".to_owned()),
        Just("title = \"T\"".to_owned()),
        Just("language = \"nl\"".to_owned()),
        Just("[[item]]".to_owned()),
        Just("[[item.role]]".to_owned()),
        Just("[item.follow_up]".to_owned()),
        Just("kind = \"dilemma\"".to_owned()),
        Just("kind = \"sketch\"".to_owned()),
        Just("statement = \"S\"".to_owned()),
        Just("options = [\"a\", \"a\"]".to_owned()),
        Just("duration_s = 9999999999999".to_owned()),
        Just("prompts = [1, {x = 2}]".to_owned()),
        "[a-z_]{1,10} = \"[^\"\\\\]{0,10}\"",
        ".{0,20}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #[test]
    fn any_bytes_decode_to_a_message_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<ClientMsg>(&bytes);
    }

    #[test]
    fn any_json_decodes_to_a_message_that_survives_a_round_trip_or_to_an_error(v in json_value()) {
        if let Ok(msg) = serde_json::from_value::<ClientMsg>(v) {
            let again: ClientMsg = serde_json::from_str(&serde_json::to_string(&msg).unwrap()).unwrap();
            prop_assert_eq!(again, msg);
        }
    }

    #[test]
    fn any_text_is_a_deck_or_a_list_of_problems_each_with_a_place_and_a_sentence(src in prop_oneof![deck_text(), ".{0,400}"]) {
        if let Err(problems) = parse_deck("fuzz.toml", &src) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(p.line >= 1 && p.column >= 1, "{}", p);
                prop_assert!(p.message.len() > 10, "{}", p);
            }
        }
    }
}
