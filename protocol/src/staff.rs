//! Staff accounts as the wire shows them: what a signed-in member of staff may do, and who they are.

use serde::{Deserialize, Serialize};

/// What a signed-in member of staff may do; each role may also do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Creates sessions and leads the ones they created.
    Facilitator,
    /// Also saves decks.
    Trainer,
    /// Also sees and ends any session, purges, and reads the audit log.
    Operator,
}

impl StaffRole {
    pub const ALL: [StaffRole; 3] = [StaffRole::Facilitator, StaffRole::Trainer, StaffRole::Operator];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Facilitator => "facilitator",
            StaffRole::Trainer => "trainer",
            StaffRole::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// **(addition)** On a server with staff accounts: whether this connection's browser is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounts {
    /// Who is signed in on this browser; `None` when nobody is (the page offers "sign in").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in: Option<Account>,
    /// The handshake carried a sign-in (the page's cookie, the app's token) that counts no longer:
    /// expired, signed out, or cleared away. Not set when the server could not look it up.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
}

/// A signed-in member of staff: the name the provider gave (e-mail address or user name) and the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub role: StaffRole,
}

/// **(addition)** One line of the operators' audit log (`audit`): who did what, when and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// `YYYY-MM-DD HH:MM`, UTC.
    pub at: String,
    /// The signed-in member of staff's name, or how it was done without a sign-in.
    pub who: String,
    pub action: String,
    /// The session's code or the deck's id (and what of it).
    pub what: String,
    /// The client's network address; empty for the command line and the server itself.
    pub client: String,
}

/// The most lines `audit` sends (the newest).
pub const AUDIT_SHOWN: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_reads_back_from_its_name_and_includes_the_ones_before_it() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        assert!(StaffRole::Operator > StaffRole::Trainer && StaffRole::Trainer > StaffRole::Facilitator);
        assert_eq!(StaffRole::parse("admin"), None);
    }
}
