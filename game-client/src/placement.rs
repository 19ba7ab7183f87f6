//! The window fits the screen it opens on: a size that fits that monitor (not a fixed 1600×900), and the size and place the person gave it last time.

use bevy::prelude::*;
use bevy::window::{Monitor, MonitorSelection, PrimaryMonitor, PrimaryWindow, WindowPosition};
use serde::{Deserialize, Serialize};

use crate::settings::Remember;

/// The wanted size when nothing else says: what the screens are laid out for first.
pub const PREFERRED: (f32, f32) = (1600.0, 900.0);

/// Where the window was and how big (logical pixels), as the settings keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub x: Option<i32>,
    #[serde(default)]
    pub y: Option<i32>,
}

/// How the window is sized at the start: a size from the command line stays as it is.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub enum StartSize {
    Given,
    /// Fit the monitor (or take the remembered placement); done once the monitor is known.
    Fit {
        done: bool,
    },
}

/// A window of `wanted` on a monitor of `monitor` (both logical): the wanted size where it fits,
/// else as much of the monitor as leaves room for a task bar and the window's frame.
pub fn fitted(monitor: (f32, f32), wanted: (f32, f32)) -> (f32, f32) {
    let room = (monitor.0 * 0.96, monitor.1 * 0.9);
    (wanted.0.min(room.0).round(), wanted.1.min(room.1).round())
}

pub fn plugin(app: &mut App) {
    app.add_systems(Update, (fit_to_monitor, remember_placement));
}

/// The first time the monitor is known: the remembered placement (if it still fits that
/// monitor), otherwise the preferred size fitted to it, centred.
fn fit_to_monitor(
    mut start: ResMut<StartSize>,
    remember: Res<Remember>,
    monitors: Query<&Monitor, With<PrimaryMonitor>>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    let StartSize::Fit { done: false } = *start else { return };
    let (Ok(monitor), Ok(mut window)) = (monitors.single(), windows.single_mut()) else { return };
    let scale = monitor.scale_factor as f32;
    let screen = (monitor.physical_width as f32 / scale, monitor.physical_height as f32 / scale);
    let kept = remember.settings.window.filter(|p| p.width as f32 <= screen.0 && p.height as f32 <= screen.1);
    let (w, h) = kept.map_or_else(|| fitted(screen, PREFERRED), |p| (p.width as f32, p.height as f32));
    window.resolution.set(w, h);
    window.position = match kept.and_then(|p| Some(IVec2::new(p.x?, p.y?))) {
        Some(at) => WindowPosition::At(at),
        None => WindowPosition::Centered(MonitorSelection::Primary),
    };
    *start = StartSize::Fit { done: true };
}

/// Keeps the window's size and place in the settings as the person changes them.
fn remember_placement(
    start: Res<StartSize>,
    windows: Query<&Window, (With<PrimaryWindow>, Changed<Window>)>,
    mut remember: ResMut<Remember>,
) {
    if *start == (StartSize::Fit { done: false }) {
        return;
    }
    let Ok(window) = windows.single() else { return };
    if window.mode != bevy::window::WindowMode::Windowed {
        return;
    }
    let at = match window.position {
        WindowPosition::At(p) => Some(p),
        _ => None,
    };
    let now =
        Placement { width: window.width().round() as u32, height: window.height().round() as u32, x: at.map(|p| p.x), y: at.map(|p| p.y) };
    if remember.settings.window != Some(now) {
        remember.settings.window = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_fits_the_monitor_it_opens_on() {
        assert_eq!(fitted((1920.0, 1080.0), PREFERRED), (1600.0, 900.0), "a big screen: the preferred size");
        assert_eq!(fitted((1366.0, 768.0), PREFERRED), (1311.0, 691.0), "a municipal laptop: inside its screen");
        assert_eq!(fitted((1280.0, 720.0), PREFERRED), (1229.0, 648.0));
        assert_eq!(fitted((3840.0, 2160.0), (1600.0, 900.0)), (1600.0, 900.0));
    }

    #[test]
    fn the_remembered_place_is_used_and_the_monitor_decides_otherwise() {
        let mut app = App::new();
        app.insert_resource(StartSize::Fit { done: false }).insert_resource(Remember::load(None)).add_systems(Update, fit_to_monitor);
        app.world_mut().spawn((
            Monitor {
                name: None,
                physical_height: 768,
                physical_width: 1366,
                physical_position: IVec2::ZERO,
                refresh_rate_millihertz: None,
                scale_factor: 1.0,
                video_modes: vec![],
            },
            PrimaryMonitor,
        ));
        let window = app.world_mut().spawn((Window::default(), PrimaryWindow)).id();
        app.update();
        let w = app.world().get::<Window>(window).unwrap();
        assert_eq!((w.width(), w.height()), (1311.0, 691.0));
        assert_eq!(w.position, WindowPosition::Centered(MonitorSelection::Primary));
        // Next start: where the person left it, when it still fits.
        let mut app = App::new();
        let mut remember = Remember::load(None);
        remember.settings.window = Some(Placement { width: 1200, height: 700, x: Some(40), y: Some(20) });
        app.insert_resource(StartSize::Fit { done: false }).insert_resource(remember).add_systems(Update, fit_to_monitor);
        app.world_mut().spawn((
            Monitor {
                name: None,
                physical_height: 1536,
                physical_width: 2732,
                physical_position: IVec2::ZERO,
                refresh_rate_millihertz: None,
                scale_factor: 2.0,
                video_modes: vec![],
            },
            PrimaryMonitor,
        ));
        let window = app.world_mut().spawn((Window::default(), PrimaryWindow)).id();
        app.update();
        let w = app.world().get::<Window>(window).unwrap();
        assert_eq!((w.width(), w.height(), w.position), (1200.0, 700.0, WindowPosition::At(IVec2::new(40, 20))));
    }
}
