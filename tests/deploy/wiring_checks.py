"""Checks across the objects of one rendered kustomization: Services reach named ports of the
pods they select, modelgate's backends are the models it is deployed with, the PodMonitor
scrapes exactly the modelgate pods on their admin port, the dashboard ConfigMap is found by
Grafana, and a standalone modelgate survives disruptions.
Each check raises CheckError naming the object and the mistake.
"""
import json
import re

from pod_checks import fail, port_of

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


class Pod:
    """A pod template with where it comes from."""

    def __init__(self, owner):
        self.owner = owner
        self.where = f"{owner['kind']} {owner['metadata']['name']}"
        self.namespace = owner["metadata"].get("namespace")
        self.labels = owner["spec"]["template"]["metadata"].get("labels", {})
        self.spec = owner["spec"]["template"]["spec"]

    def containers(self):
        return self.spec.get("initContainers", []) + self.spec["containers"]

    def named_ports(self):
        return {p["name"]: p["containerPort"] for c in self.containers()
                for p in c.get("ports", []) if "name" in p}


def pods_of(docs):
    return [Pod(d) for d in docs if d["kind"] in WORKLOADS]


def selects(match_labels, labels):
    return bool(match_labels) and all(labels.get(k) == v for k, v in match_labels.items())


def check_services(docs, pods):
    """Every Service selects pods in its namespace and targets ports they name."""
    for svc in [d for d in docs if d["kind"] == "Service"]:
        where = f"Service {svc['metadata']['name']}"
        ns = svc["metadata"].get("namespace")
        chosen = [p for p in pods
                  if p.namespace == ns and selects(svc["spec"].get("selector"), p.labels)]
        if not chosen:
            fail(f"{where}: its selector matches no pod template")
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort")
            if not isinstance(target, str):
                fail(f"{where}: port {port['port']} must target a named container port")
            for p in chosen:
                if target not in p.named_ports():
                    fail(f"{where}: {p.where} has no container port named {target}")


def check_sidecar_backends(where, pod, mg, config):
    """A sidecar's loopback backends are model containers of the same pod: each one's gRPC
    readiness probe checks the port modelgate sends to."""
    probed = {c["readinessProbe"]["grpc"]["port"] for c in pod["containers"]
              if "grpc" in c.get("readinessProbe", {})}
    for b in config["backends"]:
        if b["address"].startswith("127.0.0.1:") and port_of(b["address"]) not in probed:
            fail(f"{where}: backend {b['name']} ({b['address']}) is no model container of the "
                 f"pod (gRPC-probed ports: {sorted(probed)})")


DNS_TARGET = re.compile(r"^dns:///([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$")


def check_dns_backends(where, config, docs):
    """A standalone modelgate's backends are dns:/// names of headless Services in the same
    rendering (namespace included), on a port that reaches a named container port, balanced
    with round_robin (gRPC's pick_first would pin each replica to one model pod)."""
    services = {(d["metadata"].get("namespace"), d["metadata"]["name"]): d
                for d in docs if d["kind"] == "Service"}
    for b in config["backends"]:
        m = DNS_TARGET.match(b["address"])
        if not m:
            fail(f"{where}: backend {b['name']} ({b['address']}) must be "
                 "dns:///SERVICE.NAMESPACE.svc.cluster.local:PORT")
        name, ns, port = m.group(1), m.group(2), int(m.group(3))
        svc = services.get((ns, name))
        if svc is None:
            fail(f"{where}: backend {b['name']} names Service {ns}/{name}, which is not rendered "
                 "(kustomization namespace and config out of step?)")
        if svc["spec"].get("clusterIP") != "None":
            fail(f"{where}: Service {name} must be headless (clusterIP: None) so dns:/// "
                 "resolves to every model pod")
        if port not in [p["port"] for p in svc["spec"]["ports"]]:
            fail(f"{where}: Service {name} has no port {port} (backend {b['name']})")
        if b.get("lb_policy", "round_robin") != "round_robin":
            fail(f"{where}: backend {b['name']} must balance with round_robin")


def check_pod_monitor(docs, pods, modelgate_pods):
    """The PodMonitor scrapes every modelgate pod, pod by pod, on the port its config serves
    /metrics on, and nothing else."""
    monitors = [d for d in docs if d["kind"] == "PodMonitor"]
    if not monitors:
        fail("no PodMonitor: include ../../monitoring")
    for pm in monitors:
        where = f"PodMonitor {pm['metadata']['name']}"
        spec = pm["spec"]
        match = spec["selector"].get("matchLabels")
        if "namespaceSelector" in spec or spec["selector"].get("matchExpressions"):
            fail(f"{where}: keep to matchLabels in its own namespace (what this check reads)")
        chosen = [p for p in pods
                  if p.namespace == pm["metadata"].get("namespace") and selects(match, p.labels)]
        wanted = [p for p, _ in modelgate_pods]
        if {p.where for p in chosen} != {p.where for p in wanted}:
            fail(f"{where}: selects {sorted(p.where for p in chosen)}, but modelgate runs in "
                 f"{sorted(p.where for p in wanted)}")
        for endpoint in spec["podMetricsEndpoints"]:
            if endpoint.get("path", "/metrics") != "/metrics":
                fail(f"{where}: modelgate serves /metrics, not {endpoint['path']}")
            for pod, config in modelgate_pods:
                admin = port_of(config["admin"]["listen"])
                if pod.named_ports().get(endpoint.get("port")) != admin:
                    fail(f"{where}: port {endpoint.get('port')!r} is not the admin port "
                         f"({admin}) of {pod.where}")


# kubectl apply (client side) keeps the whole object in an annotation, limited to 256 KiB.
MAX_APPLIED_BYTES = 256 * 1024


def check_dashboard(docs):
    """The dashboard ConfigMap carries Grafana's sidecar label and a JSON dashboard."""
    cms = [d for d in docs if d["kind"] == "ConfigMap"
           and d["metadata"]["name"] == "modelgate-grafana-dashboard"]
    if not cms:
        fail("no ConfigMap modelgate-grafana-dashboard: include ../../monitoring")
    cm = cms[0]
    if cm["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
        fail('ConfigMap modelgate-grafana-dashboard needs the label grafana_dashboard: "1" '
             "(Grafana's dashboard sidecar looks for it)")
    files = [k for k in cm.get("data", {}) if k.endswith(".json")]
    if not files:
        fail("ConfigMap modelgate-grafana-dashboard has no .json key")
    for key in files:
        if len(cm["data"][key].encode()) > MAX_APPLIED_BYTES * 0.9:
            fail(f"dashboard {key} is too big for kubectl apply's last-applied annotation")
        try:
            dashboard = json.loads(cm["data"][key])
        except ValueError as e:
            fail(f"dashboard {key} is not JSON: {e}")
        if not isinstance(dashboard, dict) or not dashboard.get("title"):
            fail(f"dashboard {key} has no title")


def check_rules_present(docs):
    if not [d for d in docs if d["kind"] == "PrometheusRule" and d["metadata"]["name"] == "modelgate"]:
        fail("no PrometheusRule modelgate: include ../../monitoring")


def check_standalone_availability(docs, pod):
    """A Deployment of modelgate alone: several replicas, spread out, and a disruption budget."""
    spec = pod.owner["spec"]
    if spec.get("replicas", 1) < 2:
        fail(f"{pod.where}: run at least 2 replicas (it is every client's way to the models)")
    spread = [t for t in pod.spec.get("topologySpreadConstraints", [])
              if selects(t.get("labelSelector", {}).get("matchLabels"), pod.labels)]
    anti = pod.spec.get("affinity", {}).get("podAntiAffinity")
    if not spread and not anti:
        fail(f"{pod.where}: spread the replicas (topologySpreadConstraints selecting its pods, "
             "or podAntiAffinity)")
    budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"
               and d["metadata"].get("namespace") == pod.namespace
               and selects(d["spec"]["selector"].get("matchLabels"), pod.labels)]
    if not budgets:
        fail(f"{pod.where}: needs a PodDisruptionBudget selecting its pods")
    if not any(s["kind"] == "Service" and s["metadata"].get("namespace") == pod.namespace
               and selects(s["spec"].get("selector"), pod.labels)
               and "grpc" in [p.get("targetPort") for p in s["spec"]["ports"]] for s in docs):
        fail(f"{pod.where}: needs a Service for its gRPC port")
