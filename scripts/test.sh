#!/usr/bin/env bash
# Runs every test: formatting and lints, the UI's unit tests and type check,
# the TypeScript bindings drift check, and the whole cargo test suite, the
# last inside a virtual display with its own session bus, notification
# daemon and unlocked Secret Service, so the end-to-end tests drive the real
# app window, observe real notifications and use a real keychain.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/deps.sh

echo "== UI: unit tests, type check, build"
(cd ui && npm test && npm run check && npm run build)

echo "== TypeScript bindings are up to date"
cargo test --locked -q -p candor-proto -p candor-core -p candor-app --features candor-app/ts export_bindings >/dev/null
if ! git diff --exit-code --stat -- ui/src/lib/bindings || [ -n "$(git status --porcelain -- ui/src/lib/bindings)" ]; then
    echo "The generated bindings in ui/src/lib/bindings differ from the Rust types; commit the regenerated files." >&2
    exit 1
fi

echo "== Format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== Build everything, including the app the end-to-end tests drive"
# All targets at once, so the binaries share the tests' feature set and
# `cargo test` below does not compile anything twice.
cargo build --workspace --all-targets --locked

echo "== cargo test (headless display, session bus, keychain, notifications)"
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
    set -euo pipefail
    # A keyring of its own, created unlocked for this run: a keyring left by
    # another run (or the user) would be locked and prompt for a password.
    keyring_home="$(mktemp -d)"
    trap "rm -rf \"$keyring_home\"" EXIT
    XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets \
        < <(printf %s candor-test-keyring) >/dev/null
    cargo test --workspace --locked "$@"
' bash "$@"
