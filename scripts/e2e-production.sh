#!/usr/bin/env bash
# End-to-end on the real binary: the production chain.
#  1. `build-spec --chain production` works and a node starts on the built-in spec (the
#     rehearsal launch set): hour-long sessions, production parameters, no sudo key.
#  2. A launch as docs/OPERATOR.md describes it: `scripts/production-spec.sh` puts a launch file
#     (scripts/testdata/production-launch-alice.json: Alice's keys, a council of Alice, Bob and
#     Charlie) into the spec; a node authors and finalises on it, sudo and a lone member's admin
#     call are refused, and a council motion sets the protocol parameters.
# Everything is checked through @polkadot/api. Loopback only; every wait is bounded.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/node-helpers.sh"

base=$(mktemp -d /tmp/poai-production.XXXXXX)
trap 'stop_started_nodes; rm -rf "$base"' EXIT
launch="$REPO_ROOT/scripts/testdata/production-launch-alice.json"

"$POAI_NODE" build-spec --chain production --disable-default-bootnode >"$base/template.json" 2>"$base/build-spec.log" ||
	node_failed e2e-production "$base/build-spec.log" "build-spec --chain production failed"

log "production: a node on the built-in spec"
start_node template "$base/template.log" --chain production --base-path "$base/template" \
	--poai-models "$POAI_MODELS"
(cd "$REPO_ROOT/zombienet" && node tests/production-chain.js "$NODE_WS" template) ||
	node_failed template "$base/template.log" "the built-in production chain is not what its preset says"
kill "$NODE_PID"

log "production: a launch from $launch"
"$REPO_ROOT/scripts/production-spec.sh" "$launch" "$base/spec"
# A validator on a live chain needs its network key on disk first (docs/OPERATOR.md, step 1).
"$POAI_NODE" key generate-node-key --chain "$base/spec/production-raw.json" --base-path "$base/alice" \
	2>"$base/node-key.log" || node_failed alice "$base/node-key.log" "key generate-node-key failed"
start_node alice "$base/alice.log" --chain "$base/spec/production-raw.json" --alice \
	--base-path "$base/alice" --poai-models "$POAI_MODELS"
cd "$REPO_ROOT/zombienet"
node tests/finality-progress.js "$NODE_WS" 3 90 ||
	node_failed alice "$base/alice.log" "the launched production chain does not finalise"
node tests/production-chain.js "$NODE_WS" launched "$launch" 120 ||
	node_failed alice "$base/alice.log" "the launched production chain is not governed by its council"
grep -q "PoAI worker started" "$base/alice.log" ||
	node_failed alice "$base/alice.log" "the node did not start its PoAI worker"
