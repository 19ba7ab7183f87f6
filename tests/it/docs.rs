//! Every shell command in README.md and docs/: the server's commands run here as written; the heavy ones name what runs them.
//!
//! The server's commands run in a folder with the shipped decks and a `workshop.db` that holds the
//! session `K7M2QX` (the code the docs use). A command that serves is started, must listen (on a
//! free port instead of the one written, so tests do not collide), and must stop cleanly on SIGTERM.
//! A command this test neither runs nor knows fails it, so the docs cannot drift from the binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Commands run elsewhere, by their start: what runs them.
const ELSEWHERE: &[(&str, &str)] = &[
    ("./test.sh", "CI: .ci/run runs exactly this"),
    ("./run.sh", "builds and starts the desktop app; game-client/tests start the same app headless and in processes"),
    (
        "scripts/fuzz.sh",
        "the fuzz properties of protocol/tests/fuzz.rs and the session property test, which ./test.sh runs with fewer cases",
    ),
    ("source scripts/env.sh", "test.sh and every script source it"),
    ("cargo build --release", "a release build for the benchmarks"),
    (
        "scripts/bench-nginx.sh",
        "a benchmark of release builds through nginx; tests/it/proxy.rs runs the same site with rooms through it, tests/it/loadgen.rs the load generator over wss://",
    ),
    ("scripts/bench-stage.sh", "a benchmark of the projector page in Chromium; tests/it/stage.rs runs the same states with checks"),
    (
        "scripts/bench-host.sh",
        "a benchmark of the facilitator's page in Chromium with 1,000 players; tests/it/host.rs leads whole sessions with checks",
    ),
    ("scripts/idle-cpu.sh", "a measurement of the desktop app under Xvfb; game-client/tests run the same app"),
    ("scripts/package.sh", "builds the downloads (minutes of release builds); it checks what it built itself"),
    (
        "sudo dpkg -i",
        "tests/it/package.rs builds the package with scripts/deb.sh, unpacks it with dpkg-deb -x and checks it (no root here)",
    ),
    (
        "sudo systemctl",
        "no systemd on the test machines: tests/it/package.rs starts the unit's ExecStart with its EnvironmentFile as written",
    ),
    ("sudo cp deploy/nginx/dilemma.conf", "tests/it/proxy.rs runs deploy/nginx/dilemma.conf itself in a real nginx"),
    ("sudo ln -s /etc/nginx/sites-available/dilemma", "tests/it/proxy.rs runs the site in a real nginx"),
    ("sudo nginx -t", "tests/it/proxy.rs: nginx refuses to start on a site it cannot read, which fails those tests"),
];

/// How the server's command line is written in the docs.
const SERVER: &[&str] = &["cargo run -p session-server -- ", "$CARGO_TARGET_DIR/release/session-server ", "session-server "];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// (file, command) for every line of every `sh` block, comments and blank lines left out.
fn documented() -> Vec<(String, String)> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs")).unwrap().map(|e| e.unwrap().path()).collect();
    docs.sort();
    files.extend(docs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")));
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut in_sh = false;
        for line in text.lines() {
            if let Some(fence) = line.strip_prefix("```") {
                in_sh = !in_sh && matches!(fence.trim(), "sh" | "bash" | "shell");
                continue;
            }
            let command = line.split(" #").next().unwrap().trim();
            if in_sh && !command.is_empty() && !command.starts_with('#') {
                out.push((file.file_name().unwrap().to_string_lossy().into_owned(), command.to_owned()));
            }
        }
    }
    out
}

/// A folder like a server's: the shipped decks in `scenarios/`, and `workshop.db` with session K7M2QX.
fn workshop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    for entry in std::fs::read_dir(integration_tests::shipped_scenarios()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, scenarios.join(p.file_name().unwrap())).unwrap();
    }
    let mut deck = protocol::scenario::load_dir(&scenarios).decks.into_iter().map(|(_, d)| d).find(|d| d.id == "samen-werken").unwrap();
    // The room added a statement of its own (what `export --format toml` writes out).
    let mut from_room = deck.items[0].clone();
    (from_room.id, from_room.from_room, from_room.themes) = ("zaal-1".into(), true, vec!["uit de zaal".into()]);
    deck.items.push(from_room);
    // The certificate pair the hosting guide's HTTPS command names.
    let pair = crate::hosted::make_pair(dir.path(), "dilemma");
    std::fs::rename(&pair.cert, dir.path().join("fullchain.pem")).unwrap();
    std::fs::rename(&pair.key, dir.path().join("privkey.pem")).unwrap();
    let conn = session_server::store::open_connection(&dir.path().join("workshop.db")).unwrap();
    conn.execute(
        "INSERT INTO sessions (code, title, scenario, deck, phase, created_ms) VALUES ('K7M2QX', 'Team Wijken', 'samen-werken', ?1, 'lobby', ?2)",
        rusqlite::params![serde_json::to_string(&deck).unwrap(), session_server::now_ms()],
    )
    .unwrap();
    dir
}

fn words(command: &str) -> Vec<String> {
    command.split_whitespace().map(str::to_owned).collect()
}

/// Runs a serving command: it must listen (on a free port) and stop cleanly on SIGTERM.
fn serve(dir: &Path, mut args: Vec<String>) {
    let port = crate::process::free_port();
    if let Some(i) = args.iter().position(|a| a == "--listen") {
        let host = args[i + 1].rsplit_once(':').unwrap().0.to_owned();
        args[i + 1] = format!("{host}:{port}");
    }
    if let Some(i) = args.iter().position(|a| a == "--metrics-listen") {
        let host = args[i + 1].rsplit_once(':').unwrap().0.to_owned();
        args[i + 1] = format!("{host}:{}", crate::process::free_port());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_server-under-test"))
        .args(&args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "`session-server {}` never listened", args.join(" "));
        assert!(child.try_wait().unwrap().is_none(), "`session-server {}` stopped at once", args.join(" "));
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success(), "`session-server {}` did not stop cleanly", args.join(" "));
}

#[test]
fn every_command_in_the_readme_and_docs_runs_as_written() {
    let dir = workshop();
    let mut ran = 0;
    let mut used = std::collections::HashSet::new();
    for (file, command) in documented() {
        // The load generator runs for minutes in release builds; its documented flags must be its own.
        if let Some(rest) =
            ["$CARGO_TARGET_DIR/release/loadgen", "sleep 1; $CARGO_TARGET_DIR/release/loadgen"].iter().find_map(|p| command.strip_prefix(p))
        {
            let mut args = rest.split('#').next().unwrap_or_default().trim().trim_end_matches('&').to_owned();
            // A command substitution stands for a value of its own (`--pid $(pgrep …)`).
            while let Some(start) = args.find("$(") {
                let end = args[start..].find(')').map_or(args.len(), |e| start + e + 1);
                args.replace_range(start..end, "1");
            }
            // A shell variable stands for a value of its own (`--pid $!`).
            let args = args.split_whitespace().map(|w| if w.starts_with('$') { "1" } else { w });
            let parsed = <dilemma_tools::loadgen::cli::Args as clap::Parser>::try_parse_from(std::iter::once("loadgen").chain(args));
            assert!(
                parsed.is_ok(),
                "{file}: `{command}`: the load generator does not take these flags: {}",
                parsed.err().map(|e| e.to_string()).unwrap_or_default()
            );
            ran += 1;
            continue;
        }
        if let Some(i) = ELSEWHERE.iter().position(|(start, _)| command.starts_with(start)) {
            used.insert(i);
            continue;
        }
        let Some(rest) = SERVER.iter().find_map(|p| command.strip_prefix(p)) else {
            panic!("{file}: `{command}` is neither run by this test nor listed with what runs it");
        };
        let mut args = words(rest);
        let background = args.last().is_some_and(|a| a == "&");
        if background {
            args.pop();
        }
        let serves = !args.iter().any(|a| ["validate", "export", "report", "sessions", "audit", "backup", "check"].contains(&a.as_str()));
        if serves {
            serve(dir.path(), args);
        } else {
            let out = Command::new(env!("CARGO_BIN_EXE_server-under-test")).args(&args).current_dir(dir.path()).output().unwrap();
            assert!(
                out.status.success(),
                "{file}: `{command}` failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        ran += 1;
    }
    assert!(ran >= 8, "the server's commands in the docs were run ({ran})");
    // A command listed as run elsewhere that no document shows any more is a stale entry.
    for (i, (start, why)) in ELSEWHERE.iter().enumerate() {
        assert!(used.contains(&i), "`{start}` ({why}) is listed but no document shows it");
    }
}
