#!/usr/bin/env bash
# The main job: set up, build, and run a five-validator local PoAI chain (alice, bob, charlie,
# dave, ferdie) with zombienet. Every validator's PoAI worker runs its challenges with ONNX
# Runtime on the models in models/; dave cheats (--poai-simulate-fault=random), ferdie vouches
# for him as a verifier (--poai-simulate-fault=framing-verifier), and the audits catch both.
# Eve's node is ready to join through staking. polkadot.js apps connects to
# ws://127.0.0.1:9944 (alice): Network → Explorer shows poaiChallenges events (Committed,
# Audited, Passed, Faulted). Ctrl-C stops it.
set -euo pipefail
. "$(dirname "$0")/env.sh"
setup
"$REPO_ROOT/scripts/build.sh"
cd "$REPO_ROOT/zombienet"
log "zombienet spawn: alice's RPC is ws://127.0.0.1:9944"
exec npx zombienet --provider native spawn local.toml
