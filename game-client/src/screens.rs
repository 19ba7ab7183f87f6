//! The screens plugin: draws the screen the server's state calls for, and passes on what the person asked for.

use std::time::Instant;

use bevy::prelude::*;
use bevy_egui::egui::{self, LayerId, UiBuilder};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::ui::{self, Action, Form, Screen, theme};
use crate::view::ViewState;

pub fn plugin(app: &mut App) {
    app.init_resource::<Form>()
        .add_systems(Startup, spawn_camera)
        .add_systems(EguiPrimaryContextPass, draw.in_set(crate::app::Frame::Draw));
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}

/// Draws the whole window; no file, database or network work happens here.
fn draw(
    mut contexts: EguiContexts,
    screen: Res<State<Screen>>,
    view: Res<ViewState>,
    mut form: ResMut<Form>,
    report: Option<Res<crate::report::ReportStatus>>,
    mut asked: MessageWriter<Action>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut root =
        egui::Ui::new(ctx.clone(), "root".into(), UiBuilder::new().layer_id(LayerId::background()).max_rect(ctx.viewport_rect()));
    let none = crate::report::ReportStatus::default();
    let report = report.as_deref().unwrap_or(&none);
    if let Some(action) = ui::draw(&mut root, *screen.get(), &view, &mut form, report, Instant::now()) {
        asked.write(action);
        // The app sleeps until something happens: what was asked is handled in the next frame.
        ctx.request_repaint();
    }
    theme::focus_ring(&ctx);
    Ok(())
}
