#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test
# Candor: the WebKitGTK stack Tauri needs, a display server, a session bus,
# a notification daemon and a Secret Service for the end-to-end tests, the
# UI's npm packages and tauri-driver. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    # building the desktop app
    build-essential pkg-config curl wget file libssl-dev libxdo-dev
    libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
    # running and testing it headless: X server, session bus, notifications,
    # keychain, WebDriver, window titles, screenshots
    xvfb xauth dbus at-spi2-core dunst gnome-keyring libsecret-tools
    webkit2gtk-driver x11-utils imagemagick
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust (cargo 1.85+) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js 20+ with npm is required" >&2; exit 1; }

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    (cd ui && npm ci --no-audit --no-fund)
fi
if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    cargo install tauri-driver --version ^2 --locked
fi
