# shellcheck shell=bash
# Shared settings for scripts/chart/*.sh: repo root, tool cache and PATH.
# Source it; it sets ROOT (override with SHOPFLEET_ROOT, used by selftest.sh), CACHE, VENV, TOOLS_BIN and puts the cached tools first on PATH.
set -euo pipefail
ROOT="${SHOPFLEET_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CACHE="${SHOPFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shopfleet}"
VENV="$CACHE/venv"
TOOLS_BIN="$CACHE/bin"
# shellcheck disable=SC2034  # used by the scripts that source this file
CHART="$ROOT/charts/shopfleet"
# shellcheck disable=SC2034
CRD_SRC="$ROOT/crds/shopinstances.shopfleet.dev.yaml"
# shellcheck disable=SC2034
CRD_TPL="$CHART/templates/crds/shopinstances.shopfleet.dev.yaml"
export PATH="$TOOLS_BIN:$VENV/bin:$PATH"
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
