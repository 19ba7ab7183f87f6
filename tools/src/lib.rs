//! Tools around the session server, kept out of it: the load generator, the desktop app's sign-in, and a small protocol client used by the tests, the workshop bot and scripts.

pub mod client;
pub mod loadgen;
pub mod signin;
pub mod tls;
