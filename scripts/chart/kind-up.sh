#!/usr/bin/env bash
# One command to a running shop on kind (`make kind-up`):
#   1. create the kind cluster from kind-config.yaml (skipped if it exists)
#   2. build the images (images.sh) and `kind load` them
#   3. install ingress-nginx (hostPort 80/443 on the ingress-ready node)
#   4. helm install the operator from charts/shopfleet
#   5. apply manifests/samples/minimal.yaml and wait for condition Ready
#   6. print the shop's URL and a curl that lists products
# Needs docker, kind, kubectl, helm and curl on PATH. Tunables: KIND_CLUSTER, SHOP_NAMESPACE,
# SHOP_SAMPLE, READY_TIMEOUT, SKIP_IMAGES=1 (reuse images already built), SHOP_HOST (ingress host
# given to a sample without one; default <shop>.localhost, "none" to leave the sample as it is).
source "$(dirname "$0")/lib.sh"
KIND_CLUSTER="${KIND_CLUSTER:-shopfleet}"
SHOP_NAMESPACE="${SHOP_NAMESPACE:-shop-demo}"
SHOP_SAMPLE="${SHOP_SAMPLE:-$ROOT/manifests/samples/minimal.yaml}"
READY_TIMEOUT="${READY_TIMEOUT:-20m}"
OPERATOR_NAMESPACE=shopfleet-system
INGRESS_NGINX_CHART_VERSION="${INGRESS_NGINX_CHART_VERSION:-4.12.1}"
IMAGE_REGISTRY="${IMAGE_REGISTRY:-ghcr.io/shopfleet}"
VERSION="${VERSION:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")}"
export IMAGE_REGISTRY VERSION

for tool in docker kind kubectl helm curl; do
  command -v "$tool" > /dev/null || die "$tool not found on PATH (see docs/kubernetes.md for versions)"
done
[[ -f "$SHOP_SAMPLE" ]] || die "$SHOP_SAMPLE not found"
CTX="kind-$KIND_CLUSTER"

if kind get clusters 2> /dev/null | grep -qx "$KIND_CLUSTER"; then
  log "kind cluster $KIND_CLUSTER exists; reusing it"
else
  log "creating kind cluster $KIND_CLUSTER"
  kind create cluster --name "$KIND_CLUSTER" --config "$ROOT/kind-config.yaml" --wait 2m
fi

if [[ "${SKIP_IMAGES:-0}" != 1 ]]; then
  bash "$ROOT/scripts/chart/images.sh"
fi
for c in operator api worker; do
  log "loading $IMAGE_REGISTRY/shopfleet-$c:$VERSION into kind"
  kind load docker-image --name "$KIND_CLUSTER" "$IMAGE_REGISTRY/shopfleet-$c:$VERSION"
done

log "installing ingress-nginx $INGRESS_NGINX_CHART_VERSION"
helm --kube-context "$CTX" upgrade --install ingress-nginx ingress-nginx \
  --repo https://kubernetes.github.io/ingress-nginx --version "$INGRESS_NGINX_CHART_VERSION" \
  --namespace ingress-nginx --create-namespace \
  --set controller.hostPort.enabled=true \
  --set controller.service.type=NodePort \
  --set-string controller.nodeSelector.ingress-ready=true \
  --set 'controller.tolerations[0].key=node-role.kubernetes.io/control-plane' \
  --set 'controller.tolerations[0].operator=Exists' \
  --set 'controller.tolerations[0].effect=NoSchedule' \
  --set controller.ingressClassResource.default=true \
  --set controller.admissionWebhooks.enabled=false \
  --wait --timeout 5m

log "installing the Shopfleet operator"
kubectl --context "$CTX" create namespace "$OPERATOR_NAMESPACE" --dry-run=client -o yaml | kubectl --context "$CTX" apply -f -
kubectl --context "$CTX" label namespace "$OPERATOR_NAMESPACE" --overwrite pod-security.kubernetes.io/enforce=restricted
helm --kube-context "$CTX" upgrade --install shopfleet "$CHART" \
  --namespace "$OPERATOR_NAMESPACE" --set image.tag="$VERSION" --set image.pullPolicy=IfNotPresent \
  --wait --timeout 5m

SAMPLE_NS="$(kubectl --context "$CTX" create --dry-run=client -f "$SHOP_SAMPLE" -o jsonpath='{.metadata.namespace}')"
SHOP_NAMESPACE="${SAMPLE_NS:-$SHOP_NAMESPACE}"
log "creating the shop from ${SHOP_SAMPLE#"$ROOT"/} in namespace $SHOP_NAMESPACE"
kubectl --context "$CTX" create namespace "$SHOP_NAMESPACE" --dry-run=client -o yaml | kubectl --context "$CTX" apply -f -
kubectl --context "$CTX" label namespace "$SHOP_NAMESPACE" --overwrite pod-security.kubernetes.io/enforce=restricted
SHOP="$(kubectl --context "$CTX" create --dry-run=client -f "$SHOP_SAMPLE" -o jsonpath='{.metadata.name}')"
kubectl --context "$CTX" apply -n "$SHOP_NAMESPACE" -f "$SHOP_SAMPLE"
SAMPLE_HOST="$(kubectl --context "$CTX" create --dry-run=client -f "$SHOP_SAMPLE" -o jsonpath='{.spec.ingress.host}')"
SHOP_HOST="${SHOP_HOST:-$SHOP.localhost}"
if [[ -z "$SAMPLE_HOST" && "$SHOP_HOST" != none ]]; then
  log "exposing the shop through ingress-nginx as http://$SHOP_HOST/"
  kubectl --context "$CTX" -n "$SHOP_NAMESPACE" patch shop "$SHOP" --type merge \
    -p "{\"spec\":{\"ingress\":{\"host\":\"$SHOP_HOST\",\"className\":\"nginx\"}}}"
fi

log "waiting up to $READY_TIMEOUT for shop/$SHOP to be Ready"
if ! kubectl --context "$CTX" -n "$SHOP_NAMESPACE" wait --for=condition=Ready "shop/$SHOP" --timeout="$READY_TIMEOUT"; then
  kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get shop "$SHOP" -o yaml >&2 || true
  kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get pods,jobs,events >&2 || true
  die "shop/$SHOP did not become Ready"
fi
kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get shop "$SHOP"

HOST="$(kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get ingress -l "shopfleet.dev/shop=$SHOP" \
  -o jsonpath='{.items[0].spec.rules[0].host}' 2> /dev/null || true)"
ENDPOINT="$(kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get shop "$SHOP" -o jsonpath='{.status.endpoint}')"
echo
echo "Shop $SHOP is Ready. Endpoint reported by the operator: ${ENDPOINT:-<none>}"
if [[ -n "$HOST" ]]; then
  echo "URL:   http://$HOST/   (served by ingress-nginx on 127.0.0.1:80)"
  echo "Try:   curl -s -H 'Host: $HOST' http://127.0.0.1/api/v1/products"
  curl -fsS -H "Host: $HOST" "http://127.0.0.1/api/v1/products" | head -c 600 || log "curl failed; is port 80 free on this host?"
  echo
else
  SVC_PORT="$(kubectl --context "$CTX" -n "$SHOP_NAMESPACE" get svc "$SHOP-api" -o jsonpath='{.spec.ports[0].port}')"
  echo "The shop has no ingress host; reach the API with a port-forward:"
  echo "  kubectl --context $CTX -n $SHOP_NAMESPACE port-forward svc/$SHOP-api 8000:${SVC_PORT:-80} &"
  echo "  curl -s http://127.0.0.1:8000/api/v1/products"
fi
echo "Tear down with: make kind-down"
