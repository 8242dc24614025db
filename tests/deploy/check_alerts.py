#!/usr/bin/python3
"""Checks deploy/monitoring/prometheusrule.yaml, modelgate's alerting rules:
- it is one PrometheusRule (monitoring.coreos.com/v1) named modelgate;
- its .spec, written out as a plain rule-groups file, passes `promtool check rules` and the
  unit tests in tests/deploy/alerts_test.yml (`promtool test rules`);
- every alert has a severity label (critical, warning or info) and summary and description
  annotations, and a `for:` of at least a minute unless it reads an increase() window;
- every alert is covered by a test case where it fires and one where it stays quiet, and every
  alertname the tests name exists (a test of a misspelt alert would pass vacuously);
- every metric, label and enumerated label value the expressions use, and every modelgate_
  metric the annotations tell operators to query, is one modelgate exports (exported_metrics.py:
  the source tree, cross-checked against a running modelgate's /metrics).

Usage: check_alerts.py SOURCE_DIR MODELGATE_BINARY
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exported_metrics  # noqa: E402
import promql_refs  # noqa: E402

SEVERITIES = {"critical", "warning", "info"}


def fail(problems):
    for p in problems:
        print("FAIL:", p)
    sys.exit(1)


def load_rule(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    if len(docs) != 1:
        fail([f"{path}: expected one PrometheusRule, found {len(docs)} documents"])
    rule = docs[0]
    if (rule.get("apiVersion"), rule.get("kind")) != ("monitoring.coreos.com/v1", "PrometheusRule"):
        fail([f"{path}: not a monitoring.coreos.com/v1 PrometheusRule"])
    if rule.get("metadata", {}).get("name") != "modelgate":
        fail([f"{path}: metadata.name must be modelgate"])
    return rule


def promtool(*args):
    run = subprocess.run(["promtool", *args], capture_output=True, text=True)
    if run.returncode != 0:
        fail([f"promtool {' '.join(args)}:\n{run.stdout}{run.stderr}"])
    return run.stdout


def duration_seconds(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smhd])", text))


def check_alert_fields(alerts):
    problems = []
    for a in alerts:
        name = a["alert"]
        if a.get("labels", {}).get("severity") not in SEVERITIES:
            problems.append(f"{name}: labels.severity must be one of {sorted(SEVERITIES)}")
        for key in ("summary", "description"):
            if not str(a.get("annotations", {}).get(key, "")).strip():
                problems.append(f"{name}: needs a {key} annotation")
        # A `for:` keeps a condition that crosses its threshold for one evaluation from
        # paging; an alert on increase() over a window is already smoothed by the window.
        if duration_seconds(str(a.get("for", "0s"))) < 60 and "increase(" not in a["expr"]:
            problems.append(f"{name}: needs `for:` of at least 1m to avoid flapping")
    return problems


def check_coverage(alert_names, tests):
    fires, quiet, named = set(), set(), set()
    for test in tests["tests"]:
        for case in test.get("alert_rule_test", []):
            named.add(case["alertname"])
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    problems = [f"{n}: no test case where it fires" for n in sorted(alert_names - fires)]
    problems += [f"{n}: no test case where it stays quiet" for n in sorted(alert_names - quiet)]
    problems += [f"alerts_test.yml tests {n}, which is not an alert in the rules"
                 for n in sorted(named - alert_names)]
    return problems


def main():
    src, modelgate = sys.argv[1], sys.argv[2]
    print(promtool("--version").splitlines()[0])
    rule = load_rule(os.path.join(src, "deploy/monitoring/prometheusrule.yaml"))
    groups = rule["spec"]["groups"]
    alerts = [r for g in groups for r in g["rules"] if "alert" in r]
    names = [a["alert"] for a in alerts]
    if len(set(names)) != len(names):
        fail(["alert names must be unique"])

    problems = check_alert_fields(alerts)
    test_file = os.path.join(src, "tests/deploy/alerts_test.yml")
    with open(test_file) as f:
        tests = yaml.safe_load(f)
    problems += check_coverage(set(names), tests)

    literals = exported_metrics.source_literals(src)
    source_names = exported_metrics.source_metric_names(literals)
    live = exported_metrics.scrape_live(modelgate)
    problems += exported_metrics.check_live_against_source(live, source_names)
    for a in alerts:
        problems += promql_refs.check_expr(a["alert"], a["expr"], source_names, literals, live)
        for key, text in a.get("annotations", {}).items():
            for name in re.findall(r"\bmodelgate_[a-z0-9_]+", text):
                if exported_metrics.base_name(name, source_names) not in source_names:
                    problems.append(f"{a['alert']}: annotation {key} names {name}, which "
                                    "modelgate does not export")
    if problems:
        fail(problems)

    with tempfile.TemporaryDirectory() as tmp:
        groups_file = os.path.join(tmp, "prometheusrule.groups.yml")
        with open(groups_file, "w") as f:
            yaml.safe_dump(rule["spec"], f, sort_keys=False)
        shutil.copy(test_file, os.path.join(tmp, "alerts_test.yml"))
        print(promtool("check", "rules", groups_file).strip())
        print(promtool("test", "rules", os.path.join(tmp, "alerts_test.yml")).strip())
    cases = sum(len(t.get("alert_rule_test", [])) for t in tests["tests"])
    print(f"{len(alerts)} alerts; {len(tests['tests'])} tests with {cases} alert checks; "
          f"{len(live)} families exported by a running modelgate, {len(source_names)} in the "
          "source")
    print("alerting rules OK")


if __name__ == "__main__":
    main()
