#!/usr/bin/env bash
# Measures the PoAI pallets' weights on this machine and rewrites their `weights.rs`.
# Usage: scripts/benchmark-weights.sh [pallet ...]   (staking reputation models challenges;
# default all four). EXTRINSICS=a,b re-measures only those functions of one pallet and splices
# them into its weights.rs (scripts/splice-weights.py); the others keep their measured values.
# Builds poai-node with `runtime-benchmarks` (much of the tree is recompiled with that feature;
# the normal build's artifacts stay in the target dir). Run `scripts/build.sh` afterwards so that
# `release/poai-node` is the normal binary again.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(staking reputation models challenges)
for pallet in "${pallets[@]}"; do
	case "$pallet" in
	staking | reputation | models | challenges) ;;
	*)
		echo "unknown pallet '$pallet' (staking, reputation, models, challenges)" >&2
		exit 2
		;;
	esac
done

if [ -n "${EXTRINSICS:-}" ] && [ ${#pallets[@]} -ne 1 ]; then
	echo "EXTRINSICS needs exactly one pallet" >&2
	exit 2
fi

log "cargo build --release -p poai-node --features runtime-benchmarks"
cargo build --locked --release -p poai-node --features runtime-benchmarks
bench_node="$CARGO_TARGET_DIR/release/poai-node"
runtime_wasm="$CARGO_TARGET_DIR/release/wbuild/poai-runtime/poai_runtime.compact.compressed.wasm"

for pallet in "${pallets[@]}"; do
	log "benchmark pallet_poai_$pallet"
	output="pallets/$pallet/src/weights.rs"
	[ -z "${EXTRINSICS:-}" ] || output="$(mktemp --suffix=.rs)"
	"$bench_node" benchmark pallet \
		--runtime "$runtime_wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "pallet_poai_$pallet" \
		--extrinsic "${EXTRINSICS:-*}" \
		--steps "${STEPS:-50}" \
		--repeat "${REPEAT:-20}" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template scripts/templates/frame-weight-template.hbs \
		--output "$output"
	if [ -n "${EXTRINSICS:-}" ]; then
		python3 scripts/splice-weights.py "pallets/$pallet/src/weights.rs" "$output"
		rm -f "$output"
	fi
done
