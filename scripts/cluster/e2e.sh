#!/usr/bin/env bash
# e2e.sh: a shop's real pods on a real single-node cluster, end to end (part of `make test`).
#
#  1. builds the operator, API and worker, and their images (images.sh), brings the node up
#     (up.sh) and helm-installs the chart's CRD and RBAC (no in-cluster operator:
#     replicaCount 0); the operator runs on the host with a token of the chart's
#     ServiceAccount, so the test runs with exactly the permissions the chart grants, and
#     with --image-registry localhost, where the shop's own images are
#  2. shop "a" (Postgres search, in-process vectors, no broker, mail to an SMTP sink) and
#     shop "b" (search on Meilisearch) in their own namespaces, their data services on the
#     locally built images named in the spec; `kubectl wait --for=condition=Ready`
#  3. through shop a's API Service: register, log in, browse the demo catalog, check out,
#     pay with the test card; the worker's confirmation mail reaches the SMTP sink
#  4. the API pod is killed: a new one serves the same paid order
#  5. shop b answers searches from Meilisearch and knows nothing of shop a's shopper
#  6. shop a is backed up to an S3-compatible bucket (s3s-fs) by its backup CronJob, and a
#     new shop restored from that backup serves the same paid order
#  7. every shop is deleted (deletionPolicy Delete): every pod, claim and volume goes
# On failure: the operator log, events and `kubectl describe` of what is not Ready.
# The cluster is always taken down (down.sh) unless KEEP_CLUSTER=1.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PROFILE="${E2E_PROFILE:-debug}"
BIN_DIR="$CARGO_TARGET_DIR/$PROFILE"
OPERATOR_NS=shopfleet-system
SMTP_PORT=2525
S3_PORT=9000
PASSWORD="$(openssl rand -hex 12)"
SHOPPER="shopper-$(openssl rand -hex 4)@e2e.shopfleet.test"
VENV="$CACHE_DIR/venv"

diagnose() {
  say "the cluster end-to-end test failed; what the cluster says:"
  for ns in e2e-a e2e-b; do
    kubectl -n "$ns" get shopinstance,pods,pvc,jobs -o wide 2>&1 | sed "s/^/[$ns] /"
    kubectl -n "$ns" get events --sort-by=.lastTimestamp 2>&1 | tail -30 | sed "s/^/[$ns events] /"
    for pod in $(kubectl -n "$ns" get pods -o jsonpath='{range .items[?(@.status.phase!="Running")]}{.metadata.name}{" "}{end}' 2>/dev/null); do
      kubectl -n "$ns" describe pod "$pod" 2>&1 | tail -40 | sed "s/^/[$ns $pod] /"
      kubectl -n "$ns" logs "$pod" --all-containers --tail=40 2>&1 | sed "s/^/[$ns $pod log] /"
    done
    kubectl -n "$ns" get shopinstance -o jsonpath='{range .items[*]}{.status.conditions}{"\n"}{end}' 2>&1 | sed "s/^/[$ns conditions] /"
  done
  say "operator log (last 60 lines)"
  tail -60 "$RUN_DIR/operator.log" 2>/dev/null
}
finish() {
  local status=$?
  [ "$status" = 0 ] || diagnose
  if [ "${KEEP_CLUSTER:-0}" = 1 ]; then say "KEEP_CLUSTER=1: the cluster stays up (scripts/cluster/down.sh stops it)"
  else "$ROOT/scripts/cluster/down.sh"; fi
  exit "$status"
}

say "building the operator, API and worker ($PROFILE)"
profile_flag=()
[ "$PROFILE" = release ] && profile_flag=(--release)
cargo build --quiet "${profile_flag[@]}" -p shopfleet-operator -p shopfleet-api -p shopfleet-worker --bins
venv_pip_install "aiosmtpd==1.4.6"
BIN_DIR="$BIN_DIR" "$ROOT/scripts/cluster/images.sh" app
trap finish EXIT
# A cluster left by an interrupted run would carry its shops into this one: start clean.
"$ROOT/scripts/cluster/down.sh"
"$ROOT/scripts/cluster/up.sh" >/dev/null
started=$SECONDS

say "installing the chart's CRD and RBAC"
helm upgrade --install shopfleet "$ROOT/charts/shopfleet" --namespace "$OPERATOR_NS" --create-namespace \
  --set replicaCount=0 --wait --timeout 2m >/dev/null
kubectl wait --for=condition=Established crd/shopinstances.shopfleet.dev --timeout=60s >/dev/null
token="$(kubectl -n "$OPERATOR_NS" create token shopfleet --duration=2h)"
sed "s/token: \".*\"/token: \"$token\"/" "$KUBECONFIG" > "$RUN_DIR/operator.kubeconfig"
chmod 600 "$RUN_DIR/operator.kubeconfig"
KUBECONFIG="$RUN_DIR/operator.kubeconfig" setsid nohup "$BIN_DIR/shopfleet-operator" --metrics-addr 127.0.0.1:18480 \
  --log-format text --image-registry localhost > "$RUN_DIR/operator.log" 2>&1 < /dev/null &
echo $! > "$RUN_DIR/operator.pid"
mkdir -p "$CLUSTER_DIR/mail/"{tmp,new,cur} # a Maildir the sink delivers into
setsid nohup "$VENV/bin/python" -m aiosmtpd --nosetuid --listen "$BRIDGE_IP:$SMTP_PORT" \
  --class aiosmtpd.handlers.Mailbox "$CLUSTER_DIR/mail" > "$RUN_DIR/smtp-sink.log" 2>&1 < /dev/null &
echo $! > "$RUN_DIR/smtp-sink.pid"
# The backups bucket: s3s-fs (installed by scripts/dev/prereqs.sh --test) on the bridge.
S3_KEY="AK$(openssl rand -hex 8)" S3_SECRET="$(openssl rand -hex 16)"
mkdir -p "$CLUSTER_DIR/s3/shop-backups"
setsid nohup s3s-fs --host "$BRIDGE_IP" --port "$S3_PORT" --access-key "$S3_KEY" --secret-key "$S3_SECRET" \
  "$CLUSTER_DIR/s3" > "$RUN_DIR/s3.log" 2>&1 < /dev/null &
echo $! > "$RUN_DIR/s3.pid"
BUCKET="{bucket: shop-backups, endpoint: 'http://$BRIDGE_IP:$S3_PORT', credentialsSecret: backup-s3}"

# shop NAMESPACE NAME SEARCH-BLOCK [POSTGRES-FIELDS] : a small shop on the test images.
shop() {
  kubectl create namespace "$1" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$1" create secret generic smtp --from-literal=url="smtp://$BRIDGE_IP:$SMTP_PORT" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$1" create secret generic backup-s3 --from-literal=access-key-id="$S3_KEY" \
    --from-literal=secret-access-key="$S3_SECRET" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$1" apply -f - >/dev/null <<EOF2
apiVersion: shopfleet.dev/v1alpha1
kind: ShopInstance
metadata: {name: $2}
spec:
  deletionPolicy: Delete
  postgres: {version: "15", image: localhost/shopfleet-test/postgres:15, storage: {size: 1Gi}${4:+, $4}}
  redis: {image: localhost/shopfleet-test/redis:7, storage: {size: 1Gi}}
  search: $3
  vector: {mode: InProcess}
  kafka: {mode: Disabled}
  smtp: {urlSecret: {name: smtp, key: url}}
EOF2
}
say "creating shop a (Postgres search, backups to a bucket) and shop b (Meilisearch)"
shop e2e-a shop "{mode: Postgres}" "backup: {schedule: '0 3 * * *', retention: 2, objectStore: $BUCKET}"
shop e2e-b shop "{mode: Embedded, image: localhost/shopfleet-test/meilisearch:v1.50.0, storage: {size: 1Gi}}"
for ns in e2e-a e2e-b; do
  kubectl -n "$ns" wait --for=condition=Ready shopinstance/shop --timeout=300s >/dev/null
done
say "both shops Ready after $((SECONDS - started)) s"

seed() { # NAMESPACE
  kubectl -n "$1" exec deploy/shop-api -- env DEMO_PASSWORD="$PASSWORD" shopfleet-api seed-demo \
    --products 60 --merchants 3 --shoppers 3 >/dev/null
}
api() { echo "http://$(kubectl -n "$1" get service "${2:-shop}-api" -o jsonpath='{.spec.clusterIP}')"; }
# serving URL : the Service answers /ready (kube-proxy programs a new endpoint a moment after
# the pod turns Ready).
serving() { wait_for 30 "$1 to answer" curl -fsS -m 3 -o /dev/null "$1/ready" || die "$1 does not answer /ready"; }
seed e2e-a
A="$(api e2e-a)"
serving "$A"
say "shop a: a shopper's purchase through $A"
order="$(python3 scripts/cluster/journey.py purchase "$A" "$SHOPPER" "$PASSWORD")"
mail_arrived() { grep -rlq "Order confirmed" "$CLUSTER_DIR/mail/new" && grep -rl "Order confirmed" "$CLUSTER_DIR/mail/new" | xargs grep -lq "$SHOPPER"; }
wait_for 60 "the confirmation mail" mail_arrived || die "no confirmation mail for $SHOPPER reached the SMTP sink"
say "order $order paid, its confirmation mail delivered"

say "shop a: killing the API pod"
old_pod="$(kubectl -n e2e-a get pods -l app.kubernetes.io/component=api -o jsonpath='{.items[0].metadata.name}')"
kubectl -n e2e-a delete pod "$old_pod" --wait=false >/dev/null
replaced() {
  local pods; pods="$(kubectl -n e2e-a get pods -l app.kubernetes.io/component=api \
    -o jsonpath='{range .items[?(@.status.containerStatuses[0].ready==true)]}{.metadata.name}{" "}{end}')"
  [ -n "$pods" ] && [[ " $pods " != *" $old_pod "* ]]
}
wait_for 120 "a new API pod" replaced || die "the API pod was not replaced"
serving "$A"
python3 scripts/cluster/journey.py order "$A" "$SHOPPER" "$PASSWORD" "$order"
say "a new API pod serves the same paid order"

say "shop b: search on Meilisearch, and isolation from shop a"
seed e2e-b
# The demo loader writes the catalog straight to Postgres; the index is rebuilt from it, as
# after any bulk load.
kubectl -n e2e-b exec deploy/shop-api -- shopfleet-api reindex-search >/dev/null
B="$(api e2e-b)"
serving "$B"
wait_for 90 "shop b's search index" python3 scripts/cluster/journey.py search "$B" ||
  python3 scripts/cluster/journey.py search "$B"
python3 scripts/cluster/journey.py isolated "$A" "$B" "$SHOPPER" "$PASSWORD"
# Shop b is done: its pods make room on the node for the restored shop.
kubectl delete shopinstance shop -n e2e-b --wait=false >/dev/null

say "shop a: a backup to the bucket, restored into a new shop"
kubectl -n e2e-a create job shop-backup-e2e --from=cronjob/shop-backup >/dev/null
kubectl -n e2e-a wait --for=condition=Complete job/shop-backup-e2e --timeout=180s >/dev/null
[ -s "$CLUSTER_DIR/s3/shop-backups/e2e-a/shop-backup-e2e.dump" ] || die "the backup is not in the bucket"
backup_reported() { [ "$(kubectl -n e2e-a get shopinstance shop -o jsonpath='{.status.backup.last}')" = shop-backup-e2e ]; }
wait_for 60 "the shop's status to name the backup" backup_reported || die "status.backup.last does not name the backup"
shop e2e-a copy "{mode: Postgres}" "restoreFrom: {objectStore: $BUCKET, backup: shop-backup-e2e}"
kubectl -n e2e-a wait --for=condition=Ready shopinstance/copy --timeout=300s >/dev/null
C="$(api e2e-a copy)"
serving "$C"
python3 scripts/cluster/journey.py order "$C" "$SHOPPER" "$PASSWORD" "$order"
say "the restored shop serves the same paid order"

say "deleting every shop"
kubectl delete shopinstance --all -n e2e-a --wait=false >/dev/null
gone() {
  [ -z "$(kubectl get pods,pvc -n e2e-a -o name)$(kubectl get pods,pvc -n e2e-b -o name)" ] &&
    [ -z "$(kubectl get persistentvolumes -o name)" ]
}
wait_for 120 "every pod, claim and volume to go" gone || die "pods, claims or volumes were left: $(kubectl get pods,pvc -A -o name; kubectl get pv -o name)"
say "cluster end-to-end passed in $((SECONDS - started)) s (after the node came up)"
