#!/usr/bin/env bash
# Regenerates chain-specs/{dev,local,production}.json from the runtime's genesis presets. The node's tests
# fail when the committed specs differ from what the current runtime generates.
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$REPO_ROOT/scripts/build.sh"
for chain in dev local production; do
	log "chain-specs/$chain.json"
	"$POAI_NODE" build-spec --chain "$chain" --disable-default-bootnode 2>/dev/null \
		>"$REPO_ROOT/chain-specs/$chain.json"
done
