#!/usr/bin/env bash
# The load generator's room through the repository's own nginx site with TLS, beside the same room
# straight to the server, for docs/performance.md. Needs the release build and Debian's nginx:
#
#   scripts/bench-nginx.sh [PLAYERS]        # default 1000
#
# The site is deploy/nginx/dilemma.conf with only its ports and certificate paths changed (as
# tests/it/proxy.rs does); the players come from 8 loopback addresses, as clients behind a proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
players="${1:-1000}"
bin="$CARGO_TARGET_DIR/release"
dir="$(mktemp -d)"
chmod 755 "$dir"
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) $server 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
upstream=$(port); https=$(port); http=$(port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2> /dev/null
sed -e "s|    listen 80;|    listen 127.0.0.1:$http;|" -e "/listen \[::\]/d" \
    -e "s|    listen 443 ssl;|    listen 127.0.0.1:$https ssl;|" \
    -e "s|/etc/letsencrypt/live/dilemma.gemeente.nl/fullchain.pem|$dir/cert.pem|" \
    -e "s|/etc/letsencrypt/live/dilemma.gemeente.nl/privkey.pem|$dir/key.pem|" \
    -e "s|proxy_pass http://127.0.0.1:7878;|proxy_pass http://127.0.0.1:$upstream;|" deploy/nginx/dilemma.conf > "$dir/site.conf"
cat > "$dir/nginx.conf" <<CONF
worker_processes 2;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  include $dir/site.conf;
}
CONF
RUST_LOG=warn "$bin/session-server" --listen "127.0.0.1:$upstream" --trusted-proxy 127.0.0.1 \
    --db "$dir/load.db" --scenarios scenarios > /dev/null 2>&1 &
server=$!
nginx -p "$dir" -c "$dir/nginx.conf"
sleep 1
echo "== through nginx with TLS (wss://127.0.0.1:$https/ws)"
"$bin/loadgen" --url "wss://127.0.0.1:$https/ws" --insecure --sources 8 --pid "$server" --players "$players" --window 1 --change 0.2 --no-echo
echo "== straight to the server (ws://127.0.0.1:$upstream/ws), same run"
"$bin/loadgen" --url "ws://127.0.0.1:$upstream/ws" --sources 8 --pid "$server" --players "$players" --window 1 --change 0.2 --no-echo
