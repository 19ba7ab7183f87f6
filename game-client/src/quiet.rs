//! Drawing only when something changed. bevy_egui tells egui the modifier keys on every frame, and
//! egui answers any input event by asking for the next frame at once: the app then never rests
//! (under software rendering, most of a core). Repeated reports of the same modifiers are dropped.

use bevy::prelude::*;
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

pub fn plugin(app: &mut App) {
    app.add_systems(PreUpdate, drop_repeated_modifiers.after(EguiPreUpdateSet::ProcessInput).before(EguiPreUpdateSet::BeginPass));
}

/// Keeps a `ModifiersChanged` only when the modifiers did change.
pub fn drop_repeated_modifiers(mut inputs: Query<&mut EguiInput>, mut last: Local<Option<egui::Modifiers>>) {
    for mut input in &mut inputs {
        input.0.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let same = *last == Some(*m);
                *last = Some(*m);
                !same
            }
            _ => true,
        });
    }
}
