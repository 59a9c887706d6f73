#!/usr/bin/env bash
# Runs every benchmark recorded in BENCHMARKS.md, release mode, one after the
# other (they share the machine's two cores, so never in parallel).
# Output also goes to target/bench-results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null; then
    echo "The sqlite3 CLI is missing (the ingest baseline): apt-get install -y sqlite3" >&2
    exit 1
fi
# 2,000 WebSockets on each side of the load test need file descriptors.
ulimit -n 8192

mkdir -p target
{
    echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(git rev-parse --short HEAD)"
    # `rebuild` regenerates the cached 1,000,000-message mirror with this build.
    cargo bench -p candor-core --bench mirror -- ingest search page "$@"
    cargo bench -p candor-server --bench loadgen -- \
        --clients 2000 --rate 1000,1500,2000 --seconds 20
} 2>&1 | tee target/bench-results.txt
