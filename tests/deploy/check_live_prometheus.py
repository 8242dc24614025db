#!/usr/bin/env python3
"""Proves the monitoring artifacts on live data: one modelgate with every strategy (A/B with a
monitor and drift, canary with a monitor, webhook and fallback, shadow with payload compare and a
noise reference, interleave with click feedback) in front of fake models, driven by the
project's load generators and scraped every second by a real Prometheus (Debian's) with the
labels a PodMonitor adds (namespace, pod). Then every query must parse and run:

  * each target of deploy/monitoring/dashboards/modelgate.json, with Grafana's variables
    substituted, must return data (an allowlist below names the exceptions and why);
  * each template variable's label_values() must find the values this setup has;
  * each query in deploy/integrations/*.yaml (Flagger MetricTemplate, Argo AnalysisTemplate),
    if present, must return data;
  * each alert expr in deploy/monitoring/prometheusrule.yaml, if present, must run (empty is
    fine: nothing is on fire).

Usage: check_live_prometheus.py SOURCE_DIR MODELGATE FAKE_MODEL LOAD INTERLEAVE_USERS
"""
import http.server
import json
import pathlib
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

CANARY_ROUTE = "rollout"          # the canary route of tests/deploy/live/all_strategies.yaml
ROUTES = {"mirror", "rollout", "predict", "rank"}
TRAFFIC_SECONDS = 8
DATA_DEADLINE_SECONDS = 30        # after the traffic: time for the last scrapes and evaluations

# Grafana's variables, as Grafana would expand them for "All" on a small time range.
GRAFANA_VARS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1m",
                "namespace": "default", "pod": ".*", "route": ".*"}

# Dashboard targets that cannot have data under this traffic, with the reason; keyed by
# (panel title, refId). They must still parse and run.
ALLOWLIST = {
    ("Diversions and state-file errors", "B"):
        "modelgate_canary_state_errors_total{route} is created at the first unrestorable "
        "state file, not at zero; the harness starts from a clean state_dir",
}

START = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - START:5.1f}s] {msg}", flush=True)


class Processes:
    """Every process started here, stopped (TERM, then KILL) on exit."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, first_line_timeout=10.0, **kw):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=kw.pop("stderr", None),
                             text=True, **kw)
        self.procs.append((name, p))
        if first_line_timeout is None:
            return p, ""
        ready, _, _ = select.select([p.stdout], [], [], first_line_timeout)
        line = p.stdout.readline() if ready else ""
        if not line:
            raise SystemExit(f"FAIL: {name} printed nothing within {first_line_timeout} s "
                             f"(exit code {p.poll()}): {' '.join(argv)}")
        return p, line.strip()

    def stop_all(self):
        for _, p in self.procs:
            if p.poll() is None:
                p.terminate()
        for name, p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def address(line):
    m = re.search(r"127\.0\.0\.1:\d+", line)
    if not m:
        raise SystemExit(f"FAIL: no address in {line!r}")
    return m.group(0)


class Webhook(http.server.BaseHTTPRequestHandler):
    """The canary's webhook receiver: answers 204 so deliveries count as sent."""
    events = []

    def do_POST(self):
        Webhook.events.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def query(prom, expr):
    """(result list, error or None) of an instant query."""
    url = f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        # Prometheus answers query errors as JSON (400/422), but a plain-text 503 while it is
        # still starting: report either as a failed request, never crash on it.
        raw = e.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return None, f"HTTP {e.code}: {raw[:200]!r}"
    except (OSError, ValueError) as e:
        return None, f"request failed: {e}"
    if body.get("status") != "success":
        return None, f"{body.get('errorType')}: {body.get('error')}"
    return body["data"]["result"], None


def substitute_grafana(expr):
    def var(m):
        name = m.group(1) or m.group(2)
        if name not in GRAFANA_VARS:
            raise KeyError(name)
        return GRAFANA_VARS[name]
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", var, expr)


def lint_selectors(expr):
    """Every modelgate_/process_ selector must filter on $namespace and $pod, or the template
    variables would not select anything."""
    problems = []
    for m in re.finditer(r"\b((?:modelgate|process)_[a-z0-9_]+)(\{[^}]*\})?", expr):
        sel = m.group(2) or ""
        if '$namespace' not in sel or '$pod' not in sel:
            problems.append(f"{m.group(1)}{sel} does not filter on $namespace and $pod")
    return problems


def dashboard_checks(source):
    """(name, expr, allowlisted reason) for every dashboard target, and static problems."""
    path = source / "deploy/monitoring/dashboards/modelgate.json"
    dash = json.loads(path.read_text())
    checks, problems, panels = [], [], 0
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        panels += 1
        if not p.get("targets"):
            problems.append(f'panel "{p["title"]}" has no targets')
        for t in p.get("targets", []):
            name = f'panel "{p["title"]}" target {t["refId"]}'
            if t.get("datasource", {}).get("uid") != "${datasource}":
                problems.append(f"{name}: datasource is not ${{datasource}}")
            problems += [f"{name}: {x}" for x in lint_selectors(t["expr"])]
            try:
                expr = substitute_grafana(t["expr"])
            except KeyError as e:
                problems.append(f"{name}: unknown variable ${e.args[0]}")
                continue
            checks.append((name, expr, ALLOWLIST.get((p["title"], t["refId"]))))
    variables = [v for v in dash["templating"]["list"] if v["type"] == "query"]
    return checks, problems, panels, variables


def variable_checks(prom, variables):
    """label_values(selector, label) of each template variable, run as a query; the values
    this setup has must be among the answers."""
    expected = {"namespace": {"default"}, "pod": {"modelgate-0"}, "route": ROUTES}
    failures = []
    for v in variables:
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", v["query"])
        if not m:
            failures.append(f'variable ${v["name"]}: query {v["query"]!r} is not label_values()')
            continue
        expr = f"group by ({m.group(2)}) ({substitute_grafana(m.group(1))})"
        result, err = query(prom, expr)
        if err:
            failures.append(f'variable ${v["name"]}: {err} in {expr}')
            continue
        got = {r["metric"].get(m.group(2)) for r in result}
        missing = expected.get(v["name"], set()) - got
        if missing or not got:
            failures.append(f'variable ${v["name"]}: {sorted(got)} lacks {sorted(missing)} ({expr})')
    return failures


def integration_checks(source):
    """Queries of the Flagger MetricTemplate and Argo AnalysisTemplate in deploy/integrations."""
    values = {"namespace": "default", "target": "modelgate", "interval": "1m",
              "variables.route": CANARY_ROUTE, "args.route": CANARY_ROUTE,
              "args.namespace": "default"}
    checks, problems = [], []
    for f in sorted((source / "deploy/integrations").glob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text()):
            if not isinstance(doc, dict):
                continue
            kind, meta = doc.get("kind"), doc.get("metadata", {}).get("name")
            found = []
            if kind == "MetricTemplate":
                found.append((f"{f.name} MetricTemplate/{meta}", doc["spec"].get("query", "")))
            elif kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
                for m in doc["spec"].get("metrics", []):
                    prom = (m.get("provider") or {}).get("prometheus")
                    if prom:
                        found.append((f"{f.name} {kind}/{meta} metric {m.get('name')}",
                                       prom.get("query", "")))
            for name, expr in found:
                def sub(m):
                    key = m.group(1).strip()
                    if key not in values:
                        raise KeyError(key)
                    return values[key]
                try:
                    checks.append((name, re.sub(r"\{\{\s*([\w.]+)\s*\}\}", sub, expr), None))
                except KeyError as e:
                    problems.append(f"{name}: unknown placeholder {{{{ {e.args[0]} }}}}")
    return checks, problems


def rule_checks(source):
    path = source / "deploy/monitoring/prometheusrule.yaml"
    if not path.exists():
        return []
    out = []
    for doc in yaml.safe_load_all(path.read_text()):
        if isinstance(doc, dict) and doc.get("kind") == "PrometheusRule":
            for g in doc["spec"].get("groups", []):
                for r in g.get("rules", []):
                    out.append((f"rule {g['name']}/{r.get('alert') or r.get('record')}",
                                str(r["expr"])))
    return out


def run_checks(prom, checks, passed):
    """Failures (name, message) of checks that must return data; parse errors always fail.
    A check that returned data once is not run again (`passed`): some series end on purpose
    while the harness polls for the others (drift scores leave with their window's data)."""
    failures = []
    for name, expr, allowed in checks:
        if name in passed:
            continue
        result, err = query(prom, expr)
        if err:
            failures.append((name, f"query failed: {err}\n      {expr}"))
        elif result:
            passed.add(name)
        elif not allowed:
            failures.append((name, f"returned no data\n      {expr}"))
    return failures


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    source = pathlib.Path(sys.argv[1])
    modelgate, fake, load, users = sys.argv[2:]
    prometheus = shutil.which("prometheus")
    if not prometheus:
        raise SystemExit("FAIL: prometheus is not installed (apt-get install prometheus; "
                         "scripts/deps.sh does it)")

    # The JSON is generated: a hand edit would be lost at the next generation.
    gen = subprocess.run([sys.executable, str(source / "deploy/monitoring/dashboards/generate_dashboard.py"),
                          "--stdout"], capture_output=True, text=True, check=True).stdout
    if gen != (source / "deploy/monitoring/dashboards/modelgate.json").read_text():
        raise SystemExit("FAIL: modelgate.json differs from generate_dashboard.py's output: "
                         "edit the generator and run it")

    checks, problems, panels, variables = dashboard_checks(source)
    integ, integ_problems = integration_checks(source)
    rules = rule_checks(source)
    if problems + integ_problems:
        for p in problems + integ_problems:
            print(f"FAIL {p}")
        return 1

    work = pathlib.Path(tempfile.mkdtemp(prefix="live-prom-"))
    procs = Processes()
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        models = {
            "LEGACY": [fake, "--name", "legacy", "--latency_ms", "1", "--nonce_output", "--seed", "1"],
            "CANDIDATE": [fake, "--name", "candidate", "--latency_ms", "2", "--output_shift", "0.05",
                          "--nonce_output", "--seed", "2", "--error_rate", "0.02"],
            "LEGACY_B": [fake, "--name", "legacy-b", "--latency_ms", "1", "--nonce_output", "--seed", "3"],
            "CANARY": [fake, "--name", "canary", "--error_rate", "0.02", "--seed", "4"],
            "RANKER_A": [fake, "--name", "ranker-a", "--recommend_noise", "0.3", "--recommend_seed", "1"],
            "RANKER_B": [fake, "--name", "ranker-b", "--recommend_noise", "0.1", "--recommend_seed", "2"],
        }
        config = (source / "tests/deploy/live/all_strategies.yaml").read_text()
        for key, argv in models.items():
            _, line = procs.start(key.lower(), argv, stderr=subprocess.DEVNULL)
            config = config.replace(f"@{key}@", address(line))
        (work / "state").mkdir()
        config = config.replace("@STATE@", str(work / "state"))
        config = config.replace("@WEBHOOK@", f"http://127.0.0.1:{hook.server_address[1]}/canary")
        config_path = work / "modelgate.yaml"
        config_path.write_text(config)
        subprocess.run([modelgate, "check-config", str(config_path)], check=True,
                       stdout=subprocess.DEVNULL)
        mg_log = open(work / "modelgate.log", "w")
        mg, line = procs.start("modelgate", [modelgate, "serve", "--config", str(config_path)],
                               stderr=mg_log)
        grpc = re.search(r"grpc=(\S+)", line).group(1)
        admin = re.search(r"admin=(\S+)", line).group(1)
        log(f"modelgate grpc={grpc} admin={admin}")

        (work / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": "modelgate", "static_configs": [{
                "targets": [admin],
                # what a PodMonitor's relabelling adds
                "labels": {"namespace": "default", "pod": "modelgate-0"}}]}]}))
        with socket_port() as port:
            prom = f"127.0.0.1:{port}"
        procs.start("prometheus", [prometheus, f"--config.file={work}/prometheus.yml",
                                   f"--storage.tsdb.path={work}/tsdb",
                                   f"--web.listen-address={prom}"],
                    first_line_timeout=None, stderr=open(work / "prometheus.log", "w"))

        # Traffic starts once Prometheus scrapes (its first samples take ~5 s, more on a
        # loaded machine), so the rates cover the traffic as they would in a cluster.
        deadline = time.monotonic() + 30
        while not (query(prom, 'up{job="modelgate"} == 1')[0] or [None])[0]:
            if time.monotonic() > deadline:
                raise SystemExit(f"FAIL: Prometheus did not scrape modelgate within 30 s "
                                 f"(see {work}/prometheus.log)")
            time.sleep(0.2)  # poll
        log("Prometheus scrapes modelgate")

        secs = str(TRAFFIC_SECONDS)
        base = [load, "--target", grpc, "--concurrency", "2", "--duration", secs, "--json"]
        traffic = [
            procs.start("load-ab", base + ["--sticky_header", "x-user-id", "--keys", "200"],
                        first_line_timeout=None)[0],
            procs.start("load-shadow", base + ["--sticky_header", "x-shadow", "--keys", "1"],
                        first_line_timeout=None)[0],
            procs.start("load-canary", base + ["--sticky_header", "x-canary", "--keys", "1"],
                        first_line_timeout=None)[0],
            procs.start("users", [users, "--target", grpc, "--users", "150"],
                        first_line_timeout=None)[0],
        ]
        # A reload while serving (a comment changes the file's hash, not the experiments):
        # modelgate_config_reload_total exists only after one.
        config_path.write_text(config + "# reloaded by check_live_prometheus.py\n")
        for t in traffic:
            if t.wait(timeout=TRAFFIC_SECONDS + 30) != 0:
                raise SystemExit(f"FAIL: traffic generator {t.args[0]} exited {t.returncode}")
        log(f"traffic done ({TRAFFIC_SECONDS} s per strategy; {len(Webhook.events)} webhook events)")

        all_checks = checks + integ
        deadline = time.monotonic() + DATA_DEADLINE_SECONDS
        passed = set()
        while True:
            failures = run_checks(prom, all_checks, passed)
            var_failures = variable_checks(prom, variables)
            if (not failures and not var_failures) or time.monotonic() > deadline:
                break
            time.sleep(1)  # poll: the next scrape and monitor evaluation
        rule_failures = [(n, f"query failed: {e}\n      {x}") for n, x in rules
                         for _, e in [query(prom, x)] if e]
        nonempty = len(passed)
        log("queries done")

        for reason in sorted({(k, v) for k, v in ALLOWLIST.items()}):
            print(f'ALLOWED to be empty: panel "{reason[0][0]}" target {reason[0][1]}: {reason[1]}')
        for name, msg in failures + rule_failures:
            print(f"FAIL {name}: {msg}")
        for msg in var_failures:
            print(f"FAIL {msg}")
        print(f"summary: {panels} panels, {len(checks)} dashboard queries, "
              f"{len(variables)} template variables, {len(integ)} integration queries, "
              f"{len(rules)} alert rules; {nonempty} of {len(all_checks)} dashboard+integration "
              f"queries returned data; {len(failures) + len(rule_failures) + len(var_failures)} "
              f"failures")
        if failures or rule_failures or var_failures:
            print(f"(logs kept in {work})")
            work = None
            return 1
        return 0
    finally:
        procs.stop_all()
        hook.shutdown()
        if work:
            shutil.rmtree(work, ignore_errors=True)


class socket_port:
    """A free loopback port: bound, read back, released for the server that takes it."""

    def __enter__(self):
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *a):
        self.s.close()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    sys.exit(main())
