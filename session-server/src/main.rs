//! The `session-server` binary; everything it does lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    session_server::cli::main()
}
