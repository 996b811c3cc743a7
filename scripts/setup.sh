#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian machine. Idempotent:
# each step is skipped when its result is already there.
set -euo pipefail
. "$(dirname "$0")/env.sh"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# chromium: the explorer's browser test drives Debian's build (browser downloads do not work here).
apt_packages=(protobuf-compiler clang libclang-dev build-essential pkg-config git curl ca-certificates chromium)
missing=()
# Tools that may come from elsewhere (pyenv, nvm): only their command must exist.
command -v python3 >/dev/null || missing+=(python3)
for p in "${apt_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "apt: installing ${missing[*]}"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
	log "rustup: installing the stable toolchain"
	curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
	. "$HOME/.cargo/env"
fi
rustup target list --installed | grep -qx wasm32v1-none || { log "rustup: wasm32v1-none"; rustup target add wasm32v1-none; }
rustup component list --installed | grep -q '^rust-src' || { log "rustup: rust-src"; rustup component add rust-src; }
rustup component list --installed | grep -q '^rustfmt' || { log "rustup: rustfmt"; rustup component add rustfmt; }

# The models' Python venv ($HOME/.cache/poai-venv): its pinned onnxruntime wheel carries the
# libonnxruntime.so that the inference worker and its tests load at run time. The script skips
# itself when the installed pins are current.
bash "$REPO_ROOT/scripts/models-env.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	log "apt: installing nodejs and npm"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm
fi
if [ ! -d "$REPO_ROOT/zombienet/node_modules" ] \
	|| [ "$REPO_ROOT/zombienet/package-lock.json" -nt "$REPO_ROOT/zombienet/node_modules/.package-lock.json" ]; then
	log "npm: installing zombienet and @polkadot/api"
	(cd "$REPO_ROOT/zombienet" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -d "$REPO_ROOT/explorer/node_modules" ] \
	|| [ "$REPO_ROOT/explorer/package-lock.json" -nt "$REPO_ROOT/explorer/node_modules/.package-lock.json" ]; then
	log "npm: installing the explorer's packages (@polkadot/api, chart.js, esbuild, puppeteer-core)"
	(cd "$REPO_ROOT/explorer" && npm ci --no-audit --no-fund --loglevel=error)
fi
