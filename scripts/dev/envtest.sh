#!/usr/bin/env bash
# envtest.sh: a real Kubernetes control plane for the operator tests, in the arrangement of
# controller-runtime's envtest: etcd + kube-apiserver (RBAC on, a static admin token, and
# OwnerReferencesPermissionEnforcement as hardened clusters such as OpenShift run it) +
# kube-controller-manager running only the garbage-collector, namespace and PVC-protection
# controllers (deleted claims go away once no pod uses them; none ever does here), so
# the tests play the workload controllers by patching status. Everything listens on free
# loopback ports and lives in a fresh directory under ${TMPDIR:-/tmp}; its logs are copied to
# ${TMPDIR:-/tmp}/shopfleet-envtest-last/ when it stops.
#
# Binaries: kube-apiserver, kube-controller-manager and etcd from $KUBEBUILDER_ASSETS
# (envtest's convention), else from ~/.cache/shopfleet/k8s, which `make test`
# (scripts/dev/prereqs.sh --test) fills from ../shared/k8s and Debian's etcd-server.
#
#   envtest.sh nextest   nextest setup script (.config/nextest.toml): starts the control
#                        plane once per test run, hands the tests its kubeconfig through
#                        $NEXTEST_ENV, and stops it when the nextest process exits.
#   envtest.sh run CMD…  runs CMD with KUBECONFIG (and SHOPFLEET_TEST_KUBECONFIG) pointing
#                        at a fresh control plane, then stops it (the converge benchmark).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${SHOPFLEET_CACHE:-$HOME/.cache/shopfleet}"
ASSETS="${KUBEBUILDER_ASSETS:-$CACHE_DIR/k8s}"
TOKEN=shopfleet-envtest-admin
# Where the control plane's logs of the last run are kept once it stops (for failures).
LAST_LOGS="${TMPDIR:-/tmp}/shopfleet-envtest-last"

die() { printf 'envtest: %s\n' "$*" >&2; exit 1; }

for bin in etcd kube-apiserver kube-controller-manager; do
  [ -x "$ASSETS/$bin" ] || die "$ASSETS/$bin is missing. Run \`make test\` once (it unpacks ../shared/k8s \
and installs Debian's etcd-server), or point KUBEBUILDER_ASSETS at envtest binaries: \
\`go run sigs.k8s.io/controller-runtime/tools/setup-envtest@latest use -p path\` prints such a \
directory (it holds etcd and kube-apiserver; add kube-controller-manager of the same version)."
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start DIR: starts the control plane with its state in DIR; prints nothing, fails loudly.
start() {
  local dir=$1 etcd_port peer_port api_port
  etcd_port=$(free_port) peer_port=$(free_port) api_port=$(free_port)
  mkdir -p "$dir/etcd" "$dir/certs"
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  echo "$TOKEN,envtest-admin,envtest-admin,system:masters" > "$dir/tokens.csv"
  cat > "$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$dir/certs/apiserver.crt"}
users:
- name: admin
  user: {token: $TOKEN}
contexts:
- name: envtest
  context: {cluster: envtest, user: admin, namespace: default}
current-context: envtest
EOF
  setsid "$ASSETS/etcd" --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" \
    >"$dir/etcd.log" 2>&1 </dev/null &
  echo $! > "$dir/etcd.pid" && disown
  setsid "$ASSETS/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
    --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.key" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/24 \
    --enable-priority-and-fairness=false \
    --enable-admission-plugins OwnerReferencesPermissionEnforcement \
    >"$dir/kube-apiserver.log" 2>&1 </dev/null &
  echo $! > "$dir/kube-apiserver.pid" && disown
  local ready=0
  for _ in $(seq 1 300); do
    if [ "$(curl -sk -m 2 -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$api_port/readyz" 2>/dev/null)" = ok ]; then
      ready=1 && break
    fi
    kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$ready" != 1 ]; then
    tail -n 20 "$dir/kube-apiserver.log" >&2
    stop "$dir"
    die "kube-apiserver did not become ready (logs above, state in $dir)"
  fi
  # The garbage collector maps resource types at start and then only every 30 s: with the
  # ShopInstance CRD served first, shops' children are collected from the first test on.
  # (The tests apply the CRD built from the code too; unchanged, that is a no-op.)
  curl -sSf -o /dev/null -k -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/yaml" \
    --data-binary "@$ROOT/crds/shopinstances.shopfleet.dev.yaml" \
    "https://127.0.0.1:$api_port/apis/apiextensions.k8s.io/v1/customresourcedefinitions" ||
    { stop "$dir"; die "installing the ShopInstance CRD failed"; }
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null -k -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$api_port/apis/shopfleet.dev/v1alpha1" && break
    sleep 0.1
  done
  setsid "$ASSETS/kube-controller-manager" --kubeconfig "$dir/kubeconfig" \
    --controllers garbage-collector-controller,namespace-controller,persistentvolumeclaim-protection-controller \
    --leader-elect=false --secure-port 0 --concurrent-gc-syncs 5 \
    >"$dir/kube-controller-manager.log" 2>&1 </dev/null &
  echo $! > "$dir/kube-controller-manager.pid" && disown
}

# stop DIR: stops what start DIR started and removes DIR.
stop() {
  local dir=$1 pid
  for name in kube-controller-manager kube-apiserver etcd; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  mkdir -p "$LAST_LOGS" && cp "$dir"/*.log "$LAST_LOGS"/ 2>/dev/null
  rm -rf "$dir"
}

case "${1:-}" in
  nextest)
    [ -n "${NEXTEST_ENV:-}" ] || die "'nextest' is for nextest's setup scripts (NEXTEST_ENV is unset)"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/shopfleet-envtest.XXXXXX")
    start "$dir"
    echo "SHOPFLEET_TEST_KUBECONFIG=$dir/kubeconfig" >> "$NEXTEST_ENV"
    # The parent is the nextest process of this run: stop the control plane when it exits,
    # however it exits.
    runner=$PPID
    setsid bash -c "while kill -0 $runner 2>/dev/null; do sleep 1; done; \"$0\" stop \"$dir\"" \
      >/dev/null 2>&1 </dev/null &
    ;;
  run)
    shift
    dir=$(mktemp -d "${TMPDIR:-/tmp}/shopfleet-envtest.XXXXXX")
    trap 'stop "$dir"' EXIT
    start "$dir"
    KUBECONFIG="$dir/kubeconfig" SHOPFLEET_TEST_KUBECONFIG="$dir/kubeconfig" "$@"
    ;;
  stop) stop "$2" ;;
  *) die "usage: envtest.sh nextest | run COMMAND... | stop DIR" ;;
esac
