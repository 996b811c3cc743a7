#!/usr/bin/env bash
# The memory-bound challenge's demonstration (docs/HARDWARE.md, "The memory-bound challenge"):
# one challenge of a 512 MiB demonstration tier (cache 64 MiB, 16 parents, 65,536 walks of 2,048
# steps, R = N·P) run by a worker that holds the dataset, by the same worker under a 480 MiB
# address-space limit (prlimit --as: the allocator refuses the dataset and grants half of it), and
# by one that holds the cache alone (a verifier). Each run is a separate process timed by
# bench_memory itself; one JSON line per run on stdout, or appended to the file named by $1.
# About 3 minutes on the 2-core reference VM.
#
#   scripts/bench-memory.sh [OUT.jsonl]
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "$0")/env.sh"
cargo build --release --locked -q -p poai-offchain-worker --example bench_memory
BENCH="$CARGO_TARGET_DIR/release/examples/bench_memory"
ARGS=(--dataset-mib 512 --cache-mib 64 --parents 16 --steps 2048 --samples 65536 --reps 1)
OUT="${1:-/dev/stdout}"
"$BENCH" "${ARGS[@]}" --residency full >>"$OUT"
prlimit --as=$((480 * 1024 * 1024)) "$BENCH" "${ARGS[@]}" --residency fits >>"$OUT"
"$BENCH" "${ARGS[@]}" --residency cache-only >>"$OUT"
