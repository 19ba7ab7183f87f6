//! A timer the room can hear: when a sketch's countdown runs out, the facilitator's app and the
//! projector's app play a short chime (`assets/sounds/tijd-om.wav`, built into the app), unless the
//! setting is off. Players' apps stay quiet: the room hears it once, from the front.

use std::time::{Duration, Instant};

use bevy::audio::{AudioPlayer, AudioSource, PlaybackSettings};
use bevy::prelude::*;
use protocol::Role;

use crate::settings::Remember;
use crate::view::ViewState;

/// The chime, made by `scripts/make-chime.py`.
pub const CHIME: &[u8] = include_bytes!("../../assets/sounds/tijd-om.wav");

#[derive(Resource)]
struct Chime(Handle<AudioSource>);

/// The entity that plays the chime, while it plays.
#[derive(Component)]
pub struct TimeUpChime;

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, load).add_systems(Update, ring_when_time_is_up.in_set(crate::app::Frame::Follow));
}

fn load(mut commands: Commands, mut sources: ResMut<Assets<AudioSource>>) {
    commands.insert_resource(Chime(sources.add(AudioSource { bytes: CHIME.into() })));
}

/// Whether the chime is due: on the facilitator's or the room's screen, a countdown that was
/// running a moment ago (`before`) has now reached zero. A timer found at zero (a late join, a
/// restart of the app) does not ring.
pub fn time_up(role: Option<Role>, before: Option<Duration>, now: Option<Duration>) -> bool {
    let front = matches!(role, Some(Role::Facilitator | Role::Watcher));
    front && before.is_some_and(|b| !b.is_zero()) && now == Some(Duration::ZERO)
}

fn ring_when_time_is_up(
    view: Res<ViewState>,
    remember: Option<Res<Remember>>,
    chime: Option<Res<Chime>>,
    mut before: Local<Option<Duration>>,
    mut commands: Commands,
) {
    let now = view.remaining(Instant::now());
    let on = remember.is_none_or(|r| r.settings.sound);
    if on && time_up(view.role, *before, now) {
        let source = chime.map(|c| c.0.clone()).unwrap_or_default();
        commands.spawn((AudioPlayer(source), PlaybackSettings::DESPAWN, TimeUpChime));
    }
    *before = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chime_rings_once_at_the_front_when_a_running_countdown_ends() {
        let (f, w, p) = (Some(Role::Facilitator), Some(Role::Watcher), Some(Role::Player));
        let (zero, running) = (Some(Duration::ZERO), Some(Duration::from_millis(300)));
        assert!(time_up(f, running, zero));
        assert!(time_up(w, running, zero));
        assert!(!time_up(p, running, zero), "phones stay quiet");
        assert!(!time_up(f, zero, zero), "once");
        assert!(!time_up(f, None, zero), "found at zero: a late join or a restart");
        assert!(!time_up(f, running, running));
        assert!(!time_up(f, running, None), "the next item");
        assert!(!time_up(None, running, zero));
    }

    /// An app with the sound plugin, showing a sketch whose countdown has `left_ms` to go, as `role`.
    fn app(role: Role, sound: bool, left_ms: u64) -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::asset::AssetPlugin::default())).init_asset::<AudioSource>();
        let mut remember = Remember::load(None);
        remember.settings.sound = sound;
        let mut view = ViewState { role: Some(role), ..ViewState::default() };
        let timer = protocol::TimerView { duration_s: 120, remaining_ms: left_ms };
        view.session = Some(protocol::SessionView {
            code: "K7M2QX".into(),
            title: "t".into(),
            scenario: "s".into(),
            language: "nl".into(),
            phase: protocol::Phase::Open,
            index: Some(0),
            count: 1,
            participants: 5,
            answered: 0,
            item: None,
            timer: Some(timer),
            items: None,
            follows: None,
            min_group: Default::default(),
            preview: false,
            teams: 0,
        });
        view.session_at = Some(Instant::now());
        app.insert_resource(view).insert_resource(remember);
        plugin(&mut app);
        app
    }

    fn chimes(app: &mut App) -> usize {
        app.world_mut().query::<&TimeUpChime>().iter(app.world()).count()
    }

    #[test]
    fn the_facilitators_app_plays_the_chime_when_the_countdown_runs_out_unless_switched_off() {
        for (role, sound, rings) in
            [(Role::Facilitator, true, 1), (Role::Watcher, true, 1), (Role::Player, true, 0), (Role::Facilitator, false, 0)]
        {
            let mut app = app(role, sound, 150);
            app.update();
            assert_eq!(chimes(&mut app), 0, "not while the scene is played");
            std::thread::sleep(Duration::from_millis(200));
            app.update();
            app.update();
            assert_eq!(chimes(&mut app), rings, "{role:?}, sound {sound}");
        }
    }

    #[test]
    fn the_shipped_chime_is_a_short_wav() {
        assert_eq!(&CHIME[..4], b"RIFF");
        assert_eq!(&CHIME[8..12], b"WAVE");
        assert!(CHIME.len() < 100_000, "a short sound");
    }
}
