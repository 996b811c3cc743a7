#!/usr/bin/env bash
# End-to-end on the real binary: a `--dev` node (alice alone) authors and finalises blocks,
# includes a signed transfer sent through @polkadot/api, and runs its PoAI challenges. Loopback only; every wait is bounded.
set -euo pipefail
. "$(dirname "$0")/env.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rpc_port=$(free_port)
p2p_port=$(free_port)
prometheus_port=$(free_port)
base=$(mktemp -d /tmp/poai-dev.XXXXXX)
log_file="$base/node.log"

"$POAI_NODE" --dev --base-path "$base" --rpc-port "$rpc_port" --port "$p2p_port" \
	--prometheus-port "$prometheus_port" --no-mdns --poai-models "$POAI_MODELS" \
	--pool-limit 256 >"$log_file" 2>&1 &
node_pid=$!
cleanup() {
	kill "$node_pid" 2>/dev/null || true
	wait "$node_pid" 2>/dev/null || true
	rm -rf "$base"
}
trap cleanup EXIT

fail() {
	echo "e2e-dev: $*" >&2
	echo "--- last lines of the node log ($log_file) ---" >&2
	tail -n 40 "$log_file" >&2 || true
	exit 1
}

ready=0
for _ in $(seq 1 120); do
	kill -0 "$node_pid" 2>/dev/null || fail "poai-node exited during start-up"
	if curl -sf -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		"http://127.0.0.1:$rpc_port" >/dev/null; then
		ready=1
		break
	fi
	sleep 1
done
[ "$ready" -eq 1 ] || fail "RPC did not answer within 120 s"

cd "$REPO_ROOT/zombienet"
node tests/transfer.js "ws://127.0.0.1:$rpc_port" || fail "transfer on the dev chain failed"
node tests/finality-progress.js "ws://127.0.0.1:$rpc_port" 3 90 || fail "dev chain does not finalise"
# Alice's PoAI worker runs ONNX inference on her challenges; with no other validator to audit
# her, her committed rounds pass and her reputation rises.
node tests/poai-rounds.js "ws://127.0.0.1:$rpc_port" honest //Alice 2 240 ||
	fail "alice's PoAI worker did not pass two rounds"
grep -q "PoAI worker started" "$log_file" || fail "the node did not start its PoAI worker"
# A flood of fee-paying transfers that keeps the (small, 256-transaction) pool full cannot keep
# alice's PoAI commitment out (docs/THREATS.md §7).
node tests/pool-flood.js "ws://127.0.0.1:$rpc_port" //Alice 150 ||
	fail "alice's PoAI commitment did not land during a flood that filled the pool"
