//! The load generator's command line, here so that a test can check the documented command lines against it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Load generator: a room of real websocket players on loopback, with timings and a correctness check.
///
/// Without --url it starts the session-server binary next to this one (temporary database) and
/// a bare echo server for the baseline, and stops both at the end. It never leaves loopback.
#[derive(Parser)]
#[command(version, about, long_about)]
pub struct Args {
    /// Players in the room.
    #[arg(long, default_value_t = 1000)]
    pub players: usize,
    /// Everyone answers within this many seconds after the statement opens (0: all at once).
    #[arg(long, default_value_t = 1.0)]
    pub window: f64,
    /// Share of players who change their answer once.
    #[arg(long, default_value_t = 0.2)]
    pub change: f64,
    /// A server already running on loopback, e.g. ws://127.0.0.1:7878/ws ...
    #[arg(long)]
    pub url: Option<String>,
    /// ... and its process id, to read its memory.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Scenario folder for the server started here.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// Deck to play: its first two statements are used.
    #[arg(long, default_value = "samen-werken")]
    pub scenario: String,
    /// The run stops itself after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub deadline: u64,
    /// Page loads of the participant page (`/`, its script and style) made while the room plays...
    #[arg(long, default_value_t = 0)]
    pub page_loads: usize,
    /// ... spread evenly over this many seconds from the start (players join, then answer).
    #[arg(long, default_value_t = 4.0)]
    pub page_loads_over: f64,
    /// After the reveal, keep every player connected this many seconds (several load generators
    /// against one server then hold their rooms at the same time).
    #[arg(long, default_value_t = 0.0)]
    pub hold: f64,
    /// Skip the echo baseline.
    #[arg(long)]
    pub no_echo: bool,
    /// The statement asks for a guess of the room and a reason, and every player gives both after answering.
    #[arg(long)]
    pub extras: bool,
    /// With --url wss://…: take the server's certificate whatever it is (a test certificate on this machine).
    #[arg(long)]
    pub insecure: bool,
    /// Start the server with this certificate and key (PEM), so the room plays over wss:// (implies --insecure).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Connect from this many loopback addresses (127.0.0.2 and on), as clients behind a proxy do.
    #[arg(long, default_value_t = 0)]
    pub sources: u8,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Subcommand)]
pub enum Sub {
    /// (Used by loadgen itself.) A bare tokio-tungstenite echo server on loopback.
    EchoServer {
        #[arg(long)]
        port: u16,
    },
    /// Only the crowd, for a session someone else leads (a facilitator's page being measured): the
    /// players join session CODE at --url, answer the first statement the facilitator opens within
    /// --window seconds, stay --hold seconds, and print when each answer was stored (JSON).
    Join {
        /// The session's join code.
        code: String,
    },
}
