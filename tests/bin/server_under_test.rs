//! The session-server command line, built inside the test crate so the crash test can start and kill it.

fn main() -> std::process::ExitCode {
    session_server::cli::main()
}
