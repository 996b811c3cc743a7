#!/usr/bin/env bash
# The main job: set up, build, and run a five-validator local PoAI chain (alice, bob, charlie,
# dave, ferdie) with zombienet. Every validator's PoAI worker runs its challenges with ONNX
# Runtime on the models in models/; dave cheats (--poai-simulate-fault=random), ferdie vouches
# for him as a verifier (--poai-simulate-fault=framing-verifier), and the audits catch both.
# Eve's node is ready to join through staking. polkadot.js apps connects to
# ws://127.0.0.1:9944 (alice): Network → Explorer shows poaiChallenges events (Committed,
# Audited, Passed, Faulted), and the PoAI explorer (explorer/), served on
# http://127.0.0.1:8080/ (POAI_EXPLORER_PORT), shows rounds, verdicts with their evidence,
# reputation and slashes. Ctrl-C stops both.
set -euo pipefail
. "$(dirname "$0")/env.sh"
setup
"$REPO_ROOT/scripts/build.sh"
log "explorer: bundle"
(cd "$REPO_ROOT/explorer" && npm run build)
node "$REPO_ROOT/explorer/scripts/serve.mjs" --port "${POAI_EXPLORER_PORT:-8080}" &
explorer_pid=$!
trap 'kill "$explorer_pid" 2>/dev/null || true' EXIT
log "explorer: http://127.0.0.1:${POAI_EXPLORER_PORT:-8080}/ (it connects to alice, ws://127.0.0.1:9944; ?rpc= picks another node)"
cd "$REPO_ROOT/zombienet"
log "zombienet spawn: alice's RPC is ws://127.0.0.1:9944"
npx zombienet --provider native spawn local.toml
