//! F11 puts the window full screen (the projector view at the back of the room) and back.

use bevy::input::ButtonInput;
use bevy::input::keyboard::KeyCode;
use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};

pub fn plugin(app: &mut App) {
    app.add_systems(Update, toggle);
}

/// On F11: full screen (borderless, on the monitor the window is on) when windowed, windowed otherwise.
pub fn toggle(keys: Res<ButtonInput<KeyCode>>, mut windows: Query<&mut Window, With<PrimaryWindow>>) {
    if !keys.just_pressed(KeyCode::F11) {
        return;
    }
    for mut window in &mut windows {
        window.mode = match window.mode {
            WindowMode::Windowed => WindowMode::BorderlessFullscreen(MonitorSelection::Current),
            _ => WindowMode::Windowed,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f11_goes_full_screen_and_back() {
        let mut app = App::new();
        app.insert_resource(ButtonInput::<KeyCode>::default()).add_systems(Update, toggle);
        let window = app.world_mut().spawn((Window::default(), PrimaryWindow)).id();
        let mode = |app: &App| app.world().get::<Window>(window).unwrap().mode;
        let press = |app: &mut App| {
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.reset_all();
            keys.press(KeyCode::F11);
            app.update();
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.release(KeyCode::F11);
            keys.clear();
        };
        app.update();
        assert_eq!(mode(&app), WindowMode::Windowed, "nothing pressed, nothing changes");
        press(&mut app);
        assert_eq!(mode(&app), WindowMode::BorderlessFullscreen(MonitorSelection::Current));
        press(&mut app);
        assert_eq!(mode(&app), WindowMode::Windowed);
    }
}
