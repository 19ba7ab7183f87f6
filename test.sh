#!/usr/bin/env bash
# Runs every test of the workspace: protocol, server (real websockets, real SQLite), the browser pages
# (Chromium), client (headless).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh
# The browser pages are tested in Debian's Chromium through chromedriver; the hosting kit in a real nginx.
need_packages "${BUILD_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}" "${HOSTING_PACKAGES[@]}" "${SCRIPT_PACKAGES[@]}"
# TypeScript's checker for the pages' scripts, exactly the version in its lock file (tests/it/scripts.rs runs it).
npm ci --prefix tests/typecheck --no-audit --no-fund --loglevel=error
# A real OpenID Connect provider for the sign-in tests (npm's oidc-provider, the version in its lock file).
npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
# The style gate first: formatted as rustfmt.toml says, and not one clippy warning (a lint is
# allowed only where the code says why).
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo test --locked --workspace "$@"
