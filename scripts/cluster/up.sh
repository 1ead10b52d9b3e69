#!/usr/bin/env bash
# up.sh: a real single-node Kubernetes cluster on this machine, without Docker — for the
# end-to-end test and for trying the operator against real pods. Idempotent: what already
# runs is left running. Prints the admin kubeconfig's path when the node is Ready.
#
#   etcd 127.0.0.1:2479 · kube-apiserver https://127.0.0.1:16443 (RBAC + Node authorizer,
#   a CA of its own) · kube-controller-manager · kube-scheduler · containerd + runc ·
#   kubelet (cgroupfs driver) · kube-proxy (iptables) · bridge CNI sfbr0 10.244.0.0/24 ·
#   dnsmasq on 10.244.0.1 as cluster DNS · cluster-sync.py (DNS records, volumes)
#
# Pods pull nothing: their images come from scripts/cluster/images.sh, imported into
# containerd. Stop everything with down.sh.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "the test cluster needs root (network bridge, iptables, mounts)"
apt_install containerd runc containernetworking-plugins iptables conntrack iproute2 etcd-server dnsmasq-base openssl curl xz-utils
"$ROOT/scripts/chart/ensure-tools.sh" >/dev/null # kubectl
mkdir -p "$K8S_BIN"
for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
  src="$ROOT/../shared/k8s/$bin.xz"
  [ -f "$src" ] || die "$src is missing: the cluster's Kubernetes binaries come from ../shared/k8s"
  if ! [ "$K8S_BIN/$bin" -nt "$src" ]; then
    say "unpacking $bin"
    xz -dc "$src" > "$K8S_BIN/$bin.tmp" && chmod +x "$K8S_BIN/$bin.tmp" && mv "$K8S_BIN/$bin.tmp" "$K8S_BIN/$bin"
  fi
done

mkdir -p "$RUN_DIR" "$CLUSTER_DIR/cni" "$CLUSTER_DIR/dns" "$CLUSTER_DIR/volumes" "$KUBELET_DIR"
cd "$RUN_DIR"
node_ip="$(host_ip)"
[ -n "$node_ip" ] || die "no default route: the node needs an address of its own"

# --- PKI: one CA signs the API server's serving certificate and its client certificate
# for kubelets; service-account tokens are signed with their own key.
if [ ! -f pki/ca.crt ]; then
  mkdir -p pki
  (
    cd pki
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=shopfleet-test-cluster-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 30 -extfile apiserver.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout kubelet-client.key -out kubelet-client.csr -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" 2>/dev/null
    openssl x509 -req -in kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out kubelet-client.crt -days 30 2>/dev/null
    rm -f ./*.csr
  )
fi
# Static bearer tokens of the admin and the node; random per cluster.
if [ ! -f tokens.csv ]; then
  umask 077
  printf '%s,admin,admin,system:masters\n%s,system:node:%s,node-%s,system:nodes\n' \
    "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" "$NODE_NAME" "$NODE_NAME" > tokens.csv
  umask 022
fi
kubeconfig() { # FILE TOKEN
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters: [{name: shopfleet-test, cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$RUN_DIR/pki/ca.crt"}}]
users: [{name: user, user: {token: "$2"}}]
contexts: [{name: shopfleet-test, context: {cluster: shopfleet-test, user: user}}]
current-context: shopfleet-test
KC
  chmod 600 "$1"
}
kubeconfig admin.kubeconfig "$(sed -n 1p tokens.csv | cut -d, -f1)"
kubeconfig kubelet.kubeconfig "$(sed -n 2p tokens.csv | cut -d, -f1)"

cat > containerd.toml <<EOF2
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_unprivileged_ports = true
  # root here lacks CAP_SYS_RESOURCE, so runc cannot give the sandbox the kubelet's
  # oom_score_adj of -998; this keeps it at the caller's own value or above.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
    max_conf_num = 1
EOF2
mkdir -p "$CLUSTER_DIR/cni/net.d"
cat > "$CLUSTER_DIR/cni/net.d/10-shopfleet.conflist" <<EOF2
{"cniVersion": "0.4.0", "name": "shopfleet-test", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$BRIDGE_IP"}]],
            "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$CLUSTER_DIR/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF2
upstream_dns="$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)"
echo "nameserver ${upstream_dns:-127.0.0.1}" > "$CLUSTER_DIR/dns/host-resolv.conf"
cat > kubelet.yaml <<EOF2
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine kind has cgroup v1 and no systemd.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: ["$BRIDGE_IP"]
clusterDomain: cluster.local
resolvConf: $CLUSTER_DIR/dns/host-resolv.conf
port: 10250
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: $RUN_DIR/pki/ca.crt}}
authorization: {mode: Webhook}
serializeImagePulls: false
# Images are imported, never pulled: garbage-collecting them would lose them for good.
imageGCHighThresholdPercent: 100
imageMinimumGCAge: 24h
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
maxPods: 60
EOF2
cat > kube-proxy.yaml <<EOF2
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN_DIR/admin.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
conntrack: {maxPerCore: 0}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
EOF2

# start NAME CMD... : runs CMD in its own session, logging to NAME.log, unless it runs already.
start() {
  local name="$1"
  shift
  alive "$name.pid" && return 0
  setsid nohup "$@" > "$name.log" 2>&1 < /dev/null &
  echo $! > "$name.pid"
}

sysctl -q -w net.ipv4.ip_forward=1
sysctl -q -w net.bridge.bridge-nf-call-iptables=1 2>/dev/null || modprobe br_netfilter 2>/dev/null || true
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip addr add "$BRIDGE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
fi
touch "$CLUSTER_DIR/dns/hosts"
start dnsmasq dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address="$BRIDGE_IP" --bind-interfaces \
  --port=53 --addn-hosts="$CLUSTER_DIR/dns/hosts" --local=/cluster.local/ --domain-needed \
  --server="${upstream_dns:-127.0.0.1}" --user=root --pid-file=
start containerd containerd --config "$RUN_DIR/containerd.toml"
wait_for 30 containerd ctr_k8s version || die "containerd did not start: $RUN_DIR/containerd.log"
"$ROOT/scripts/cluster/images.sh" import

start etcd etcd --name "$NODE_NAME" --data-dir "$RUN_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls ""
wait_for 30 etcd curl -sf "http://127.0.0.1:$ETCD_CLIENT_PORT/health" || die "etcd did not start: $RUN_DIR/etcd.log"
start apiserver "$K8S_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --secure-port="$APISERVER_PORT" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
  --tls-cert-file="$RUN_DIR/pki/apiserver.crt" --tls-private-key-file="$RUN_DIR/pki/apiserver.key" \
  --client-ca-file="$RUN_DIR/pki/ca.crt" --token-auth-file="$RUN_DIR/tokens.csv" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$RUN_DIR/pki/sa.pub" --service-account-signing-key-file="$RUN_DIR/pki/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --service-cluster-ip-range="$SERVICE_CIDR" --endpoint-reconciler-type=none \
  --kubelet-preferred-address-types=InternalIP \
  --kubelet-client-certificate="$RUN_DIR/pki/kubelet-client.crt" --kubelet-client-key="$RUN_DIR/pki/kubelet-client.key"
wait_for 90 "the API server" kubectl get --raw /readyz || die "kube-apiserver is not ready: $RUN_DIR/apiserver.log"
start controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG" \
  --service-account-private-key-file="$RUN_DIR/pki/sa.key" --root-ca-file="$RUN_DIR/pki/ca.crt" \
  --controllers='*,-nodeipam,-cloud-node-lifecycle,-service,-route' \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port=10357
start scheduler "$K8S_BIN/kube-scheduler" --kubeconfig="$KUBECONFIG" --authentication-kubeconfig="$KUBECONFIG" \
  --authorization-kubeconfig="$KUBECONFIG" --leader-elect=false --bind-address=127.0.0.1 --secure-port=10359
start kubelet "$K8S_BIN/kubelet" --config="$RUN_DIR/kubelet.yaml" --kubeconfig="$RUN_DIR/kubelet.kubeconfig" \
  --hostname-override="$NODE_NAME" --node-ip="$node_ip" --root-dir="$KUBELET_DIR"
start kube-proxy "$K8S_BIN/kube-proxy" --config="$RUN_DIR/kube-proxy.yaml"
start cluster-sync python3 "$ROOT/scripts/cluster/cluster-sync.py" "$CLUSTER_DIR"
node_ready() { kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }
wait_for 120 "node $NODE_NAME to be Ready" node_ready || die "the node is not Ready: $RUN_DIR/kubelet.log"
# Volumes: claims without a class get a hostPath volume from cluster-sync.py.
kubectl apply -f - >/dev/null <<EOF2
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: shopfleet.dev/cluster-sync
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
EOF2
say "node $NODE_NAME is Ready; KUBECONFIG=$KUBECONFIG"
echo "$KUBECONFIG"
