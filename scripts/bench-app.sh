#!/usr/bin/env bash
# Runs the desktop app benchmarks recorded in BENCHMARKS.md ("Desktop app"):
# cold start on a 100,000-message mirror next to a bare Tauri window, opening
# and scrolling the 60,000-message conversation, and idle memory. Release
# builds, one run, inside a virtual display with its own session bus and an
# unlocked Secret Service in a temporary home. Arguments go to the benchmark
# (crates/core/benches/app.rs), e.g. `--runs 20 --opens 5 --idle-seconds 60
# --parts startup,scroll,idle`. Output also goes to target/bench-app-results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

for tool in xvfb-run dbus-run-session gnome-keyring-daemon tauri-driver WebKitWebDriver; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is missing: run scripts/deps.sh (tauri-driver: cargo install tauri-driver --version ^2 --locked)" >&2
        exit 1
    fi
done

# The app embeds the UI build, so build that first. `bench-floor` adds the
# `candor-bare` binary; the `candor` binary is the same either way.
(cd ui && npm run build)
cargo build --release --locked -p candor-app --features bench-floor
cargo build --release --locked -p candor-server
cargo bench --locked -p candor-core --bench app --features keychain --no-run

# A throwaway home for the keyring, WebKit and the session's runtime files.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
mkdir -m 700 "$home/runtime"
export XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    XDG_CACHE_HOME="$home/cache" XDG_RUNTIME_DIR="$home/runtime"

mkdir -p target
{
    echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + changes')"
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
        set -euo pipefail
        echo -n "candor-bench-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        cargo bench --locked -p candor-core --bench app --features keychain -- "$@"
    ' bash "$@"
} 2>&1 | tee target/bench-app-results.txt
