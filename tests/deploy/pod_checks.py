"""Checks on one pod template: production settings for every container (restricted Pod Security
Standard, pinned images, probes, resources, termination order) and, where modelgate runs, its
wiring to the config it reads (ports, probes, config and admin token mounts).
Each check raises CheckError naming the object and the mistake.
"""
import os


class CheckError(Exception):
    pass


def fail(msg):
    raise CheckError(msg)


def modelgate_container(pod):
    """(container, is_native_sidecar) for the container named modelgate, or (None, False)."""
    for c in pod.get("initContainers", []):
        if c["name"] == "modelgate":
            return c, True
    for c in pod.get("containers", []):
        if c["name"] == "modelgate":
            return c, False
    return None, False


def check_production_pod(where, pod, drain):
    """Restricted Pod Security Standard, pull policy, probes, resources and termination order.
    drain: proxy.drain_seconds of the modelgate that routes calls to (or runs in) this pod."""
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        fail(f"{where}: pod securityContext.runAsNonRoot must be true (restricted)")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(f"{where}: pod securityContext.seccompProfile.type must be RuntimeDefault (restricted)")
    sidecars = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    for c in sidecars + pod["containers"]:
        name = f"{where}: container {c['name']}"
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
        if c["name"] != "modelgate" and "grpc" not in c["readinessProbe"]:
            fail(f"{name}: a model server's readiness must be a gRPC probe")
    # Regular containers get SIGTERM as the pod leaves the endpoints: a preStop sleep keeps them
    # serving while clients (and modelgate) catch up, and the grace period must cover the sleep
    # plus the calls still in flight (modelgate's drain). A native sidecar is stopped after them.
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for c in pod["containers"]:
        cmd = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        if len(cmd) != 2 or not cmd[0].endswith("sleep"):
            fail(f"{where}: container {c['name']} needs a preStop sleep so it keeps serving while "
                 "the pod leaves the endpoints")
        if grace <= float(cmd[1]) + drain:
            fail(f"{where}: terminationGracePeriodSeconds ({grace}) must exceed {c['name']}'s "
                 f"preStop ({cmd[1]} s) plus proxy.drain_seconds ({drain})")


def check_admin_token(where, config, container, pod, docs):
    """admin.token_file comes from the Secret modelgate-admin-token, mounted as a directory
    (Secret rotation swaps a ..data symlink, which a subPath mount never sees) and optional
    (the pod starts without it; mutations are then refused). The Secret itself is created by
    the operator: a token in the manifests would be a committed secret."""
    token_file = config["admin"].get("token_file")
    if not token_file or not token_file.startswith("/"):
        fail(f"{where}: admin.token_file must be an absolute path: the admin port is reachable, "
             "so its mutating endpoints need a token")
    directory, key = os.path.split(token_file)
    mounts = [m for m in container["volumeMounts"] if m["mountPath"].rstrip("/") == directory]
    if len(mounts) != 1:
        fail(f"{where}: no volume is mounted at {directory}, the directory of admin.token_file")
    if "subPath" in mounts[0]:
        fail(f"{where}: mount the admin token's directory, never a subPath (rotations would not "
             "show)")
    volume = [v for v in pod["volumes"] if v["name"] == mounts[0]["name"]][0]
    secret = volume.get("secret") or fail(f"{where}: the admin token volume must be a Secret")
    if secret.get("secretName") != "modelgate-admin-token":
        fail(f"{where}: the admin token comes from the Secret modelgate-admin-token (README)")
    if secret.get("optional") is not True:
        fail(f"{where}: the admin token Secret must be optional: without it the pod still serves")
    items = secret.get("items")
    if items and [i["path"] for i in items if i["key"] == "token"] != [key]:
        fail(f"{where}: the Secret's key token must appear as {key}")
    if not items and key != "token":
        fail(f"{where}: admin.token_file must name the Secret's key, token (got {key})")
    for d in docs:
        if d["kind"] == "Secret":
            fail(f"Secret {d['metadata']['name']} is in the manifests: create it with kubectl "
                 "instead (README)")


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def check_modelgate_container(where, pod, mg, sidecar, config, config_map_name):
    """modelgate's container matches the config it reads."""
    if sidecar and mg.get("restartPolicy") != "Always":
        fail(f"{where}: the modelgate init container needs restartPolicy: Always to be a sidecar")
    grpc_port = port_of(config["listen"])
    admin_port = port_of(config["admin"]["listen"])
    named = {p.get("name"): p["containerPort"] for p in mg.get("ports", [])}
    if named.get("grpc") != grpc_port or named.get("admin") != admin_port:
        fail(f"{where}: modelgate's ports must be named grpc ({grpc_port}) and admin "
             f"({admin_port}) as in its config, got {named}")
    if mg["readinessProbe"].get("httpGet", {}).get("path") != "/readyz" or \
            mg["readinessProbe"]["httpGet"]["port"] != admin_port:
        fail(f"{where}: readiness must probe /readyz on the admin port")
    if mg.get("livenessProbe", {}).get("grpc", {}).get("port") != grpc_port:
        fail(f"{where}: the gRPC liveness probe must target the gRPC listener")
    mounts = [m for m in mg["volumeMounts"] if m["name"] == "config"]
    if not mounts or "subPath" in mounts[0]:
        fail(f"{where}: mount the config directory, never a subPath (subPath mounts never update)")
    if mounts[0]["mountPath"] + "/config.yaml" not in " ".join(mg["args"]):
        fail(f"{where}: modelgate must read the mounted config.yaml")
    if config_map_name != "modelgate-config":
        fail(f"{where}: the config volume must use the ConfigMap modelgate-config (a stable name: "
             "edits reload in place)")
    drain = float(config.get("proxy", {}).get("drain_seconds", 10))
    if pod.get("terminationGracePeriodSeconds", 30) <= drain:
        fail(f"{where}: terminationGracePeriodSeconds must exceed proxy.drain_seconds")
