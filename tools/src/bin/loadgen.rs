//! `loadgen`: plays a room of N players against a session server on this machine and prints the measurements.

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use clap::Parser;
use dilemma_tools::loadgen::cli::{Args, Sub};
use dilemma_tools::loadgen::{
    CrowdOpts, EchoReport, FanOutReport, PagesReport, RoomOpts, RoomReport, echo_throughput, fan_out_baseline, load_pages, raise_nofile,
    run_crowd, run_room, serve_echo,
};
use tokio_util::sync::CancellationToken;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A child process that is stopped when dropped.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

async fn wait_listening(url: &str) -> bool {
    for _ in 0..200 {
        if dilemma_tools::client::open(url, None, dilemma_tools::loadgen::connector(), None).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn sibling(name: &str) -> PathBuf {
    std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join(name))).unwrap_or_else(|| name.into())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if let Some(Sub::EchoServer { port }) = args.command {
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("echo port");
            serve_echo(listener, CancellationToken::new()).await;
        });
        return ExitCode::SUCCESS;
    }
    // The room's sockets are closed before the echo baseline opens its own.
    let wanted = args.players as u64 + 1024;
    match raise_nofile(wanted) {
        Ok(limit) if limit < wanted => eprintln!(
            "warning: this process may open only {limit} files but {wanted} are wanted for {} players; raise the hard limit (ulimit -Hn) or use fewer players",
            args.players
        ),
        Ok(_) => {}
        Err(e) => eprintln!("warning: could not raise the open-file limit: {e}"),
    }
    dilemma_tools::loadgen::spread_over_sources(args.sources);
    if args.insecure || args.tls_cert.is_some() {
        dilemma_tools::loadgen::accept_any_certificate();
    }
    if let Some(Sub::Join { code }) = &args.command {
        return rt.block_on(crowd(&args, code));
    }
    rt.block_on(run(args))
}

/// `loadgen join CODE`: the crowd for a session someone else leads.
async fn crowd(args: &Args, code: &str) -> ExitCode {
    let Some(url) = args.url.clone() else {
        eprintln!("loadgen join needs the server: --url ws://127.0.0.1:PORT/ws");
        return ExitCode::FAILURE;
    };
    let opts = CrowdOpts {
        url,
        code: code.to_owned(),
        players: args.players,
        window: Duration::from_secs_f64(args.window),
        join_concurrency: 256,
        deadline: Duration::from_secs(args.deadline),
        hold: Duration::from_secs_f64(args.hold),
    };
    match run_crowd(&opts).await {
        Ok(report) => {
            println!("{}", serde_json::to_string(&report).expect("reports serialise"));
            if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("the run failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> ExitCode {
    let tmp = match tempfile::Builder::new().prefix("loadgen-").tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot make a temporary folder for the server's database: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut _server = None;
    let (url, pid) = match &args.url {
        Some(url) => (url.clone(), args.pid),
        None => {
            let port = free_port();
            let mut command = Command::new(sibling("session-server"));
            if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
                command.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
            }
            let child = command
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .arg("--db")
                .arg(tmp.path().join("load.db"))
                .arg("--scenarios")
                .arg(&args.scenarios)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn();
            let Ok(child) = child else {
                eprintln!(
                    "cannot start {}; build it first (cargo build -p session-server) or pass --url",
                    sibling("session-server").display()
                );
                return ExitCode::FAILURE;
            };
            let pid = child.id();
            _server = Some(Spawned(child));
            let scheme = if args.tls_cert.is_some() { "wss" } else { "ws" };
            (format!("{scheme}://127.0.0.1:{port}/ws"), Some(pid))
        }
    };
    if !wait_listening(&url).await {
        eprintln!("no server answers at {url}");
        return ExitCode::FAILURE;
    }
    let opts = RoomOpts {
        url,
        players: args.players,
        window: Duration::from_secs_f64(args.window),
        change: args.change,
        scenario: args.scenario.clone(),
        server_pid: pid,
        join_concurrency: 256,
        deadline: Duration::from_secs(args.deadline),
        hold: Duration::from_secs_f64(args.hold),
        seed: 7,
        extras: args.extras,
    };
    let pages = (args.page_loads > 0).then(|| load_pages(&opts.url, args.page_loads, Duration::from_secs_f64(args.page_loads_over)));
    let (room, pages) = tokio::join!(run_room(&opts), async {
        match pages {
            Some(p) => Some(p.await),
            None => None,
        }
    });
    let room = match room {
        Ok(r) => r,
        Err(e) => {
            eprintln!("the run failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let pages = match pages.transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("the page loads failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    drop(_server);
    let (echo, fan_out) = if args.no_echo { (None, None) } else { echo(&args, &room).await };
    if args.json {
        let v = serde_json::json!({"room": room, "echo": echo, "fan_out": fan_out, "pages": pages});
        println!("{}", serde_json::to_string_pretty(&v).expect("reports serialise"));
    } else {
        print_report(&args, &room, echo.as_ref(), fan_out.as_ref());
        if let Some(p) = &pages {
            print_pages(p);
        }
    }
    let pages_ok = pages.as_ref().is_none_or(|p| p.complete == p.loads);
    if room.correct() && pages_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The baselines on a bare server: the room's answer schedule echoed, and the reveal's frames fanned out to as many connections.
async fn echo(args: &Args, room: &RoomReport) -> (Option<EchoReport>, Option<FanOutReport>) {
    let port = free_port();
    let Some(child) =
        std::env::current_exe().ok().and_then(|exe| Command::new(exe).args(["echo-server", "--port", &port.to_string()]).spawn().ok())
    else {
        return (None, None);
    };
    let _echo = Spawned(child);
    let url = format!("ws://127.0.0.1:{port}/ws");
    if !wait_listening(&url).await {
        return (None, None);
    }
    let extra = room.answers_sent.saturating_sub(room.players);
    let counts: Vec<usize> = (0..room.players).map(|i| 1 + usize::from(i < extra)).collect();
    let echo = echo_throughput(&url, &counts, Duration::from_secs_f64(args.window), 7).await.ok();
    let fan_out = match room.reveal_frames.is_empty() {
        true => None,
        false => fan_out_baseline(&url, room.players, &room.reveal_frames).await.map_err(|e| eprintln!("fan-out baseline: {e}")).ok(),
    };
    (echo, fan_out)
}

fn print_report(args: &Args, r: &RoomReport, echo: Option<&EchoReport>, fan_out: Option<&FanOutReport>) {
    println!("players {}  window {} s  changed answers {}", r.players, args.window, r.answers_sent - r.players);
    println!("answers sent / acked              {} / {}", r.answers_sent, r.answers_acked);
    println!(
        "answer → ack         p50 / p99 / max   {:.1} / {:.1} / {:.1} ms",
        r.ack_latency.p50_ms, r.ack_latency.p99_ms, r.ack_latency.max_ms
    );
    println!("answer → facilitator tally p50 / p99   {:.1} / {:.1} ms", r.tally_latency.p50_ms, r.tally_latency.p99_ms);
    println!("last answer → final tally         {:.1} ms", r.final_tally_after_last_answer_ms);
    println!("lone answer → tally (quiet room)  {:.1} ms", r.lone_answer_tally_ms);
    println!("reveal → every player             {:.1} ms (half of them: {:.1} ms)", r.reveal_to_all_ms, r.reveal_to_half_ms);
    if let Some(cpu) = r.server_cpu_reveal_ms {
        println!("server CPU during the reveal      {cpu} ms");
    }
    println!("durable answers per second        {:.0}", r.durable_answers_per_s);
    if let (Some(files), Some(rss)) = (r.held_server_files, r.held_server_rss) {
        println!("held: server open files (most)    {files}, resident {:.0} MB", rss as f64 / 1e6);
    }
    if let Some(b) = r.bytes_per_idle_player {
        println!("server memory per idle player     {:.1} KiB", b / 1024.0);
    }
    if let Some(e) = echo {
        println!(
            "bare echo: {:.0} msg/s (p99 {:.1} ms) → server ÷ echo throughput {:.2}",
            e.messages_per_s,
            e.round_trip.p99_ms,
            r.durable_answers_per_s / e.messages_per_s
        );
    }
    if let Some(f) = fan_out {
        println!(
            "bare fan-out of the reveal's frames: every one {:.1} ms (half {:.1} ms) → reveal ÷ bare {:.2}",
            f.all_ms,
            f.half_ms,
            r.reveal_to_all_ms / f.all_ms.max(1e-6)
        );
    }
    println!("final tally {:?} (expected {:?}); reveal correct for {}/{} players", r.final_counts, r.expected, r.reveal_correct, r.players);
    if r.extras_sent > 0 {
        println!("guesses and reasons sent / acked  {} / {}", r.extras_sent, r.extras_acked);
        let guess = r.expected_prediction.as_ref().map_or(0, |p| p.average);
        println!(
            "room's guess {guess}% (expected), correct for {}/{} players; reasons the facilitator was told of: {:?}",
            r.prediction_correct, r.players, r.reasons_seen
        );
    }
    for p in &r.problems {
        println!("problem: {p}");
    }
    println!("{}", if r.correct() { "CORRECT" } else { "NOT CORRECT" });
}

fn print_pages(p: &PagesReport) {
    println!(
        "page loads complete               {} / {} ({} bytes each: /, /style.css and the page's script modules)",
        p.complete, p.loads, p.bytes_per_load
    );
    println!("page load         p50 / p99 / max   {:.1} / {:.1} / {:.1} ms", p.load_time.p50_ms, p.load_time.p99_ms, p.load_time.max_ms);
    for problem in &p.problems {
        println!("page problem: {problem}");
    }
}
