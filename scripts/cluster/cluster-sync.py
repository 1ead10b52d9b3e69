#!/usr/bin/env python3
"""The two cluster services the test cluster has no image for, run on the host by up.sh.

- Cluster DNS: every Service (and, for headless ones, every endpoint address with its
  hostname) becomes a record in the hosts file dnsmasq serves on the bridge; dnsmasq is
  told to reload (SIGHUP) when it changes.
- Volumes: a provisioner for the `local` StorageClass. A Pending claim of that class gets
  a hostPath PersistentVolume under <cluster dir>/volumes, bound to it by claimRef; a
  released volume of ours is deleted with its directory (reclaim policy Delete).

Polls the API server every second through kubectl (KUBECONFIG from the environment).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

PROVISIONER = "shopfleet.dev/cluster-sync"
CLUSTER_DIR = sys.argv[1]
HOSTS = os.path.join(CLUSTER_DIR, "dns", "hosts")
DNSMASQ_PID = os.path.join(CLUSTER_DIR, "run", "dnsmasq.pid")
VOLUMES = os.path.join(CLUSTER_DIR, "volumes")
KUBECTL = os.path.join(os.path.expanduser(os.environ.get("SHOPFLEET_CACHE", "~/.cache/shopfleet")), "bin", "kubectl")


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def kubectl(*args, stdin=None):
    return subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True, timeout=30)


def items(kinds):
    out = kubectl("get", kinds, "--all-namespaces", "-o", "json")
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return json.loads(out.stdout)["items"]


def dns_records():
    found = items("services,endpoints")
    key = lambda item: (item["metadata"]["namespace"], item["metadata"]["name"])
    services = {key(i): i for i in found if i["kind"] == "Service"}
    endpoints = {key(i): i for i in found if i["kind"] == "Endpoints"}
    records = []
    for (namespace, name), service in sorted(services.items()):
        fqdn = f"{name}.{namespace}.svc.cluster.local"
        cluster_ip = service["spec"].get("clusterIP")
        if cluster_ip and cluster_ip != "None":
            records.append(f"{cluster_ip} {fqdn}")
            continue
        for subset in endpoints.get((namespace, name), {}).get("subsets") or []:
            for address in (subset.get("addresses") or []) + (subset.get("notReadyAddresses") or []):
                records.append(f"{address['ip']} {fqdn}")
                if address.get("hostname"):
                    records.append(f"{address['ip']} {address['hostname']}.{fqdn}")
    return "\n".join(records) + "\n"


def sync_dns():
    text = dns_records()
    old = open(HOSTS).read() if os.path.exists(HOSTS) else ""
    if text == old:
        return
    with open(HOSTS + ".tmp", "w") as f:
        f.write(text)
    os.replace(HOSTS + ".tmp", HOSTS)
    os.kill(int(open(DNSMASQ_PID).read()), signal.SIGHUP)
    log("dns:", text.count("\n"), "records")


def provision(claim):
    meta, spec = claim["metadata"], claim["spec"]
    name = f"pvc-{meta['uid']}"
    path = os.path.join(VOLUMES, name)
    os.makedirs(path, exist_ok=True)
    # hostPath volumes ignore fsGroup: the servers' own users must be able to write.
    os.chmod(path, 0o777)
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER}},
        "spec": {
            "capacity": {"storage": spec["resources"]["requests"]["storage"]},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec["storageClassName"],
            "claimRef": {"namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]},
            "hostPath": {"path": path, "type": "Directory"},
        },
    }
    out = kubectl("create", "-f", "-", stdin=json.dumps(volume))
    if out.returncode == 0:
        log("volume:", name, "for", f"{meta['namespace']}/{meta['name']}")
    elif "AlreadyExists" not in out.stderr:
        raise RuntimeError(out.stderr.strip())


def sync_volumes():
    classes = {c["metadata"]["name"] for c in items("storageclasses") if c.get("provisioner") == PROVISIONER}
    for claim in items("persistentvolumeclaims"):
        spec = claim["spec"]
        if claim.get("status", {}).get("phase") == "Pending" and not spec.get("volumeName") \
                and spec.get("storageClassName") in classes and "deletionTimestamp" not in claim["metadata"]:
            provision(claim)
    for volume in items("persistentvolumes"):
        meta, spec = volume["metadata"], volume["spec"]
        ours = meta.get("annotations", {}).get("pv.kubernetes.io/provisioned-by") == PROVISIONER
        if ours and volume.get("status", {}).get("phase") == "Released" \
                and spec.get("persistentVolumeReclaimPolicy") == "Delete":
            shutil.rmtree(spec["hostPath"]["path"], ignore_errors=True)
            out = kubectl("delete", "persistentvolume", meta["name"], "--wait=false")
            log("volume deleted:", meta["name"], out.stderr.strip())


while True:
    for sync in (sync_dns, sync_volumes):
        try:
            sync()
        except Exception as err:  # the API server may be starting or stopping: try again
            log(f"{sync.__name__}: {err}")
    time.sleep(1)
