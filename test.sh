#!/usr/bin/env bash
# Runs every test of the workspace: protocol, server (real websockets, real SQLite), client (headless).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh
cargo test --locked --workspace "$@"
