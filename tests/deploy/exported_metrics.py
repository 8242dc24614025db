"""What modelgate exports, for checking the PromQL we ship (alerts, analysis templates) against it.

Two sources, because neither alone is enough:
- the source tree: every metric family is registered with its name as a string literal
  (`.Name("modelgate_...")` or `GaugeFamily(r, "modelgate_...", ...)`), and every label name
  and enumerated label value (`{"state", "rolled_back"}`, `"UNAVAILABLE"`) is a literal too. This
  sees families whose series only appear after traffic, errors or a failed reload.
- the real binary: `modelgate serve` with a config that uses every strategy and a monitor,
  scraped once without traffic. Every modelgate_ family it exports must be among the source
  names (so the source scan is known to find what the binary registers), and for families
  that already have series, the label names a query uses must be on those series.
"""
import os
import re
import subprocess
import tempfile
import time
import urllib.request

# Labels Prometheus adds when a PodMonitor/ServiceMonitor scrapes the admin port.
TARGET_LABELS = {"namespace", "pod", "job", "instance", "container", "endpoint", "service"}

_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def source_literals(src_dir):
    """Every C++ string literal under src/ (names, label names and enumerated values)."""
    found = set()
    for root, _, files in os.walk(os.path.join(src_dir, "src")):
        for name in files:
            if name.endswith((".cc", ".h")):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    found.update(_LITERAL.findall(f.read()))
    return found


def source_metric_names(literals):
    return {s for s in literals if re.fullmatch(r"modelgate_[a-z0-9_]+", s)}


_CONFIG = """\
listen: 127.0.0.1:0
admin: {listen: 127.0.0.1:0}
state_dir: state
backends:
  - {name: legacy, address: "127.0.0.1:1"}
  - {name: candidate, address: "127.0.0.1:1", health: {interval_seconds: 1, unhealthy_after: 3}}
routes:
  - name: ab
    match: {service: a.A}
    strategy: ab
    ab: {arms: [{backend: legacy, weight: 50}, {backend: candidate, weight: 50}], sticky_header: x-user-id, salt: s}
    monitor: {payload: inference_v2}
  - name: can
    match: {service: b.B}
    strategy: canary
    canary: {legacy: legacy, candidate: candidate, steps: [5, 100], step_seconds: 3, min_requests_per_step: 10, max_failed_checks: 3}
    monitor: {interval_seconds: 0.5}
  - name: sh
    match: {service: c.C}
    strategy: shadow
    shadow: {primary: legacy, shadows: [candidate], compare: {payload: inference_v2}}
    monitor: {min_samples: 200}
  - name: rank
    match: {service: d.D}
    strategy: interleave
    interleave: {rankers: [legacy, candidate], method: team_draft, list: {payload: recommend}, page_size: 10, sticky_header: x-user-id}
  - name: rest
    strategy: forward
    forward: {backend: legacy}
"""


def parse_exposition(text):
    """{family: set of label names seen on its series} from the Prometheus text format."""
    families, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            types[name] = kind
            families.setdefault(name, set())
        elif line and not line.startswith("#"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
            if not m:
                continue
            name = m.group(1)
            if name not in types:
                for suffix in _HISTOGRAM_SUFFIXES:
                    if name.endswith(suffix) and name[: -len(suffix)] in types:
                        name = name[: -len(suffix)]
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
            families.setdefault(name, set()).update(labels)
    return families


def scrape_live(modelgate, timeout=30):
    """Start `modelgate serve` on loopback (ports 0) with every strategy configured, scrape
    /metrics once the canary controller has evaluated at least once, and stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            f.write(_CONFIG)
        out_path = os.path.join(tmp, "stdout")
        with open(out_path, "w") as out, open(os.path.join(tmp, "stderr"), "w") as err:
            proc = subprocess.Popen([modelgate, "serve", "--config", config], stdout=out,
                                    stderr=err)
        try:
            deadline = time.monotonic() + timeout
            admin = None
            while admin is None:
                if proc.poll() is not None:
                    raise RuntimeError("modelgate serve exited with %d: %s" % (
                        proc.returncode, open(os.path.join(tmp, "stderr")).read()))
                if time.monotonic() > deadline:
                    raise RuntimeError("modelgate serve printed no listening line in %d s" % timeout)
                m = re.search(r"admin=(\S+)", open(out_path).read())
                if m:
                    admin = m.group(1)
                else:
                    time.sleep(0.05)
            # Poll until the families registered at config load and the first monitor and
            # canary evaluations are there (bounded), rather than sleeping a guessed time.
            while True:
                text = urllib.request.urlopen("http://%s/metrics" % admin, timeout=5).read()
                families = parse_exposition(text.decode())
                if "modelgate_route_verdict" in families and \
                        "modelgate_canary_state" in families:
                    return families
                if time.monotonic() > deadline:
                    raise RuntimeError("modelgate /metrics lacked the monitor and canary families "
                                       "after %d s" % timeout)
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def check_live_against_source(live, source_names):
    """Problems if the binary exports a modelgate_ family the source scan does not know."""
    return ["modelgate exports %s, which the source scan did not find: update "
            "exported_metrics.source_metric_names" % name
            for name in sorted(live) if name.startswith("modelgate_") and name not in source_names]


def base_name(name, source_names):
    for suffix in _HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in source_names:
            return name[: -len(suffix)]
    return name
