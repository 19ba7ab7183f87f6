#!/usr/bin/env bash
# Builds the Debian package of the shared server from a session-server binary that is already built:
# the binary, the decks, the systemd unit, the env file (a conffile) and the docs, in a staged tree
# packed by dpkg-deb. Its postinst makes the system user `dilemma`.
#
#   scripts/deb.sh BINARY OUT_DIR      # writes OUT_DIR/dilemma-server_<version>_<arch>.deb
#
# scripts/package.sh calls it with the release build; the tests call it with theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"
out="$2"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$bin" "$stage/usr/bin/session-server"
mkdir -p "$stage/usr/share/dilemma"
cp -r scenarios "$stage/usr/share/dilemma/scenarios"
install -D -m 0644 deploy/dilemma.service "$stage/lib/systemd/system/dilemma.service"
install -D -m 0640 deploy/dilemma.env "$stage/etc/dilemma/dilemma.env"
install -D -m 0644 docs/hosting.md "$stage/usr/share/doc/dilemma/hosting.md"
install -D -m 0644 deploy/nginx/dilemma.conf "$stage/usr/share/doc/dilemma/examples/nginx-dilemma.conf"
install -D -m 0644 deploy/Caddyfile "$stage/usr/share/doc/dilemma/examples/Caddyfile"
cat > "$stage/usr/share/doc/dilemma/copyright" <<'COPYRIGHT'
Dilemmaspel (Samen werken aan de stad)
License: EUPL-1.2
COPYRIGHT

mkdir -p "$stage/DEBIAN"
install -m 0755 deploy/debian/postinst deploy/debian/prerm "$stage/DEBIAN/"
echo "/etc/dilemma/dilemma.env" > "$stage/DEBIAN/conffiles"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: dilemma-server
Version: ${version}
Architecture: ${arch}
Maintainer: Dilemmaspel <dilemmaspel@utrecht.nl>
Installed-Size: ${size}
Depends: libc6 (>= 2.34), passwd
Recommends: nginx | caddy
Section: net
Priority: optional
Homepage: https://github.com/gemeente-utrecht/dilemmaspel
Description: dilemma game for teams of civil servants: the shared session server
 The session server of the dilemma game from the Utrecht programme "Samen leren en
 werken aan de stad": phones join by QR code, answers are shown as percentages on the
 facilitator's screen, nobody sees who answered what. Runs as the systemd service
 dilemma behind the municipality's reverse proxy, or with its own certificate.
CONTROL

mkdir -p "$out"
deb="$out/dilemma-server_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
