#!/usr/bin/env bash
# Creates the Python environment of models/ (ONNX model generation, reference fixtures,
# tolerance calibration) at $POAI_VENV (default $HOME/.cache/poai-venv) and installs the pinned
# models/requirements.txt into it. Idempotent: a venv whose installed packages already match the
# pins is left alone. Installs python3-venv with apt when `python3 -m venv` cannot make a venv.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${POAI_VENV:-$HOME/.cache/poai-venv}"
REQUIREMENTS="$REPO_ROOT/models/requirements.txt"
STAMP="$VENV/.poai-requirements"

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v python3 >/dev/null || {
	log "apt: installing python3"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3
}

if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ] && cmp -s "$STAMP" "$REQUIREMENTS"; then
	exit 0
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
	rm -rf "$VENV"
	mkdir -p "$(dirname "$VENV")"
	if ! python3 -m venv "$VENV" 2>/dev/null; then
		rm -rf "$VENV"
		# Debian splits venv (and ensurepip) out of python3: python3-venv, or python3.X-venv.
		minor="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
		log "apt: installing python3-venv"
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv \
			|| DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "python${minor}-venv"
		python3 -m venv "$VENV"
	fi
fi

log "pip: installing models/requirements.txt into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
cp "$REQUIREMENTS" "$STAMP"
