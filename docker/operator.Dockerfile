# syntax=docker/dockerfile:1.7
# Shopfleet operator image (binary `shopfleet-operator`).
# Build from the repository root:  docker build -f docker/operator.Dockerfile -t ghcr.io/shopfleet/shopfleet-operator:0.1.0 .
# Stages: chef (toolchain + cargo-chef) -> planner (dependency recipe) -> builder (dependencies
# cooked in their own cached layer, then the crate) -> distroless cc runtime, non-root.
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS chef
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo chef cook --release --locked --recipe-path recipe.json --package shopfleet-operator
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    cargo build --release --locked --package shopfleet-operator --bin shopfleet-operator \
    && install -D -m 0755 target/release/shopfleet-operator /out/shopfleet-operator

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="shopfleet-operator" \
      org.opencontainers.image.description="Shopfleet operator: reconciles ShopInstance resources into running shops" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/shopfleet/shopfleet" \
      org.opencontainers.image.url="https://github.com/shopfleet/shopfleet" \
      org.opencontainers.image.documentation="https://github.com/shopfleet/shopfleet/blob/main/docs/kubernetes.md" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="Shopfleet"
COPY --from=builder /out/shopfleet-operator /usr/local/bin/shopfleet-operator
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/shopfleet-operator"]
