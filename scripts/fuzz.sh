#!/usr/bin/env bash
# Fuzzes what the runtime and the worker take from untrusted input: Merkle proof verification,
# the tolerance check and verdicts, challenge input generation, and the decoding of submissions
# and model specs (fuzz/, cargo-fuzz with libFuzzer on the nightly toolchain). Each target runs
# RUNS inputs (default 10^6) and fails on the first panic, leaving the input in
# fuzz/artifacts/<target>/. Not part of CI (minutes per target).
#
#   scripts/fuzz.sh                      # every target, 10^6 inputs each
#   RUNS=100000 scripts/fuzz.sh tolerance
set -euo pipefail
. "$(dirname "$0")/env.sh"

runs="${RUNS:-1000000}"
if [ "$#" -gt 0 ]; then
	targets=("$@")
else
	targets=(merkle_proof tolerance input_generation submission_decoding)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
	log "installing the nightly toolchain (libFuzzer needs its sanitizer flags)"
	rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
	log "installing cargo-fuzz"
	cargo install cargo-fuzz --locked
fi

# Its own build cache: nightly with sanitizer coverage shares nothing with the release build.
export CARGO_TARGET_DIR="$HOME/.cache/poai-fuzz-target"
cd "$REPO_ROOT/fuzz"
for target in "${targets[@]}"; do
	log "fuzzing $target: $runs inputs"
	cargo +nightly fuzz run "$target" -- -runs="$runs" -max_len=4096 -rss_limit_mb=4096 \
		-print_final_stats=1
done
log "authorize_fuzz: $runs arbitrary submissions through the pool's validation and dispatch"
cd "$REPO_ROOT"
unset CARGO_TARGET_DIR
. "$REPO_ROOT/scripts/env.sh"
POAI_FUZZ_CASES="$runs" cargo test --release --workspace -- --ignored --nocapture authorize_fuzz
log "no target panicked"
