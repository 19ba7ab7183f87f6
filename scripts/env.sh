# Shared by run.sh, test.sh and the other scripts: one cargo target directory outside the clone,
# so the client, the server and the tests compile their dependencies once, and an apt helper.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dilemma-target}"
export CARGO_INCREMENTAL=0

# Installs the named Debian packages that are missing (as root, or with sudo).
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing system packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# What building the client needs: ALSA's headers, for the timer's chime (bevy_audio → cpal).
BUILD_PACKAGES=(pkg-config libasound2-dev)

# What a window of the client needs at run time (X11, Vulkan; Mesa's lavapipe where there is no GPU;
# ALSA for sound, which stays silent where there is no sound card).
WINDOW_PACKAGES=(libvulkan1 mesa-vulkan-drivers libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1 libasound2)

# What the browser pages' tests drive: Debian's Chromium and its WebDriver, with fonts for readable screenshots.
BROWSER_PACKAGES=(chromium chromium-driver fonts-dejavu-core)

# What the hosting tests run for real: Debian's nginx and Caddy in front of the server, openssl for test certificates.
HOSTING_PACKAGES=(nginx caddy openssl)

# What checks the pages' scripts: Node and npm from Debian, for TypeScript's checker (tests/typecheck,
# its version pinned in package-lock.json). A machine whose Node already brings npm (NodeSource's
# package, which conflicts with Debian's npm) keeps it.
SCRIPT_PACKAGES=(nodejs)
command -v npm >/dev/null 2>&1 || SCRIPT_PACKAGES+=(npm)
