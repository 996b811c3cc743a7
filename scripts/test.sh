#!/usr/bin/env bash
# Runs every test: set-up, formatting, unit and runtime tests, chain-spec freshness, then
# end-to-end tests of the real binary: a `--dev` node, the production chain (its built-in spec,
# and a launch from a launch file with its council), and the zombienet network of five genesis
# validators (two of them colluding) and eve, which joins and then sees a live runtime upgrade;
# all of them driven through @polkadot/api, and the explorer (explorer/) in headless Chromium.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

setup

log "cargo fmt --check"
cargo fmt --all --check

log "python: the launch-file tool of scripts/production-spec.sh"
python3 -m unittest discover -s "$REPO_ROOT/scripts" -p 'test_*.py'

log "cargo test --release --workspace (pallets, runtime, node, chain-spec freshness)"
cargo test --locked --release --workspace

# `cargo test` has just built poai-node (the node's integration tests run it) at $POAI_NODE; a
# separate `cargo build -p poai-node` would unify features differently and link it again.
[ -x "$POAI_NODE" ] || { echo "test.sh: $POAI_NODE was not built by cargo test" >&2; exit 1; }

log "e2e: a --dev node authors, finalises and includes a signed transfer"
"$REPO_ROOT/scripts/e2e-dev.sh"

log "e2e: the production chain: the built-in spec, and a launch governed by its council"
"$REPO_ROOT/scripts/e2e-production.sh"

log "explorer: type check, decoding tests on this runtime's metadata, history tests; bundle"
(cd "$REPO_ROOT/explorer" && npm test && npm run build)

# The code zombienet's live upgrade installs: this runtime one spec_version later.
next_runtime_dir=$(mktemp -d /tmp/poai-next-runtime.XXXXXX)
trap 'rm -rf "$next_runtime_dir"' EXIT
export POAI_NEXT_RUNTIME="$next_runtime_dir/poai_runtime_next.compact.compressed.wasm"
"$REPO_ROOT/scripts/build-next-runtime.sh" "$POAI_NEXT_RUNTIME"

log "e2e: zombienet, five validators, eve and the impostor: transfer, finality with one validator down, two colluders caught, honest rounds, the explorer in headless Chromium, eve joins, a CPU's GPU-tier claim misses and is slashed, a live runtime upgrade"
cd "$REPO_ROOT/zombienet"
npx zombienet --provider native --dir "$(mktemp -d -u /tmp/poai-zombienet.XXXXXX)" test smoke.zndsl

log "all tests passed"
