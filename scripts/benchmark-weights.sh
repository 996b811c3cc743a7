#!/usr/bin/env bash
# Measures the PoAI pallets' weights on this machine and rewrites their `weights.rs`.
# Builds poai-node with `runtime-benchmarks` (much of the tree is recompiled with that feature;
# the normal build's artifacts stay in the target dir). Run `scripts/build.sh` afterwards so that
# `release/poai-node` is the normal binary again.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

log "cargo build --release -p poai-node --features runtime-benchmarks"
cargo build --locked --release -p poai-node --features runtime-benchmarks
bench_node="$CARGO_TARGET_DIR/release/poai-node"
runtime_wasm="$CARGO_TARGET_DIR/release/wbuild/poai-runtime/poai_runtime.compact.compressed.wasm"

for pallet in staking reputation models challenges; do
	log "benchmark pallet_poai_$pallet"
	"$bench_node" benchmark pallet \
		--runtime "$runtime_wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "pallet_poai_$pallet" \
		--extrinsic '*' \
		--steps "${STEPS:-50}" \
		--repeat "${REPEAT:-20}" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template scripts/templates/frame-weight-template.hbs \
		--output "pallets/$pallet/src/weights.rs"
done
