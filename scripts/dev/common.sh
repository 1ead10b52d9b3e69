# Shared helpers for the dev/test scripts: logging, paths, apt installs. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEV_DIR="$ROOT/.dev"
CACHE_DIR="${SHOPFLEET_CACHE:-$HOME/.cache/shopfleet}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE_DIR/target}"
mkdir -p "$DEV_DIR" "$CACHE_DIR"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root (directly, or through sudo when available).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1; fi
}

# apt_install PKG... : installs the Debian packages that are missing, or explains what to install.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1 || ! as_root true 2>/dev/null; then
    die "please install: ${missing[*]} (this script installs them only on Debian/Ubuntu as root or with sudo)"
  fi
  say "installing ${missing[*]}"
  if [ ! -f "$CACHE_DIR/.apt-updated" ] || [ -n "$(find "$CACHE_DIR/.apt-updated" -mmin +1440 2>/dev/null)" ]; then
    as_root apt-get update -qq && touch "$CACHE_DIR/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# port_open HOST PORT : true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT NAME : waits up to 30 s for the port.
wait_port() {
  for _ in $(seq 1 150); do port_open "$1" "$2" && return 0; sleep 0.2; done
  die "$3 did not start listening on $1:$2"
}

# Python virtualenv for test tools (outside the clone, reused between runs).
venv_pip_install() {
  local venv="$CACHE_DIR/venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
  local missing=()
  for pkg in "$@"; do "$venv/bin/python" -m pip show -q "${pkg%%[=<>]*}" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] || "$venv/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}"
}
