#!/usr/bin/env bash
# Renders every screen of the client in a real X window (Xvfb with Mesa's lavapipe, no GPU needed)
# and saves the pictures in docs/screenshots/. A real server runs with a room of bots (workshop-bot);
# each picture is a separate client process that joins or resumes into the state shown.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
need_packages xvfb xauth "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}"
cargo build --locked -p game-client -p session-server -p dilemma-tools --bins
BIN="$CARGO_TARGET_DIR/debug"
OUT=docs/screenshots
mkdir -p "$OUT"
TMP=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="ws://127.0.0.1:$PORT/ws"
RUST_LOG=warn "$BIN/session-server" --listen "127.0.0.1:$PORT" --db "$TMP/workshop.db" --scenarios scenarios &
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

coproc BOT { "$BIN/workshop-bot" --url "$URL"; }
REPLY_LINES=()
bot() {
    echo "$*" >&"${BOT[1]}"
    REPLY_LINES=()
    local line
    while read -r line <&"${BOT[0]}"; do
        [ "$line" = ok ] && return 0
        case "$line" in error=*) echo "workshop-bot: $line" >&2; exit 1 ;; esac
        REPLY_LINES+=("$line")
    done
}
value() { local l; for l in "${REPLY_LINES[@]}"; do [[ $l == "$1="* ]] && { echo "${l#*=}"; return; }; done; }

# The client remembers settings and its last session; keep the pictures' runs out of yours.
export XDG_CONFIG_HOME="$TMP/config"
shot() {
    local name=$1; shift
    echo "screenshot: $name"
    local size=${SIZE:-1600x900}
    WGPU_BACKEND=vulkan xvfb-run -a -s "-screen 0 ${size}x24" \
        "$BIN/dilemma" --server "$URL" --window "$size" --screenshot "$OUT/$name.png" --screenshot-after 6 "$@" \
        >"$TMP/$name.log" 2>&1 || { echo "the client failed for $name:"; tail -20 "$TMP/$name.log"; exit 1; }
}

# The look a shot is taken in: text size in percent, and high contrast (true/false).
look() {
    mkdir -p "$XDG_CONFIG_HOME/dilemma"
    printf '{"text_size":%s,"high_contrast":%s}' "$1" "$2" > "$XDG_CONFIG_HOME/dilemma/client.json"
}

shot start
shot start-en --lang en
# The trainers' deck editor: a problem shown beside its field, and previews of an item.
sed '0,/^statement = ".*"$/s//statement = ""/' scenarios/working-together.toml > "$TMP/concept.toml"
SIZE=1600x1000 shot editor-problem --deck "$TMP/concept.toml"
SIZE=1600x1000 shot editor-preview-facilitator --deck scenarios/working-together.toml --deck-preview facilitator
shot editor-preview-role --deck scenarios/acteren-via-b.toml --deck-preview player
look 100 true; shot start-contrast; look 100 false

# A room of 23: one player whose token a client resumes, 22 bots in three teams.
bot create samen-werken "Wijkteam Oost, 3 maart"
CODE=$(value code); F=$(value facilitator)
bot player "Wijkteam Oost"; P=$(value player)
bot join 8 "Wijkteam Oost"; bot join 8 "Wijkteam West"; bot join 6
shot facilitator-lobby --code "$CODE" --token "$F"
shot watch-lobby --watch "$CODE"
bot open groen-speeltuin
bot answer groen-speeltuin eens 8; bot answer groen-speeltuin oneens 6; bot answer groen-speeltuin hangt_af 3
shot facilitator-open --code "$CODE" --token "$F"
shot player-open --code "$CODE" --token "$P"
shot watch-open --watch "$CODE"
bot close; bot reveal
shot facilitator-revealed --code "$CODE" --token "$F"
shot player-revealed --code "$CODE" --token "$P"
shot watch-revealed --watch "$CODE"
# Readable at any size and in high contrast (the same screens at 200 %, and black on white).
look 200 false
shot facilitator-revealed-200 --code "$CODE" --token "$F"
shot player-revealed-200 --code "$CODE" --token "$P"
look 100 true
shot facilitator-revealed-contrast --code "$CODE" --token "$F"
shot watch-revealed-contrast --watch "$CODE"
look 200 true
shot player-revealed-200-contrast --code "$CODE" --token "$P"
look 100 false
# The room guesses its own result and gives reasons; the facilitator puts one on the projector,
# and the prompts that fit this result (split, a wrong guess) come first.
bot open overnemen
bot answer overnemen eens 4; bot answer overnemen oneens 10; bot answer overnemen hangt_af 7
bot guess overnemen 70 10; bot guess overnemen 60 8
bot reason overnemen Als het misgaat, word ik erop aangesproken.
bot reason overnemen Dan leert de initiatiefnemer er niets van.
bot reason overnemen Het hangt af van hoeveel tijd er nog is.
bot reason overnemen Het is hun initiatief, niet het mijne.
shot player-guess-reason --code "$CODE" --token "$P"
bot close
bot reveal
# The reasons reach the facilitator at the reveal (before it only with the private preview).
bot sleep 500
bot show Dan leert de initiatiefnemer er niets van.
SIZE=1600x1400 shot facilitator-reasons --code "$CODE" --token "$F"
shot watch-reason --watch "$CODE"
# A statement from the room, added during the session and played at once.
bot statement We nemen pas iets over als de initiatiefnemer erom vraagt.
bot open zaal-1
bot answer zaal-1 eens 12; bot answer zaal-1 oneens 6
shot facilitator-from-the-room --code "$CODE" --token "$F"
# One or two answers are never shown to the room.
bot open geld-als-antwoord
bot answer geld-als-antwoord eens 2
bot reveal
shot watch-too-few --watch "$CODE"
# The same player opened on another device: this one stops for good and says so.
echo "screenshot: closed-elsewhere"
WGPU_BACKEND=vulkan xvfb-run -a -s "-screen 0 1600x900x24" \
    "$BIN/dilemma" --server "$URL" --window 1600x900 --screenshot "$OUT/closed-elsewhere.png" --screenshot-after 12 \
    --code "$CODE" --token "$P" >"$TMP/closed-elsewhere.log" 2>&1 &
SHOT=$!
sleep 7
(echo "resume $CODE $P"; sleep 2) | "$BIN/dilemma-headless" "$URL" >/dev/null
wait "$SHOT" || { echo "the client failed for closed-elsewhere:"; tail -20 "$TMP/closed-elsewhere.log"; exit 1; }
# Three months later: a follow-up of this session shows then beside now.
bot end
FIRST=$CODE
bot follow "$FIRST" "$F" samen-werken "Wijkteam Oost, 3 juni"
CODE=$(value code); F=$(value facilitator)
bot player "Wijkteam Oost"; P=$(value player)
bot join 8 "Wijkteam Oost"; bot join 8 "Wijkteam West"; bot join 5
bot open groen-speeltuin
bot answer groen-speeltuin eens 4; bot answer groen-speeltuin oneens 12; bot answer groen-speeltuin hangt_af 5
bot close; bot reveal
shot facilitator-then-now --code "$CODE" --token "$F"
shot player-then-now --code "$CODE" --token "$P"
shot watch-then-now --watch "$CODE"
# The end of the follow-up, with the agreements made.
bot agree We bellen elkaar voordat we mailen.
bot agree Elke maand een kop koffie met de initiatiefnemers.
sleep 1
bot end
shot facilitator-ended-agreements --code "$CODE" --token "$F"

# A sketch: three players, two of them drawn for a role.
bot create acteren-via-b "Acteren via B"
CODE=$(value code); F=$(value facilitator)
bot join 3 "Wijkteam Oost"
bot open subsidie-beoordelaar
bot roles
ROLE=$(value role | cut -d' ' -f1)
bot start_timer
shot player-sketch-role --code "$CODE" --token "$ROLE"
shot watch-sketch --watch "$CODE"
shot facilitator-sketch --code "$CODE" --token "$F"
# The app was closed during a session: on the next start it offers to go on.
mkdir -p "$XDG_CONFIG_HOME/dilemma"
printf '{"server":"%s","name":"","team":"","last":{"server":"%s","code":"%s","token":"%s","role":"facilitator"}}' \
    "$URL" "$URL" "$CODE" "$F" > "$XDG_CONFIG_HOME/dilemma/client.json"
shot start-resume
bot end
shot facilitator-ended --code "$CODE" --token "$F"
shot player-ended --code "$CODE" --token "$ROLE"

# The browser pages (phone and projector): the browser tests save each state they check.
need_packages "${BROWSER_PACKAGES[@]}"
DILEMMA_SCREENSHOTS="$PWD/$OUT" cargo test --locked --workspace --test it -- pages:: series:: stage:: host::
echo "saved in $OUT/"
