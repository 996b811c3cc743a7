#!/usr/bin/env bash
# Builds the runtime one spec_version later (`--features next-spec-version`, nothing else
# changed) and copies its wasm to OUT: the code the zombienet suite installs on the live network
# (zombienet/tests/runtime-upgrade.js). The wasm of the runtime the node embeds, which the same
# file name in the wasm builder's folder holds, is put back afterwards.
#
#   scripts/build-next-runtime.sh OUT.wasm
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
[ $# -eq 1 ] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
out=$1
wasm="$CARGO_TARGET_DIR/release/wbuild/poai-runtime/poai_runtime.compact.compressed.wasm"
saved=$(mktemp)
trap 'rm -f "$saved"' EXIT
[ -f "$wasm" ] && cp -p "$wasm" "$saved"
log "cargo build --release -p poai-runtime --features next-spec-version"
cargo build --locked --release -p poai-runtime --features next-spec-version
cp "$wasm" "$out"
# With its old modification time, so that cargo does not take the embedded runtime for changed.
[ -s "$saved" ] && cp -p "$saved" "$wasm"
log "the next runtime's wasm: $out ($(stat -c %s "$out") bytes)"
