#!/usr/bin/env bash
# Runs Candor with a local demo: installs what is missing, builds the UI and
# the app, starts a local server with demo accounts and history, signs the app
# in as Alice and opens it, while Bob writes to her every little while.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/deps.sh
(cd ui && npm run build)
cargo build -p candor-app -p candor-demo

state="${CANDOR_DEMO_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/candor-demo}"
mkdir -p "$state"
rm -f "$state/ready"
# Outside a desktop session (a bare terminal) the keychain needs a session
# bus with an unlocked Secret Service; a desktop session already has one.
./target/debug/candor-demo serve --data-dir "$state" --app-data-dir "$state/app" \
    --ready-file "$state/ready" &
demo=$!
trap 'kill $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    [ -f "$state/ready" ] && break
    kill -0 $demo 2>/dev/null || { echo "The demo server failed to start" >&2; exit 1; }
    sleep 0.2
done
[ -f "$state/ready" ] || { echo "The demo server did not become ready" >&2; exit 1; }

CANDOR_DATA_DIR="$state/app" CANDOR_SERVER_URL="$(cat "$state/ready")" ./target/debug/candor
