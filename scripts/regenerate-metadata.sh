#!/usr/bin/env bash
# Writes the runtime's metadata (v15, as state_getMetadata serves it) to
# explorer/test/metadata.scale, the fixture the explorer's decoding tests run on; the runtime
# test `the_explorer_decodes_with_this_runtimes_metadata` fails until it is current.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
mkdir -p explorer/test
POAI_WRITE_METADATA=1 cargo test --locked --release -p poai-runtime --lib \
	tests::metadata::the_explorer_decodes_with_this_runtimes_metadata
ls -l explorer/test/metadata.scale
