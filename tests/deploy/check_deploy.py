#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/: they render with kustomize, the embedded config
passes `modelgate check-config`, and the pod wiring matches the config (native sidecar, config
mounted as a directory so reloads see updates, ports, probes, grace period vs drain time, the
admin token mounted from an optional Secret that is never part of the manifests).

Usage: check_deploy.py SOURCE_DIR MODELGATE_BINARY
"""
import os
import subprocess
import sys
import tempfile

import yaml


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def kubectls():
    """Every kubectl to render with: the one on PATH and Debian 12's own (kustomize v2), which
    scripts/deps.sh unpacks beside a newer one. Both must accept the manifests."""
    found = ["kubectl"]
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    debian = os.path.join(cache, "modelgate/kubectl-debian/usr/bin/kubectl")
    if os.access(debian, os.X_OK):
        found.append(debian)
    else:
        print("note: Debian's kubectl is the one on PATH or not unpacked; rendering with one kubectl")
    return found


def render(src):
    outputs = []
    for kubectl in kubectls():
        rendered = subprocess.run([kubectl, "kustomize", os.path.join(src, "deploy/base")],
                                  capture_output=True, text=True)
        if rendered.returncode != 0:
            fail(f"{kubectl} kustomize: " + rendered.stderr)
        version = subprocess.run([kubectl, "version", "--client"], capture_output=True,
                                 text=True).stdout.splitlines()[:1]
        print("rendered with", kubectl, *version)
        outputs.append(rendered.stdout)
    docs = [{(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(o)}
            for o in outputs]
    for other in docs[1:]:
        if other != docs[0]:
            fail("kubectl versions render deploy/base differently")
    return docs[0]


def check_admin_token(config, container, pod, docs):
    """admin.token_file comes from the Secret modelgate-admin-token, mounted as a directory
    (Secret rotation swaps a ..data symlink, which a subPath mount never sees) and optional
    (the pod starts without it; mutations are then refused). The Secret itself is created by
    the operator: a token in the manifests would be a committed secret."""
    token_file = config["admin"].get("token_file")
    if not token_file or not token_file.startswith("/"):
        fail("admin.token_file must be an absolute path: the admin port is reachable, so its "
             "mutating endpoints need a token")
    directory, key = os.path.split(token_file)
    mounts = [m for m in container["volumeMounts"] if m["mountPath"].rstrip("/") == directory]
    if len(mounts) != 1:
        fail(f"no volume is mounted at {directory}, the directory of admin.token_file")
    if "subPath" in mounts[0]:
        fail("mount the admin token's directory, never a subPath (rotations would not show)")
    volume = [v for v in pod["volumes"] if v["name"] == mounts[0]["name"]][0]
    secret = volume.get("secret") or fail("the admin token volume must be a Secret")
    if secret.get("secretName") != "modelgate-admin-token":
        fail("the admin token comes from the Secret modelgate-admin-token (README)")
    if secret.get("optional") is not True:
        fail("the admin token Secret must be optional: without it the pod still serves")
    items = secret.get("items")
    if items and [i["path"] for i in items if i["key"] == "token"] != [key]:
        fail(f"the Secret's key token must appear as {key}")
    if not items and key != "token":
        fail(f"admin.token_file must name the Secret's key, token (got {key})")
    for kind, name in docs:
        if kind == "Secret":
            fail(f"Secret {name} is in the manifests: create it with kubectl instead (README)")


def check_production_pod(pod, mg, drain):
    """Restricted Pod Security Standard, pull policy, probes, resources and termination order."""
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        fail("pod securityContext.runAsNonRoot must be true (restricted)")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail("pod securityContext.seccompProfile.type must be RuntimeDefault (restricted)")
    models = pod["containers"]
    for c in [mg] + models:
        name = c["name"]
        image = c["image"]
        if image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1]:
            fail(f"{name}: pin an image tag ({image} implies pulling on every start)")
        if c.get("imagePullPolicy") != "IfNotPresent":
            fail(f"{name}: imagePullPolicy must be IfNotPresent (locally loaded images)")
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(f"{name}: securityContext.allowPrivilegeEscalation must be false")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            fail(f"{name}: securityContext.capabilities.drop must be [ALL]")
        if "requests" not in c.get("resources", {}):
            fail(f"{name}: needs resources.requests")
        if "readinessProbe" not in c:
            fail(f"{name}: needs a readinessProbe")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for c in models:
        cmd = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        if len(cmd) != 2 or not cmd[0].endswith("sleep"):
            fail(f"{c['name']}: needs a preStop sleep so it outlives the calls modelgate routes "
                 "while the pod leaves the endpoints")
        if grace <= float(cmd[1]) + drain:
            fail(f"terminationGracePeriodSeconds ({grace}) must exceed {c['name']}'s preStop "
                 f"({cmd[1]} s) plus proxy.drain_seconds ({drain})")


def main():
    src, modelgate = sys.argv[1], sys.argv[2]
    docs = render(src)

    cm = docs.get(("ConfigMap", "modelgate-config")) or fail("no ConfigMap modelgate-config")
    config_text = cm["data"]["config.yaml"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.yaml")
        with open(path, "w") as f:
            f.write(config_text)
        check = subprocess.run([modelgate, "check-config", path], capture_output=True, text=True)
        if check.returncode != 0:
            fail("embedded config is invalid:\n" + check.stdout + check.stderr)
    config = yaml.safe_load(config_text)
    grpc_port = int(config["listen"].rsplit(":", 1)[1])
    admin_port = int(config["admin"]["listen"].rsplit(":", 1)[1])
    drain = float(config.get("proxy", {}).get("drain_seconds", 10))

    dep = docs.get(("Deployment", "model")) or fail("no Deployment model")
    pod = dep["spec"]["template"]["spec"]
    sidecars = [c for c in pod.get("initContainers", []) if c["name"] == "modelgate"]
    if len(sidecars) != 1:
        fail("modelgate must be one init container (native sidecar)")
    mg = sidecars[0]
    if mg.get("restartPolicy") != "Always":
        fail("the modelgate init container needs restartPolicy: Always to be a sidecar")
    ports = {p["containerPort"] for p in mg["ports"]}
    if {grpc_port, admin_port} - ports:
        fail(f"container ports {ports} do not expose listen {grpc_port} and admin {admin_port}")
    if mg["readinessProbe"]["httpGet"]["path"] != "/readyz" or \
            mg["readinessProbe"]["httpGet"]["port"] != admin_port:
        fail("readiness must probe /readyz on the admin port")
    if mg["livenessProbe"]["grpc"]["port"] != grpc_port:
        fail("the gRPC liveness probe must target the gRPC listener")
    mounts = [m for m in mg["volumeMounts"] if m["name"] == "config"]
    if not mounts or "subPath" in mounts[0]:
        fail("mount the config directory, never a subPath (subPath mounts never update)")
    volume = [v for v in pod["volumes"] if v["name"] == "config"][0]
    if volume["configMap"]["name"] != "modelgate-config":
        fail("the config volume must use the generated ConfigMap (stable name)")
    if mounts[0]["mountPath"] + "/config.yaml" not in " ".join(mg["args"]):
        fail("modelgate must read the mounted config.yaml")
    if pod.get("terminationGracePeriodSeconds", 30) <= drain:
        fail("terminationGracePeriodSeconds must exceed proxy.drain_seconds")
    check_admin_token(config, mg, pod, docs)
    check_production_pod(pod, mg, drain)
    svc = docs.get(("Service", "model")) or fail("no Service model")
    if {p["targetPort"] for p in svc["spec"]["ports"]} != {"grpc", "admin"}:
        fail("the Service must target the named grpc and admin ports")
    print("deploy/base OK")


if __name__ == "__main__":
    main()
