# Shopfleet developer entry points. The logic lives in scripts/; see README.md.
SHELL := bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/shopfleet/target

.PHONY: dev test lint fmt openapi
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

dev: ## run the platform locally with a demo shop (KAFKA=1 adds a local broker)
	@scripts/dev/run.sh

test: ## install what is missing, start services, run every test and lint
	@scripts/test.sh

lint: ## formatting and clippy only
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## format the code
	cargo fmt --all

openapi: ## regenerate api-server/openapi.json after an API change
	UPDATE_OPENAPI=1 cargo nextest run -p shopfleet-api --test openapi

-include mk/*.mk
