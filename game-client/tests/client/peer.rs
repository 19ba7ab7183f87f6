//! A client without a window: its own network thread and view, driven by the same actions the screens produce.

use std::time::{Duration, Instant};

use game_client::actions;
use game_client::connection_thread::{NetCmd, NetHandle};
use game_client::i18n::Lang;
use game_client::ui::{Action, Screen, screen_for};
use game_client::view::ViewState;
use protocol::{ClientMsg, PROTOCOL_VERSION};

pub struct Peer {
    pub net: NetHandle,
    pub view: ViewState,
}

impl Peer {
    /// Connects to `url` the way the client does at start-up (listing the scenarios).
    pub fn connect(url: &str) -> Peer {
        let net = NetHandle::spawn();
        net.send(NetCmd::Connect { url: url.into(), opening: ClientMsg::ListScenarios { protocol: PROTOCOL_VERSION } });
        Peer { net, view: ViewState::new(Lang::Nl, url.into()) }
    }

    pub fn act(&mut self, action: Action) {
        for cmd in actions::command(&action, &mut self.view) {
            self.net.send(cmd);
        }
    }

    /// Applies network events until `done` holds for the view (up to 10 s).
    pub async fn until(&mut self, what: &str, done: impl Fn(&ViewState) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.view) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}; view: {:#?}", self.view);
            if let Some(ev) = self.net.recv_timeout(left).await {
                self.view.apply(ev, Instant::now());
            }
        }
    }

    pub async fn screen(&mut self, screen: Screen) {
        self.until(&format!("{screen:?}"), |v| screen_for(v) == screen).await;
    }
}
