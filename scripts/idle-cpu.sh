#!/usr/bin/env bash
# Measures how busy the desktop app is while nothing happens: it starts the app (hosting its own
# server, on the start screen) under Xvfb with Mesa's software Vulkan (lavapipe), as on a projector
# laptop without a GPU driver, lets it settle, and reports its CPU use over a quiet stretch.
#
#   scripts/idle-cpu.sh                    # the app built from this tree (debug profile)
#   scripts/idle-cpu.sh path/to/dilemma    # another build, e.g. to compare before and after
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
need_packages xvfb xauth "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}"
bin="${1:-}"
if [ -z "$bin" ]; then
    cargo build --locked -p game-client --bin dilemma
    bin="$CARGO_TARGET_DIR/debug/dilemma"
fi
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export XDG_CONFIG_HOME="$tmp/config" VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
xvfb-run -a -s "-screen 0 1280x800x24" "$bin" --port "$port" --db "$tmp/workshop.db" --scenarios scenarios > "$tmp/app.log" 2>&1 &
runner=$!
pid=""
for _ in $(seq 100); do
    pid=$(pgrep -n -f "^$bin --port $port" || true)
    [ -n "$pid" ] && break
    sleep 0.2
done
[ -n "$pid" ] || { echo "the app did not start"; cat "$tmp/app.log"; exit 1; }
sleep 8   # start-up: the window, the first frames, the scenario list
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(ticks); sleep 10; after=$(ticks)
kill "$pid" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
rm -rf "$tmp"
# USER_HZ is 100: ticks over 10 s, as a share of one core.
echo "idle CPU over 10 s: $(( (after - before) / 10 )) % of one core"
