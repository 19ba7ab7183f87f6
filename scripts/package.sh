#!/usr/bin/env bash
# Builds what a facilitator downloads, so nobody needs Rust: a zip for Windows and a tar.gz for Linux,
# each with the `dilemma` app, the `session-server`, the decks and a short "start here" text;
# and the Debian package of the shared server (scripts/deb.sh).
# Then unpacks the Linux one in an empty folder and starts its server there, to prove it runs.
#
#   scripts/package.sh            # both; the Windows one is cross-compiled with Debian's mingw-w64
#   scripts/package.sh linux      # only the tar.gz
#
# The packages land in dist/. Measured times are in docs/development.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
want="${1:-all}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
rm -rf dist && mkdir -p dist

# The "start here" text, Dutch first.
start_here() {
    local app="$1" server="$2"
    cat <<EOF
DILEMMASPEL — BEGIN HIER (English below)

Facilitator, één laptop in de zaal:
  1. Start ${app}. De app start de server zelf.
  2. Kies "Sessie leiden", kies een deck en start. Deelnemers scannen de QR-code met hun
     telefoon (zelfde wifi), of typen het adres en de code die op het scherm staan.
  3. Voor de beamer: open op een tweede apparaat het adres van het scherm met /watch erachter,
     of start de app daar nog eens en kies "Scherm voor de zaal".

Een gedeelde server (voor meerdere zalen): start ${server} --listen 0.0.0.0:7878
  (sessies en antwoorden in workshop.db, decks in de map scenarios).
Nieuwe decks: zet een .toml-bestand in de map scenarios en controleer het met
  ${server} validate scenarios

---

DILEMMA GAME — START HERE

Facilitator, one laptop in the room: start ${app}; it runs the server itself. Choose
"Lead a session", pick a deck, start. Participants scan the QR code with their phones (same
Wi-Fi) or type the address and code shown. For the projector, open the shown address with /watch
on a second device, or start the app there and choose "Screen for the room".
A shared server for several rooms: ${server} --listen 0.0.0.0:7878
Check new decks: ${server} validate scenarios

Version ${version}.
EOF
}

# Puts the app, the server, the decks and the text in a fresh folder `dist/$1`.
stage() {
    local name="$1" target_dir="$2" exe="$3"
    local dir="dist/$name"
    mkdir -p "$dir"
    cp "$target_dir/dilemma$exe" "$target_dir/session-server$exe" "$dir/"
    cp -r scenarios "$dir/scenarios"
    if [ -n "$exe" ]; then
        start_here "dilemma.exe" "session-server.exe" | sed 's/$/\r/' > "$dir/START-HIER.txt"
    else
        start_here "./dilemma" "./session-server" > "$dir/START-HIER.txt"
    fi
}

linux() {
    local started=$SECONDS
    need_packages "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}"
    cargo build --locked --release -p game-client --bin dilemma -p session-server --bin session-server
    local name="dilemma-$version-linux-x86_64"
    stage "$name" "$CARGO_TARGET_DIR/release" ""
    tar -C dist -czf "dist/$name.tar.gz" "$name"
    rm -rf "dist/$name"
    echo "dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1)) in $((SECONDS - started)) s"
    check_linux "dist/$name.tar.gz"
    # The shared server for a Debian server of the IT department (tests/it/package.rs checks its contents).
    scripts/deb.sh "$CARGO_TARGET_DIR/release/session-server" dist
}

# Unpacks the tar.gz in an empty folder and starts its server there, as a facilitator would:
# it must listen, serve the phone page, and stop cleanly. The app must at least start and say how.
check_linux() {
    local tarball="$1" tmp port pid
    tmp="$(mktemp -d)"
    tar -C "$tmp" -xzf "$tarball"
    cd "$tmp"/dilemma-*
    ./dilemma --help > /dev/null
    ./session-server validate scenarios 2> /dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ./session-server --listen "127.0.0.1:$port" > server.log 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        if python3 - "$port" <<'PY' 2> /dev/null; then break; fi
import sys, urllib.request
page = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/").read().decode()
assert "Meedoen" in page or "play.js" in page
PY
        sleep 0.1
    done
    python3 - "$port" <<'PY'
import sys, urllib.request
page = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/").read().decode()
assert "/js/play.js" in page, "the phone page is served"
PY
    kill -TERM "$pid"
    wait "$pid"
    test -f workshop.db
    cd - > /dev/null
    rm -rf "$tmp"
    echo "checked: unpacked in an empty folder, the server listened, served the phone page and stopped cleanly"
}

windows() {
    local started=$SECONDS
    need_packages gcc-mingw-w64-x86-64
    rustup target list --installed | grep -q x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        cargo build --locked --release --target x86_64-pc-windows-gnu -p game-client --bin dilemma -p session-server --bin session-server
    local name="dilemma-$version-windows-x86_64"
    stage "$name" "$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/release" ".exe"
    (cd dist && python3 -m zipfile -c "$name.zip" "$name")
    rm -rf "dist/$name"
    # Both programs are Windows executables (PE32+, x86-64).
    python3 - "dist/$name.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for exe in ("dilemma.exe", "session-server.exe"):
        data = z.read(next(n for n in z.namelist() if n.endswith("/" + exe)))
        pe = int.from_bytes(data[0x3c:0x40], "little")
        assert data[:2] == b"MZ" and data[pe:pe + 4] == b"PE\0\0", exe
        assert int.from_bytes(data[pe + 4:pe + 6], "little") == 0x8664, exe + " is not x86-64"
    assert any(n.endswith("/START-HIER.txt") for n in z.namelist())
    assert any("/scenarios/" in n and n.endswith(".toml") for n in z.namelist())
PY
    echo "dist/$name.zip ($(du -h "dist/$name.zip" | cut -f1)) in $((SECONDS - started)) s"
}

case "$want" in
    all) linux; windows ;;
    linux) linux ;;
    windows) windows ;;
    *) echo "usage: scripts/package.sh [all|linux|windows]" >&2; exit 2 ;;
esac
