//! The start screen's sign-in at a server with staff accounts: who the app is signed in as, or the button that signs it in through the system browser.

use bevy_egui::egui::{self, RichText};

use super::{Action, theme, widgets};
use crate::view::ViewState;

/// Shown only where the server has staff accounts (`scenarios.accounts`); a laptop's own server has none.
pub fn card(ui: &mut egui::Ui, view: &ViewState, action: &mut Option<Action>) {
    let l = view.lang;
    let Some(accounts) = &view.accounts else { return };
    if let Some(me) = &accounts.signed_in {
        ui.horizontal_wrapped(|ui| {
            let role = match me.role {
                protocol::StaffRole::Facilitator => "facilitator",
                protocol::StaffRole::Trainer => "trainer",
                protocol::StaffRole::Operator => l.pick("beheerder", "operator"),
            };
            ui.label(RichText::new(format!("{} {} ({role})", l.pick("Aangemeld als", "Signed in as"), me.name)).size(22.0));
            if ui.button(RichText::new(l.pick("Afmelden", "Sign out")).size(22.0)).clicked() {
                *action = Some(Action::SignOut);
            }
        });
        return;
    }
    widgets::card(ui, theme::of(ui).surface, |ui| match &view.signing_in {
        None => {
            ui.label(
                RichText::new(l.pick(
                    "Op deze server leiden medewerkers met hun account van de gemeente.",
                    "On this server staff lead with their municipality account.",
                ))
                .size(22.0),
            );
            if widgets::primary(ui, l.pick("Aanmelden bij de gemeente", "Sign in with the municipality")) {
                *action = Some(Action::SignIn);
            }
        }
        Some(url) => {
            ui.label(
                RichText::new(l.pick(
                    "Meld je aan in de browser die nu opengaat; daarna gaat het hier verder.",
                    "Sign in in the browser that opens now; then it goes on here.",
                ))
                .size(22.0),
            );
            if !url.is_empty() {
                ui.label(l.pick("Ging er geen browser open? Open dan dit adres:", "No browser opened? Open this address:"));
                ui.add(egui::Label::new(RichText::new(url).monospace().size(16.0)).wrap().selectable(true));
            }
            ui.horizontal_wrapped(|ui| {
                if !url.is_empty() && ui.button(l.pick("Kopieer het adres", "Copy the address")).clicked() {
                    ui.ctx().copy_text(url.clone());
                }
                if ui.button(l.pick("Stoppen", "Stop")).clicked() {
                    *action = Some(Action::CancelSignIn);
                }
            });
        }
    });
}
