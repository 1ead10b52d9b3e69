#!/usr/bin/env bash
# Build the three images with BuildKit from the repository root:
#   $IMAGE_REGISTRY/shopfleet-{operator,api,worker}:$VERSION   (VERSION defaults to the chart appVersion)
# Set IMAGES="operator api" to build a subset, DOCKER=podman to use another builder.
source "$(dirname "$0")/lib.sh"
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
