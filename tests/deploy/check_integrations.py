#!/usr/bin/python3
"""Checks the Flagger MetricTemplates and the Argo Rollouts AnalysisTemplate in
deploy/integrations/ without a cluster (no schema package for these CRDs is available to us,
so the structure is checked against the CRD fields below, written from their documentation):

- Flagger flagger.app/v1beta1 MetricTemplate: metadata.name; spec has only provider and query;
  provider.type is prometheus with an http(s) address; query is a non-empty string.
- Argo argoproj.io/v1alpha1 AnalysisTemplate: spec has only args/metrics/dryRun/
  measurementRetention; args have a name; every metric has a name, known fields only, the right
  types (interval a duration, limits non-negative integers), exactly one provider, and a
  prometheus provider with address and query.
- Queries use only the template variables the tools substitute (Flagger: namespace, target,
  interval, variables.X; Argo: args.X with X a declared arg). Substituted as a Flagger/Argo run
  would, each query passes promtool's PromQL parser, returns one element (a top-level
  aggregation without `by`), and names only metrics and labels modelgate exports.
- Argo conditions, evaluated for the values modelgate's gauges take, give the intended outcome
  (verdict -1 fails, 0 and 1 pass; SRM 1 fails, 0 passes).
Not checked: unknown fields deeper than listed, and the tools' own runtime behaviour (a live
Prometheus run of the queries is a separate test).

Usage: check_integrations.py SOURCE_DIR MODELGATE_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exported_metrics  # noqa: E402
import promql_refs  # noqa: E402

DNS1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DURATION = re.compile(r"(\d+(ms|s|m|h))+")
TEMPLATE = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
problems = []


def need(cond, msg):
    if not cond:
        problems.append(msg)
    return cond


def load(path):
    with open(path) as f:
        text = f.read()
    need(text.startswith("#"), f"{path}: start with a comment saying how to use it")
    return [d for d in yaml.safe_load_all(text) if d is not None]


def check_metadata(where, doc):
    name = doc.get("metadata", {}).get("name", "")
    need(isinstance(name, str) and DNS1123.fullmatch(name) and len(name) <= 253,
         f"{where}: metadata.name must be a DNS-1123 name")
    return name


def check_flagger(path):
    """[(where, query with Flagger's variables substituted)]"""
    queries = []
    for doc in load(path):
        where = f"{os.path.basename(path)}:{doc.get('metadata', {}).get('name')}"
        if not need((doc.get("apiVersion"), doc.get("kind")) == ("flagger.app/v1beta1",
                                                                  "MetricTemplate"),
                    f"{where}: must be a flagger.app/v1beta1 MetricTemplate"):
            continue
        check_metadata(where, doc)
        spec = doc.get("spec", {})
        need(set(spec) <= {"provider", "query"}, f"{where}: unknown spec fields "
             f"{sorted(set(spec) - {'provider', 'query'})}")
        provider = spec.get("provider", {})
        need(set(provider) <= {"type", "address", "secretRef", "insecureSkipVerify", "region"},
             f"{where}: unknown provider fields")
        need(provider.get("type") == "prometheus", f"{where}: provider.type must be prometheus")
        need(isinstance(provider.get("address"), str) and
             re.match(r"https?://[^/\s]+", provider["address"]),
             f"{where}: provider.address must be an http(s) URL")
        query = spec.get("query")
        if not need(isinstance(query, str) and query.strip(), f"{where}: needs a query"):
            continue

        def substitute(m):
            var = m.group(1)
            fixed = {"namespace": "default", "target": "modelgate", "interval": "1m"}
            if var in fixed:
                return fixed[var]
            if re.fullmatch(r"variables\.[A-Za-z_][A-Za-z0-9_]*", var):
                return "predict"
            problems.append(f"{where}: {{{{ {var} }}}} is not a Flagger template variable")
            return var
        queries.append((where, TEMPLATE.sub(substitute, query)))
        for var in ("namespace", "target", "interval"):
            need(re.search(r"\{\{\s*%s\s*\}\}" % var, query),
                 f"{where}: the query should scope by {{{{ {var} }}}}")
    return queries


ARGO_METRIC_FIELDS = {"name", "interval", "initialDelay", "count", "successCondition",
                      "failureCondition", "failureLimit", "inconclusiveLimit",
                      "consecutiveErrorLimit", "provider"}
ARGO_PROMETHEUS_FIELDS = {"address", "query", "timeout", "insecure", "headers", "authentication"}
# What each Argo metric must decide for the values modelgate's gauge takes.
ARGO_OUTCOMES = {
    "modelgate-route-verdict": {-1: "failed", 0: "successful", 1: "successful"},
    "modelgate-sample-ratio": {0: "successful", 1: "failed"},
}


def condition(where, text, result):
    """Evaluates an Argo (expr-lang) condition of the simple form we use: comparisons of
    result[0] joined by && / ||. Anything else is reported rather than guessed at."""
    if not re.fullmatch(r"[\sresult\[\]0-9.<>=!&|()\-]+", text):
        problems.append(f"{where}: condition {text!r} uses more than result[0] comparisons")
        return False
    py = text.replace("&&", " and ").replace("||", " or ")
    return bool(eval(py, {"__builtins__": {}}, {"result": [result]}))  # noqa: S307


def check_argo(path):
    queries = []
    for doc in load(path):
        where = f"{os.path.basename(path)}:{doc.get('metadata', {}).get('name')}"
        if not need((doc.get("apiVersion"), doc.get("kind")) == ("argoproj.io/v1alpha1",
                                                                  "AnalysisTemplate"),
                    f"{where}: must be an argoproj.io/v1alpha1 AnalysisTemplate"):
            continue
        check_metadata(where, doc)
        spec = doc.get("spec", {})
        need(set(spec) <= {"args", "metrics", "dryRun", "measurementRetention"},
             f"{where}: unknown spec fields")
        args = spec.get("args", [])
        need(isinstance(args, list) and all(isinstance(a, dict) and isinstance(a.get("name"), str)
                                            and set(a) <= {"name", "value", "valueFrom"}
                                            for a in args),
             f"{where}: spec.args must be a list of {{name, value?, valueFrom?}}")
        declared = {a["name"] for a in args if isinstance(a, dict) and "name" in a}
        for required in ("route", "namespace"):
            need(required in declared, f"{where}: needs an arg {required}")
        metrics = spec.get("metrics")
        if not need(isinstance(metrics, list) and metrics, f"{where}: needs spec.metrics"):
            continue
        seen = set()
        for m in metrics:
            mw = f"{where}/{m.get('name')}"
            need(isinstance(m.get("name"), str) and m["name"] not in seen, f"{mw}: needs a unique name")
            seen.add(m.get("name"))
            need(set(m) <= ARGO_METRIC_FIELDS,
                 f"{mw}: unknown fields {sorted(set(m) - ARGO_METRIC_FIELDS)}")
            for key in ("interval", "initialDelay"):
                if key in m:
                    need(isinstance(m[key], str) and DURATION.fullmatch(m[key]),
                         f"{mw}: {key} must be a duration like 1m")
            for key in ("count", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit"):
                if key in m:
                    need(isinstance(m[key], int) and m[key] >= 0,
                         f"{mw}: {key} must be a non-negative integer")
            need("successCondition" in m or "failureCondition" in m,
                 f"{mw}: needs successCondition or failureCondition")
            provider = m.get("provider", {})
            if not need(isinstance(provider, dict) and list(provider) == ["prometheus"],
                        f"{mw}: provider must be exactly one: prometheus"):
                continue
            prom = provider["prometheus"]
            need(set(prom) <= ARGO_PROMETHEUS_FIELDS, f"{mw}: unknown prometheus fields")
            need(isinstance(prom.get("address"), str) and
                 re.match(r"https?://[^/\s]+", prom["address"]),
                 f"{mw}: prometheus.address must be an http(s) URL")
            query = prom.get("query")
            if not need(isinstance(query, str) and query.strip(), f"{mw}: needs a query"):
                continue

            def substitute(t):
                var = re.fullmatch(r"args\.([A-Za-z0-9_-]+)", t.group(1))
                if not var or var.group(1) not in declared:
                    problems.append(f"{mw}: {{{{{t.group(1)}}}}} is not a declared arg")
                    return t.group(1)
                return {"namespace": "default"}.get(var.group(1), "predict")
            queries.append((mw, TEMPLATE.sub(substitute, query)))
            expected = ARGO_OUTCOMES.get(m.get("name"))
            if need(expected is not None, f"{mw}: no expected outcomes known for this metric"):
                for value, outcome in expected.items():
                    ok = condition(mw, m.get("successCondition", "false"), value)
                    bad = condition(mw, m.get("failureCondition", "false"), value)
                    got = "failed" if bad else "successful" if ok else "inconclusive"
                    need(got == outcome, f"{mw}: for {value} the measurement is {got}, "
                         f"should be {outcome}")
    return queries


def single_element(query):
    """A top-level aggregation without by/without (optionally `or vector(N)`) returns at most
    one element."""
    q = " ".join(query.split())
    q = re.sub(r"\s+or\s+vector\(\s*[-0-9.]+\s*\)$", "", q)
    m = re.match(r"(sum|min|max|avg|count)\s*\((.*)\)$", q)
    return bool(m) and not re.match(r"(sum|min|max|avg|count)\s*(by|without)", q)


def check_queries(queries, src, modelgate):
    literals = exported_metrics.source_literals(src)
    source_names = exported_metrics.source_metric_names(literals)
    live = exported_metrics.scrape_live(modelgate)
    problems.extend(exported_metrics.check_live_against_source(live, source_names))
    for where, q in queries:
        need(single_element(q), f"{where}: the query must return one element (an aggregation "
             "without by)")
        problems.extend(promql_refs.check_expr(where, q, source_names, literals, live))
    # promtool parses each query as a recording rule's expression: the real PromQL parser.
    groups = {"groups": [{"name": "integrations", "rules": [
        {"record": f"integration:query_{i}", "expr": q} for i, (_, q) in enumerate(queries)]}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "queries.yml")
        with open(path, "w") as f:
            yaml.safe_dump(groups, f)
        run = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
        need(run.returncode == 0, "promtool rejects a query:\n" + run.stdout + run.stderr)


# Evaluation by promtool's own engine (promql_expr_test) on series shaped as a PodMonitor
# scrape gives them: the Flagger queries must read the canary pods of {{ target }} only (not
# <target>-primary-...), keep the worst value of the interval, and stay inside the namespace and
# route; a missing SRM series reads as 0.
_SERIES = [
    # canary pods of Deployment "modelgate": one fails for a moment at 2m
    ('modelgate_route_verdict{namespace="default",pod="modelgate-7d9f8-abcde",route="predict"}',
     "0 0 -1 0 0"),
    ('modelgate_route_verdict{namespace="default",pod="modelgate-7d9f8-fghij",route="predict"}',
     "1 1 1 1 1"),
    # Flagger's primary pods, another route, another namespace: never read by the Flagger query
    ('modelgate_route_verdict{namespace="default",pod="modelgate-primary-5c6d7-klmno",route="predict"}',
     "1 1 1 -1 -1"),
    ('modelgate_route_verdict{namespace="default",pod="modelgate-7d9f8-abcde",route="other"}',
     "-1 -1 -1 -1 -1"),
    ('modelgate_route_verdict{namespace="staging",pod="modelgate-7d9f8-zzzzz",route="predict"}',
     "-1 -1 -1 -1 -1"),
    ('modelgate_srm_detected{namespace="staging",pod="modelgate-7d9f8-zzzzz",route="predict"}',
     "1 1 1 1 1"),
]
# (query name, eval time) -> expected single value
_EXPECTED = {
    ("flagger-metric-template.yaml:modelgate-verdict", "2m30s"): -1,
    ("flagger-metric-template.yaml:modelgate-verdict", "4m30s"): 0,
    ("flagger-metric-template.yaml:modelgate-srm", "4m30s"): 0,
    ("argo-analysis-template.yaml:modelgate-verdict/modelgate-route-verdict", "1m30s"): 0,
    ("argo-analysis-template.yaml:modelgate-verdict/modelgate-route-verdict", "2m30s"): -1,
    ("argo-analysis-template.yaml:modelgate-verdict/modelgate-sample-ratio", "4m30s"): 0,
}


def evaluate_queries(queries):
    by_name = dict(queries)
    missing = {w for w, _ in _EXPECTED} ^ set(by_name)
    need(not missing, f"no evaluation case for (or no query named) {sorted(missing)}")
    tests = {"evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": s, "values": v} for s, v in _SERIES],
        "promql_expr_test": [
            {"expr": by_name[w], "eval_time": t, "exp_samples": [{"labels": "{}", "value": v}]}
            for (w, t), v in _EXPECTED.items() if w in by_name]}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "queries_test.yml")
        with open(path, "w") as f:
            yaml.safe_dump(tests, f, sort_keys=False)
        run = subprocess.run(["promtool", "test", "rules", path], capture_output=True, text=True)
        need(run.returncode == 0, "a query gives the wrong value:\n" + run.stdout + run.stderr)


def main():
    src, modelgate = sys.argv[1], sys.argv[2]
    base = os.path.join(src, "deploy/integrations")
    queries = check_flagger(os.path.join(base, "flagger-metric-template.yaml"))
    queries += check_argo(os.path.join(base, "argo-analysis-template.yaml"))
    check_queries(queries, src, modelgate)
    evaluate_queries(queries)
    for p in problems:
        print("FAIL:", p)
    if problems:
        sys.exit(1)
    for where, q in queries:
        print(f"{where}: {' '.join(q.split())}")
    print(f"{len(queries)} queries OK (promtool parses them; metrics and labels exported)")


if __name__ == "__main__":
    main()
