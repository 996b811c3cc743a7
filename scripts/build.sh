#!/usr/bin/env bash
# Builds poai-node (and with it the runtime's wasm) in release mode into $CARGO_TARGET_DIR.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
log "cargo build --release -p poai-node (target dir: $CARGO_TARGET_DIR)"
cargo build --locked --release -p poai-node
