#!/usr/bin/env bash
# The projector's layout on a reveal (1920×1080, twenty teams, six options) in Debian's Chromium:
# the figure docs/performance.md reports. Run it on a machine doing nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --locked -p integration-tests --test it -- --ignored --exact stage::stage_layout_on_a_reveal_with_twenty_teams --nocapture 2>&1 | grep "stage layout"
