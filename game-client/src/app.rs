//! The Bevy app: the window, egui, the network pump, and the screen that follows the server's state.

use std::time::Duration;

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::EguiPlugin;
use protocol::{ClientMsg, PROTOCOL_VERSION};

use crate::connection_thread::{NetCmd, NetHandle};
use crate::embedded::Embedded;
use crate::i18n::Lang;
use crate::options::{Options, split_join};

/// The order of a frame, in one place for every plugin: what the server said comes in and the
/// screen follows it (`Receive`), then the plugins that react to it (`Follow`: the report writer,
/// the deck editor, the chime); in the egui pass the look is set (`Look`) before the screens are
/// drawn (`Draw`). Plugins put their systems in these sets instead of ordering themselves after
/// each other's systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frame {
    Receive,
    Follow,
    Look,
    Draw,
}

/// Orders the sets of [`Frame`]; the network plugin calls it, so an app built of some plugins only
/// (the tests') keeps the order too.
pub fn order(app: &mut App) {
    app.configure_sets(Update, (Frame::Receive, Frame::Follow).chain());
    app.configure_sets(bevy_egui::EguiPrimaryContextPass, (Frame::Look, Frame::Draw).chain());
}
use crate::settings::Remember;
use crate::ui::{Form, StartTab};
use crate::view::ViewState;

pub use crate::network::{Net, perform};

/// Builds the app from the command line: hosts a server here unless told where one is.
pub fn build(opts: Options) -> App {
    let lang = Lang::parse(&opts.lang).unwrap_or_default();
    let mut remember = Remember::load(crate::places::settings_file());
    let settings = &remember.settings.clone();
    let (join_server, join_code) = opts.join.as_deref().map(split_join).unzip();
    // The server chosen last time ("Verbind") is used again, unless the command line says otherwise.
    let (remote, remembered) = crate::embedded::server_to_use(opts.server.clone().or(join_server.flatten()), settings.server.as_deref());
    let mut startup_error = None;
    let embedded = match remote {
        Some(_) => None,
        None => match Embedded::start(opts.port, opts.db.clone(), opts.scenarios.clone()) {
            Ok(e) => Some(e),
            Err(message) => {
                startup_error = Some(message);
                None
            }
        },
    };
    let server = remote.or_else(|| embedded.as_ref().map(|e| e.url.clone())).unwrap_or_else(|| format!("ws://127.0.0.1:{}/ws", opts.port));
    let name = opts.name.clone().unwrap_or_else(|| settings.name.clone());
    let team = opts.team.clone().unwrap_or_else(|| settings.team.clone());
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let p = PROTOCOL_VERSION;
    let opening = match (&join_code, &opts.watch, &opts.token) {
        (Some(code), _, _) => ClientMsg::Join { protocol: p, code: code.clone(), name: nonempty(&name), team: nonempty(&team) },
        (_, Some(code), _) => ClientMsg::Watch { protocol: p, code: code.clone() },
        (_, _, Some(token)) => ClientMsg::Resume { protocol: p, code: opts.code.clone().unwrap_or_default(), token: token.clone() },
        _ => ClientMsg::ListScenarios { protocol: p },
    };
    let net = NetHandle::spawn();
    crate::account::restore(&net, &mut remember.settings, session_server::now_ms());
    net.send(NetCmd::Connect { url: server.clone(), opening });

    let mut view = ViewState::new(lang, server.clone());
    view.lan_ip = session_server::address::lan_ip();
    view.create_key = opts.create_key.clone();
    view.led = settings.led.clone();
    view.remembered_server = remembered;
    view.resumable = settings.last.clone().filter(|_| join_code.is_none() && opts.watch.is_none() && opts.token.is_none());
    view.error = startup_error;
    // A deck file named on the command line opens in the editor.
    let editor = opts.deck.as_ref().map(|path| {
        crate::ui::editor::Editor::read(&path.display().to_string()).map(|ed| crate::ui::editor::Editor {
            previewing: opts.deck_preview.is_some(),
            preview: opts.deck_preview.as_deref().and_then(protocol::Role::parse).unwrap_or(protocol::Role::Player),
            ..ed
        })
    });
    if let Some(Err(e)) = &editor {
        view.error = Some(e.clone());
    }
    let tab = if join_code.is_some() {
        StartTab::Join
    } else if editor.is_some() {
        StartTab::Decks
    } else {
        StartTab::Host
    };
    let form = Form {
        start: crate::ui::StartForm {
            tab,
            server,
            code: join_code.unwrap_or_default(),
            name,
            team,
            min_group: protocol::MinGroup::LEAST.get(),
            ..Default::default()
        },
        edit: crate::ui::EditForm { editor: editor.and_then(Result::ok), ..Default::default() },
        sound: remember.settings.sound,
        ..Form::default()
    };

    let given = opts.window_size();
    let (width, height) = given.unwrap_or((crate::placement::PREFERRED.0 as u32, crate::placement::PREFERRED.1 as u32));
    let start_size = if given.is_some() { crate::placement::StartSize::Given } else { crate::placement::StartSize::Fit { done: false } };
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: lang.pick("Samen werken aan de stad", "Working together on the city").into(),
                    resolution: (width, height).into(),
                    ..default()
                }),
                ..default()
            })
            .set(LogPlugin { filter: "warn,game_client=info,session_server=info,wgpu=error,naga=error".into(), ..default() }),
    )
    .add_plugins(EguiPlugin::default())
    .insert_resource(ClearColor(Color::srgb_u8(0xF4, 0xF1, 0xEA)))
    // Draw only when something happens: input, a network message (the network thread wakes the
    // event loop, see below), an egui animation or a running countdown (which asks for its next
    // second); otherwise a frame every 10 s at most.
    .insert_resource(WinitSettings {
        focused_mode: UpdateMode::reactive_low_power(Duration::from_secs(10)),
        unfocused_mode: UpdateMode::reactive_low_power(Duration::from_secs(10)),
    })
    .insert_resource(form)
    .insert_resource(start_size)
    .insert_resource(remember);
    if let Some(dir) = opts.reports {
        app.insert_resource(crate::report::ReportJob::to(dir));
    }
    crate::network::plugin(&mut app, view, net);
    crate::screens::plugin(&mut app);
    crate::settings::plugin(&mut app);
    crate::account::plugin(&mut app, true);
    crate::report::plugin(&mut app);
    crate::editor::plugin(&mut app);
    crate::sound::plugin(&mut app);
    crate::quiet::plugin(&mut app);
    crate::fullscreen::plugin(&mut app);
    crate::placement::plugin(&mut app);
    if let Some(proxy) = app.world().get_resource::<bevy::winit::EventLoopProxyWrapper>() {
        let proxy = (**proxy).clone();
        app.world().resource::<Net>().0.set_waker(move || {
            let _ = proxy.send_event(bevy::winit::WinitUserEvent::WakeUp);
        });
    }
    if let Some(e) = embedded {
        app.insert_resource(e);
    }
    app.insert_resource(crate::embedded::HostHere { port: opts.port, db: opts.db.clone(), scenarios: opts.scenarios.clone() })
        .add_systems(Update, crate::embedded::host_here);
    if let Some(path) = opts.screenshot {
        crate::screenshot::plugin(&mut app, path, opts.screenshot_after);
    }
    app
}

/// The client without a window: the same network thread, view and screen systems on Bevy's
/// MinimalPlugins, connected to `url`. Used by `dilemma-headless` and the tests. Keeps no settings.
pub fn headless(url: &str) -> App {
    headless_with(url, None)
}

/// [`headless`], with the settings in `settings` where given: its sign-ins (`sign_in`, `sign_out`;
/// the login address goes to standard error as `open: URL`) are kept there and used.
pub fn headless_with(url: &str, settings: Option<std::path::PathBuf>) -> App {
    let mut remember = Remember::load(settings);
    let net = NetHandle::spawn();
    crate::account::restore(&net, &mut remember.settings, session_server::now_ms());
    net.send(NetCmd::Connect { url: url.into(), opening: ClientMsg::ListScenarios { protocol: PROTOCOL_VERSION } });
    let mut app = App::new();
    // MinimalPlugins loops without pause by default: one busy core per headless client, which starved
    // a room of four client processes on two cores. 200 updates a second is plenty for a screen.
    let runner = bevy::app::ScheduleRunnerPlugin::run_loop(std::time::Duration::from_millis(5));
    app.add_plugins((MinimalPlugins.set(runner), bevy::state::app::StatesPlugin));
    crate::network::plugin(&mut app, ViewState::new(Lang::Nl, url.into()), net);
    crate::report::plugin(&mut app);
    app.insert_resource(remember);
    crate::account::plugin(&mut app, false);
    crate::settings::keep(&mut app);
    app
}
