# Kubernetes packaging targets: chart checks, images, a local kind cluster, install.yaml.
# Included by the root Makefile; the logic lives in scripts/chart/ (see docs/kubernetes.md).
CHART_SCRIPTS := scripts/chart
KIND_CLUSTER ?= shopfleet

.PHONY: chart-check chart-tools images kind-up kind-down install-yaml

chart-check: ## lint, render and validate the chart, manifests and Dockerfiles (installs its tools)
	@bash $(CHART_SCRIPTS)/chart-check.sh

chart-tools: ## install helm, kubectl, kubernetes-validate, checkov, hadolint into ~/.cache/shopfleet
	@bash $(CHART_SCRIPTS)/ensure-tools.sh

images: ## build the operator, api and worker images (Docker with BuildKit; without Docker: api and worker with podman)
	@bash $(CHART_SCRIPTS)/images.sh

kind-up: ## kind cluster + images + ingress-nginx + operator + minimal shop, waits until Ready
	@KIND_CLUSTER=$(KIND_CLUSTER) bash $(CHART_SCRIPTS)/kind-up.sh

kind-down: ## delete the kind cluster
	@KIND_CLUSTER=$(KIND_CLUSTER) bash $(CHART_SCRIPTS)/kind-down.sh

install-yaml: ## regenerate the chart CRD, dashboards and manifests/install.yaml
	@bash $(CHART_SCRIPTS)/ensure-tools.sh
	@bash $(CHART_SCRIPTS)/sync-crd.sh
	@python3 $(CHART_SCRIPTS)/gen-dashboards.py
	@bash $(CHART_SCRIPTS)/render-install.sh
