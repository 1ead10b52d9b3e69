#!/usr/bin/env bash
# Delete the kind cluster made by kind-up.sh (name: $KIND_CLUSTER, default shopfleet).
source "$(dirname "$0")/lib.sh"
KIND_CLUSTER="${KIND_CLUSTER:-shopfleet}"
command -v kind > /dev/null || die "kind not found"
kind delete cluster --name "$KIND_CLUSTER"
