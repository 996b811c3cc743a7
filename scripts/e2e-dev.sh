#!/usr/bin/env bash
# End-to-end on the real binary: a `--dev` node (alice alone) authors and finalises blocks,
# includes a signed transfer sent through @polkadot/api, and runs its PoAI challenges. Loopback only; every wait is bounded.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/node-helpers.sh"

base=$(mktemp -d /tmp/poai-dev.XXXXXX)
trap 'stop_started_nodes; rm -rf "$base"' EXIT
log_file="$base/node.log"
start_node e2e-dev "$log_file" --dev --base-path "$base" --poai-models "$POAI_MODELS" --pool-limit 256
fail() { node_failed e2e-dev "$log_file" "$*"; }

cd "$REPO_ROOT/zombienet"
node tests/transfer.js "$NODE_WS" || fail "transfer on the dev chain failed"
node tests/finality-progress.js "$NODE_WS" 3 90 || fail "dev chain does not finalise"
# Alice's PoAI worker runs ONNX inference on her challenges; with no other validator to audit
# her, her committed rounds pass and her reputation rises.
node tests/poai-rounds.js "$NODE_WS" honest //Alice 2 240 ||
	fail "alice's PoAI worker did not pass two rounds"
grep -q "PoAI worker started" "$log_file" || fail "the node did not start its PoAI worker"
# A flood of fee-paying transfers that keeps the (small, 256-transaction) pool full cannot keep
# alice's PoAI commitment out (docs/THREATS.md §7).
node tests/pool-flood.js "$NODE_WS" //Alice 150 ||
	fail "alice's PoAI commitment did not land during a flood that filled the pool"
