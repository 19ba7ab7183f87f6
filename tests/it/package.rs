//! The Debian package of the shared server, built by `scripts/deb.sh` from the binary this test build made: its control file and contents, and its server started the way the systemd unit's `ExecStart` does.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::hosted::{local, repo};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `KEY=VALUE` lines of an env file, comments and blank lines left out.
fn env_file(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not KEY=VALUE: {l}"));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_debian_package_holds_the_server_its_unit_and_settings_and_starts_as_its_unit_says() {
    let dir = tempfile::tempdir().unwrap();
    let built = run(Command::new(repo().join("scripts/deb.sh")).arg(env!("CARGO_BIN_EXE_server-under-test")).arg(dir.path()));
    let deb = Path::new(built.trim());
    assert!(deb.file_name().unwrap().to_str().unwrap().starts_with(&format!("dilemma-server_{}_", env!("CARGO_PKG_VERSION"))), "{built}");

    let fields = run(Command::new("dpkg-deb").arg("-f").arg(deb).args(["Package", "Version", "Depends", "Maintainer", "Description"]));
    assert!(fields.contains("Package: dilemma-server") && fields.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))), "{fields}");
    assert!(fields.contains("Depends: libc6"), "{fields}");
    let listing = run(Command::new("dpkg-deb").arg("-c").arg(deb));
    for file in [
        "./usr/bin/session-server",
        "./lib/systemd/system/dilemma.service",
        "./etc/dilemma/dilemma.env",
        "./usr/share/dilemma/scenarios/samen-werken.toml",
        "./usr/share/doc/dilemma/hosting.md",
        "./usr/share/doc/dilemma/examples/nginx-dilemma.conf",
    ] {
        assert!(listing.lines().any(|l| l.ends_with(file)), "{file} in\n{listing}");
    }
    assert!(listing.lines().any(|l| l.starts_with("-rwxr-xr-x root/root") && l.ends_with("./usr/bin/session-server")), "{listing}");
    let control = dir.path().join("control");
    run(Command::new("dpkg-deb").arg("-e").arg(deb).arg(&control));
    assert_eq!(std::fs::read_to_string(control.join("conffiles")).unwrap().trim(), "/etc/dilemma/dilemma.env", "settings survive upgrades");
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(postinst.contains("useradd --system") && postinst.contains("dilemma"), "the postinst makes the system user");
    run(Command::new("sh").arg("-n").arg(control.join("postinst")));
    run(Command::new("sh").arg("-n").arg(control.join("prerm")));

    // Unpacked as dpkg would, then started as the unit says: its ExecStart with its EnvironmentFile.
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root));
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/dilemma.service")).unwrap();
    let setting = |key: &str| unit.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or_else(|| panic!("{key}= in the unit"));
    for (key, want) in [
        ("User", "dilemma"),
        ("ProtectSystem", "strict"),
        ("StateDirectory", "dilemma"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("KillSignal", "SIGTERM"),
    ] {
        assert_eq!(setting(key), want, "{key}");
    }
    let exec: Vec<&str> = setting("ExecStart").split_whitespace().collect();
    let mut env = env_file(&root.join(setting("EnvironmentFile").trim_start_matches('/')));
    assert_eq!(env["SESSION_SERVER_LISTEN"], "127.0.0.1:7878", "behind the proxy, on loopback only");
    assert_eq!(env["SESSION_SERVER_PUBLIC_URL"], "https://dilemma.gemeente.nl/");
    let state = root.join(setting("WorkingDirectory").trim_start_matches('/'));
    // What the postinst does: the state folder with the shipped decks.
    std::fs::create_dir_all(&state).unwrap();
    run(Command::new("cp").arg("-r").arg(root.join("usr/share/dilemma/scenarios")).arg(state.join("scenarios")));
    for key in ["SESSION_SERVER_DB", "SESSION_SERVER_SCENARIOS"] {
        let rebased = root.join(env[key].trim_start_matches('/')).display().to_string();
        env.insert(key.into(), rebased);
    }
    let port = crate::process::free_port();
    env.insert("SESSION_SERVER_LISTEN".into(), format!("127.0.0.1:{port}"));
    env.insert("SESSION_SERVER_METRICS_LISTEN".into(), format!("127.0.0.1:{}", crate::process::free_port()));
    let mut child = Command::new(root.join(exec[0].trim_start_matches('/')))
        .args(&exec[1..])
        .envs(&env)
        .current_dir(&state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none(), "the packaged server did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let health = crate::hosted::get(
        addr,
        local(1),
        None,
        "dilemma.gemeente.nl",
        "/healthz",
        "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\n",
    )
    .await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"), "{}", health.head);
    assert_eq!(health.header("strict-transport-security"), Some("max-age=31536000"), "the trusted proxy said https");
    let watch =
        crate::hosted::get(addr, local(1), None, "dilemma.gemeente.nl", "/watch?code=K7M2QX", "X-Forwarded-For: 198.51.100.7\r\n").await;
    assert!(watch.body.contains("https://dilemma.gemeente.nl"), "{}", watch.body);
    assert!(state.join("workshop.db").exists(), "the database is in the state folder");
    // The unit's ExecReload (SIGHUP) on a server without a certificate: nothing to reload, it goes on.
    Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP stopped the server");
    let again = crate::hosted::get(addr, local(1), None, "dilemma.gemeente.nl", "/healthz", "X-Forwarded-For: 198.51.100.7\r\n").await;
    assert_eq!(again.status, 200);
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success(), "stops cleanly on the unit's KillSignal");
}
