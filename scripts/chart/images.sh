#!/usr/bin/env bash
# Build the three images with BuildKit from the repository root:
#   $IMAGE_REGISTRY/shopfleet-{operator,api,worker}:$VERSION   (VERSION defaults to the chart appVersion)
# Set IMAGES="operator api" to build a subset, DOCKER=podman to use another builder.
# Without a Docker engine (or with BUILDER=local) the API and worker images are built from the
# release binaries with podman instead, no daemon or registry needed (scripts/cluster/images.sh):
#   localhost/shopfleet/shopfleet-{api,worker}:$VERSION and the data services' test images.
source "$(dirname "$0")/lib.sh"
if [[ ${BUILDER:-} == local ]] || { [[ -z ${BUILDER:-} ]] && ! command -v "${DOCKER:-docker}" > /dev/null; }; then
  log "building the API and worker images locally with podman from the release binaries"
  [[ -f "$ROOT/web/dist/index.html" ]] || log "web/dist is missing: the API image will serve no web app (build it: cd web && npx vite build)"
  cargo build --release --locked -p shopfleet-api -p shopfleet-worker --bins
  exec "$ROOT/scripts/cluster/images.sh" app
fi
DOCKER="${DOCKER:-docker}"
IMAGE_REGISTRY="${IMAGE_REGISTRY:-ghcr.io/shopfleet}"
VERSION="${VERSION:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")}"
IMAGES="${IMAGES:-operator api worker}"
REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

command -v "$DOCKER" > /dev/null || die "$DOCKER not found: images need a Docker (BuildKit) engine"
[[ -f "$ROOT/Cargo.lock" ]] || die "Cargo.lock is missing: the images build with --locked"
for c in $IMAGES; do
  tag="$IMAGE_REGISTRY/shopfleet-$c:$VERSION"
  log "building $tag"
  DOCKER_BUILDKIT=1 "$DOCKER" build \
    --file "$ROOT/docker/$c.Dockerfile" \
    --tag "$tag" \
    --build-arg "VERSION=$VERSION" \
    --build-arg "REVISION=$REVISION" \
    --build-arg "CREATED=$CREATED" \
    "$ROOT"
done
log "built: $(for c in $IMAGES; do printf '%s ' "$IMAGE_REGISTRY/shopfleet-$c:$VERSION"; done)"
