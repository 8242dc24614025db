#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/ (the base, the monitoring objects and every overlay):
each renders with kustomize (every kubectl at hand, identical objects), every embedded modelgate
config passes `modelgate check-config`, every pod template meets the production settings
(pod_checks.py), and the objects are wired to each other and to the config (wiring_checks.py).

Usage: check_deploy.py SOURCE_DIR MODELGATE_BINARY
"""
import os
import subprocess
import sys
import tempfile

import yaml

from pod_checks import (CheckError, check_admin_token, check_modelgate_container,
                        check_production_pod, fail, modelgate_container)
from render import RenderError, kustomizations, render
import wiring_checks as wiring

# The overlays the README documents; any other overlay is checked just the same.
EXPECTED_OVERLAYS = {"canary-example": "canary", "shadow-example": "shadow", "standalone": "ab"}


def load_config(modelgate, docs, pod, where):
    """The config a modelgate container reads (its config volume's ConfigMap), checked by
    modelgate itself. Returns (config, ConfigMap name)."""
    volume = [v for v in pod.spec.get("volumes", []) if v["name"] == "config"]
    if not volume or "configMap" not in volume[0]:
        fail(f"{where}: the config volume must be a ConfigMap")
    name = volume[0]["configMap"]["name"]
    cms = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name
           and d["metadata"].get("namespace") == pod.namespace]
    if not cms or "config.yaml" not in cms[0].get("data", {}):
        fail(f"{where}: no ConfigMap {name} with config.yaml beside it")
    text = cms[0]["data"]["config.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            f.write(text)
        check = subprocess.run([modelgate, "check-config", path], capture_output=True, text=True)
    if check.returncode != 0:
        fail(f"{where}: ConfigMap {name} holds an invalid config:\n{check.stdout}{check.stderr}")
    return yaml.safe_load(text), name


def check_kustomization(rel, docs, modelgate):
    pods = wiring.pods_of(docs)
    modelgate_pods = []   # (Pod, config)
    drains = []
    for pod in pods:
        mg, sidecar = modelgate_container(pod.spec)
        if mg is None:
            continue
        where = f"{rel}: {pod.where}"
        config, cm_name = load_config(modelgate, docs, pod, where)
        check_modelgate_container(where, pod.spec, mg, sidecar, config, cm_name)
        check_admin_token(where, config, mg, pod.spec, docs)
        if sidecar:
            wiring.check_sidecar_backends(where, pod.spec, mg, config)
        else:
            wiring.check_dns_backends(where, config, docs)
            wiring.check_standalone_availability(docs, pod)
        modelgate_pods.append((pod, config))
        drains.append(float(config.get("proxy", {}).get("drain_seconds", 10)))
    for pod in pods:
        # A model pod behind a standalone modelgate: its calls may last as long as the drain.
        check_production_pod(f"{rel}: {pod.where}", pod.spec, max(drains, default=10))
    wiring.check_services(docs, pods)

    overlay = rel.startswith("deploy/overlays/")
    if rel == "deploy/monitoring" or overlay:
        wiring.check_dashboard(docs)
        wiring.check_rules_present(docs)
    if overlay:
        if not modelgate_pods:
            fail(f"{rel}: no pod runs modelgate (a container named modelgate)")
        wiring.check_pod_monitor(docs, pods, modelgate_pods)
        strategy = EXPECTED_OVERLAYS.get(rel.rsplit("/", 1)[1])
        for _, config in modelgate_pods:
            if strategy and strategy not in [r["strategy"] for r in config["routes"]]:
                fail(f"{rel}: the config has no {strategy} route")
    if rel == "deploy/base" and not modelgate_pods:
        fail("deploy/base: no pod runs modelgate")
    return len(pods)


def main():
    src, modelgate = sys.argv[1], sys.argv[2]
    rels = kustomizations(src)
    missing = [o for o in EXPECTED_OVERLAYS if f"deploy/overlays/{o}" not in rels]
    try:
        if missing:
            fail(f"overlays missing: {missing}")
        for rel in rels:
            _, docs = render(src, rel)
            try:
                pods = check_kustomization(rel, docs, modelgate)
            except CheckError as e:
                # Name the kustomization where the message does not.
                raise CheckError(str(e) if str(e).startswith(rel) else f"{rel}: {e}")
            print(f"{rel} OK ({len(docs)} objects, {pods} pod templates)")
    except (CheckError, RenderError) as e:
        print("FAIL:", e)
        sys.exit(1)


if __name__ == "__main__":
    main()
