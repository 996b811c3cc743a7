#!/usr/bin/env bash
# Node figures for docs/BENCHMARKS.md (issue #6): binary and runtime sizes, RSS of a `--dev`
# node without and with its PoAI worker, the latency of PoAI rounds from issue to verdict, and
# build times.
#
#   scripts/bench-node.sh OUT.jsonl     (e.g. "$CARGO_TARGET_DIR/poai-bench/node.jsonl")
#
# Writes one JSON object per line to OUT (replaced), logs on stderr. About 4 minutes:
#   {"kind":"meta",...}                                   repo commit, cores, date, node version
#   {"kind":"binary","bytes":N,"path":"poai-node"}
#   {"kind":"wasm","bytes":N,"path":"poai_runtime.compact.compressed.wasm","compact_bytes":N}
#   {"kind":"rss","mode":"idle (no worker)","median_kib":..,"max_kib":..,"hwm_kib":..,"seconds":..}
#   {"kind":"rss","mode":"worker (cpu)",...,"rounds_closed":N,"poai_worker_*":..}
#   {"kind":"round_latency","round":R,"issued":B,"verdict":B2,"blocks":..,"seconds":..,...}
#   {"kind":"build","what":"cold","seconds":..,"source":"docs/BUILD.md"}      (recorded figure)
#   {"kind":"build","what":"incremental (pallet touched)","seconds":..,"source":...}
#
# Knobs (environment):
#   BENCH_IDLE_S=60          how long the idle node runs; VmRSS is sampled over its last
#   BENCH_IDLE_SAMPLE_S=30   seconds
#   BENCH_ROUNDS=2           PoAI rounds the worker node must see closed, and then on until every
#                            registered model has been run in a closed round (a model's outputs
#                            are held in memory until its reveal window ends, so RSS depends
#                            on the models run); VmRSS is sampled until then, and for at least
#                            BENCH_ROUNDS × 60 s (sessions)
#   BENCH_ROUNDS_TIMEOUT_S=720  after which the rounds closed so far are the result (an error
#                            only with fewer than BENCH_ROUNDS)
#   BENCH_BUILD=1            also time `cargo build --release --locked -p poai-node` after
#                            touching pallets/challenges/src/lib.rs (≈ 4 min; off by default:
#                            the recorded figure of docs/BUILD.md is written instead)
#   BENCH_COLD_BUILD=1       also time a cold build into a fresh temporary CARGO_TARGET_DIR
#                            (≈ 30-50 min on 2 cores and ≈ 8 GB of disk; the cargo registry stays
#                            warm, so downloads are not counted); off by default
#
# Loopback only (127.0.0.1, free ports); every wait is bounded; nodes and temp dirs are
# removed on exit. Exits 1 (after writing the other figures) if fewer than BENCH_ROUNDS rounds
# closed in time.
set -euo pipefail
. "$(dirname "$0")/env.sh"

out="${1:?usage: scripts/bench-node.sh OUT.jsonl}"
idle_s="${BENCH_IDLE_S:-60}"
idle_sample_s="${BENCH_IDLE_SAMPLE_S:-30}"
rounds="${BENCH_ROUNDS:-2}"
rounds_timeout_s="${BENCH_ROUNDS_TIMEOUT_S:-720}"

say() { printf '[bench-node] %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}
[ -x "$POAI_NODE" ] || die "no node binary at $POAI_NODE (scripts/build.sh builds it)"
command -v python3 >/dev/null || die "python3 is needed (free ports, statistics)"
[ -d "$REPO_ROOT/zombienet/node_modules/@polkadot/api" ] || die "run 'npm ci' in zombienet/ first"

mkdir -p "$(dirname "$out")"
: >"$out"
emit() {
	printf '%s\n' "$1" >>"$out"
	say "$1"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/poai-bench-node.XXXXXX")
node_pid=""
watcher_pid=""
cold_target=""
status=0
stop_node() {
	if [ -n "$node_pid" ]; then
		kill "$node_pid" 2>/dev/null || true
		# Bounded: SIGKILL after 20 s.
		for _ in $(seq 1 20); do
			kill -0 "$node_pid" 2>/dev/null || break
			sleep 1
		done
		kill -9 "$node_pid" 2>/dev/null || true
		wait "$node_pid" 2>/dev/null || true
		node_pid=""
	fi
}
cleanup() {
	if [ -n "$watcher_pid" ]; then kill "$watcher_pid" 2>/dev/null || true; fi
	stop_node
	rm -rf "$work"
	if [ -n "$cold_target" ]; then rm -rf "$cold_target"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sleeps in the background so that a signal's trap runs at once.
pause() {
	sleep "$1" &
	wait $!
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rpc() { # method → result JSON (empty on failure)
	curl -sf -m 5 -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[]}" \
		"http://127.0.0.1:$rpc_port" || true
}
best_block() {
	rpc chain_getHeader | python3 -c 'import json,sys
try: print(int(json.load(sys.stdin)["result"]["number"], 16))
except Exception: print(-1)'
}

# Starts a `--dev` node (its extra flags as arguments) and waits (≤ 120 s) until its RPC answers.
start_node() {
	local name="$1"
	shift
	rpc_port=$(free_port)
	prometheus_port=$(free_port)
	local p2p_port
	p2p_port=$(free_port)
	node_base="$work/$name"
	node_log="$work/$name.log"
	mkdir -p "$node_base"
	"$POAI_NODE" --dev --base-path "$node_base" --rpc-port "$rpc_port" --port "$p2p_port" \
		--prometheus-port "$prometheus_port" --no-mdns --no-telemetry "$@" >"$node_log" 2>&1 &
	node_pid=$!
	for _ in $(seq 1 120); do
		kill -0 "$node_pid" 2>/dev/null || { tail -n 30 "$node_log" >&2; die "$name node exited during start-up"; }
		if [ -n "$(rpc system_health)" ]; then
			say "$name node up (pid $node_pid, rpc $rpc_port, prometheus $prometheus_port)"
			return 0
		fi
		sleep 1
	done
	tail -n 30 "$node_log" >&2
	die "$name node: RPC did not answer within 120 s"
}

# Appends the node's VmRSS (KiB) to file $1 once a second while `$2` (a command) succeeds,
# at most $3 seconds.
vm_field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$node_pid/status" 2>/dev/null || true; }
sample_rss() {
	local file="$1" cond="$2" max_s="$3" t=0 kib
	while [ "$t" -lt "$max_s" ] && eval "$cond"; do
		kill -0 "$node_pid" 2>/dev/null || die "node died while sampling (log: $node_log)"
		kib=$(vm_field VmRSS)
		[ -n "$kib" ] && echo "$kib" >>"$file"
		pause 1
		t=$((t + 1))
	done
}
# The machine's 1-minute load average: other work on it skews the figures (CPU and malloc arenas).
load1() { cut -d ' ' -f 1 /proc/loadavg; }
# Statistics of a samples file: "median max count".
rss_stats() {
	python3 - "$1" <<-'EOF'
		import statistics, sys
		v = [int(x) for x in open(sys.argv[1]) if x.strip()]
		print(int(statistics.median(v)), max(v), len(v)) if v else print(0, 0, 0)
	EOF
}

commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
emit "{\"kind\":\"meta\",\"repo_commit\":\"$commit\",\"cores\":$(nproc),\"mem_kib\":$(awk '/^MemTotal:/ {print $2}' /proc/meminfo),\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"node\":\"$("$POAI_NODE" --version | head -n 1)\"}"

# 1. Sizes.
emit "{\"kind\":\"binary\",\"bytes\":$(stat -c %s "$POAI_NODE"),\"path\":\"poai-node\"}"
wasm=""
for f in "$CARGO_TARGET_DIR"/release/wbuild/poai-runtime/*.compact.compressed.wasm; do
	[ -f "$f" ] && wasm="$f" && break
done
if [ -n "$wasm" ]; then
	compact="${wasm%.compressed.wasm}.wasm"
	extra=""
	[ -f "$compact" ] && extra=",\"compact_bytes\":$(stat -c %s "$compact")"
	emit "{\"kind\":\"wasm\",\"bytes\":$(stat -c %s "$wasm"),\"path\":\"$(basename "$wasm")\"$extra}"
else
	say "warning: no compact compressed runtime wasm under $CARGO_TARGET_DIR/release/wbuild/poai-runtime"
fi

# 2. Idle RSS: a dev node without `--poai-models` runs no PoAI worker (it only warns).
say "idle node: ${idle_s} s of blocks, VmRSS sampled over the last ${idle_sample_s} s"
start_node idle
pause $((idle_s - idle_sample_s))
sample_rss "$work/idle.rss" true "$idle_sample_s"
read -r median max count < <(rss_stats "$work/idle.rss")
hwm=$(vm_field VmHWM)
best=$(best_block)
[ "$best" -gt 0 ] || die "the idle node produced no blocks (log: $node_log)"
grep -q "No \`--poai-models\`" "$node_log" || say "warning: the idle node did not log that it runs no PoAI worker"
emit "{\"kind\":\"rss\",\"mode\":\"idle (no worker)\",\"median_kib\":$median,\"max_kib\":$max,\"hwm_kib\":${hwm:-null},\"seconds\":$count,\"best_block\":$best,\"load1\":$(load1)}"
stop_node

# 3 + 4. RSS with the worker, sampled for as long as the round watcher runs (≥ BENCH_ROUNDS
# closed rounds, i.e. at least that many full rounds), and the rounds' latency.
say "worker node: VmRSS sampled until $rounds PoAI rounds are closed and every model has run (≤ ${rounds_timeout_s} s)"
start_node worker --poai-models "$POAI_MODELS"
(cd "$REPO_ROOT/zombienet" &&
	exec node tests/round-latency.js "ws://127.0.0.1:$rpc_port" "$rounds" "$rounds_timeout_s" 1 1) \
	>"$work/rounds.out" 2>"$work/rounds.err" &
watcher_pid=$!
# shellcheck disable=SC2016 # evaluated in sample_rss
sample_rss "$work/worker.rss" 'kill -0 "$watcher_pid" 2>/dev/null' $((rounds_timeout_s + 60))
# At least BENCH_ROUNDS whole 60 s sessions (one round is issued at each session start).
sampled=$(wc -l <"$work/worker.rss")
if [ "$sampled" -lt $((rounds * 60)) ]; then
	sample_rss "$work/worker.rss" true $((rounds * 60 - sampled))
fi
watcher_rc=0
wait "$watcher_pid" || watcher_rc=$?
watcher_pid=""
sed 's/^/  /' "$work/rounds.err" >&2
grep -q "PoAI worker started" "$node_log" || say "warning: the node log does not say 'PoAI worker started'"
read -r median max count < <(rss_stats "$work/worker.rss")
hwm=$(vm_field VmHWM)
closed_rounds=$(grep -c '^{"kind":"round_latency"' "$work/rounds.out" || true)
# The worker's own metrics (offchain-worker/src/task.rs), as extra fields.
metrics=$(curl -sf -m 5 "http://127.0.0.1:$prometheus_port/metrics" || true)
extra=$(printf '%s\n' "$metrics" | python3 -c '
import re, sys
out = {}
for line in sys.stdin:
    m = re.match(r"^(?:substrate_)?(poai_worker_[a-z_]+)(\{[^}]*\})?\s+(\S+)$", line.strip())
    if not m or (m.group(2) and "le=" in m.group(2)):
        continue
    v = float(m.group(3))
    out[m.group(1)] = int(v) if v.is_integer() else round(v, 6)
if out.get("poai_worker_inference_seconds_count"):
    out["poai_worker_inference_seconds_mean"] = round(
        out["poai_worker_inference_seconds_sum"] / out["poai_worker_inference_seconds_count"], 6)
print("".join(",\"%s\":%s" % (k, v) for k, v in sorted(out.items())))')
[ -n "$extra" ] || say "warning: no poai_worker_* metrics at the Prometheus endpoint"
emit "{\"kind\":\"rss\",\"mode\":\"worker (cpu)\",\"median_kib\":$median,\"max_kib\":$max,\"hwm_kib\":${hwm:-null},\"seconds\":$count,\"rounds_closed\":$closed_rounds,\"best_block\":$(best_block),\"load1\":$(load1)$extra}"
while IFS= read -r line; do
	case "$line" in '{"kind":"round_latency"'*) emit "$line" ;; esac
done <"$work/rounds.out"
if [ "$watcher_rc" -ne 0 ]; then
	say "error: the round watcher ended with status $watcher_rc ($closed_rounds of $rounds rounds closed); the other figures are written"
	status=1
fi
stop_node

# 5. Build times.
cold_line=$(grep -m 1 '^| cold `cargo build' "$REPO_ROOT/docs/BUILD.md" || true)
cold_min=$(printf '%s' "$cold_line" | sed -n 's/^| cold [^|]*| *≈ *\([0-9][0-9]*\) min.*/\1/p')
build_date=$(sed -n 's/.*Date: \([0-9-]*\)\..*/\1/p' "$REPO_ROOT/docs/BUILD.md" | head -n 1)
if [ -n "$cold_min" ]; then
	emit "{\"kind\":\"build\",\"what\":\"cold\",\"seconds\":$((cold_min * 60)),\"source\":\"docs/BUILD.md\",\"date\":\"$build_date\",\"approx\":true}"
else
	say "warning: no cold build figure found in docs/BUILD.md"
fi
timed_build() { # target dir → seconds
	local start end
	start=$(date +%s.%N)
	CARGO_TARGET_DIR="$1" cargo build --release --locked -p poai-node >&2
	end=$(date +%s.%N)
	python3 -c "print(round($end - $start, 1))"
}
cd "$REPO_ROOT"
if [ "${BENCH_BUILD:-0}" = 1 ]; then
	say "incremental build: touching pallets/challenges/src/lib.rs"
	touch pallets/challenges/src/lib.rs
	emit "{\"kind\":\"build\",\"what\":\"incremental (pallet touched)\",\"seconds\":$(timed_build "$CARGO_TARGET_DIR"),\"source\":\"measured\"}"
else
	inc=$(grep -m 1 '^| rebuild after changing a pallet' docs/BUILD.md | sed -n 's/^|[^|]*| *\([0-9][0-9]*\) m \([0-9][0-9]*\) s.*/\1 \2/p' || true)
	if [ -n "$inc" ]; then
		read -r m s <<<"$inc"
		emit "{\"kind\":\"build\",\"what\":\"incremental (pallet touched)\",\"seconds\":$((m * 60 + s)),\"source\":\"docs/BUILD.md\",\"date\":\"$build_date\"}"
	fi
fi
if [ "${BENCH_COLD_BUILD:-0}" = 1 ]; then
	cold_target=$(mktemp -d "${BENCH_COLD_TARGET_PARENT:-$HOME/.cache}/poai-cold-target.XXXXXX")
	say "cold build into $cold_target (≈ 30-50 min)"
	emit "{\"kind\":\"build\",\"what\":\"cold\",\"seconds\":$(timed_build "$cold_target"),\"source\":\"measured\",\"note\":\"fresh target dir, warm cargo registry\"}"
fi
say "done: $out"
exit "$status"
