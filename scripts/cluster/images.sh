#!/usr/bin/env bash
# images.sh: the images the test cluster runs, built without a Docker daemon or a registry
# (debootstrap + podman from Debian), as docker archives in ~/.cache/shopfleet/cluster-images.
#
#   images.sh data   base + data services, rebuilt only when this script changes:
#                      localhost/shopfleet-test/postgres:15       Debian's postgresql-15, uid 70
#                      localhost/shopfleet-test/redis:7           Debian's redis-server, uid 999
#                      localhost/shopfleet-test/meilisearch:v1.50.0  ../shared/meilisearch, uid 1000
#                      localhost/shopfleet-test/pause:3.10        every pod's sandbox
#   images.sh app    the shop's own images from built binaries (BIN_DIR, default the release
#                    build) and the embedding model, tagged as the operator names them under
#                    the registry prefix "localhost":
#                      localhost/shopfleet/shopfleet-{api,worker}:<chart appVersion>
#   images.sh import imports every archive into the cluster's containerd (up.sh does this)
#
# Each image honours what the operator's pod specs require: the uid it runs as, a read-only
# root (writable paths are volumes), and the environment contract of its service.
source "$(dirname "$0")/lib.sh"

PODMAN_ROOT="$CACHE_DIR/podman"
podman() { command podman --root "$PODMAN_ROOT/storage" --runroot "$PODMAN_ROOT/run" "$@"; }
VERSION="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/charts/shopfleet/Chart.yaml")"
# Packages of the shared base: the servers, and the libraries the shop's binaries link.
PACKAGES=postgresql-15,redis-server,ca-certificates,libssl3,zlib1g,libstdc++6
DATA_KEY="$(cat "$0" "$ROOT/scripts/cluster/entrypoints/"* | sha256sum | cut -c1-16)"
DATA_ARCHIVE="$IMAGE_DIR/data-$DATA_KEY.tar"
APP_ARCHIVE="$IMAGE_DIR/app.tar"

# A Containerfile of config only (no RUN): podman builds it without running a container.
build() { # TAG CONTEXT (Containerfile on stdin)
  podman build --quiet --network=none --tag "$1" --file - "$2" >/dev/null
}

data_images() {
  [ -f "$DATA_ARCHIVE" ] && return 0
  apt_install podman uidmap debootstrap gcc libc6-dev binutils xz-utils
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  say "building the base image (debootstrap bookworm: $PACKAGES)"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; die "debootstrap failed"; }
  local r="$work/rootfs"
  # The uids the operator's pods run as own their servers: Postgres 70, Redis 999,
  # Meilisearch 1000, the shop 65532 (as in the upstream images).
  sed -i -e 's/^postgres:x:[0-9]*:[0-9]*:/postgres:x:70:70:/' -e 's/^redis:x:[0-9]*:[0-9]*:/redis:x:999:999:/' "$r/etc/passwd"
  sed -i -e 's/^postgres:x:[0-9]*:/postgres:x:70:/' -e 's/^redis:x:[0-9]*:/redis:x:999:/' "$r/etc/group"
  echo 'meili:x:1000:1000::/meili_data:/usr/sbin/nologin' >> "$r/etc/passwd"
  echo 'meili:x:1000:' >> "$r/etc/group"
  echo 'shopfleet:x:65532:65532::/nonexistent:/usr/sbin/nologin' >> "$r/etc/passwd"
  echo 'shopfleet:x:65532:' >> "$r/etc/group"
  # What no pod reads: package caches, documentation, translations, Postgres's LLVM JIT.
  rm -rf "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/usr/share/{doc,man,info,locale} \
    "$r"/usr/lib/x86_64-linux-gnu/libLLVM* "$r"/usr/lib/postgresql/15/lib/llvmjit* "$r"/usr/lib/postgresql/15/lib/bitcode \
    "$r"/var/lib/postgresql/* "$r"/etc/postgresql
  install -m 0755 "$ROOT/scripts/cluster/entrypoints/"*.sh "$r/usr/local/bin/"
  xz -dc "$ROOT/../shared/meilisearch/meilisearch.xz" > "$r/usr/local/bin/meilisearch"
  chmod 0755 "$r/usr/local/bin/meilisearch"
  tar -C "$r" --numeric-owner -cf "$work/base.tar" .
  podman import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$work/base.tar" localhost/shopfleet-test/base:"$DATA_KEY" >/dev/null

  say "building the data service images"
  build localhost/shopfleet-test/postgres:15 "$work" <<EOF2
FROM localhost/shopfleet-test/base:$DATA_KEY
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data
USER 70:70
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
EOF2
  build localhost/shopfleet-test/redis:7 "$work" <<EOF2
FROM localhost/shopfleet-test/base:$DATA_KEY
USER 999:999
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]
CMD ["redis-server"]
EOF2
  build localhost/shopfleet-test/meilisearch:v1.50.0 "$work" <<EOF2
FROM localhost/shopfleet-test/base:$DATA_KEY
ENV MEILI_HTTP_ADDR=0.0.0.0:7700
USER 1000:1000
WORKDIR /meili_data
EXPOSE 7700
ENTRYPOINT ["/usr/local/bin/meilisearch"]
EOF2
  # The sandbox's pause process: a static C program, alone in its image.
  mkdir -p "$work/pause"
  gcc -static -Os -o "$work/pause/pause" "$ROOT/scripts/cluster/entrypoints/pause.c"
  tar -C "$work/pause" --numeric-owner --owner=65535 --group=65535 -cf "$work/pause.tar" pause
  podman import --quiet --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535:65535' "$work/pause.tar" "$PAUSE_IMAGE" >/dev/null

  mkdir -p "$IMAGE_DIR"
  rm -f "$IMAGE_DIR"/data-*.tar
  podman save --quiet --multi-image-archive --format docker-archive -o "$DATA_ARCHIVE.tmp" \
    localhost/shopfleet-test/postgres:15 localhost/shopfleet-test/redis:7 \
    localhost/shopfleet-test/meilisearch:v1.50.0 "$PAUSE_IMAGE"
  mv "$DATA_ARCHIVE.tmp" "$DATA_ARCHIVE"
  # Bases of earlier versions of this script are no longer used by any image built here.
  local old
  for old in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/shopfleet-test/base:' || true); do
    [ "$old" = "localhost/shopfleet-test/base:$DATA_KEY" ] || podman rmi --force "$old" >/dev/null
  done
  podman image prune --force >/dev/null
}

app_images() {
  data_images
  local bin_dir="${BIN_DIR:-$CARGO_TARGET_DIR/release}" model="$CACHE_DIR/models/all-MiniLM-L6-v2"
  for bin in shopfleet-api shopfleet-worker; do
    [ -x "$bin_dir/$bin" ] || die "$bin_dir/$bin is missing: build it first (cargo build --release -p $bin)"
  done
  [ -f "$model/model.safetensors" ] || die "the embedding model is missing: run scripts/dev/prereqs.sh"
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$work/models" "$work/bin" "$work/web" "$work/swagger-ui"
  cp -r "$model" "$work/models/"
  cp "$bin_dir/shopfleet-api" "$bin_dir/shopfleet-worker" "$work/bin/"
  strip --strip-debug "$work/bin/"*
  [ -d "$CACHE_DIR/swagger-ui-dist" ] && cp -r "$CACHE_DIR/swagger-ui-dist/." "$work/swagger-ui/"
  # The web app, when it has been built (scripts/web/check.sh builds it in `make test`).
  local web_env=""
  if [ -f "$ROOT/web/dist/index.html" ]; then
    cp -r "$ROOT/web/dist/." "$work/web/"
    web_env="WEB_DIR=/usr/share/shopfleet/web"
  else
    say "web/dist is missing: this API image serves no web app"
  fi
  say "building the shop images from $bin_dir"
  build "localhost/shopfleet/shopfleet-api:$VERSION" "$work" <<EOF2
FROM localhost/shopfleet-test/base:$DATA_KEY
COPY models /models
COPY swagger-ui /usr/share/shopfleet/swagger-ui
COPY web /usr/share/shopfleet/web
COPY bin/shopfleet-api /usr/local/bin/shopfleet-api
ENV EMBEDDING_MODEL_DIR=/models/all-MiniLM-L6-v2 DOCS_ASSETS_DIR=/usr/share/shopfleet/swagger-ui $web_env
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/shopfleet-api"]
EOF2
  build "localhost/shopfleet/shopfleet-worker:$VERSION" "$work" <<EOF2
FROM localhost/shopfleet-test/base:$DATA_KEY
COPY models /models
COPY bin/shopfleet-worker /usr/local/bin/shopfleet-worker
ENV EMBEDDING_MODEL_DIR=/models/all-MiniLM-L6-v2
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/shopfleet-worker"]
EOF2
  podman save --quiet --multi-image-archive --format docker-archive -o "$APP_ARCHIVE.tmp" \
    "localhost/shopfleet/shopfleet-api:$VERSION" "localhost/shopfleet/shopfleet-worker:$VERSION"
  mv "$APP_ARCHIVE.tmp" "$APP_ARCHIVE"
  # Only the newest shop images are kept: each build would otherwise add ~100 MB of layers.
  podman image prune --force >/dev/null
}

import_images() {
  for archive in "$DATA_ARCHIVE" "$APP_ARCHIVE"; do
    [ -f "$archive" ] || continue
    ctr_k8s images import "$archive" >/dev/null
  done
}

case "${1:-}" in
  data) data_images ;;
  app) app_images ;;
  import) import_images ;;
  *) die "usage: images.sh data | app | import" ;;
esac
