//! The screens: each is a plain function of the view that returns what the person asked for.

pub mod editor;
pub mod ended;
pub mod facilitator;
pub mod item;
pub mod keys;
pub mod signin;
pub mod stage;
pub mod start;
pub mod theme;
pub mod widgets;
pub mod zoom;

use bevy::prelude::{Resource, States};
use bevy_egui::egui;
use protocol::{ControlAction, Phase, Role};

use crate::view::ViewState;

/// The screen shown, always derived from the server's state (see [`screen_for`]).
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Connect,
    Lobby,
    Item,
    Results,
    Facilitator,
    Ended,
}

pub fn screen_for(view: &ViewState) -> Screen {
    match (view.role, view.phase()) {
        (None, _) | (_, None) => Screen::Connect,
        (Some(_), Some(Phase::Ended)) => Screen::Ended,
        (Some(Role::Facilitator), _) => Screen::Facilitator,
        (Some(_), Some(Phase::Lobby)) => Screen::Lobby,
        (Some(_), Some(Phase::Revealed)) => Screen::Results,
        (Some(_), Some(Phase::Scene | Phase::Open | Phase::Closed)) => Screen::Item,
    }
}

/// What a person asked for on a screen; the plugins turn it into messages to the server, a saved
/// report or a remembered setting.
#[derive(Debug, Clone, PartialEq, Eq, bevy::prelude::Message)]
pub enum Action {
    Connect {
        server: String,
    },
    RefreshScenarios,
    /// Start a session; `follows` makes it the follow-up of one this client led earlier.
    Host {
        scenario: String,
        title: Option<String>,
        follows: Option<protocol::FollowUp>,
        min_group: Option<u32>,
    },
    Join {
        code: String,
        name: Option<String>,
        team: Option<String>,
    },
    Watch {
        code: String,
    },
    /// Go on with a session from an earlier run of the app.
    Resume {
        code: String,
        token: String,
    },
    Answer {
        item: String,
        option: String,
    },
    Control {
        action: ControlAction,
        item: Option<String>,
    },
    SaveReport,
    /// Save the report of the whole series (this session, the ones it follows, its follow-ups).
    SaveSeriesReport,
    /// Switch the high-contrast theme on or off (remembered).
    HighContrast(bool),
    /// Switch the chime at the end of a sketch's countdown on or off (remembered).
    Sound(bool),
    /// Record an agreement of the group, linked to an item or to none.
    Agreement {
        text: String,
        item: Option<String>,
    },
    /// Take agreement `number` back.
    DropAgreement(u32),
    /// A player's guess of the share of the room choosing the item's first option.
    Predict {
        item: String,
        percent: u32,
    },
    /// A player's reason for their answer (`None`: withdraw it).
    Reason {
        item: String,
        text: Option<String>,
    },
    /// The facilitator turns guessing and reasons on or off for an item.
    Ask {
        item: String,
        predict: bool,
        reasons: bool,
    },
    /// The facilitator's private preview of the live result, on or off.
    Preview(bool),
    /// Leave the remembered server and host one on this laptop again.
    HostHere,
    /// The facilitator puts a reason on the projector (its id), or takes it down.
    ShowReason(Option<String>),
    /// The facilitator adds a statement from the room (no options: eens / oneens / hangt ervan af).
    AddStatement {
        statement: String,
        options: Vec<String>,
    },
    /// Save the session's statements from the room as a deck file for trainers.
    SaveRoomDeck,
    /// Ask the server for deck `id`'s file, to edit it.
    OpenDeck(String),
    /// Save this deck file on the server (checked there again).
    SaveDeck(String),
    /// Open a deck file from disk in the editor.
    ImportDeck(String),
    /// Write the deck being edited to a file on disk (also a draft with problems).
    ExportDeck {
        path: String,
        content: String,
    },
    Leave,
    /// The session was opened on another device: go on here instead.
    TakeOver,
    /// Sign this app in at the server with the municipality's account (the system browser).
    SignIn,
    /// Stop waiting for the browser's sign-in.
    CancelSignIn,
    /// End this app's sign-in at the server.
    SignOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartTab {
    #[default]
    Host,
    Join,
    Watch,
    /// The trainers' deck editor.
    Decks,
}

/// What is being typed and ticked on this client, per screen; local, never from the server.
#[derive(Debug, Clone, Default, Resource)]
pub struct Form {
    /// The chime at the end of a sketch's countdown (the settings keep it).
    pub sound: bool,
    pub start: StartForm,
    pub lead: LeadForm,
    pub play: PlayForm,
    pub edit: EditForm,
}

/// The start screen: its tab, the server, the session to lead (deck, title, follow-up, strictness)
/// and the code, name and team to join with.
#[derive(Debug, Clone, Default)]
pub struct StartForm {
    pub tab: StartTab,
    pub server: String,
    pub scenario: Option<String>,
    pub title: String,
    /// The code of an earlier session (one this client led) the new one follows.
    pub follows: Option<String>,
    /// A stricter room: results shown from this many answers (3 to 10; below 3 counts as 3).
    pub min_group: u32,
    pub code: String,
    pub name: String,
    pub team: String,
}

/// The facilitator's screen: ending (asked to confirm), an agreement and a statement from the room being typed.
#[derive(Debug, Clone, Default)]
pub struct LeadForm {
    /// The facilitator asked to end the session (button or Shift+E) and is asked to confirm.
    pub confirm_end: bool,
    /// An agreement being written, and whether it is about the item on screen (or about none).
    pub agreement: String,
    pub agreement_loose: bool,
    /// A statement from the room being typed, and its answers ("Ja / Nee"; empty for the default ones).
    pub statement: String,
    pub statement_options: String,
    /// Once the session has started the join bar is a strip with the code; the QR code opens on request.
    pub show_qr: bool,
}

/// A player's screen: a guess being set (item, percent), and a reason being written.
#[derive(Debug, Clone, Default)]
pub struct PlayForm {
    pub guess: Option<(String, u32)>,
    pub reason: String,
}

/// The deck editor: the deck open in it, and a file path typed on its list.
#[derive(Debug, Clone, Default)]
pub struct EditForm {
    pub editor: Option<editor::Editor>,
    pub deck_path: String,
}

/// A connection closed for good: why, what to do, and (when it helps) a button to go on here.
fn closed(ui: &mut egui::Ui, view: &ViewState, why: crate::connection_thread::Final) -> Option<Action> {
    let l = view.lang;
    let mut action = None;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.add_space(40.0);
        let (title, text) = match why {
            crate::connection_thread::Final::ProtocolMismatch => (
                l.pick("Deze app past niet bij de server", "This app does not match the server"),
                l.pick(
                    "De app en de server spreken een andere versie van het protocol. Werk de app bij (of vraag de beheerder welke versie de server heeft); opnieuw proberen helpt niet.",
                    "The app and the server speak different protocol versions. Update the app (or ask which version the server runs); trying again will not help.",
                ),
            ),
            crate::connection_thread::Final::OpenedElsewhere => (
                l.pick("Je speelt nu op een ander apparaat verder", "You went on on another device"),
                l.pick(
                    "Deze sessie is met jouw sleutel op een ander apparaat of venster geopend; daarom is hij hier gesloten. Wil je toch hier verder? Dan sluit het andere.",
                    "This session was opened with your key on another device or window, so it was closed here. Go on here instead? Then the other one closes.",
                ),
            ),
        };
        ui.label(egui::RichText::new(title).size(34.0).strong());
        ui.add_space(10.0);
        ui.label(egui::RichText::new(text).size(22.0));
        ui.add_space(20.0);
        if why == crate::connection_thread::Final::OpenedElsewhere && widgets::primary(ui, l.pick("Hier verder spelen", "Go on here")) {
            action = Some(Action::TakeOver);
        }
        if ui.button(l.pick("Terug naar het begin", "Back to the start")).clicked() {
            action = Some(Action::Leave);
        }
    });
    action
}

/// Draws the whole window for `screen` into `ui`.
pub fn draw(
    ui: &mut egui::Ui,
    screen: Screen,
    view: &ViewState,
    form: &mut Form,
    report: &crate::report::ReportStatus,
    now: std::time::Instant,
) -> Option<Action> {
    if let Some(why) = view.closed_for_good() {
        return closed(ui, view, why);
    }
    if view.is_offline() && screen != Screen::Connect {
        egui::Panel::top("offline").frame(egui::Frame::new().fill(theme::of(ui).warning).inner_margin(egui::Margin::same(10))).show(
            ui,
            |ui| {
                ui.label(
                    egui::RichText::new(view.lang.pick(
                        "Verbinding verbroken, opnieuw verbinden… Tot dan doen de knoppen niets; daarna werkt alles weer.",
                        "Connection lost, reconnecting… Until then the buttons do nothing; afterwards everything works again.",
                    ))
                    .size(24.0)
                    .strong(),
                );
            },
        );
    }
    // Only the projector's window is a stage that sizes itself to the screen.
    if view.role != Some(protocol::Role::Watcher) {
        stage::leave(ui.ctx());
    }
    let clicked = match screen {
        Screen::Connect => start::panel(ui, view, form),
        Screen::Facilitator => facilitator::panel(ui, view, form, now),
        Screen::Lobby | Screen::Item | Screen::Results => item::panel(ui, view, form, now),
        Screen::Ended => ended::panel(ui, view, report),
    };
    let action = clicked.or_else(|| keys::shortcut(ui.ctx(), screen, view));
    if screen != Screen::Facilitator {
        // Ended some other way (or left): the question does not come back in the next session.
        form.lead.confirm_end = false;
        return action;
    }
    confirm_end(ui, view, form, action)
}

/// Ending cannot be undone: asked for with a button or Shift+E, it is asked once more.
fn confirm_end(ui: &mut egui::Ui, view: &ViewState, form: &mut Form, mut action: Option<Action>) -> Option<Action> {
    if matches!(action, Some(Action::Control { action: protocol::ControlAction::End, .. })) {
        form.lead.confirm_end = true;
        action = None;
    }
    if !form.lead.confirm_end {
        return action;
    }
    let l = view.lang;
    let asked = egui::Modal::new(egui::Id::new("confirm-end")).show(ui.ctx(), |ui| {
        ui.set_max_width(560.0);
        ui.label(egui::RichText::new(l.pick("Sessie beëindigen?", "End the session?")).size(28.0).strong());
        ui.label(
            egui::RichText::new(l.pick("Deelnemers kunnen daarna niet meer antwoorden.", "Participants can no longer answer after that."))
                .size(22.0),
        );
        ui.add_space(12.0);
        let mut chosen = None;
        ui.horizontal(|ui| {
            if ui.button(egui::RichText::new(l.pick("Beëindigen", "End")).size(22.0)).clicked() {
                chosen = Some(true);
            }
            if widgets::primary(ui, l.pick("Doorgaan", "Go on")) {
                chosen = Some(false);
            }
        });
        chosen
    });
    match asked.inner {
        Some(end) => {
            form.lead.confirm_end = false;
            end.then_some(Action::Control { action: protocol::ControlAction::End, item: None })
        }
        // Escape or a click beside it: go on.
        None if asked.should_close() => {
            form.lead.confirm_end = false;
            None
        }
        None => None,
    }
}
