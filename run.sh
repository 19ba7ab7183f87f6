#!/usr/bin/env bash
# Starts the game client as facilitator, with the session server inside it (port 7878, ./workshop.db,
# decks from ./scenarios). Arguments go to the client, e.g. ./run.sh --lang en, ./run.sh --join K7M2QX.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display here: serving the room with the session server alone on port 7878."
    echo "Participants open http://<this machine>:7878/ on their phones (the server prints the address);"
    echo "the facilitator connects with: ./run.sh --server ws://<this machine>:7878/ws"
    exec cargo run --locked -p session-server -- "$@"
fi
need_packages "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}"
exec cargo run --locked -p game-client --bin dilemma -- "$@"
