#!/usr/bin/env python3
"""Writes modelgate.json, the Grafana dashboard for modelgate (classic JSON model, schemaVersion
42 as in @grafana/schema 13). Edit this file, not the JSON: `python3 generate_dashboard.py`
rewrites it, and tests/deploy/check_dashboard_types.mjs fails when the two differ.

Every query filters on the template variables $namespace, $pod and (where the metric has one)
$route, so a PodMonitor's namespace/pod labels select the replicas. Statistics are computed per
replica (README, "Several replicas"): p-values, verdicts and sketch quantiles are shown per pod,
never averaged; counters are summed across pods.
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).with_name("modelgate.json")
DS = {"type": "prometheus", "uid": "${datasource}"}
POD = 'namespace=~"$namespace", pod=~"$pod"'
ROUTE = POD + ', route=~"$route"'
RI = "$__rate_interval"


def q(expr, legend="", ref="A", instant=False):
    t = {"refId": ref, "datasource": DS, "editorMode": "code", "expr": expr,
         "legendFormat": legend or "__auto", "range": not instant, "instant": instant}
    if instant:
        t["format"] = "table"
    return t


def legend(table=False, calcs=None):
    return {"showLegend": True, "displayMode": "table" if table else "list",
            "placement": "bottom", "calcs": calcs or []}


def thresholds(*steps):
    return {"mode": "absolute",
            "steps": [{"color": c, "value": v} for c, v in ((steps[0], None),) + steps[1:]]}


def timeseries(title, desc, targets, unit="short", log=False, bars=False, stack=False,
               minv=None, maxv=None, th=None):
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1,
              "fillOpacity": 60 if bars else 10, "showPoints": "never", "spanNulls": False,
              "axisPlacement": "auto",
              "stacking": {"mode": "normal" if stack else "none", "group": "A"},
              "scaleDistribution": {"type": "log", "log": 10} if log else {"type": "linear"}}
    if th:
        custom["thresholdsStyle"] = {"mode": "dashed"}
    defaults = {"unit": unit, "color": {"mode": "palette-classic"}, "custom": custom,
                "thresholds": th or thresholds("green")}
    if minv is not None:
        defaults["min"] = minv
    if maxv is not None:
        defaults["max"] = maxv
    return {"type": "timeseries", "title": title, "description": desc, "datasource": DS,
            "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": legend(table=len(targets) > 1 or stack),
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def value_map(pairs):
    return [{"type": "value", "options": {
        str(v): {"text": text, "color": color, "index": i}
        for i, (v, text, color) in enumerate(pairs)}}]


def state_timeline(title, desc, targets, mapping):
    return {"type": "state-timeline", "title": title, "description": desc, "datasource": DS,
            "targets": targets,
            "fieldConfig": {"defaults": {"color": {"mode": "thresholds"},
                                         "thresholds": thresholds("text"),
                                         "mappings": value_map(mapping),
                                         "custom": {"fillOpacity": 80, "lineWidth": 0}},
                            "overrides": []},
            "options": {"rowHeight": 0.8, "showValue": "auto", "mergeValues": True,
                        "alignValue": "left", "legend": legend(),
                        "tooltip": {"mode": "single", "sort": "none"}}}


def stat(title, desc, targets, unit="short", th=None, mapping=None):
    defaults = {"unit": unit, "color": {"mode": "thresholds"},
                "thresholds": th or thresholds("green")}
    if mapping:
        defaults["mappings"] = value_map(mapping)
    return {"type": "stat", "title": title, "description": desc, "datasource": DS,
            "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "orientation": "auto", "textMode": "value_and_name",
                        "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
                        "wideLayout": True, "showPercentChange": False,
                        "percentChangeColorMode": "standard"}}


def table(title, desc, targets):
    return {"type": "table", "title": title, "description": desc, "datasource": DS,
            "targets": targets,
            "fieldConfig": {"defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"},
                                                    "inspect": False},
                                         "thresholds": thresholds("green")},
                            "overrides": []},
            "options": {"showHeader": True, "frameIndex": 0, "cellHeight": "sm"},
            "transformations": [{"id": "merge", "options": {}},
                                {"id": "organize", "options": {
                                    "excludeByName": {"Time": True}}}]}


def bargauge(title, desc, targets, unit="short"):
    return {"type": "bargauge", "title": title, "description": desc, "datasource": DS,
            "targets": targets,
            "fieldConfig": {"defaults": {"unit": unit, "color": {"mode": "palette-classic"},
                                         "thresholds": thresholds("green")},
                            "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "orientation": "horizontal", "displayMode": "gradient",
                        "valueMode": "color", "namePlacement": "auto", "showUnfilled": True,
                        "sizing": "auto", "minVizWidth": 8, "minVizHeight": 16,
                        "maxVizHeight": 300, "legend": legend()}}


VERDICTS = [(-1, "fail", "red"), (0, "inconclusive", "yellow"), (1, "pass", "green")]
CANARY_STATES = ["progressing", "waiting", "paused", "promoted", "rolled_back"]
CANARY_COLORS = ["blue", "yellow", "orange", "green", "red"]


def canary_state_expr():
    # One number per route and pod: the code of the state whose gauge is 1 (the others are 0),
    # so a state timeline can colour it through value mappings.
    parts = [f'modelgate_canary_state{{{ROUTE}, state="{s}"}} * {i + 1}'
             for i, s in enumerate(CANARY_STATES)]
    return "max by (pod, route) (\n  " + "\n  or ".join(parts) + "\n)"


def proc(metric):
    # process_* of the modelgate container only: other containers of the pod may export
    # metrics of the same name on other ports, so keep series whose target also exports
    # modelgate_build_info.
    return (f"{metric}{{{POD}}} and on (namespace, pod, instance) "
            f"modelgate_build_info{{{POD}}}")


def hq(q_, metric, by):
    return (f"histogram_quantile({q_}, sum by ({by}, le) "
            f"(rate({metric}_bucket{{{ROUTE}}}[{RI}])))")


ROWS = [
    ("Traffic split", [
        timeseries("Requests per second by route and arm",
                   "Completed calls per second, summed over the selected pods.",
                   [q(f"sum by (route, arm) (rate(modelgate_requests_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} / {{arm}}")], unit="reqps"),
        timeseries("Share of each route's traffic per arm",
                   "Each arm's fraction of its route's calls: compare with the configured "
                   "weights (A/B) or the canary step.",
                   [q(f"sum by (route, arm) (rate(modelgate_requests_total{{{ROUTE}}}[{RI}]))\n"
                      f"/ on (route) group_left\n"
                      f"sum by (route) (rate(modelgate_requests_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} / {{arm}}")], unit="percentunit", minv=0, maxv=1),
        bargauge("Calls per arm in the time range", "Calls completed per route and arm.",
                 [q(f"sum by (route, arm) (increase(modelgate_requests_total{{{ROUTE}}}[$__range]))",
                    "{{route}} / {{arm}}", instant=True)]),
        stat("Unrouted calls per second", "Calls that matched no route (answered UNIMPLEMENTED).",
             [q(f"sum(rate(modelgate_unrouted_requests_total{{{POD}}}[{RI}]))", "unrouted")],
             unit="reqps", th=thresholds("green", ("red", 0.001))),
    ]),
    ("Rate, errors, duration per arm", [
        timeseries("Error ratio per arm",
                   "Share of calls that ended with a non-OK status.",
                   [q(f'sum by (route, arm) (rate(modelgate_requests_total{{{ROUTE}, code!="OK"}}[{RI}]))\n'
                      f"/ on (route, arm)\n"
                      f"sum by (route, arm) (rate(modelgate_requests_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} / {{arm}}")], unit="percentunit", minv=0),
        timeseries("Errors per second by status code",
                   "Non-OK calls per route, arm and gRPC status.",
                   [q(f'sum by (route, arm, code) (rate(modelgate_requests_total{{{ROUTE}, code!="OK"}}[{RI}]))',
                      "{{route}} / {{arm}} {{code}}")], unit="reqps", stack=True),
        timeseries("Latency per arm (p50, p90, p99)",
                   "From the modelgate_request_duration_seconds histogram (every call, any "
                   "status), summed over the selected pods.",
                   [q(hq(0.5, "modelgate_request_duration_seconds", "route, arm"),
                      "p50 {{route}} / {{arm}}", "A"),
                    q(hq(0.9, "modelgate_request_duration_seconds", "route, arm"),
                      "p90 {{route}} / {{arm}}", "B"),
                    q(hq(0.99, "modelgate_request_duration_seconds", "route, arm"),
                      "p99 {{route}} / {{arm}}", "C")], unit="s"),
        timeseries("p99 of successful calls per arm (monitor sketch, per pod)",
                   "The monitors' DDSketch quantile (1% relative error) over the experiment, "
                   "per replica: quantiles cannot be summed across pods.",
                   [q(f'modelgate_arm_latency_seconds{{{ROUTE}, quantile="0.99"}}',
                      "{{pod}} {{route}} / {{arm}}")], unit="s"),
        timeseries("Upstream errors by backend and code",
                   "Non-OK statuses from upstream calls (client cancellations excluded).",
                   [q(f"sum by (backend, code) (rate(modelgate_upstream_errors_total{{{POD}}}[{RI}]))",
                      "{{backend}} {{code}}")], unit="reqps"),
    ]),
    ("Canary", [
        timeseries("Candidate weight", "Share of users on the candidate (0..1), per pod: each "
                   "replica runs its own controller.",
                   [q(f"modelgate_canary_weight{{{ROUTE}}}", "{{pod}} {{route}}")],
                   unit="percentunit", minv=0, maxv=1),
        state_timeline("Canary state", "The controller's state per route and pod.",
                       [q(canary_state_expr(), "{{pod}} {{route}}")],
                       [(i + 1, s, c) for i, (s, c) in
                        enumerate(zip(CANARY_STATES, CANARY_COLORS))]),
        timeseries("Canary step (0-based)", "Index into canary.steps.",
                   [q(f"modelgate_canary_step{{{ROUTE}}}", "{{pod}} {{route}}")]),
        timeseries("State transitions",
                   "Transitions in each interval by from/to state and reason.",
                   [q(f"sum by (route, from, to, reason) "
                      f"(increase(modelgate_canary_transitions_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{from}} -> {{to}} ({{reason}})")], bars=True, stack=True),
        table("Transitions since each replica started",
              "Counter values per pod: the transitions behind the timeline (details in the "
              "audit log).",
              [q(f"sum by (pod, route, from, to, reason) "
                 f"(modelgate_canary_transitions_total{{{ROUTE}}})", instant=True)]),
        timeseries("Gate checks by gate and result",
                   "The controller's checks: health, error rate, p99, relative comparisons, "
                   "sample ratio.",
                   [q(f"sum by (route, gate, result) (rate(modelgate_gate_checks_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{gate}} {{result}}")], unit="ops"),
        timeseries("Fallbacks to the legacy by code",
                   "Candidate calls answered by the legacy instead (on_candidate_error: "
                   "fallback_to_legacy).",
                   [q(f"sum by (route, code) (rate(modelgate_fallbacks_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{code}}")], unit="reqps"),
        timeseries("Diversions and state-file errors",
                   "Calls sent to the reference arm because their arm was unhealthy; canary "
                   "state files that could not be restored.",
                   [q(f"sum by (route, from_arm) (rate(modelgate_diversions_total{{{ROUTE}}}[{RI}]))",
                      "diverted {{route}} from {{from_arm}}", "A"),
                    q(f"sum by (route) (increase(modelgate_canary_state_errors_total{{{ROUTE}}}[{RI}]))",
                      "state errors {{route}}", "B")]),
        timeseries("Webhook deliveries by result",
                   "Promote and rollback events POSTed to canary.webhook.url.",
                   [q(f"sum by (route, result) (increase(modelgate_webhook_deliveries_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{result}}")], bars=True),
    ]),
    ("Statistical verdicts", [
        state_timeline("Route verdict (worst pod)",
                       "min over pods: one failing replica is enough to look.",
                       [q(f"min by (route) (modelgate_route_verdict{{{ROUTE}}})", "{{route}}")],
                       VERDICTS),
        state_timeline("Comparison verdicts (worst pod)",
                       "Per candidate arm and metric: pass (within tolerance), inconclusive, "
                       "fail (significant and material).",
                       [q(f"min by (route, arm, metric) (modelgate_compare_verdict{{{ROUTE}}})",
                          "{{route}} / {{arm}} {{metric}}")], VERDICTS),
        timeseries("Always-valid p-values (Holm/BH adjusted), per pod",
                   "mSPRT p-values, safe to watch continuously; never average them across pods.",
                   [q(f"modelgate_compare_adjusted_pvalue{{{ROUTE}}}",
                      "{{pod}} {{route}} / {{arm}} {{metric}}")],
                   log=True, th=thresholds("red", ("green", 0.05))),
        timeseries("Effect vs the reference arm with its confidence sequence",
                   "Candidate minus reference (latency mean in seconds, error rate in "
                   "proportion) with the always-valid interval bounds.",
                   [q(f'modelgate_compare_effect{{{ROUTE}, metric=~"latency_mean|error_rate"}}',
                      "effect {{pod}} {{route}} / {{arm}} {{metric}}", "A"),
                    q(f"modelgate_compare_ci_lower{{{ROUTE}}}",
                      "lower {{pod}} {{route}} / {{arm}} {{metric}}", "B"),
                    q(f"modelgate_compare_ci_upper{{{ROUTE}}}",
                      "upper {{pod}} {{route}} / {{arm}} {{metric}}", "C")]),
        timeseries("Sample ratio mismatch p-value, per pod",
                   "Chi-square of the observed against the configured split; flagged below "
                   "srm_threshold.",
                   [q(f"modelgate_srm_pvalue{{{ROUTE}}}", "{{pod}} {{route}}")], log=True),
        stat("SRM detected (any pod)", "1 when any replica flags a sample-ratio mismatch.",
             [q(f"max by (route) (modelgate_srm_detected{{{ROUTE}}})", "{{route}}")],
             th=thresholds("green", ("red", 1)), mapping=[(0, "ok", "green"), (1, "SRM", "red")]),
        timeseries("Error ratio per arm (monitor), per pod",
                   "The monitor's error rate over the experiment.",
                   [q(f"modelgate_arm_error_ratio{{{ROUTE}}}", "{{pod}} {{route}} / {{arm}}")],
                   unit="percentunit"),
    ]),
    ("Drift", [
        timeseries("Output drift vs each arm's own reference (PSI)",
                   "Population stability index of the window against the arm's frozen "
                   "reference; above 0.2 is usually read as a shift.",
                   [q(f'modelgate_drift_score{{{ROUTE}, method="psi"}}',
                      "{{pod}} {{route}} / {{arm}} {{tensor}}")],
                   th=thresholds("green", ("orange", 0.1), ("red", 0.2))),
        timeseries("Drift scores by method", "KS statistic, Wasserstein-1 and Jensen-Shannon "
                   "distance of the window against the arm's reference.",
                   [q(f'modelgate_drift_score{{{ROUTE}, method!="psi"}}',
                      "{{pod}} {{route}} / {{arm}} {{tensor}} {{method}}")]),
        timeseries("Drift KS p-value", "Kolmogorov-Smirnov p-value of the window against the "
                   "reference.",
                   [q(f"modelgate_drift_pvalue{{{ROUTE}}}", "{{pod}} {{route}} / {{arm}} {{tensor}}")],
                   log=True),
        timeseries("Candidate vs reference arm: output distance",
                   "Each candidate's outputs against the reference arm's, by method.",
                   [q(f"modelgate_arm_distance{{{ROUTE}}}",
                      "{{pod}} {{route}} / {{arm}} {{tensor}} {{method}}", "A"),
                    q(f"modelgate_arm_distance_pvalue{{{ROUTE}}}",
                      "KS p {{pod}} {{route}} / {{arm}} {{tensor}}", "B")]),
        timeseries("Payload decoding for the monitors",
                   "Responses decoded for drift, dropped (queue full) and undecodable.",
                   [q(f"sum by (route) (rate(modelgate_monitor_decoded_total{{{ROUTE}}}[{RI}]))",
                      "decoded {{route}}", "A"),
                    q(f"sum by (route) (rate(modelgate_monitor_dropped_total{{{ROUTE}}}[{RI}]))",
                      "dropped {{route}}", "B"),
                    q(f"sum by (route) (rate(modelgate_monitor_decode_errors_total{{{ROUTE}}}[{RI}]))",
                      "errors {{route}}", "C")], unit="ops"),
    ]),
    ("Shadow", [
        timeseries("Shadow copies by status code",
                   "Mirrored calls per shadow (and noise reference) by the shadow's status.",
                   [q(f"sum by (route, shadow, code) (rate(modelgate_shadow_requests_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{shadow}} {{code}}")], unit="reqps"),
        timeseries("Copies dropped by reason",
                   "max_inflight: not sent (the shadow is slow); compare_queue_full: not "
                   "compared.",
                   [q(f"sum by (route, shadow, reason) (rate(modelgate_shadow_dropped_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{shadow}} {{reason}}")], unit="reqps"),
        timeseries("Status agreement and byte equality",
                   "Share of compared calls where shadow and primary had the same status, and "
                   "byte-identical responses.",
                   [q(f"modelgate_shadow_status_agreement_ratio{{{ROUTE}}}",
                      "status {{pod}} {{route}} {{shadow}}", "A"),
                    q(f"modelgate_shadow_bytes_equal_ratio{{{ROUTE}}}",
                      "bytes {{pod}} {{route}} {{shadow}}", "B")],
                   unit="percentunit", minv=0, maxv=1),
        timeseries("Tensor agreement (within tolerance) and argmax agreement",
                   "Per output tensor: share of elements within tolerance; rows whose argmax "
                   "agrees.",
                   [q(f"modelgate_shadow_tensor_agreement_ratio{{{ROUTE}}}",
                      "within tol {{pod}} {{route}} {{shadow}} {{tensor}}", "A"),
                    q(f"modelgate_shadow_argmax_agreement_ratio{{{ROUTE}}}",
                      "argmax {{pod}} {{route}} {{shadow}} {{tensor}}", "B")],
                   unit="percentunit", minv=0, maxv=1),
        timeseries("Difference rate: raw vs noise-adjusted",
                   "Raw: shadow vs primary. Noise-adjusted: minus the rate at which a second "
                   "instance of the primary differs (noise_reference).",
                   [q(f"modelgate_shadow_tensor_difference_rate{{{ROUTE}}}",
                      "{{pod}} {{route}} {{shadow}} {{tensor}} {{basis}}")],
                   unit="percentunit", minv=0),
        timeseries("Max absolute error per tensor", "Largest |shadow - primary| seen.",
                   [q(f"modelgate_shadow_tensor_max_abs_error{{{ROUTE}}}",
                      "{{pod}} {{route}} {{shadow}} {{tensor}}")]),
        timeseries("Mismatches by kind", "status, bytes, decode errors and per-tensor "
                   "mismatches per second.",
                   [q(f"sum by (route, shadow, kind) (rate(modelgate_shadow_mismatch_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{shadow}} {{kind}}")], unit="ops"),
        timeseries("Latency delta, shadow minus primary (p50, p99)",
                   "From the modelgate_shadow_latency_delta_seconds histogram (both OK).",
                   [q(hq(0.5, "modelgate_shadow_latency_delta_seconds", "route, shadow"),
                      "p50 {{route}} {{shadow}}", "A"),
                    q(hq(0.99, "modelgate_shadow_latency_delta_seconds", "route, shadow"),
                      "p99 {{route}} {{shadow}}", "B")], unit="s"),
    ]),
    ("Interleave", [
        timeseries("Preference delta per ranker pair, per pod",
                   "(wins + ties/2)/n - 0.5; positive favours the pair's first ranker.",
                   [q(f"modelgate_interleave_delta{{{ROUTE}}}", "{{pod}} {{route}} {{pair}}")],
                   th=thresholds("green")),
        timeseries("Always-valid p-value per pair, per pod",
                   "A ranker is preferred when this is below the route's alpha.",
                   [q(f"modelgate_interleave_pvalue{{{ROUTE}}}", "{{pod}} {{route}} {{pair}}")],
                   log=True, th=thresholds("red", ("green", 0.05))),
        timeseries("Outcomes per second (wins by ranker, ties)",
                   "Impressions with clicks, credited by team.",
                   [q(f"sum by (route, pair, outcome) (rate(modelgate_interleave_outcomes_total{{{ROUTE}}}[{RI}]))",
                      "{{route}} {{pair}} {{outcome}}")], unit="ops", stack=True),
        timeseries("Impressions made and stored",
                   "Merged pages per second; impressions held for click attribution.",
                   [q(f"sum by (route) (rate(modelgate_interleave_impressions_total{{{ROUTE}}}[{RI}]))",
                      "made/s {{route}}", "A"),
                    q(f"sum by (route) (modelgate_interleave_impressions_stored{{{ROUTE}}})",
                      "stored {{route}}", "B")]),
        timeseries("Click feedback by result",
                   "Reports over gRPC Feedback and HTTP: recorded, repeated, not_found, "
                   "expired, invalid_item, malformed.",
                   [q(f"sum by (result) (rate(modelgate_interleave_feedback_total{{{POD}}}[{RI}]))",
                      "{{result}}")], unit="ops"),
        timeseries("Impressions dropped and pages left unmixed",
                   "Evicted (capacity) or expired impressions; pages served from one ranker "
                   "because the other failed.",
                   [q(f"sum by (route, reason) (rate(modelgate_interleave_impressions_dropped_total{{{ROUTE}}}[{RI}]))",
                      "dropped {{route}} {{reason}}", "A"),
                    q(f"sum by (route, reason) (rate(modelgate_interleave_unmerged_total{{{ROUTE}}}[{RI}]))",
                      "unmerged {{route}} {{reason}}", "B")], unit="ops"),
    ]),
    ("Proxy health", [
        timeseries("Calls in flight per route", "Calls in progress.",
                   [q(f"sum by (route) (modelgate_inflight_requests{{{ROUTE}}})", "{{route}}")]),
        timeseries("Client connections and rejections",
                   "Open client connections; connections refused (limit, out of descriptors).",
                   [q(f"sum by (pod) (modelgate_client_connections{{{POD}}})", "open {{pod}}", "A"),
                    q(f"sum by (reason) (rate(modelgate_client_connections_rejected_total{{{POD}}}[{RI}]))",
                      "rejected {{reason}}", "B")]),
        timeseries("Overload rejections", "Calls refused over proxy.max_inflight_calls.",
                   [q(f"sum by (pod) (rate(modelgate_overload_rejections_total{{{POD}}}[{RI}]))",
                      "{{pod}}")], unit="reqps"),
        timeseries("Config reloads by result", "Reload attempts (inotify, SIGHUP, admin API).",
                   [q(f"sum by (result) (increase(modelgate_config_reload_total{{{POD}}}[{RI}]))",
                      "{{result}}", "A"),
                    q(f"min(modelgate_config_last_reload_successful{{{POD}}})",
                      "last reload successful (min over pods)", "B")], bars=True),
        table("Config and build per pod",
              "Config hash and generation per replica: one hash everywhere means the fleet "
              "converged.",
              [q(f"max by (pod, hash, generation) (modelgate_config_info{{{POD}}})", instant=True,
                 ref="A"),
               q(f"max by (pod, version) (modelgate_build_info{{{POD}}})", instant=True, ref="B")]),
        state_timeline("Backends connected and healthy",
                       "connected: a ready channel; healthy: active health checks pass (only "
                       "backends with a health block).",
                       [q(f"min by (backend) (modelgate_backend_connected{{{POD}}})",
                          "connected {{backend}}", "A"),
                        q(f"min by (backend) (modelgate_backend_healthy{{{POD}}})",
                          "healthy {{backend}}", "B")],
                       [(0, "down", "red"), (1, "up", "green")]),
        timeseries("Health checks by result", "Active gRPC health checks per backend.",
                   [q(f"sum by (backend, result) (rate(modelgate_health_checks_total{{{POD}}}[{RI}]))",
                      "{{backend}} {{result}}")], unit="ops"),
        timeseries("File descriptors (open / max)", "Per pod; near 1 the proxy starts refusing "
                   "connections.",
                   [q(f"({proc('process_open_fds')})\n/ on (namespace, pod, instance)\n"
                      f"({proc('process_max_fds')})", "{{pod}}")],
                   unit="percentunit", minv=0, th=thresholds("green", ("red", 0.8))),
        timeseries("Resident memory", "process_resident_memory_bytes per pod.",
                   [q(proc("process_resident_memory_bytes"), "{{pod}}")], unit="bytes"),
        timeseries("CPU", "Cores used per pod.",
                   [q(f"rate(process_cpu_seconds_total{{{POD}}}[{RI}])\n"
                      f"and on (namespace, pod, instance) modelgate_build_info{{{POD}}}",
                      "{{pod}}")], unit="short"),
        stat("Uptime", "Time since the newest replica started.",
             [q(f"time() - max({proc('process_start_time_seconds')})", "uptime")], unit="s"),
    ]),
]


def variable(name, label, query, all_=True):
    v = {"type": "query", "name": name, "label": label, "datasource": DS, "query": query,
         "refresh": 2, "sort": 1, "hide": 0, "regex": "", "options": [], "skipUrlSync": False,
         "multi": all_, "includeAll": all_}
    if all_:
        v["allValue"] = ".*"
        v["current"] = {"text": "All", "value": "$__all"}
    return v


def layout(row_panels, y, pid):
    """Places a row's panels left to right, 8 high; the last panel of a line is widened to
    the edge so no line leaves a gap."""
    placed, line, x = [], [], 0
    for p in row_panels:
        w = 6 if p["type"] in ("stat", "bargauge") else 12
        if x + w > 24:
            line[-1]["gridPos"]["w"] += 24 - x
            line, x, y = [], 0, y + 8
        p = dict(p, id=pid, gridPos={"h": 8, "w": w, "x": x, "y": y})
        placed.append(p)
        line.append(p)
        pid, x = pid + 1, x + w
    line[-1]["gridPos"]["w"] += 24 - x
    return placed, y + 8, pid


def build():
    panels, pid, y = [], 1, 0
    for title, row_panels in ROWS:
        panels.append({"type": "row", "title": title, "id": pid, "collapsed": False,
                       "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
        placed, y, pid = layout(row_panels, y + 1, pid + 1)
        panels += placed
    return {
        "uid": "modelgate",
        "title": "modelgate",
        "description": "modelgate sidecar proxy: traffic split, RED per arm, canary, live "
                       "statistics, drift, shadow, interleaving, proxy health.",
        "tags": ["modelgate", "grpc", "ml"],
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 42,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "links": [],
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [
            {"type": "datasource", "name": "datasource", "label": "Data source",
             "query": "prometheus", "refresh": 1, "regex": "", "hide": 0, "options": [],
             "current": {"text": "default", "value": "default"}},
            variable("namespace", "Namespace",
                     "label_values(modelgate_build_info, namespace)", all_=False),
            variable("pod", "Pod", 'label_values(modelgate_build_info{namespace=~"$namespace"}, pod)'),
            variable("route", "Route",
                     'label_values(modelgate_requests_total{namespace=~"$namespace", pod=~"$pod"}, route)'),
        ]},
        "panels": panels,
    }


def render():
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--stdout"]:
        sys.stdout.write(render())
    else:
        OUT.write_text(render())
        print(f"wrote {OUT}")
