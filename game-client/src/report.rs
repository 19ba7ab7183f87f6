//! The export plugin: the facilitator's report comes from the server over the protocol (from any
//! server, hosted here or shared) and is written to a folder on a thread of its own; the end screen
//! shows that it is busy, and then where the report is (or why it failed).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use bevy::prelude::*;
use protocol::ReportFormat;

use crate::ui::Action;
use crate::view::ViewState;

/// What "save the report" asks the server for: Markdown to read, CSV for Excel.
pub const FORMATS: [ReportFormat; 2] = [ReportFormat::Md, ReportFormat::Csv];

type Written = Result<(ReportFormat, PathBuf), String>;

/// A report as the server sent it (`report`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub code: String,
    pub format: protocol::ReportFormat,
    pub content: String,
    /// The report of the whole series, with its charts in `files`.
    pub series: bool,
    pub files: Vec<protocol::ReportFile>,
}

/// The reports the server sent, until this plugin writes them (the network plugin puts them here).
#[derive(Resource, Debug, Default)]
pub struct ReportInbox(pub Vec<Received>);

/// What the end screen shows of the report being saved: busy, or where the last one went. Kept
/// per session (`code`), so the next session's end screen starts afresh.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct ReportStatus {
    pub code: Option<String>,
    pub saving: bool,
    pub saved: Option<String>,
}

impl ReportStatus {
    /// Whether a report of session `code` is being saved.
    pub fn saving_for(&self, code: Option<&str>) -> bool {
        self.saving && self.code.as_deref() == code
    }

    /// Where the last report of session `code` went.
    pub fn saved_for(&self, code: Option<&str>) -> Option<&str> {
        self.saved.as_deref().filter(|_| self.code.as_deref() == code)
    }
}

/// What asking for a report sends, for session `code`: Markdown and CSV (of the session, or of its
/// whole series), or the statements from the room as a deck file; nothing while one is being saved.
pub fn exports(action: &Action, status: &mut ReportStatus, code: Option<&str>) -> Vec<protocol::ClientMsg> {
    let wanted: Vec<(ReportFormat, bool)> = match action {
        Action::SaveReport => FORMATS.iter().map(|f| (*f, false)).collect(),
        Action::SaveSeriesReport => FORMATS.iter().map(|f| (*f, true)).collect(),
        Action::SaveRoomDeck => vec![(ReportFormat::Toml, false)],
        _ => return Vec::new(),
    };
    if status.saving_for(code) {
        return Vec::new();
    }
    *status = ReportStatus { code: code.map(str::to_owned), saving: true, saved: None };
    wanted.into_iter().map(|(format, series)| protocol::ClientMsg::Export { format, series }).collect()
}

/// Where reports go, and the report being saved.
#[derive(Resource)]
pub struct ReportJob {
    dir: PathBuf,
    /// Formats asked for and not yet received.
    waiting: Vec<ReportFormat>,
    /// Files being written.
    writing: usize,
    /// The file the end screen names once written: the Markdown report, or the deck file.
    named: Option<PathBuf>,
    failed: Option<String>,
    done: Sender<Written>,
    written: Mutex<Receiver<Written>>,
}

impl ReportJob {
    /// Reports are saved in `dir` (made when needed).
    pub fn to(dir: PathBuf) -> ReportJob {
        let (done, written) = channel();
        ReportJob { dir, waiting: Vec::new(), writing: 0, named: None, failed: None, done, written: Mutex::new(written) }
    }

    fn busy(&self) -> bool {
        !self.waiting.is_empty() || self.writing > 0
    }
}

impl Default for ReportJob {
    fn default() -> ReportJob {
        ReportJob::to(crate::places::reports_dir())
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<ReportJob>()
        .init_resource::<ReportInbox>()
        .init_resource::<ReportStatus>()
        .add_systems(Update, (start, write_received, finish).chain().in_set(crate::app::Frame::Follow));
}

/// Asking for a report: the export messages go to the server, and the job waits for what comes back.
fn start(
    mut asked: MessageReader<Action>,
    mut job: ResMut<ReportJob>,
    mut status: ResMut<ReportStatus>,
    view: Res<ViewState>,
    net: Option<Res<crate::network::Net>>,
) {
    for action in asked.read() {
        let sent = exports(action, &mut status, view.code.as_deref());
        if let Some(net) = &net {
            for msg in &sent {
                net.0.send(crate::connection_thread::NetCmd::Send(msg.clone()));
            }
        }
        if !sent.is_empty() && !job.busy() {
            job.waiting = if *action == Action::SaveRoomDeck { vec![ReportFormat::Toml] } else { FORMATS.to_vec() };
            job.named = None;
            job.failed = None;
        }
    }
}

/// Each report the server sent is written whole, off the frame.
fn write_received(mut job: ResMut<ReportJob>, view: Res<ViewState>, mut inbox: ResMut<ReportInbox>, mut status: ResMut<ReportStatus>) {
    if status.saving && view.error.is_some() && !job.waiting.is_empty() {
        // The server refused (the error is on screen): nothing more is coming.
        job.waiting.clear();
        status.saving = false;
    }
    if inbox.0.is_empty() {
        // Untouched: the inbox only counts as changed when something arrived.
        return;
    }
    for r in std::mem::take(&mut inbox.0) {
        let Some(at) = job.waiting.iter().position(|f| *f == r.format) else { continue };
        job.waiting.remove(at);
        job.writing += 1;
        // A series' report gets a folder of its own: its Markdown refers to the charts beside it.
        let (folder, name) = match (r.series, r.format) {
            (true, _) => (job.dir.join(format!("reeks-{}", r.code)), "verslag".to_owned()),
            // The statements from the room: a deck file for trainers.
            (false, ReportFormat::Toml) => (job.dir.clone(), format!("stellingen-uit-de-zaal-{}", r.code)),
            (false, _) => (job.dir.clone(), r.code.clone()),
        };
        let path = folder.join(format!("{name}.{}", r.format.extension()));
        let done = job.done.clone();
        let format = r.format;
        std::thread::Builder::new()
            .name("report".into())
            .spawn(move || {
                let mut written = write(&path, r.content.as_bytes());
                for f in &r.files {
                    written = written.and_then(|()| write(&folder.join(&f.name), f.content.as_bytes()));
                }
                let _ = done.send(written.map(|()| (format, path)));
            })
            .expect("spawning the report thread");
    }
}

fn write(path: &std::path::Path, content: &[u8]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("Het verslag kon niet worden bewaard in {}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    crate::files::write_whole(path, content).map_err(fail)
}

/// Puts the outcome in the view once every file is written.
fn finish(mut job: ResMut<ReportJob>, mut view: ResMut<ViewState>, mut status: ResMut<ReportStatus>) {
    let outcomes: Vec<Written> = job.written.lock().expect("report channel").try_iter().collect();
    for outcome in outcomes {
        job.writing -= 1;
        match outcome {
            Ok((ReportFormat::Md | ReportFormat::Toml, path)) => job.named = Some(path),
            Ok(_) => {}
            Err(e) => job.failed = Some(e),
        }
    }
    if job.busy() || !status.saving {
        return;
    }
    status.saving = false;
    match (job.failed.take(), job.named.take()) {
        (Some(e), _) => view.error = Some(e),
        (None, Some(path)) => status.saved = Some(path.display().to_string()),
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ClientMsg;

    #[test]
    fn saving_the_report_asks_the_server_for_markdown_and_csv_once_per_session() {
        let mut status = ReportStatus::default();
        let asked: Vec<_> = exports(&Action::SaveReport, &mut status, Some("K7M2QX"))
            .into_iter()
            .map(|m| match m {
                ClientMsg::Export { format, series: false } => format,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(asked, [ReportFormat::Md, ReportFormat::Csv]);
        assert!(status.saving_for(Some("K7M2QX")));
        assert!(exports(&Action::SaveSeriesReport, &mut status, Some("K7M2QX")).is_empty(), "not again while it is being saved");
        // Saved: the end screen names the file, but not the next session's.
        status.saving = false;
        status.saved = Some("/tmp/K7M2QX.md".into());
        assert_eq!(status.saved_for(Some("K7M2QX")), Some("/tmp/K7M2QX.md"));
        assert_eq!(status.saved_for(Some("PP835H")), None);
        let deck = exports(&Action::SaveRoomDeck, &mut status, Some("PP835H"));
        assert_eq!(deck, [ClientMsg::Export { format: ReportFormat::Toml, series: false }]);
        assert_eq!(status.saved_for(Some("PP835H")), None, "a new save forgets where the last one went");
        assert!(exports(&Action::Sound(true), &mut status, Some("PP835H")).is_empty());
    }
}
