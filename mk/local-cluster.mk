# A real single-node Kubernetes cluster on this machine, without Docker (scripts/cluster/):
# what `make test` runs the shop's pods on. Included by the root Makefile.
CLUSTER_SCRIPTS := scripts/cluster

.PHONY: cluster-up cluster-down cluster-e2e

cluster-up: ## start the single-node test cluster (root; prints its kubeconfig)
	@bash $(CLUSTER_SCRIPTS)/up.sh

cluster-down: ## stop the test cluster and remove every trace of it
	@bash $(CLUSTER_SCRIPTS)/down.sh

cluster-e2e: ## the shop end to end on the test cluster (KEEP_CLUSTER=1 leaves it up)
	@bash $(CLUSTER_SCRIPTS)/e2e.sh
