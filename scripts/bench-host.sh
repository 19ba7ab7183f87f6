#!/usr/bin/env bash
# The facilitator's page in Debian's Chromium while 1,000 players answer within one second: how far
# its live count is behind the stored answers, and its longest task (the figures docs/performance.md
# reports). Run it on a machine doing nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
need_packages "${BROWSER_PACKAGES[@]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The whole output only when the run failed (a missing browser, a slow page); else its figures.
if ! cargo test --locked -p integration-tests --test it -- --ignored --exact host::the_facilitators_page_keeps_up_with_a_thousand_players_answering_in_one_second --nocapture >"$log" 2>&1; then
    cat "$log"
    exit 1
fi
grep "facilitator page" "$log"
