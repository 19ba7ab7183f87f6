//! Dutch first, English second: every text on screen comes through `Lang::pick`.

use protocol::ErrorCode;

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    protocol::date::utc_day(session_server::now_ms())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

/// "Onderdeel 3 van 23": where the room is in the deck, in the same words as the browser pages.
pub fn part_of(lang: Lang, number: usize, count: usize) -> String {
    match lang {
        Lang::Nl => format!("Onderdeel {number} van {count}"),
        Lang::En => format!("Part {number} of {count}"),
    }
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        [Lang::Nl, Lang::En].into_iter().find(|l| l.code() == s)
    }

    /// The ISO 639-1 code, as decks declare their language.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The text in this language; both are written side by side where the text is used.
    pub fn pick(self, nl: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

    /// The sentence for a server error: the server's own (Dutch) sentence, or an English one by code.
    pub fn error(self, code: ErrorCode, server_message: &str) -> String {
        if self == Lang::Nl {
            return server_message.to_owned();
        }
        match code {
            ErrorCode::BadRequest => "The server did not understand that request.",
            ErrorCode::ProtocolMismatch => "This app speaks another protocol version than the server; update the app.",
            ErrorCode::UnknownSession => "No session has this code; check the code on the screen.",
            ErrorCode::UnknownScenario => "This scenario does not exist on the server; pick one from the list.",
            ErrorCode::Unauthorized => "Only the facilitator can do that.",
            ErrorCode::UnknownItem => "That statement is not part of this scenario.",
            ErrorCode::InvalidOption => "That is not one of the answers; pick one of the buttons.",
            ErrorCode::VotingClosed => "Voting on this statement is closed.",
            ErrorCode::SessionEnded => "This session has ended.",
            ErrorCode::SessionFull => "This session is full; ask the facilitator.",
            ErrorCode::RateLimited => "Too many messages at once; the connection is closed.",
            ErrorCode::TooLarge => "That message is too large.",
            ErrorCode::InvalidTeam => "That team name cannot be used: at most 40 characters, no control characters, or pick an existing team.",
            ErrorCode::StorageFailed => "The server could not save this, so it does not count; try again. If it keeps failing, ask whoever runs the server to check its disk.",
        }
        .to_owned()
    }
}
