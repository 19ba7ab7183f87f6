//! What the server shows of a session: the session object, items, options and timers as they travel on the wire.

use serde::{Deserialize, Serialize};

use crate::tally::MinGroup;

/// Where a session is in its flow. Sketches use the same phases, with a timer while played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Lobby,
    /// **(addition)** A sketch's scene: the roles are read and played; its statement (if any)
    /// takes answers only after it (`open`).
    Scene,
    Open,
    Closed,
    Revealed,
    Ended,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Lobby => "lobby",
            Phase::Scene => "scene",
            Phase::Open => "open",
            Phase::Closed => "closed",
            Phase::Revealed => "revealed",
            Phase::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        [Phase::Lobby, Phase::Scene, Phase::Open, Phase::Closed, Phase::Revealed, Phase::Ended].into_iter().find(|p| p.as_str() == s)
    }
}

/// Who a connection speaks for. Decides which messages are legal and what it gets to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Facilitator,
    Player,
    Watcher,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Facilitator => "facilitator",
            Role::Player => "player",
            Role::Watcher => "watcher",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Facilitator, Role::Player, Role::Watcher].into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Dilemma,
    Sketch,
    /// An open question for the conversation: nothing to answer on a screen.
    Question,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionView {
    pub id: String,
    pub label: String,
}

/// Countdown of a sketch being played; `remaining_ms` is 0 once it ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerView {
    pub duration_s: u32,
    pub remaining_ms: u64,
}

/// One item as a client renders it. Dilemmas carry `statement` and `options`; sketches carry
/// `title`, `situation`, `roles` and `duration_s`, and `statement`/`options` when they have a
/// follow-up statement. `prompts` is only in the facilitator's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: String,
    pub kind: ItemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub situation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionView>,
    /// A sketch's discussion questions: shown to everyone once the scene has been played.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
    /// The trainer's questions for the facilitator; never sent to players or watchers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<Vec<String>>,
    /// **(addition)** The result shapes each prompt suits, one list per prompt (facilitator only);
    /// absent when no prompt is tagged. See `fit` in docs/protocol.md.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt_fits: Vec<Vec<crate::fit::Shape>>,
    /// **(addition)** After answering, a player may guess the share of the room choosing the first option.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub predict: bool,
    /// **(addition)** After answering, a player may add a short anonymous reason.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reasons: bool,
    /// **(addition)** A statement the facilitator added during the session (from the room).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_room: bool,
    /// **(addition)** Facilitator only: the item was played in this session (it has answers, or
    /// its roles were drawn).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub played: bool,
}

/// The session object of the contract. `items` is only in the facilitator's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub code: String,
    pub title: String,
    pub scenario: String,
    /// The deck's language (`nl`, `en`), so a page shows its own words in the deck's language.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
    pub phase: Phase,
    pub index: Option<usize>,
    pub count: usize,
    pub participants: u32,
    pub answered: u32,
    pub item: Option<ItemView>,
    pub timer: Option<TimerView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemView>>,
    /// **(addition)** The earlier session this one follows, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowsView>,
    /// **(addition)** From how many answers a result is shown (3 unless the room is stricter).
    #[serde(default, skip_serializing_if = "MinGroup::is_default")]
    pub min_group: MinGroup,
    /// **(addition)** Facilitator only: the private preview of the live result is on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// **(addition)** Facilitator only: how many teams the session's members named. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub teams: usize,
}

/// The earlier session a follow-up is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowsView {
    pub title: String,
    /// The day it was played, `YYYY-MM-DD`.
    pub date: String,
    /// How many items the two sessions have in common (compared on reveal).
    pub compared: usize,
    /// The earlier session was deleted (retention): there is nothing left to compare with.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// One deck on offer, as listed by `list_scenarios`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    pub id: String,
    pub title: String,
    pub language: String,
    pub items: usize,
    /// **(addition)** How many of its items are sketches (the rest are statements). Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sketches: usize,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// **(addition)** The themes its items use, sorted: what the deck editor suggests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
