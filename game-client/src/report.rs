//! Saving the facilitator's report off the drawing system: the file work runs on a thread of its own,
//! the end screen shows that it is busy, and then where the report is (or why it failed).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use bevy::prelude::*;

use crate::view::ViewState;

/// The report being written, if one is.
#[derive(Resource, Default)]
pub struct ReportJob(Option<Mutex<Receiver<Result<String, String>>>>);

pub fn plugin(app: &mut App) {
    app.init_resource::<ReportJob>().add_systems(Update, finish);
}

/// Starts writing the report of session `code` from the database `db` (once at a time).
pub fn start(job: &mut ReportJob, view: &mut ViewState, db: PathBuf, code: String) {
    if job.0.is_some() {
        return;
    }
    let (done, result) = channel();
    std::thread::Builder::new()
        .name("report".into())
        .spawn(move || {
            let _ = done.send(crate::actions::save_report(&db, &code));
        })
        .expect("spawning the report thread");
    job.0 = Some(Mutex::new(result));
    view.saving_report = true;
}

/// Puts the outcome in the view once the thread is done.
pub fn finish(mut job: ResMut<ReportJob>, mut view: ResMut<ViewState>) {
    let Some(result) = &job.0 else { return };
    let outcome = match result.lock().expect("report lock").try_recv() {
        Ok(outcome) => outcome,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err("Het verslag kon niet worden gemaakt.".to_owned()),
    };
    job.0 = None;
    view.saving_report = false;
    match outcome {
        Ok(path) => view.saved_report = Some(path),
        Err(e) => view.error = Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_written_off_the_frame_and_its_place_shown_or_the_failure_said() {
        let mut app = App::new();
        app.insert_resource(ViewState::default());
        plugin(&mut app);
        // A database without that session: the failure comes back as a sentence, not a panic.
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workshop.db");
        session_server::store::open_connection(&db).unwrap();
        let world = app.world_mut();
        let mut view = world.resource::<ViewState>().clone();
        start(&mut world.resource_mut::<ReportJob>(), &mut view, db, "K7M2QX".into());
        assert!(view.saving_report);
        *world.resource_mut::<ViewState>() = view;
        for _ in 0..200 {
            app.update();
            if !app.world().resource::<ViewState>().saving_report {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let view = app.world().resource::<ViewState>();
        assert!(!view.saving_report);
        assert!(view.saved_report.is_none());
        assert!(view.error.as_deref().is_some_and(|e| e.contains("K7M2QX")), "{:?}", view.error);
    }
}
