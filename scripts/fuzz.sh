#!/usr/bin/env bash
# Runs the fuzz-style property tests (protocol/tests/fuzz.rs: arbitrary bytes and JSON to the message
# decoder, arbitrary text to the scenario parser) with many cases, again and again, for N minutes.
# Usage: scripts/fuzz.sh [minutes]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
minutes=${1:-5}
end=$(( $(date +%s) + minutes * 60 ))
cargo test --locked -p protocol --test fuzz --no-run
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
    PROPTEST_CASES=20000 cargo test --locked -q -p protocol --test fuzz
    rounds=$((rounds + 1))
done
echo "fuzz: $rounds rounds of 20,000 cases per property, no failure"
