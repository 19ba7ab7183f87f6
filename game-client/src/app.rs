//! The Bevy app: the window, egui, the network pump, and the screen that follows the server's state.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::egui::{self, LayerId, UiBuilder};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass};
use protocol::{ClientMsg, PROTOCOL_VERSION};

use crate::embedded::Embedded;
use crate::i18n::Lang;
use crate::net::{NetCmd, NetHandle};
use crate::options::{Options, split_join};
use crate::settings::{self, Settings};
use crate::ui::{self, Action, Form, Screen, StartTab, theme};
use crate::view::ViewState;
use crate::{actions, screenshot};

#[derive(Resource)]
pub struct Net(pub NetHandle);

#[derive(Resource)]
struct Remember {
    settings: Settings,
    path: Option<PathBuf>,
}

/// Builds the app from the command line: hosts a server here unless told where one is.
pub fn build(opts: Options) -> App {
    let lang = Lang::parse(&opts.lang).unwrap_or_default();
    let path = settings::path();
    let settings = Settings::load_from(path.clone());
    let (join_server, join_code) = opts.join.as_deref().map(split_join).unzip();
    let remote = opts.server.clone().or(join_server.flatten());
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
    let server = remote
        .or_else(|| embedded.as_ref().map(|e| e.url.clone()))
        .unwrap_or_else(|| format!("ws://127.0.0.1:{}/ws", opts.port));
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
    net.send(NetCmd::Connect { url: server.clone(), opening });

    let mut view = ViewState::new(lang, server.clone());
    view.lan_ip = session_server::address::lan_ip();
    view.create_key = opts.create_key.clone();
    view.resumable = settings.last.clone().filter(|_| join_code.is_none() && opts.watch.is_none() && opts.token.is_none());
    view.error = startup_error;
    let form = Form {
        tab: if join_code.is_some() { StartTab::Join } else { StartTab::Host },
        server,
        code: join_code.unwrap_or_default(),
        name,
        team,
        ..Form::default()
    };

    let (width, height) = opts.window_size();
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
            .set(LogPlugin {
                filter: "warn,game_client=info,session_server=info,wgpu=error,naga=error".into(),
                ..default()
            }),
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
    .insert_resource(Remember { settings, path })
    .add_systems(Startup, spawn_camera)
    .add_systems(EguiPrimaryContextPass, (apply_theme.run_if(run_once), draw).chain());
    follow_the_server(&mut app, view, net);
    app.add_systems(Update, remember_session.after(follow_screen));
    crate::quiet::plugin(&mut app);
    crate::fullscreen::plugin(&mut app);
    crate::report::plugin(&mut app);
    if let Some(proxy) = app.world().get_resource::<bevy::winit::EventLoopProxyWrapper>() {
        let proxy = (**proxy).clone();
        app.world().resource::<Net>().0.set_waker(move || {
            let _ = proxy.send_event(bevy::winit::WinitUserEvent::WakeUp);
        });
    }
    if let Some(e) = embedded {
        app.insert_resource(e);
    }
    if let Some(path) = opts.screenshot {
        screenshot::plugin(&mut app, path, opts.screenshot_after);
    }
    app
}

/// The client without a window: the same network thread, view and screen systems on Bevy's
/// MinimalPlugins, connected to `url`. Used by `dilemma-headless` and the tests.
pub fn headless(url: &str) -> App {
    let net = NetHandle::spawn();
    net.send(NetCmd::Connect { url: url.into(), opening: ClientMsg::ListScenarios { protocol: PROTOCOL_VERSION } });
    let mut app = App::new();
    // MinimalPlugins loops without pause by default: one busy core per headless client, which starved
    // a room of four client processes on two cores. 200 updates a second is plenty for a screen.
    let runner = bevy::app::ScheduleRunnerPlugin::run_loop(std::time::Duration::from_millis(5));
    app.add_plugins((MinimalPlugins.set(runner), bevy::state::app::StatesPlugin));
    follow_the_server(&mut app, ViewState::new(Lang::Nl, url.into()), net);
    app
}

/// The part every client shares, windowed or not: the network thread's events move into the view,
/// and the screen follows the view.
fn follow_the_server(app: &mut App, view: ViewState, net: NetHandle) {
    app.init_state::<Screen>()
        .insert_resource(view)
        .insert_resource(Net(net))
        .add_systems(Update, (pump_network, follow_screen).chain());
}

/// Performs `action` in an app: what a click does, without the click.
pub fn perform(world: &mut World, action: &Action) {
    let Some(cmd) = actions::command(action, &mut world.resource_mut::<ViewState>()) else { return };
    world.resource::<Net>().0.send(cmd);
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}

fn apply_theme(mut contexts: EguiContexts, remember: Res<Remember>) -> Result {
    let ctx = contexts.ctx_mut()?;
    theme::apply(ctx);
    ui::zoom::apply(ctx, remember.settings.text_size);
    Ok(())
}

/// Moves what the network thread received into the view.
pub fn pump_network(mut net: ResMut<Net>, mut view: ResMut<ViewState>) {
    while let Some(event) = net.0.try_recv() {
        view.apply(event, Instant::now());
    }
}

/// Remembers the session this client is in (and forgets it when it ended or cannot be resumed),
/// so that a new start of the app can go on with it.
fn remember_session(view: Res<ViewState>, mut remember: ResMut<Remember>) {
    if !view.is_changed() {
        return;
    }
    let wanted = view.to_remember().or_else(|| view.resumable.clone());
    if remember.settings.last != wanted {
        remember.settings.last = wanted;
        remember.settings.save_to(remember.path.clone());
    }
}

/// Keeps the `Screen` state in step with what the server says.
pub fn follow_screen(view: Res<ViewState>, screen: Res<State<Screen>>, mut next: ResMut<NextState<Screen>>) {
    let wanted = ui::screen_for(&view);
    if *screen.get() != wanted {
        next.set(wanted);
    }
}

#[allow(clippy::too_many_arguments)] // a Bevy system: each argument is a resource it uses
fn draw(
    mut contexts: EguiContexts,
    screen: Res<State<Screen>>,
    mut view: ResMut<ViewState>,
    mut form: ResMut<Form>,
    net: Res<Net>,
    embedded: Option<Res<Embedded>>,
    mut remember: ResMut<Remember>,
    mut report: ResMut<crate::report::ReportJob>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if let Some(size) = ui::zoom::from_keys(&ctx, remember.settings.text_size) {
        ui::zoom::apply(&ctx, size);
        remember.settings.text_size = size;
        remember.settings.save_to(remember.path.clone());
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        UiBuilder::new().layer_id(LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    let Some(action) = ui::draw(&mut root, *screen.get(), &view, &mut form, Instant::now()) else { return Ok(()) };
    match &action {
        Action::Connect { server } => remember.settings.server = Some(server.clone()),
        Action::Join { .. } => {
            remember.settings.name = form.name.trim().to_owned();
            remember.settings.team = form.team.trim().to_owned();
        }
        _ => {}
    }
    if matches!(action, Action::Connect { .. } | Action::Join { .. }) {
        remember.settings.save_to(remember.path.clone());
    }
    if action == Action::SaveReport {
        let code = view.code.clone().unwrap_or_default();
        match embedded.as_deref() {
            Some(e) => crate::report::start(&mut report, &mut view, e.db.clone(), code),
            None => {
                view.error = Some(
                    view.lang
                        .pick("De server draait elders; exporteer daar met session-server export.", "The server runs elsewhere; export there with session-server export.")
                        .into(),
                )
            }
        }
    } else if let Some(cmd) = actions::command(&action, &mut view) {
        net.0.send(cmd);
    }
    Ok(())
}

