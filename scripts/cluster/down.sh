#!/usr/bin/env bash
# down.sh: stops the test cluster up.sh started and leaves the machine as it found it: no
# processes, pods' network namespaces, mounts, iptables rules, bridge or state directories.
# Pods are deleted through the API first so the kubelet unmounts their volumes and the
# bridge plugin removes their addresses and NAT rules itself. Safe to run when nothing runs.
source "$(dirname "$0")/lib.sh"

# stop NAME... : SIGTERM, then SIGKILL after 20 s, the processes up.sh recorded.
stop() {
  local name pid
  for name in "$@"; do
    [ -f "$RUN_DIR/$name.pid" ] || continue
    pid="$(cat "$RUN_DIR/$name.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 40); do alive "$RUN_DIR/$name.pid" || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$RUN_DIR/$name.pid"
  done
}

stop operator smtp-sink s3
if alive "$RUN_DIR/kubelet.pid" && alive "$RUN_DIR/apiserver.pid"; then
  say "deleting the cluster's pods"
  kubectl get namespaces -o name 2>/dev/null | grep -vE '/(default|kube-system|kube-public|kube-node-lease)$' |
    xargs -r "$TOOLS_BIN/kubectl" delete --wait=false >/dev/null 2>&1 || true
  kubectl delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
  wait_for 60 "the pods to go" bash -c "[ -z \"\$('$TOOLS_BIN/kubectl' get pods -A -o name 2>/dev/null)\" ]" || true
  wait_for 30 "the containers to stop" bash -c "[ -z \"\$(ctr --address '$CONTAINERD_SOCK' -n k8s.io tasks ls -q 2>/dev/null)\" ]" || true
fi
stop cluster-sync kubelet kube-proxy
[ -x "$K8S_BIN/kube-proxy" ] && "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
stop scheduler controller-manager apiserver etcd
if [ -S "$CONTAINERD_SOCK" ]; then
  for container in $(ctr_k8s containers ls -q 2>/dev/null); do
    ctr_k8s tasks kill -s KILL "$container" >/dev/null 2>&1 || true
    ctr_k8s tasks rm -f "$container" >/dev/null 2>&1 || true
    ctr_k8s containers rm "$container" >/dev/null 2>&1 || true
  done
fi
stop containerd dnsmasq

# What a kill -9 may have left: mounts, network namespaces, the bridge plugin's rules.
{ grep -oE " ($KUBELET_DIR|$CONTAINERD_ROOT|$CONTAINERD_STATE|/run/netns/cni-)[^ ]*" /proc/mounts || true; } | sort -r |
  while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
for netns in /run/netns/cni-*; do [ -e "$netns" ] && ip netns delete "$(basename "$netns")" 2>/dev/null; done
# The kubelet's, kube-proxy's and the bridge plugin's chains (KUBE-*, CNI-*) and the jumps to them.
for tool in iptables ip6tables; do
  for table in nat filter mangle; do
    { "$tool" -t "$table" -S 2>/dev/null || true; } | { grep -E -- '^-A [A-Z]+ .*-j (KUBE|CNI)-' || true; } |
      sed 's/^-A/-D/' | while read -r rule; do eval "$tool -t $table $rule" 2>/dev/null || true; done
    chains="$("$tool" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}')"
    for chain in $chains; do "$tool" -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $chains; do "$tool" -t "$table" -X "$chain" 2>/dev/null || true; done
  done
done
ip link delete "$BRIDGE" 2>/dev/null || true
rm -rf "$KUBELET_DIR" "$CONTAINERD_ROOT" "$CONTAINERD_STATE" "$CLUSTER_DIR"

# Say what could not be cleaned, rather than leave it silently.
left=""
grep -qE " ($KUBELET_DIR|$CONTAINERD_ROOT|$CONTAINERD_STATE)" /proc/mounts && left="$left mounts"
{ iptables-save; ip6tables-save; } 2>/dev/null | grep -qE '(KUBE|CNI)-' && left="$left iptables-rules"
ip link show "$BRIDGE" >/dev/null 2>&1 && left="$left bridge"
[ -z "$left" ] || die "the test cluster left behind:$left"
say "test cluster stopped; nothing left behind"
