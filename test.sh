#!/usr/bin/env bash
# Runs every test of the workspace: protocol, server (real websockets, real SQLite), the browser pages
# (Chromium), client (headless).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh
# The browser pages are tested in Debian's Chromium through chromedriver; the hosting kit in a real nginx.
need_packages "${BUILD_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}" "${HOSTING_PACKAGES[@]}"
cargo test --locked --workspace "$@"
