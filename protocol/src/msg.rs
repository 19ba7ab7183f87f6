//! The messages of wire protocol v1: what a client may send, what the server answers, and the error codes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::view::{Role, ScenarioSummary, SessionView};

/// Everything a client can send. Opening messages carry `protocol`; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    ListScenarios {
        protocol: u32,
    },
    CreateSession {
        protocol: u32,
        scenario: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// The trainers' key, when the server asks for one (`--create-key`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// **(addition)** This session follows an earlier, ended one of the same facilitator: its
        /// results are shown beside this session's (then versus now).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follows: Option<FollowUp>,
        /// **(addition)** A stricter room: results show from this many answers (3–10) instead of
        /// 3; never below the deck's own `min_group`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_group: Option<u32>,
        /// **(addition)** Start with the facilitator's private preview of the live result on
        /// (see [`ClientMsg::Preview`]); off when absent.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        preview: bool,
    },
    Join {
        protocol: u32,
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
    },
    Watch {
        protocol: u32,
        code: String,
    },
    Resume {
        protocol: u32,
        code: String,
        token: String,
    },
    /// **(addition)** A signed-in member of staff leads session `code` from this browser: the one who
    /// created it, a colleague it was handed to (`share`), or an operator. The welcome is a
    /// facilitator's, with a token of its own for this browser.
    Lead {
        protocol: u32,
        code: String,
    },
    /// **(addition)** The sessions of the signed-in member of staff, newest first; an operator
    /// with `all` gets every session on the server.
    MySessions {
        protocol: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        all: bool,
    },
    /// **(addition)** The one who created session `code` (or an operator) hands it to a colleague
    /// by the name the provider gives them (e-mail address or user name), or with `remove` takes it back.
    Share {
        protocol: u32,
        code: String,
        name: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        remove: bool,
    },
    /// **(addition)** The desktop app trades the one-time code its sign-in came back with (at its
    /// loopback address) and the PKCE verifier it began with for a sign-in token of its own.
    AppSignIn {
        protocol: u32,
        code: String,
        verifier: String,
    },
    /// **(addition)** Ends this connection's sign-in on the server (the desktop app's "sign out").
    SignOut {
        protocol: u32,
    },
    /// **(addition)** An operator reads the audit log (the newest lines).
    Audit {
        protocol: u32,
    },
    /// **(addition)** An operator deletes the ended sessions created more than `older_than_days`
    /// days ago (1–36500), with all their answers, as `session-server sessions purge` does.
    Purge {
        protocol: u32,
        older_than_days: u32,
    },
    /// **(addition)** A trainer asks for the file of deck `id`, to edit it. Needs the trainers'
    /// key on a server that has one; on a server without, only from the server's own machine.
    GetDeck {
        protocol: u32,
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// **(addition)** A trainer saves a deck file (TOML) on the server: checked like every deck,
    /// then written to the scenario folder under its `id`. Same permission as `get_deck`.
    SaveDeck {
        protocol: u32,
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// **(addition)** Only check the file (every problem, nothing written): answered by
        /// `deck_problems` or `deck_checked`, and allowed without the trainers' key.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        check: bool,
    },
    Answer {
        item: String,
        option: String,
    },
    Control {
        action: ControlAction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<String>,
    },
    /// The facilitator asks for the session's report (any phase, also after the end); with
    /// `series`, the report of the whole series the session belongs to (its earlier sessions and follow-ups).
    Export {
        format: ReportFormat,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        series: bool,
    },
    /// The facilitator records an agreement the group made, linked to an item (and so to its themes) or to none.
    Agreement {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<String>,
    },
    /// The facilitator takes back agreement `number` (a typo, or not agreed after all).
    DropAgreement {
        number: u32,
    },
    /// **(addition)** The facilitator turns the private preview on or off: with it on, the live
    /// result (percentages, teams, reasons) reaches the facilitator before the reveal; off (the
    /// default), only how many answered, so a facilitator screen on the projector gives nothing away.
    Preview {
        on: bool,
    },
    /// The facilitator turns guessing and reasons on or off for `item` (what the deck says is the start).
    Ask {
        item: String,
        predict: bool,
        reasons: bool,
    },
    /// A player who answered guesses what share of the room (0–100) chose the item's first option.
    Predict {
        item: String,
        percent: u32,
    },
    /// A player who answered adds or changes the reason for their answer (anonymous, one sentence).
    Reason {
        item: String,
        text: String,
    },
    /// A player withdraws their reason.
    DropReason {
        item: String,
    },
    /// The facilitator puts one reason on the projector (its `id` from `reasons`), or takes it down (`null`).
    ShowReason {
        #[serde(default)]
        reason: Option<String>,
    },
    /// The facilitator adds a statement the room came up with; it becomes the deck's last item.
    /// Without `options`, eens / oneens / hangt ervan af in the deck's language.
    AddStatement {
        statement: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        options: Vec<String>,
    },
}

impl ClientMsg {
    /// The protocol number of an opening message; `None` for in-session messages.
    pub fn opening_protocol(&self) -> Option<u32> {
        match self {
            ClientMsg::ListScenarios { protocol }
            | ClientMsg::CreateSession { protocol, .. }
            | ClientMsg::Join { protocol, .. }
            | ClientMsg::Watch { protocol, .. }
            | ClientMsg::Resume { protocol, .. }
            | ClientMsg::Lead { protocol, .. }
            | ClientMsg::MySessions { protocol, .. }
            | ClientMsg::Share { protocol, .. }
            | ClientMsg::Audit { protocol }
            | ClientMsg::SignOut { protocol }
            | ClientMsg::AppSignIn { protocol, .. }
            | ClientMsg::Purge { protocol, .. }
            | ClientMsg::GetDeck { protocol, .. }
            | ClientMsg::SaveDeck { protocol, .. } => Some(*protocol),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlAction {
    Open,
    Close,
    Reveal,
    StartTimer,
    End,
}

/// A file that comes with a report (a chart as SVG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFile {
    pub name: String,
    pub content: String,
}

/// One agreement of a session: a group statement, never with a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementView {
    pub number: u32,
    pub text: String,
    /// The item it came from, when it was linked to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
}

/// The longest reason, in characters (one sentence).
pub const REASON_MAX_CHARS: usize = 200;
/// The most reasons per option the facilitator is sent at once (a random sample of them); the rest are counted in `more`.
pub const REASONS_SHOWN_PER_OPTION: usize = 50;
/// The longest statement from the room, in characters, and the most a session may add.
pub const STATEMENT_MAX_CHARS: usize = 300;
pub const STATEMENTS_MAX: usize = 20;

/// The reasons given for one option, in random order, never with who gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonGroup {
    pub option: String,
    pub reasons: Vec<ReasonView>,
    /// How many more reasons this option has than are listed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u32,
}

/// One reason: its text and an id to put it on the projector with. The id says nothing about who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    pub id: String,
    pub text: String,
}

/// The reason on the projector: the text and the option it was given for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownReason {
    pub item: String,
    pub option: String,
    pub text: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The longest agreement, in characters, and the most a session holds.
pub const AGREEMENT_MAX_CHARS: usize = 300;
pub const AGREEMENTS_MAX: usize = 30;

/// Which earlier session a new one follows, with that session's facilitator token as proof
/// (**(addition)** or none, when the signed-in member of staff may lead it: see `lead`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
}

/// The most names a session can be handed to (`share`), and the longest name.
pub const SHARED_MAX: usize = 10;
pub const STAFF_NAME_MAX_CHARS: usize = 200;
/// The most sessions `my_sessions` lists (the newest).
pub const MY_SESSIONS_MAX: usize = 200;

/// **(addition)** One session in `my_sessions`: what the list shows, never anything of a participant
/// beyond how many joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub code: String,
    pub title: String,
    /// The day it was created (`YYYY-MM-DD`, the server's time zone).
    pub date: String,
    pub phase: crate::Phase,
    /// How many joined as participants.
    pub players: u32,
    /// The session it is a follow-up of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
    /// Whether the one who asks created it (else it was handed to them, or they are an operator).
    pub own: bool,
    /// To whom it was handed; listed to the one who created it and to operators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
}

/// The formats of a session's report: Markdown to read, CSV for Excel (semicolons), JSON for
/// programs; and TOML, the session's statements from the room as a deck file for trainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Md,
    Csv,
    Json,
    Toml,
}

impl ReportFormat {
    /// The file name extension, which is also the wire name.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Toml => "toml",
        }
    }
}

/// Everything the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Scenarios {
        scenarios: Vec<ScenarioSummary>,
        /// The address phones use when the server has one (`--public-url`): what the apps put in
        /// the QR code, instead of the address they reached the server at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_url: Option<String>,
        /// **(addition)** The server creates sessions only with the trainers' key (`--create-key`):
        /// a page asks for it. Absent when not.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        key_required: bool,
        /// **(addition)** The server signs staff in with the municipality's accounts (OpenID
        /// Connect): who is signed in on this browser. Absent on a server without accounts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accounts: Option<crate::Accounts>,
    },
    Welcome {
        role: Role,
        code: String,
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player_id: Option<String>,
        session: SessionView,
        /// A resumed player's own answers (item → option), so their choice shows again.
        /// Only ever sent to that player.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        answers: BTreeMap<String, String>,
        /// **(addition)** A resumed player's own guesses (item → percent); only ever to that player.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        guesses: BTreeMap<String, u32>,
        /// **(addition)** A resumed player's own reasons (item → text); only ever to that player.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        reasons: BTreeMap<String, String>,
    },
    Session {
        session: SessionView,
    },
    Tally(crate::tally::RoomTally),
    AnswerAck {
        item: String,
        option: String,
    },
    Role {
        item: String,
        role: String,
        briefing: String,
    },
    Error {
        code: ErrorCode,
        message: String,
    },
    /// **(addition)** The answer to `my_sessions`: newest first, at most [`MY_SESSIONS_MAX`].
    MySessions {
        sessions: Vec<StaffSession>,
    },
    /// **(addition)** The answer to `audit`: the newest lines of the log, oldest first.
    Audit {
        entries: Vec<crate::AuditEntry>,
    },
    /// **(addition)** The answer to `app_sign_in`: the app's token (sent as `Authorization: Bearer`
    /// at each handshake from now on), who it is, and for how many hours it lasts.
    AppSignedIn {
        token: String,
        account: crate::Account,
        hours: u32,
    },
    /// **(addition)** The answer to `sign_out`.
    SignedOut,
    /// **(addition)** The answer to `purge`: how many ended sessions were deleted.
    Purged {
        sessions: u32,
        older_than_days: u32,
    },
    /// **(addition)** The answer to `share`: to whom session `code` is handed now.
    Shared {
        code: String,
        shared: Vec<String>,
    },
    /// The file of a deck, as `get_deck` asked.
    Deck {
        id: String,
        content: String,
    },
    /// A deck file was checked and saved (`save_deck`); it is offered from now on.
    DeckSaved {
        id: String,
    },
    /// **(addition)** A deck file checked with `save_deck` and `check`: no problems (nothing written).
    DeckChecked {
        id: String,
    },
    /// A deck file was not saved: every problem in it, each with its line and column.
    DeckProblems {
        problems: Vec<crate::scenario::Problem>,
    },
    /// A player's guess is stored.
    Predicted {
        item: String,
        percent: u32,
    },
    /// A player's reason is stored (`text`), or withdrawn (`null`).
    ReasonAck {
        item: String,
        text: Option<String>,
    },
    /// The reasons for the item on screen, to the facilitator only: grouped by option, in random
    /// order, no identifiers; nothing (`withheld`) while fewer than three have answered.
    Reasons {
        item: String,
        groups: Vec<ReasonGroup>,
        #[serde(default, skip_serializing_if = "is_zero")]
        withheld: u32,
    },
    /// The reason the facilitator put on the projector, or `null` when it was taken down; to everyone.
    Shown {
        reason: Option<ShownReason>,
    },
    /// The session's agreements, to the facilitator and the projectors: on every change, and on joining.
    Agreements {
        agreements: Vec<AgreementView>,
    },
    /// The session's report, to the facilitator who asked (`export`). Group results only, as the room may see them.
    Report {
        code: String,
        format: ReportFormat,
        content: String,
        /// The report of the series (`export` with `series`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        series: bool,
        /// Files that belong beside it: a series report's charts, named as its Markdown refers to them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<ReportFile>,
    },
}

/// Machine-readable reason for an `error`; clients may translate by code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    ProtocolMismatch,
    UnknownSession,
    UnknownScenario,
    Unauthorized,
    UnknownItem,
    InvalidOption,
    VotingClosed,
    SessionEnded,
    SessionFull,
    RateLimited,
    TooLarge,
    /// A team name that is too long, has control characters, or would be one team too many.
    InvalidTeam,
    /// The server could not store the request (its disk is full or locked); nothing of it counts.
    StorageFailed,
}

impl ErrorCode {
    /// The Dutch sentence shown when nothing more specific is known.
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "Dit bericht begrijpt de server niet; controleer het formaat.",
            ErrorCode::ProtocolMismatch => "Deze app spreekt een andere protocolversie dan de server; werk de app bij.",
            ErrorCode::UnknownSession => "Deze code hoort bij geen sessie; controleer de code op het scherm.",
            ErrorCode::UnknownScenario => "Dit scenario bestaat niet op deze server; kies er een uit de lijst.",
            ErrorCode::Unauthorized => "Alleen de facilitator kan dit doen.",
            ErrorCode::UnknownItem => "Deze stelling hoort niet bij dit scenario.",
            ErrorCode::InvalidOption => "Dit antwoord hoort niet bij deze stelling; kies een van de knoppen.",
            ErrorCode::VotingClosed => "Stemmen op deze stelling is gesloten.",
            ErrorCode::SessionEnded => "Deze sessie is afgelopen.",
            ErrorCode::SessionFull => "Deze sessie is vol; vraag de facilitator om hulp.",
            ErrorCode::RateLimited => "Te veel berichten achter elkaar; de verbinding wordt gesloten.",
            ErrorCode::TooLarge => "Dit bericht is te groot (meer dan 16 KiB).",
            ErrorCode::InvalidTeam => "Deze teamnaam kan niet; kies een korte naam zonder stuurtekens of laat het veld leeg.",
            ErrorCode::StorageFailed => {
                "De server kon dit niet opslaan, dus het telt niet mee; probeer het zo opnieuw. Blijft het mislukken, laat de beheerder de schijf van de server nakijken."
            }
        }
    }
}

/// A refusal of a client's request: the code plus the sentence the person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal { code, message: message.into() }
    }
}

impl From<ErrorCode> for Refusal {
    fn from(code: ErrorCode) -> Self {
        Refusal::new(code, code.default_message())
    }
}

impl From<Refusal> for ServerMsg {
    fn from(r: Refusal) -> Self {
        ServerMsg::Error { code: r.code, message: r.message }
    }
}
