#!/usr/bin/env bash
# Runs the fuzz-style property tests (protocol/tests/fuzz.rs: arbitrary bytes and JSON to the message
# decoder, arbitrary text to the scenario parser) with many cases, and the session property test's
# long run (20,000 random rooms against the model of the rules), again and again, for N minutes.
# Usage: scripts/fuzz.sh [minutes]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
minutes=${1:-5}
end=$(( $(date +%s) + minutes * 60 ))
cargo test --locked -p protocol --test fuzz --no-run
cargo test --locked -p session-server --lib --no-run
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
    PROPTEST_CASES=20000 cargo test --locked -q -p protocol --test fuzz
    cargo test --locked -q -p session-server --lib -- --ignored random_rooms_long
    rounds=$((rounds + 1))
done
echo "fuzz: $rounds rounds of 20,000 cases per property and 20,000 random rooms, no failure"
