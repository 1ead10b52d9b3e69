# shellcheck shell=bash disable=SC2034  # the settings are read by the scripts that source this
# Settings shared by scripts/cluster/*.sh, the single-node test cluster: where its state
# lives, its addresses and ports, and helpers. Sourced, not run.
#
# Every address is chosen so the cluster sits beside the envtest control plane, the dev
# services and the session's own Postgres/Redis without taking their ports.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../dev/common.sh"

# Configuration, logs, PKI, etcd data and volumes of the running cluster; wiped by down.sh.
CLUSTER_DIR="${SHOPFLEET_CLUSTER_DIR:-${TMPDIR:-/tmp}/shopfleet-cluster}"
RUN_DIR="$CLUSTER_DIR/run"
# Kubelet and containerd keep their state outside /tmp (overlay mounts need a real fs); down.sh
# unmounts and removes both.
KUBELET_DIR=/var/lib/shopfleet-kubelet
CONTAINERD_ROOT=/var/lib/shopfleet-containerd
CONTAINERD_STATE=/run/shopfleet-containerd
CONTAINERD_SOCK="$CONTAINERD_STATE/containerd.sock"
# Kubernetes binaries (unpacked from ../shared/k8s) and the images images.sh builds.
K8S_BIN="$CACHE_DIR/k8s"
IMAGE_DIR="$CACHE_DIR/cluster-images"
TOOLS_BIN="$CACHE_DIR/bin"

NODE_NAME=shopfleet-node
APISERVER_PORT=16443
ETCD_CLIENT_PORT=2479
ETCD_PEER_PORT=2480
BRIDGE=sfbr0
POD_CIDR=10.244.0.0/24
BRIDGE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
# The pause image every pod sandbox runs (built by images.sh, never pulled).
PAUSE_IMAGE=localhost/shopfleet-test/pause:3.10

export KUBECONFIG="$RUN_DIR/admin.kubeconfig"
export PATH="$TOOLS_BIN:$PATH"

kubectl() { command "$TOOLS_BIN/kubectl" "$@"; }
ctr_k8s() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# The host's own address on its default route: the node's InternalIP.
host_ip() { ip -4 route get 1.1.1.1 | awk '{for (i = 1; i <= NF; i++) if ($i == "src") print $(i + 1)}'; }

# alive PIDFILE : the process named in the file runs (and is not a zombie).
alive() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}

# wait_for SECONDS WHAT CMD... : retries CMD every second until it succeeds or time runs out.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  for _ in $(seq "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  say "timed out after ${seconds}s waiting for $what"
  return 1
}
