//! `--screenshot FILE`: saves a picture of the window after a few seconds, then quits (for docs and checks).

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

#[derive(Resource)]
struct Plan {
    path: PathBuf,
    after: f32,
    taken: bool,
    saved: bool,
}

pub fn plugin(app: &mut App, path: PathBuf, after: f32) {
    // A picture needs frames on time; the app otherwise sleeps until something happens.
    app.insert_resource(bevy::winit::WinitSettings::continuous())
        .insert_resource(Plan { path, after, taken: false, saved: false })
        .add_systems(Update, (shoot, quit_when_saved));
}

fn shoot(mut commands: Commands, time: Res<Time>, mut plan: ResMut<Plan>) {
    if plan.taken || time.elapsed_secs() < plan.after {
        return;
    }
    plan.taken = true;
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(plan.path.clone()))
        .observe(|_: On<ScreenshotCaptured>, mut plan: ResMut<Plan>| plan.saved = true);
}

fn quit_when_saved(plan: Res<Plan>, mut exit: MessageWriter<AppExit>) {
    if plan.saved {
        exit.write(AppExit::Success);
    }
}
