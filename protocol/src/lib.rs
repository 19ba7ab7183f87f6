//! The shared language of a workshop: wire messages, scenario decks, the phase machine and tally arithmetic.
//!
//! No tokio, no Bevy: the server, the game client, the load generator and outside tools all lean on it.

pub mod codes;
pub mod date;
pub mod design;
pub mod fit;
pub mod flow;
pub mod msg;
pub mod scenario;
pub mod staff;
pub mod tally;
pub mod team;
pub mod view;

/// Sent as `"protocol"` in every opening message; a different number is refused with `protocol_mismatch`.
pub const PROTOCOL_VERSION: u32 = 1;

pub use msg::{
    AgreementView, ClientMsg, ControlAction, ErrorCode, FollowUp, ReasonGroup, ReasonView, Refusal, ReportFile, ReportFormat, ServerMsg,
    ShownReason, StaffSession,
};
pub use staff::{Account, Accounts, AuditEntry, StaffRole};
pub use tally::{EarlierTally, MinGroup, Prediction, RoomTally, Tally, TeamTally};
pub use view::{FollowsView, ItemKind, ItemView, OptionView, Phase, Role, ScenarioSummary, SessionView, TimerView};
