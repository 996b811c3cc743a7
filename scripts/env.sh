# Shared settings for the scripts in this folder; source it, don't run it.
# One build cache outside the work tree, shared by every clone and by CI, so that only the
# first build on a machine is a cold one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/poai-target}"
export POAI_NODE="${POAI_NODE:-$CARGO_TARGET_DIR/release/poai-node}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# The challenge models every PoAI worker loads (`--poai-models`).
export POAI_MODELS="${POAI_MODELS:-$REPO_ROOT/models}"
use_rustup_path() {
	if [ -f "$HOME/.cargo/env" ]; then
		# shellcheck disable=SC1091
		. "$HOME/.cargo/env"
	fi
}
use_rustup_path
log() { printf '\n==> %s\n' "$*"; }
# Runs scripts/setup.sh; on a fresh machine it installs rustup, whose PATH the caller then needs.
setup() {
	"$REPO_ROOT/scripts/setup.sh"
	use_rustup_path
}
