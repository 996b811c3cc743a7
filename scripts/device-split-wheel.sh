#!/usr/bin/env bash
# Splits a wheel (or any file) into parts of at most 60 MiB, so that each call to the device
# machine carries one part (the device tool copies at most 64 MiB per call); see the workflow at
# the top of scripts/bench-gpu.sh, which reassembles them (ORT_GPU_WHEEL_PARTS=DIR).
#
#     scripts/device-split-wheel.sh WHEEL [DIR]      # DIR defaults to target/device/wheel
#
# Writes DIR/part-000, DIR/part-001, … (`cat DIR/part-* > WHEEL` gives the file back), DIR/NAME
# (the file's name: pip needs a wheel's real name) and DIR/SHA256 (its digest, checked after
# reassembly). DIR is emptied first. Put DIR under the repository's ignored target/ so that the
# device tool can carry its parts.
set -euo pipefail

# PART_MIB (at most 60) only to try the script with smaller parts.
PART_MIB="${PART_MIB:-60}"
if [ "$PART_MIB" -gt 60 ] || [ "$PART_MIB" -lt 1 ]; then
	echo "$0: PART_MIB must be 1 to 60" >&2
	exit 2
fi
PART_BYTES=$((PART_MIB * 1024 * 1024))

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -f "$1" ]; then
	echo "usage: $0 WHEEL [DIR]   (WHEEL: an existing file; DIR: default target/device/wheel)" >&2
	exit 2
fi
wheel="$1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${2:-$REPO_ROOT/target/device/wheel}"

mkdir -p "$dir"
rm -f "$dir"/part-* "$dir/NAME" "$dir/SHA256"
split --bytes="$PART_BYTES" --numeric-suffixes=0 --suffix-length=3 "$wheel" "$dir/part-"
basename "$wheel" >"$dir/NAME"
sha256sum "$wheel" | cut -d' ' -f1 >"$dir/SHA256"

# The parts must give the file back.
if ! cat "$dir"/part-* | cmp -s - "$wheel"; then
	echo "$0: the parts in $dir do not reassemble into $wheel" >&2
	exit 1
fi
echo "$(basename "$wheel"): $(stat -c %s "$wheel") bytes in $(find "$dir" -name 'part-*' | wc -l) parts of at most $PART_MIB MiB under $dir:"
ls -l "$dir"
