#!/usr/bin/env bash
# Measures the PoAI worker, the challenge protocol, the chain and the node, and writes
# docs/BENCHMARKS.md with its plots in docs/benchmarks/ (issue #6): the worker's Rust inference
# engine against the Python onnxruntime reference (same model, inputs and thread count,
# alternating), the GPU (from docs/bench-data/gpu.jsonl, which scripts/bench-gpu.sh writes on a
# CUDA machine, or measured here when this machine has one), the verification cost, honest
# false faults through the engine, time to slash per simulated fault, the chain's capacity from
# the runtime's weights, and the node's size and memory. About 25 minutes on 2 cores (more with
# BENCH_BUILD=1, which also times an incremental node build).
#
#   scripts/benchmarks.sh
#
# Settings (environment): BENCH_THREADS (intra-op threads, default: the number of CPUs, at most
# 2 since the registered CPU batches were sized for 2), BENCH_ROUNDS (alternating Rust/Python
# rounds per model, default 8), BENCH_REPS (batches per side per round, default 4),
# BENCH_HONEST_SEEDS (challenges per model of the honest false-fault run, default 3),
# BENCH_SLASH_TRIALS (trials per fault of the time-to-slash simulation, default 30),
# BENCH_BUILD / BENCH_COLD_BUILD (see scripts/bench-node.sh),
# BENCH_OUT (the report, default docs/BENCHMARKS.md).
set -euo pipefail

# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

# Everything the build and the suite need on a fresh machine (apt, rustup, the models' venv with
# onnxruntime, npm packages for bench-node.sh's @polkadot/api); idempotent.
setup
PY="${POAI_VENV:-$HOME/.cache/poai-venv}/bin/python"
# For the plots only; kept out of models/requirements.txt, whose pins define the models' bytes.
"$PY" -c 'import matplotlib' 2>/dev/null || "$PY" -m pip install -q 'matplotlib==3.10.8'

# The protocol parameters scripts/benchmarks-report.py assumes: stop if the chain's differ.
check() {
	grep -q -- "$2" "$1" || {
		echo "benchmarks.sh: \`$2\` not found in $1; update scripts/benchmarks-report.py" >&2
		exit 1
	}
}
TYPES=pallets/challenges/src/types.rs
check "$TYPES" "audit_probability: Perbill::from_percent(50),"
check "$TYPES" "audit_samples: 4,"
check "$TYPES" "verifiers: 3,"
check "$TYPES" "reaudit_extra_verifiers: 2,"
check "$TYPES" "fraud_slash: Perbill::from_percent(20),"
PRESETS=runtime/src/genesis_config_presets.rs
check "$PRESETS" "GENESIS_BOND: Balance = 100_000 \* UNIT;"
check "$PRESETS" "reward_per_session: 1_000 \* UNIT,"

CPUS="$(nproc)"
THREADS="${BENCH_THREADS:-$((CPUS < 2 ? CPUS : 2))}"
ROUNDS="${BENCH_ROUNDS:-8}"
REPS="${BENCH_REPS:-4}"
OUT="${BENCH_OUT:-$REPO_ROOT/docs/BENCHMARKS.md}"
MODELS=(tiny-lm dense-mlp)

log "cargo: building the benchmark examples and the node"
cargo build --release --locked -p poai-offchain-worker --example bench_engine --example bench_honest
cargo build --release --locked -p poai-runtime --example capacity
cargo build --release --locked -p poai-node
BENCH="$CARGO_TARGET_DIR/release/examples/bench_engine"
HONEST="$CARGO_TARGET_DIR/release/examples/bench_honest"

RAW_DIR="$CARGO_TARGET_DIR/poai-bench"
mkdir -p "$RAW_DIR"
RAW="$RAW_DIR/engine.jsonl"
: >"$RAW"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for model in "${MODELS[@]}"; do
	for round in $(seq 1 "$ROUNDS"); do
		log "$model: round $round/$ROUNDS: Rust engine, Rust ort alone, Python onnxruntime ($THREADS threads)"
		"$BENCH" --model "$model" --threads "$THREADS" --reps "$REPS" --verify-reps 30 \
			| sed "s/^{/{\"round\":$round,/" >>"$RAW"
		"$BENCH" --model "$model" --threads "$THREADS" --reps "$REPS" --raw-ort \
			| sed "s/^{/{\"round\":$round,/" >>"$RAW"
		"$PY" models/bench_reference.py --model "$model" --threads "$THREADS" --reps "$REPS" \
			--e2e-reps 1 | sed "s/^{/{\"round\": $round, /" >>"$RAW"
	done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# False faults of honest workers: every sample of BENCH_HONEST_SEEDS challenges (default 3, i.e.
# 12,288 samples per model) run by a prover with $THREADS threads and re-run by a 1-thread
# verifier in audits of 4, judged with the chain's committee verdict; plus cheating provers as
# a negative control. One JSON line per model.
HONEST_RAW="$RAW_DIR/honest.jsonl"
: >"$HONEST_RAW"
for model in "${MODELS[@]}"; do
	log "$model: honest false-fault rate (prover $THREADS threads, verifier 1 thread)"
	"$HONEST" --model "$model" --seeds "${BENCH_HONEST_SEEDS:-3}" --prover-threads "$THREADS" \
		--verifier-threads 1 >>"$HONEST_RAW"
done

# Chain capacity: weights, transaction sizes and state per round from the runtime itself.
log "chain capacity (runtime/examples/capacity.rs)"
"$CARGO_TARGET_DIR/release/examples/capacity" >"$RAW_DIR/capacity.jsonl"

# The memory-bound challenge: held, half held under a memory limit, recomputed from the cache.
log "memory-bound challenge (scripts/bench-memory.sh)"
: >"$RAW_DIR/memory.jsonl"
"$REPO_ROOT/scripts/bench-memory.sh" "$RAW_DIR/memory.jsonl"

# Time to slash per simulated fault: the real pallet on its mock chain.
log "time to slash per fault (${BENCH_SLASH_TRIALS:-30} trials each)"
POAI_SLASH_TRIALS="${BENCH_SLASH_TRIALS:-30}" cargo test --release --locked -q \
	-p pallet-poai-challenges --lib -- --ignored --nocapture time_to_slash \
	| { grep '^{"kind":"slash"' || true; } >"$RAW_DIR/slash.jsonl"
[ -s "$RAW_DIR/slash.jsonl" ] || { echo "benchmarks.sh: the time-to-slash run printed nothing" >&2; exit 1; }

# The node: binary and runtime size, RSS idle and while running challenges, round latency.
log "node (scripts/bench-node.sh)"
"$REPO_ROOT/scripts/bench-node.sh" "$RAW_DIR/node.jsonl"

# The GPU: measured here when this machine has a CUDA device, otherwise the recorded
# measurement of one (each line carries its device and date).
rm -f "$RAW_DIR/gpu.jsonl"
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
	log "GPU (scripts/bench-gpu.sh)"
	"$REPO_ROOT/scripts/bench-gpu.sh" "$RAW_DIR/gpu.jsonl"
elif [ -s "$REPO_ROOT/docs/bench-data/gpu.jsonl" ]; then
	cp "$REPO_ROOT/docs/bench-data/gpu.jsonl" "$RAW_DIR/gpu.jsonl"
fi

log "writing $OUT"
MACHINE_CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
MACHINE_MEM="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
export MACHINE_CPU MACHINE_MEM CPUS THREADS ROUNDS REPS LOAD_BEFORE LOAD_AFTER
MACHINE_KERNEL="$(uname -sr)"
MACHINE_RUSTC="$(rustc --version)"
MACHINE_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
MACHINE_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export MACHINE_KERNEL MACHINE_RUSTC MACHINE_COMMIT MACHINE_DATE HONEST_RAW
"$PY" scripts/benchmarks-report.py "$RAW_DIR" "$OUT"
# The raw lines behind the report, next to it (gpu.jsonl is also the input of a later run).
mkdir -p "$REPO_ROOT/docs/bench-data"
cp "$RAW_DIR"/*.jsonl "$REPO_ROOT/docs/bench-data/"
log "done: $OUT (raw measurements: $RAW_DIR, copied to docs/bench-data/)"
