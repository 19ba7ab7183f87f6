//! The network plugin: what the network thread receives moves into the view, the screen follows the
//! view, and what a person asked for goes out to the server.

use std::time::Instant;

use bevy::prelude::*;

use crate::actions;
use crate::connection_thread::{NetEvent, NetHandle};
use crate::ui::{self, Action, Screen};
use crate::view::ViewState;

#[derive(Resource)]
pub struct Net(pub NetHandle);

/// Follows the server through `net`, starting from `view`. Every client has this, windowed or not.
pub fn plugin(app: &mut App, view: ViewState, net: NetHandle) {
    app.init_state::<Screen>()
        .add_message::<Action>()
        .insert_resource(view)
        .insert_resource(Net(net))
        .add_systems(Update, (send_asked, pump_network, follow_screen).chain().in_set(crate::app::Frame::Receive));
    crate::app::order(app);
}

/// Asks for `action` as a click would: the plugins that handle it see it on the next update.
pub fn perform(world: &mut World, action: &Action) {
    world.write_message(action.clone());
}

/// Sends what people asked for, updating the view for what happens locally (a pending answer).
fn send_asked(mut asked: MessageReader<Action>, mut view: ResMut<ViewState>, net: Res<Net>) {
    for action in asked.read() {
        for cmd in actions::command(action, &mut view) {
            net.0.send(cmd);
        }
    }
}

/// Moves what the network thread received into the view; the files the server sends go to the
/// plugins that handle them (the report writer, the deck editor), where those are part of the app.
pub fn pump_network(
    mut net: ResMut<Net>,
    mut view: ResMut<ViewState>,
    mut reports: Option<ResMut<crate::report::ReportInbox>>,
    mut decks: Option<ResMut<crate::editor::DeckInbox>>,
) {
    use protocol::ServerMsg;
    while let Some(event) = net.0.try_recv() {
        match event {
            NetEvent::Msg(ServerMsg::Report { code, format, content, series, files }) => {
                if let Some(inbox) = reports.as_mut() {
                    inbox.0.push(crate::report::Received { code, format, content, series, files });
                }
            }
            NetEvent::Msg(ServerMsg::Deck { id, content }) => {
                if let Some(inbox) = decks.as_mut() {
                    inbox.0 = Some((id, content));
                }
            }
            event => view.apply(event, Instant::now()),
        }
    }
}

/// Keeps the `Screen` state in step with what the server says.
pub fn follow_screen(view: Res<ViewState>, screen: Res<State<Screen>>, mut next: ResMut<NextState<Screen>>) {
    let wanted = ui::screen_for(&view);
    if *screen.get() != wanted {
        next.set(wanted);
    }
}
