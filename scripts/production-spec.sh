#!/usr/bin/env bash
# Writes the chain spec of a production network from a launch file: the built-in `production`
# chain (hour-long sessions, production parameters, no sudo) with the launch file's genesis
# validators, council, balances and boot nodes in place of the committed rehearsal set.
#
#   scripts/production-spec.sh LAUNCH.json OUT_DIR
#
# writes OUT_DIR/production.json (readable, for review by every genesis validator) and
# OUT_DIR/production-raw.json (what the nodes run: `poai-node --chain OUT_DIR/production-raw.json`).
# The launch file's format is in docs/OPERATOR.md ("Launch a production network"); a validator's
# keys may be given as SS58 addresses or as the 0x-hex public keys that `poai-node rotate-keys`
# prints.
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ $# -eq 2 ] || { echo "usage: $0 LAUNCH.json OUT_DIR" >&2; exit 2; }
launch=$1
out=$2
[ -f "$launch" ] || { echo "production-spec: no launch file at $launch" >&2; exit 2; }
[ -x "$POAI_NODE" ] || { echo "production-spec: no poai-node at $POAI_NODE (run scripts/build.sh)" >&2; exit 2; }
mkdir -p "$out"

"$POAI_NODE" build-spec --chain production --disable-default-bootnode 2>/dev/null >"$out/production-template.json"
python3 "$REPO_ROOT/scripts/production_spec.py" "$out/production-template.json" "$launch" \
	>"$out/production.json"
rm "$out/production-template.json"
"$POAI_NODE" build-spec --chain "$out/production.json" --raw 2>/dev/null >"$out/production-raw.json"
echo "production-spec: wrote $out/production.json and $out/production-raw.json"
