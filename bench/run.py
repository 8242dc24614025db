#!/usr/bin/python3
"""modelgate benchmark: modelgate against tuned nginx, HAProxy (h2) and a TCP-mode floor, in ONE run.

What it does: starts two fake model backends ("legacy", "candidate") and, in front of them, every
proxy under test, each with ONE worker process/thread and production-grade settings. For each
number of calls in flight (default 1, 16, 64) and each target, modelgate-load drives closed-loop
unary calls over one HTTP/2 connection. Targets are interleaved and rotated, the whole sweep is
repeated, and medians are reported: QPS, p50/p99 latency, QPS as a fraction of direct-to-backend
measured in the same run, and the proxy's CPU microseconds per call (utime+stime of all of the
proxy's processes from /proc, divided by calls completed). Everything runs on 127.0.0.1.

  target               path                                                     routes per call
  direct               load -> legacy backend                                   -
  modelgate            load -> modelgate (A/B 90/10, sticky key) -> backends    yes
  nginx                load -> nginx grpc_pass (weights 9/1, keepalive) -> ...  yes
  haproxy              load -> HAProxy h2 both sides (roundrobin 9/1) -> ...    yes
  haproxy-tcp          load -> HAProxy mode tcp -> legacy backend               no: the floor of
                       any user-space hop (bytes copied, no HTTP/2 parsing, no per-call routing)
  modelgate+monitors   (--monitors) modelgate's route with live statistics and output drift on
                       (every payload decoded): the cost of monitoring
  modelgate+access-log (--access-log) modelgate's route with the access log on: the cost of
                       one JSON line per call
  modelgate-streaming  (--streaming) a modelgate that does not know the method is unary: the
                       frame-level plane forwards every call shape on one path, so it should
                       cost what the declared method (target modelgate) costs

modelgate's stderr (its log) goes to a file per target. The report ends with each modelgate's warning and error lines
(counted, deduplicated); a failed call's BenchError carries the target's last log lines; with
--out the logs are also copied to FILE's stem + .logs/.

Bidi streaming (--bidi): the same targets, but modelgate-load keeps N (= "in flight")
/modelgate.testing.Echo/Bidi streams open for the whole cell, each ping-ponging one message at a
time (write, read the echo, write the next). QPS is then messages/s, latency is per message and
CPU is per message; streams are routed once, when they open (modelgate and the peers alike).

Peer settings (see nginx_conf / haproxy_h2_conf / haproxy_tcp_conf): keepalive_requests raised
on nginx's client and upstream sides (1.22 defaults to 1000: a GOAWAY, or a new upstream
connection, every 1000 calls), access logs off, upstream connection reuse, stream limits above
the highest concurrency, message/body limits 16 MiB like modelgate's default.

Every call must succeed: a target with any failed call stops the run (exit 1), and each routing
target must be seen to reach the candidate backend (its CPU time grows) during the warm-up.

Usage (after building modelgate, modelgate-fake-model and modelgate-load into build/):
  bench/run.py [--duration 5] [--repeats 3] [--concurrency 1,16,64]
               [--targets direct,modelgate,nginx,haproxy,haproxy-tcp] [--streaming] [--monitors]
               [--bidi] [--out FILE]
  --streaming  measure /modelgate.testing.Echo/Unary instead of ModelInfer, declared unary
               (proxy.unary_methods) and not (modelgate-streaming)
  --bidi       messages/s through long-lived bidi streams (see above) instead of unary calls
  --monitors   add modelgate+monitors (meant for ModelInfer: its monitor decodes inference_v2)
  --targets    measure only these (direct is always measured: the ratios need it)
  --out FILE   also write the table to FILE and the raw rounds to FILE's stem + .json

Shadow mode (issue 10): bench/run.py --shadow [--duration S] [--repeats N] [--concurrency ...]
    [--targets ...] [--primary-latency-ms 1] [--slow-latency-ms 10] [--max-inflight 100]
    [--shadow-nice 19]
measures shadow mirroring instead, with the same load, interleaving, rounds and medians. Three
fake models: legacy (the primary of every target, --latency_ms 1), candidate (a healthy shadow,
the same latency) and candidate-slow (10x the primary's latency). Every target's primary is
legacy, so primaries are compared at equal latency.

  target                  path
  direct                  load -> legacy
  modelgate               modelgate, strategy forward to legacy (shadow off)
  modelgate-shadow        modelgate, strategy shadow: legacy primary, every call copied
                          (sample_rate 1, max_inflight 100, compare payload bytes) to candidate
  modelgate-shadow-slow   the same, copies to candidate-slow
  nginx                   nginx grpc_pass to legacy (nginx's own shadow-off)
  nginx-mirror            nginx grpc_pass to legacy with `mirror /mirror; mirror_request_body
                          on;`, the internal /mirror location grpc_pass-ing to candidate
  nginx-mirror-slow       the same, mirrored to candidate-slow

nginx is tuned as above (upstream keepalive for both upstreams, keepalive_requests raised), but
with http2_max_concurrent_streams 8x higher: a mirror subrequest keeps its client stream counted
until the copy is answered. Failed calls do not stop a --shadow run: they are counted and
reported (QPS counts successful calls only). Reported per target and level: QPS, p50, p99, proxy
CPU µs per call, failed calls, and for modelgate its shadow copies answered OK and dropped per
call (deltas of modelgate_shadow_requests_total / modelgate_shadow_dropped_total on /metrics);
per proxy its peak RSS (VmHWM at the end), RSS after each round, and the TCP sockets it opened to
its shadow backend during the warm-up. Then the ratios (shadow p99 / shadow-off p99, slow-shadow
p99 / shadow-off and / healthy-shadow p99, modelgate-shadow QPS / nginx-mirror QPS, ...) and a
PASS/FAIL line per issue-10 target: healthy-shadow p99 <= 1.3x shadow-off; slow-shadow p99 within
10% of the healthy-shadow p99; slow-shadow peak RSS <= 1.25x the healthy one's and no growth
over the rounds; modelgate-shadow QPS >= 2x nginx-mirror's wherever nginx-mirror runs below half
of direct (where it is above, 2x would beat direct-to-backend); no failed call through modelgate.

On this 2-core machine the shadow backends share the cores with the primary path, so a healthy
shadow doubles the backend work the primary competes with: --shadow-nice 19 runs them so they
only get CPU the primary path leaves idle, the closest this box comes to separate machines.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MODEL_INFER = "/inference.GRPCInferenceService/ModelInfer"
ECHO_UNARY = "/modelgate.testing.Echo/Unary"
ECHO_BIDI = "/modelgate.testing.Echo/Bidi"
BASE_TARGETS = ["direct", "modelgate", "nginx", "haproxy", "haproxy-tcp"]
# Flag -> the targets it adds (table order: after the modelgate base targets, before the peers).
VARIANTS = {"monitors": ["modelgate+monitors"],
            "streaming": ["modelgate-streaming"],
            "access_log": ["modelgate+access-log"]}
VARIANT_NAMES = [v for vs in VARIANTS.values() for v in vs]
LOG_LINE = re.compile(r"^\S+ ([DIWE]) (\S+)\] (.*)$")  # modelgate's text log format
SHADOW_TARGETS = ["direct", "modelgate", "modelgate-shadow", "modelgate-shadow-slow", "nginx",
                  "nginx-mirror", "nginx-mirror-slow"]
BASELINE_SUFFIX = "@baseline"
MAX_BODY = "16m"  # the same limit as modelgate's default proxy.max_message_bytes (16 MiB)
# Top level (after the route): one JSON line per call, rotated so a long run stays bounded.
ACCESS_LOG_BLOCK = "access_log: {path: access.log, max_bytes: 64MiB, max_files: 1}\n"
MONITOR_BLOCK = """    monitor:
      payload: inference_v2
      sample_rate: 1
      queue_size: 4096
      drift: {reference_samples: 1000, window_seconds: 60}
"""


class BenchError(Exception):
    """A failure that must stop the run (a target that errs, a peer that does not start)."""


# ---------------------------------------------------------------- processes and /proc


def cpu_seconds(pids):
    """utime + stime of the given processes, in seconds (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / CLK_TCK


def descendants(pid):
    """pid and every process below it (nginx's master and workers, HAProxy's threads' process)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        out = subprocess.run(["pgrep", "-P", str(p)], capture_output=True, text=True).stdout
        todo += [int(c) for c in out.split()]
    return found


class Proc:
    """A child process, optionally waiting for its first stdout line to match `wait_line`."""

    def __init__(self, argv, name, wait_line=None, env=None, log=None):
        self.name = name
        self.log = log  # path of the file its stderr goes to, or None (discarded)
        err = open(log, "w") if log else subprocess.DEVNULL
        try:
            self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True,
                                      env=env)
        finally:
            if log:
                err.close()
        self.first_line = None
        if wait_line:
            line = self.p.stdout.readline()
            if not re.search(wait_line, line or ""):
                self.stop()
                raise BenchError(f"{name} did not start (got {line!r})" + log_tail(log))
            self.first_line = line.strip()

    def pids(self):
        return descendants(self.p.pid)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def log_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except (FileNotFoundError, TypeError):
        return []


def log_tail(path, n=20):
    """The last `n` lines of a target's log, for an error message ("" without a log)."""
    lines = log_lines(path)[-n:]
    return f"\n--- last {len(lines)} lines of {path}:\n" + "\n".join(lines) if lines else ""


def log_problems(path):
    """modelgate's warning and error lines in `path`: {(level, "file:line] message"): count},
    the time stamp dropped so that repeats count as one."""
    out = {}
    for line in log_lines(path):
        m = LOG_LINE.match(line)
        if m and m.group(1) in "WE":
            key = (m.group(1), f"{m.group(2)}] {m.group(3)}")
            out[key] = out.get(key, 0) + 1
        elif line and not m:  # not modelgate's format (e.g. a crash message): keep it
            out[("?", line)] = out.get(("?", line), 0) + 1
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def check_config(argv, name):
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"{name} rejects its config: {out.stdout}{out.stderr}")


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"nproc {len(os.sched_getaffinity(0))}, {model}, Linux {platform.release()}"


# ---------------------------------------------------------------- peer configurations


def nginx_prologue(work, streams, log_level="warn"):
    """The part of every nginx peer's config before its upstreams: one worker, no access log,
    temp paths in the run's directory, client-side keepalive raised, stream and body limits."""
    return f"""
worker_processes 1;
error_log {work}/nginx-error.log {log_level};
pid {work}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  fastcgi_temp_path {work}/nginx-fastcgi;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  # Client side (HTTP/2 since 1.19.7 obeys keepalive_*): no GOAWAY every 1000 calls.
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  http2_max_concurrent_streams {streams};
  client_max_body_size {MAX_BODY};
"""


def nginx_upstream(name, servers, streams):
    """An upstream block with connection reuse as production would set it."""
    lines = "".join(f"    server {s};\n" for s in servers)
    return f"""  upstream {name} {{
{lines}    # nginx sends one call at a time per upstream connection: cache as many idle ones as calls
    # can be in flight, and do not retire them every 1000 calls.
    keepalive {streams};
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }}
"""


def nginx_conf(work, port, legacy, candidate, streams):
    """nginx 1.22 as production would run it in front of gRPC backends, with one worker."""
    return (nginx_prologue(work, streams) +
            nginx_upstream("models", [f"{legacy} weight=9", f"{candidate} weight=1"], streams) +
            f"""  server {{
    listen 127.0.0.1:{port} http2;
    location / {{
      grpc_pass grpc://models;
      grpc_buffer_size 16k;
    }}
  }}
}}
""")


def haproxy_h2_conf(port, legacy, candidate, streams):
    """HAProxy 2.6, HTTP/2 on both sides, one thread, the same 9/1 split per call."""
    return f"""
global
  nbthread 1
  tune.h2.max-concurrent-streams {streams}
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend grpc
  bind 127.0.0.1:{port} proto h2
  default_backend models
backend models
  balance roundrobin
  # "safe" is HAProxy's default and recommended mode; for h2 servers a connection is shared by
  # the streams of a client connection while it has streams, then pooled for any other.
  http-reuse safe
  server legacy {legacy} proto h2 weight 9
  server candidate {candidate} proto h2 weight 1
"""


def haproxy_tcp_conf(port, legacy):
    """HAProxy 2.6 copying bytes to one backend: the floor of any user-space hop."""
    return f"""
global
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend grpc
  bind 127.0.0.1:{port}
  default_backend legacy
backend legacy
  server legacy {legacy}
"""


def modelgate_conf(legacy, candidate, unary_methods, monitor):
    return f"""listen: 127.0.0.1:0
admin: {{listen: 127.0.0.1:0}}
proxy:
  threads: 1
  unary_methods: {unary_methods}
backends:
  - {{name: legacy, address: {legacy}}}
  - {{name: candidate, address: {candidate}}}
routes:
  - name: infer
    strategy: ab
    ab:
      arms: [{{backend: legacy, weight: 90}}, {{backend: candidate, weight: 10}}]
      sticky_header: x-user-id
{monitor}"""


def nginx_shadow_conf(work, port, primary, shadow, streams):
    """--shadow: nginx forwarding every call to `primary` only (shadow None), or, with `mirror`,
    also copying it to `shadow` as a background subrequest whose response nginx discards.
    The subrequest's URI is /mirror and grpc_pass sends the URI as :path, so the mirror location
    rewrites it back to the client's path ($request_uri is the main request's)."""
    upstreams = nginx_upstream("primary", [primary], streams)
    mirror, mirror_location = "", ""
    if shadow:
        upstreams += nginx_upstream("shadow", [shadow], streams)
        mirror = "      mirror /mirror;\n      mirror_request_body on;\n"
        mirror_location = """    location = /mirror {
      internal;
      rewrite ^ $request_uri break;
      grpc_pass grpc://shadow;
      grpc_buffer_size 16k;
    }
"""
    # info: nginx logs refused streams ("concurrent streams exceeded") at that level only
    return (nginx_prologue(work, streams, "info") + upstreams + f"""  server {{
    listen 127.0.0.1:{port} http2;
    location / {{
{mirror}      grpc_pass grpc://primary;
      grpc_buffer_size 16k;
    }}
{mirror_location}  }}
}}
""")


def modelgate_shadow_conf(primary, shadow, max_inflight):
    """--shadow: ModelInfer forwarded to `primary` (shadow None), or the shadow strategy copying
    every call (sample_rate 1) to `shadow` and comparing the replies byte for byte."""
    backends = [("legacy", primary)] + ([("shadow", shadow)] if shadow else [])
    if shadow:
        strategy = f"""    strategy: shadow
    shadow:
      primary: legacy
      shadows: [shadow]
      sample_rate: 1
      max_inflight: {max_inflight}
      timeout_seconds: 5
      compare: {{payload: bytes}}
"""
    else:
        strategy = "    strategy: forward\n    forward: {backend: legacy}\n"
    return "".join([
        "listen: 127.0.0.1:0\nadmin: {listen: 127.0.0.1:0}\n",
        "proxy:\n  threads: 1\n  unary_methods: []\n",
        "backends:\n", *(f"  - {{name: {n}, address: {a}}}\n" for n, a in backends),
        "routes:\n  - name: infer\n",
        "    match: {service: inference.GRPCInferenceService, method: ModelInfer}\n",
        strategy])


# ---------------------------------------------------------------- starting the targets


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def start_nginx(work, name, text_for):
    """An nginx in its own directory (pid file, error log, temp paths): text_for(dir, port)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    sub = os.path.join(work, name)
    os.makedirs(sub, exist_ok=True)
    conf = write(sub, "nginx.conf", text_for(sub, port))
    base = [nginx, "-c", conf, "-p", sub, "-e", os.path.join(sub, "nginx-error.log")]
    check_config(base + ["-t", "-q"], name)
    proc = Proc(base + ["-g", "daemon off;"], name)
    if not wait_port(port):
        proc.stop()
        raise BenchError(f"{name} did not start; see {sub}/nginx-error.log")
    return proc, f"127.0.0.1:{port}"


def start_haproxy(work, name, text_for_port):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    port = free_port()
    conf = write(work, name + ".cfg", text_for_port(port))
    check_config([haproxy, "-c", "-q", "-f", conf], name)
    proc = Proc([haproxy, "-db", "-f", conf], name)  # -db: foreground, no master process
    if not wait_port(port):
        proc.stop()
        raise BenchError(f"{name} did not start (config {conf})")
    return proc, f"127.0.0.1:{port}"


def start_modelgate(work, binary, name, text):
    """modelgate serve with config `text`, its stderr in work/logs/NAME.log; the Proc remembers
    its admin address (proc.admin)."""
    cfg = write(work, name + ".yaml", text)
    root, suffix = work, ""
    if os.path.basename(work) == "baseline":  # --baseline: its own config dir, same log dir
        root, suffix = os.path.dirname(work), BASELINE_SUFFIX
    logs = os.path.join(root, "logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, name.replace("+", "-") + suffix + ".log")
    proc = Proc([binary("modelgate"), "serve", "--config", cfg], name, r"modelgate listening",
                log=log)
    admin = re.search(r"admin=(\S+)", proc.first_line)
    proc.admin = admin.group(1) if admin else None
    return proc, re.search(r"grpc=(\S+)", proc.first_line).group(1)


def start_shadow_target(name, ctx):
    """--shadow targets; returns (Proc or None, address, backend that must see calls or None)."""
    legacy, work, binary = ctx["legacy"], ctx["work"], ctx["binary"]
    shadow = {"": None, "-shadow": "candidate", "-shadow-slow": "candidate-slow",
              "-mirror": "candidate", "-mirror-slow": "candidate-slow"}
    if name == "direct":
        return None, legacy, None
    if name.startswith("modelgate") and name[len("modelgate"):] in shadow:
        copy_to = shadow[name[len("modelgate"):]]
        text = modelgate_shadow_conf(legacy, ctx[copy_to] if copy_to else None,
                                     ctx["max_inflight"])
        return (*start_modelgate(work, binary, name, text), copy_to)
    if name.startswith("nginx") and name[len("nginx"):] in shadow:
        copy_to = shadow[name[len("nginx"):]]
        text = lambda sub, port: nginx_shadow_conf(sub, port, legacy,
                                                   ctx[copy_to] if copy_to else None,
                                                   ctx["nginx_streams"])
        return (*start_nginx(work, name, text), copy_to)
    raise BenchError(f"unknown target {name}")


def start_target(name, ctx):
    """Starts target `name`; returns (Proc or None, address, the backend that must be seen to
    receive calls in the warm-up, or None)."""
    legacy, candidate, work, binary = ctx["legacy"], ctx["candidate"], ctx["work"], ctx["binary"]
    if name.endswith(BASELINE_SUFFIX):  # the same modelgate target, another build (--baseline)
        base, sub = ctx["baseline"], os.path.join(work, "baseline")
        os.makedirs(sub, exist_ok=True)  # its own config directory (modelgate watches it)
        proc, addr, reach = start_target(name[:-len(BASELINE_SUFFIX)],
                                         dict(ctx, binary=lambda n: base, work=sub))
        proc.name = name
        return proc, addr, reach
    if ctx["shadow"]:
        return start_shadow_target(name, ctx)
    if name == "direct":
        return None, legacy, None
    fast = f"[{ECHO_UNARY}]" if ctx["streaming"] else "[]"  # ModelInfer is known-unary
    if name == "modelgate":
        return (*start_modelgate(work, binary, name,
                                 modelgate_conf(legacy, candidate, fast, "")), "candidate")
    if name == "modelgate+monitors":  # modelgate's route plus the monitor block, nothing else
        return (*start_modelgate(work, binary, "modelgate-monitors",
                                 modelgate_conf(legacy, candidate, fast, MONITOR_BLOCK)),
                "candidate")
    if name == "modelgate+access-log":  # modelgate's route plus a top-level access log
        return (*start_modelgate(work, binary, "modelgate-access-log",
                                 modelgate_conf(legacy, candidate, fast, ACCESS_LOG_BLOCK)),
                "candidate")
    if name == "modelgate-streaming":
        return (*start_modelgate(work, binary, name,
                                 modelgate_conf(legacy, candidate, "[]", "")), "candidate")
    if name == "nginx":
        text = lambda sub, port: nginx_conf(sub, port, legacy, candidate, ctx["streams"])
        return (*start_nginx(work, "nginx", text), "candidate")
    if name == "haproxy":
        conf = lambda port: haproxy_h2_conf(port, legacy, candidate, ctx["streams"])
        return (*start_haproxy(work, "haproxy", conf), "candidate")
    if name == "haproxy-tcp":
        return (*start_haproxy(work, "haproxy-tcp", lambda port: haproxy_tcp_conf(port, legacy)),
                None)
    raise BenchError(f"unknown target {name}")


# ---------------------------------------------------------------- measuring


def run_load(load_bin, target, concurrency, duration, method, bidi=False):
    argv = [load_bin, "--target", target, "--concurrency", str(concurrency), "--duration",
            str(duration), "--json", "--arm_header", "", "--method", method,
            "--sticky_header", "x-user-id", "--keys", "10000"] + (["--bidi"] if bidi else [])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise BenchError(f"modelgate-load against {target} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def proc_status_kib(pids, key):
    """Sum of a /proc/PID/status memory field (VmRSS, VmHWM) over `pids`, in KiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


SHADOW_SERIES = re.compile(r"^modelgate_shadow_(requests|dropped)_total\{([^}]*)\}\s+(\S+)")


def shadow_counters(admin):
    """modelgate's shadow counters from its /metrics, summed over routes and shadows:
    {"ok": copies answered OK, "failed": copies answered otherwise, "dropped_<reason>": ...}."""
    with urllib.request.urlopen(f"http://{admin}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = SHADOW_SERIES.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if m.group(1) == "requests":
            key = "ok" if labels.get("code") == "OK" else "failed"
        else:
            key = "dropped_" + labels.get("reason", "")
        out[key] = out.get(key, 0) + float(m.group(3))
    return out


def measure(ctx, target, concurrency, duration):
    """One cell: load through `target`; proxy and backend CPU seconds over the same interval.
    QPS counts successful calls only (the same as all calls unless failures are tolerated)."""
    name, proc = target["name"], target["proc"]
    proxy_pids = proc.pids() if proc else []
    backends = {b: p.pids() for b, p in ctx["backend_procs"].items()}
    admin = getattr(proc, "admin", None) if ctx["shadow"] else None
    counters = shadow_counters(admin) if admin else None
    before = (cpu_seconds(proxy_pids), {b: cpu_seconds(p) for b, p in backends.items()})
    try:
        res = run_load(ctx["load"], target["addr"], concurrency, duration, ctx["method"],
                       ctx["bidi"])
    except BenchError as e:
        raise BenchError(f"{name} at {concurrency} in flight: {e}" +
                         log_tail(getattr(proc, "log", None))) from None
    cpu = cpu_seconds(proxy_pids) - before[0]
    backend_cpu = {b: cpu_seconds(p) - before[1][b] for b, p in backends.items()}
    failed = res["completed"] - res["ok"]
    if res["completed"] == 0 or (failed and not ctx["tolerate_errors"]):
        raise BenchError(f"{name} at {concurrency} in flight: {failed} of {res['completed']} "
                         f"calls failed {res['errors']}" + log_tail(getattr(proc, "log", None)))
    cell = {"qps": res["qps"] * res["ok"] / res["completed"], "p50": res["latency_ms"]["p50"],
            "p99": res["latency_ms"]["p99"], "completed": res["completed"],
            "cpu_us": cpu / res["completed"] * 1e6 if proc else None,
            "backend_cpu_s": backend_cpu}
    if ctx["tolerate_errors"]:
        cell.update(failed=failed, errors=res["errors"])
    if ctx["shadow"] and proc:
        cell["rss_kib"] = proc_status_kib(proxy_pids, "VmRSS")
    if counters is not None:
        after = shadow_counters(admin)
        cell["shadow"] = {k: after.get(k, 0) - counters.get(k, 0) for k in after}
    return cell


def sockets_to(addr):
    """TCP sockets (any state, TIME_WAIT included) whose peer is `addr`; None without ss."""
    host, port = addr.rsplit(":", 1)
    try:
        out = subprocess.run(["ss", "-Htan", "dst", f"{host}:{port}"], capture_output=True,
                             text=True).stdout
    except FileNotFoundError:
        return None
    return len(out.splitlines())


def check_reach(ctx, target):
    """Warm-up that proves the path works: every call succeeds (unless failures are tolerated
    and reported), and routers/mirrors reach the backend they must reach. Also counts the TCP
    connections the target opened to that backend (persistent ones: a few; one per call: many)."""
    reach = target["reach"]
    sockets = sockets_to(ctx[reach]) if reach else None
    # --bidi routes once per stream: 64 streams make a miss of the 10% arm unlikely (0.9^64).
    cell = measure(ctx, target, 64 if ctx["bidi"] else 16, 2)
    reached = reach and cell["backend_cpu_s"][reach] > 0
    if reach and not reached:
        raise BenchError(f"{target['name']}: no call reached the {reach} backend in warm-up")
    note = ""
    if sockets is not None:
        target["warmup_new_sockets"] = sockets_to(ctx[reach]) - sockets
        target["warmup_calls"] = cell["completed"]
        note = f", {target['warmup_new_sockets']} new TCP sockets to it"
    if cell.get("failed"):
        note += f", {cell['failed']} calls FAILED {cell['errors']}"
    print(f"warm-up {target['name']:<22} ok: {cell['completed']} calls, "
          f"{reach or 'candidate'} backend {'reached' if reached else 'not reached'}{note}",
          file=sys.stderr)


def rotated(names, r):
    k = r % len(names)
    return names[k:] + names[:k]


def sweep(ctx, targets, levels, repeats, duration, after_round=None):
    """All cells, `repeats` times, targets interleaved and rotated per round."""
    results = {}
    for r in range(repeats):
        if after_round and r:
            after_round()
        for c in levels:
            for name in rotated(list(targets), r):
                cell = measure(ctx, targets[name], c, duration)
                results.setdefault((name, c), []).append(cell)
                print(f"round {r + 1} c={c:<3} {name:<20} qps={cell['qps']:9.0f} "
                      f"p50={cell['p50']:.3f}ms p99={cell['p99']:.3f}ms" +
                      (f" cpu={cell['cpu_us']:.0f}us/call" if cell["cpu_us"] is not None else "") +
                      (f" FAILED={cell['failed']}" if cell.get("failed") else "") +
                      (f" copies={cell['shadow']}" if "shadow" in cell else ""),
                      file=sys.stderr)
    if after_round:
        after_round()
    return results


# ---------------------------------------------------------------- reporting


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def summarize(results, names, levels):
    summary = {}
    for c in levels:
        direct_qps = med([x["qps"] for x in results[("direct", c)]])
        for name in names:
            rows = results[(name, c)]
            cpus = [x["cpu_us"] for x in rows if x["cpu_us"] is not None]
            backend = {b: sum(x["backend_cpu_s"][b] for x in rows) for b in rows[0]["backend_cpu_s"]}
            summary[f"{name}@{c}"] = {
                "in_flight": c, "target": name, "qps": med([x["qps"] for x in rows]),
                "p50_ms": med([x["p50"] for x in rows]), "p99_ms": med([x["p99"] for x in rows]),
                "ratio": med([x["qps"] for x in rows]) / direct_qps,
                "cpu_us": med(cpus) if cpus else None,
                # everything but the primary (legacy): the candidate(s) routed or copied to
                "candidate_cpu_share": (sum(backend.values()) - backend["legacy"]) /
                                       max(sum(backend.values()), 1e-9),
                "rounds": rows}
    return summary


def table(summary, header):
    lines = [header, "",
             "| in flight | target | QPS | p50 ms | p99 ms | QPS ÷ direct | proxy CPU µs/call |",
             "|---|---|---|---|---|---|---|"]
    for s in summary.values():
        cpu = "-" if s["cpu_us"] is None else f"{s['cpu_us']:.0f}"
        lines.append(f"| {s['in_flight']} | {s['target']} | {s['qps']:.0f} | {s['p50_ms']:.3f} | "
                     f"{s['p99_ms']:.3f} | {s['ratio']:.2f} | {cpu} |")
    return "\n".join(lines)


def backend_split(summary):
    """One line per target: the candidate's share of backend CPU (≈10%+ when routing 9/1)."""
    shares = {}
    for s in summary.values():
        shares.setdefault(s["target"], []).append(s["candidate_cpu_share"])
    return "Candidate backend's share of backend CPU (routing check): " + ", ".join(
        f"{name} {100 * med(v):.0f}%" for name, v in shares.items())


# ---------------------------------------------------------------- reporting: --shadow

P99_SHADOW_MAX = 1.3       # issue 10: primary p99 with a healthy shadow <= 1.3x shadow-off
P99_SLOW_MAX = 1.10        # ... with a 10x-slow shadow: unchanged within 10%
QPS_VS_MIRROR_MIN = 2.0    # ... modelgate's QPS with mirroring >= 2x nginx mirror's
RSS_SLOW_MAX = 1.25        # memory bounded: slow shadow's peak RSS <= 1.25x the healthy one's
RSS_GROWTH_MAX = 1.10      # ... and no growth from the end of round 1 to the end of the run


NGINX_EVENTS = {"refused streams": "concurrent streams exceeded",
                "connections closed for refused streams": "too many refused streams"}


def nginx_events(work, name):
    """Counts of the events in NGINX_EVENTS in nginx `name`'s error log (info level)."""
    try:
        with open(os.path.join(work, name, "nginx-error.log")) as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    return {what: text.count(needle) for what, needle in NGINX_EVENTS.items()}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def sample_rss(targets):
    """After every round: each proxy's resident set (KiB), to see whether it keeps growing."""
    for t in targets.values():
        if t["proc"]:
            t["rss_rounds"].append(proc_status_kib(t["proc"].pids(), "VmRSS"))


def shadow_ratios(summary, levels):
    """Per level: the ratios issue 10 asks for (None where a target was not measured)."""
    def get(name, c, key):
        s = summary.get(f"{name}@{c}")
        return s[key] if s else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    out = {}
    for c in levels:
        p99 = {n: get(n, c, "p99_ms") for n in SHADOW_TARGETS}
        qps = {n: get(n, c, "qps") for n in SHADOW_TARGETS}
        out[c] = {
            "shadow_p99_vs_off": ratio(p99["modelgate-shadow"], p99["modelgate"]),
            "slow_p99_vs_off": ratio(p99["modelgate-shadow-slow"], p99["modelgate"]),
            "slow_p99_vs_shadow": ratio(p99["modelgate-shadow-slow"], p99["modelgate-shadow"]),
            "shadow_qps_vs_nginx_mirror": ratio(qps["modelgate-shadow"], qps["nginx-mirror"]),
            "slow_qps_vs_nginx_mirror_slow": ratio(qps["modelgate-shadow-slow"],
                                                   qps["nginx-mirror-slow"]),
            "nginx_mirror_p99_vs_nginx": ratio(p99["nginx-mirror"], p99["nginx"]),
            "nginx_mirror_slow_p99_vs_mirror": ratio(p99["nginx-mirror-slow"],
                                                     p99["nginx-mirror"]),
            "nginx_mirror_qps_vs_direct": ratio(qps["nginx-mirror"], qps["direct"]),
        }
    return out


def verdict(per_level, ok):
    """PASS if every level's value passes, FAIL if any fails, n/a if none was measured; with
    the values per level after a colon."""
    vals = {c: v for c, v in per_level.items() if v is not None}
    if not vals:
        return "n/a"
    detail = ", ".join(f"{c} in flight {v:.2f}" for c, v in vals.items())
    return ("PASS" if all(ok(v) for v in vals.values()) else "FAIL") + ": " + detail


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def report_shadow(args, ctx, results, names, levels, targets, load_before):
    header = (f"Machine: {machine()}; load average {load_before} at start, {loadavg()} at end "
              f"(a shared, noisy machine: other builds ran beside this benchmark). ModelInfer, "
              f"{args.repeats} interleaved rounds of {args.duration:g} s per cell, closed loop over "
              f"1 connection, medians; every proxy with 1 worker/thread. Backends: primary and "
              f"healthy shadow --latency_ms={args.primary_latency_ms}, slow shadow "
              f"--latency_ms={args.slow_latency_ms}; modelgate shadow.max_inflight "
              f"{args.max_inflight}. QPS counts successful calls; latencies are of all calls." +
              (f" Shadow backends ran under nice -n {args.shadow_nice} (CPU isolation of the "
               f"shadow from the primary path, as on separate machines)."
               if args.shadow_nice else ""))
    summary = summarize(results, names, levels)
    lines = [header, "",
             "| in flight | target | QPS | p50 ms | p99 ms | QPS ÷ direct | proxy CPU µs/call "
             "| failed calls | shadow copies OK / dropped per call |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in summary.values():
        rows = s["rounds"]
        failed = sum(x.get("failed", 0) for x in rows)
        copies = "-"
        if targets[s["target"]]["reach"] and any("shadow" in x for x in rows):
            done = sum(x["completed"] for x in rows)
            ok = sum(x["shadow"].get("ok", 0) for x in rows)
            dropped = sum(v for x in rows for k, v in x["shadow"].items()
                          if k.startswith("dropped"))
            other = sum(x["shadow"].get("failed", 0) for x in rows)
            copies = f"{ok / done:.3f} / {dropped / done:.3f}" + (
                f" (+{other / done:.3f} failed)" if other else "")
        lines.append(f"| {s['in_flight']} | {s['target']} | {s['qps']:.0f} | {s['p50_ms']:.3f} | "
                     f"{s['p99_ms']:.3f} | {s['ratio']:.2f} | {fmt(s['cpu_us'], '.0f')} | "
                     f"{failed} | {copies} |")
    lines += ["", "| proxy | peak RSS MiB (VmHWM) | RSS MiB after each round | new TCP sockets to "
              "its shadow backend in the 2 s warm-up | nginx error log (whole run) |",
              "|---|---|---|---|---|"]
    for name in names:
        t = targets[name]
        if not t["proc"]:
            continue
        sockets = "-"
        if t["reach"] and "warmup_new_sockets" in t:
            sockets = f"{t['warmup_new_sockets']} for {t['warmup_calls']} calls"
        if name.startswith("nginx"):
            t["nginx_events"] = nginx_events(ctx["work"], name)
        events = ", ".join(f"{n} {what}" for what, n in t.get("nginx_events", {}).items())
        lines.append(f"| {name} | {t['hwm_kib'] / 1024:.1f} | "
                     f"{', '.join(f'{k / 1024:.1f}' for k in t['rss_rounds'])} | {sockets} | "
                     f"{events or '-'} |")

    ratios = shadow_ratios(summary, levels)
    lines += ["", "| in flight | shadow p99 ÷ off | slow p99 ÷ off | slow p99 ÷ shadow | "
              "modelgate-shadow QPS ÷ nginx-mirror | slow QPS ÷ nginx-mirror-slow | "
              "nginx-mirror p99 ÷ nginx | nginx-mirror-slow p99 ÷ nginx-mirror |",
              "|---|---|---|---|---|---|---|---|"]
    for c, r in ratios.items():
        lines.append(f"| {c} | " + " | ".join(fmt(r[k]) for k in list(r)[:7]) + " |")

    per_level = lambda key: {c: r[key] for c, r in ratios.items()}
    mg = [n for n in names if n.startswith("modelgate")]
    failed_mg = sum(x.get("failed", 0) for (n, c), rows in results.items() if n in mg
                    for x in rows)
    t_shadow, t_slow = targets.get("modelgate-shadow"), targets.get("modelgate-shadow-slow")
    memory = "n/a"
    if t_shadow and t_slow:
        peak_ok = t_slow["hwm_kib"] <= RSS_SLOW_MAX * t_shadow["hwm_kib"]
        rr = t_slow["rss_rounds"]
        growth_ok = len(rr) < 2 or rr[-1] <= RSS_GROWTH_MAX * rr[0]
        memory = (f"{'PASS' if peak_ok and growth_ok else 'FAIL'}: slow-shadow peak RSS "
                  f"{t_slow['hwm_kib'] / 1024:.1f} MiB vs healthy shadow "
                  f"{t_shadow['hwm_kib'] / 1024:.1f} MiB (limit {RSS_SLOW_MAX}x); RSS "
                  f"{rr[0] / 1024:.1f} MiB after round 1, {rr[-1] / 1024:.1f} at the end "
                  f"(limit {RSS_GROWTH_MAX}x)")
    verdicts = {
        "primary p99 with a healthy shadow <= 1.3x shadow-off, every level":
            verdict(per_level("shadow_p99_vs_off"), lambda v: v <= P99_SHADOW_MAX),
        "primary p99 with a 10x-slow shadow within 10% of the healthy shadow's, every level":
            verdict(per_level("slow_p99_vs_shadow"), lambda v: v <= P99_SLOW_MAX),
        "memory bounded with the slow shadow": memory,
        # Where nginx-mirror already runs at half of direct-to-backend or more (1 in flight:
        # every call waits out the backend's latency), 2x would beat the backend itself.
        "modelgate-shadow QPS >= 2x nginx-mirror's, every level where nginx-mirror runs below "
        "half of direct's":
            verdict({c: (r["shadow_qps_vs_nginx_mirror"]
                         if (r["nginx_mirror_qps_vs_direct"] or 1) < 1 / QPS_VS_MIRROR_MIN
                         else None) for c, r in ratios.items()},
                    lambda v: v >= QPS_VS_MIRROR_MIN),
        "no failed call through any modelgate target":
            ("PASS" if failed_mg == 0 else f"FAIL ({failed_mg} failed)") if mg else "n/a",
    }
    lines.append("")
    for what, v in verdicts.items():
        lines.append(f"{v.split(':')[0]:<4}  {what}" + (f" ({v.split(': ', 1)[1]})"
                                                        if ": " in v else ""))
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump({"header": header, "cells": summary, "ratios": ratios,
                       "verdicts": verdicts,
                       "proxies": {n: {k: t.get(k) for k in ("hwm_kib", "rss_rounds",
                                                               "warmup_new_sockets",
                                                               "warmup_calls",
                                                               "nginx_events")}
                                   for n, t in targets.items() if t["proc"]}}, f, indent=2)


# ---------------------------------------------------------------- main


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=5, help="seconds per cell")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of the whole sweep")
    ap.add_argument("--concurrency", default="1,16,64", help="calls in flight, comma-separated")
    ap.add_argument("--targets", default="", help="comma-separated subset of: " +
                    ", ".join(BASE_TARGETS + VARIANT_NAMES))
    ap.add_argument("--streaming", action="store_true")
    ap.add_argument("--monitors", action="store_true")
    ap.add_argument("--bidi", action="store_true",
                    help="messages/s through long-lived ping-pong bidi streams (Echo/Bidi)")
    ap.add_argument("--access-log", action="store_true",
                    help="add modelgate+access-log (the route of modelgate, with access_log on)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--baseline", default="",
                    help="another modelgate binary: each modelgate target is also measured "
                         "with it (NAME@baseline), in the same run, for before/after figures")
    ap.add_argument("--out", default="")
    ap.add_argument("--shadow", action="store_true",
                    help="the shadow-mirroring scenario set instead (see above)")
    ap.add_argument("--primary-latency-ms", type=int, default=1,
                    help="--shadow: latency of the primary and the healthy shadow backend")
    ap.add_argument("--slow-latency-ms", type=int, default=0,
                    help="--shadow: latency of the slow shadow backend (default 10x primary)")
    ap.add_argument("--max-inflight", type=int, default=100,
                    help="--shadow: modelgate's shadow.max_inflight")
    ap.add_argument("--shadow-nice", type=int, default=0,
                    help="--shadow: run the shadow backends under `nice -n N` (19: they get "
                         "only CPU the primary path leaves idle, as if they ran on other "
                         "machines, which a 2-core box cannot give them)")
    args = ap.parse_args()
    if args.bidi and (args.shadow or args.streaming or args.monitors):
        ap.error("--bidi measures Echo/Bidi streams: no --shadow, --streaming or --monitors")
    if args.shadow and (args.streaming or args.monitors):
        ap.error("--shadow measures ModelInfer only: no --streaming or --monitors with it")
    if args.shadow and args.primary_latency_ms < 1:
        ap.error("--primary-latency-ms must be at least 1 (the slow shadow is a multiple of it)")
    args.slow_latency_ms = args.slow_latency_ms or 10 * args.primary_latency_ms
    return args


def target_names(args):
    """The targets to measure, in a fixed base order; direct always first."""
    if args.shadow:
        wanted = [t for t in args.targets.split(",") if t] or SHADOW_TARGETS
        for t in wanted:
            if t not in SHADOW_TARGETS:
                sys.exit(f"bench: unknown --shadow target {t!r} (known: "
                         f"{', '.join(SHADOW_TARGETS)})")
        names = ["direct"] + [t for t in SHADOW_TARGETS if t in wanted and t != "direct"]
        if args.baseline:
            names += [t + BASELINE_SUFFIX for t in names if t.startswith("modelgate")]
        return names
    variants = [v for flag, vs in VARIANTS.items() if getattr(args, flag) for v in vs]
    known = BASE_TARGETS[:2] + VARIANT_NAMES + BASE_TARGETS[2:]  # table order
    wanted = [t for t in args.targets.split(",") if t] or BASE_TARGETS + variants
    for t in wanted:
        if t not in known:
            sys.exit(f"bench: unknown target {t!r} (known: {', '.join(known)})")
    for t in VARIANTS["streaming"]:
        if t in wanted and not args.streaming:
            sys.exit(f"bench: {t} needs --streaming (ModelInfer is always unary)")
    names = ["direct"] + [t for t in known if t in wanted and t != "direct"]
    if args.baseline:
        mg = [t for t in names if t.startswith("modelgate")]
        names += [t + BASELINE_SUFFIX for t in mg]
    return names


def start_all(args, names, work, procs):
    binary = lambda n: os.path.join(args.build_dir, "bin", n)
    levels = [int(c) for c in args.concurrency.split(",")]
    ctx = {"work": work, "binary": binary, "streaming": args.streaming, "bidi": args.bidi,
           "streams": max(128, max(levels)), "load": binary("modelgate-load"),
           "method": ECHO_BIDI if args.bidi else ECHO_UNARY if args.streaming else MODEL_INFER,
           "backend_procs": {},
           "baseline": os.path.abspath(args.baseline) if args.baseline else "",
           "shadow": args.shadow, "tolerate_errors": args.shadow,
           # --shadow: a mirror subrequest keeps its client stream counted until the copy is
           # answered; at 128 nginx refused streams (then closed the connection) already at 16
           # in flight, so every nginx of the shadow set gets 8x the limit, in its favour.
           "nginx_streams": 8 * max(128, max(levels)), "max_inflight": args.max_inflight}
    backends = {"legacy": [], "candidate": []}
    if args.shadow:  # every primary is the same legacy backend with the same latency
        fast, slow = str(args.primary_latency_ms), str(args.slow_latency_ms)
        backends = {"legacy": ["--latency_ms", fast], "candidate": ["--latency_ms", fast],
                    "candidate-slow": ["--latency_ms", slow]}
    for b, extra in backends.items():
        nice = ["nice", "-n", str(args.shadow_nice)] if args.shadow and b != "legacy" else []
        p = Proc(nice + [binary("modelgate-fake-model"), "--name", b] + extra, b, r"listening on")
        procs.append(p)
        ctx["backend_procs"][b] = p
        ctx[b] = p.first_line.split()[-1]
    targets = {}
    for name in names:
        proc, addr, reach = start_target(name, ctx)
        if proc:
            procs.append(proc)
        targets[name] = {"name": name, "proc": proc, "addr": addr, "reach": reach,
                         "rss_rounds": []}
    return ctx, targets, levels


def log_report(targets):
    """Per modelgate target: its warning/error lines over the whole run, counted."""
    lines = []
    for name, t in targets.items():
        log = getattr(t["proc"], "log", None) if t["proc"] else None
        if not log:
            continue
        problems = log_problems(log)
        if not problems:
            lines.append(f"- {name}: no warning or error")
            continue
        lines.append(f"- {name}: {sum(problems.values())} warning/error lines")
        for (level, text), n in sorted(problems.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(f"  - {level} x{n}: {text[:300]}")
    return "modelgate logs (warnings and errors, whole run):\n" + "\n".join(lines)


def report(args, ctx, results, names, levels, targets, load_before):
    header = (f"Machine: {machine()}; load average {load_before} at start, {loadavg()} at end "
              f"(shared, noisy machine); method {ctx['method']}; {args.repeats} interleaved rounds "
              f"of {args.duration:g} s per cell, closed loop over 1 connection, medians; every "
              f"proxy with 1 worker/thread." +
              (" --bidi: 'in flight' = ping-pong streams kept open; QPS = messages/s, latency "
               "and CPU per message." if args.bidi else ""))
    summary = summarize(results, names, levels)
    text = table(summary, header) + "\n\n" + backend_split(summary) + "\n\n" + \
        log_report(targets)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump({"header": header, "cells": summary}, f, indent=2)


def main():
    args = parse_args()
    names = target_names(args)
    work = tempfile.mkdtemp(prefix="modelgate-bench-")
    procs = []
    try:
        load_before = loadavg()
        ctx, targets, levels = start_all(args, names, work, procs)
        for t in targets.values():
            check_reach(ctx, t)
        if args.shadow:
            results = sweep(ctx, targets, levels, args.repeats, args.duration,
                            lambda: sample_rss(targets))
            for t in targets.values():  # peak RSS over the whole run, read before stopping
                t["hwm_kib"] = proc_status_kib(t["proc"].pids(), "VmHWM") if t["proc"] else None
            report_shadow(args, ctx, results, names, levels, targets, load_before)
        else:
            results = sweep(ctx, targets, levels, args.repeats, args.duration)
            report(args, ctx, results, names, levels, targets, load_before)
    except BenchError as e:
        sys.exit(f"bench: FAILED: {e}")
    finally:
        for p in reversed(procs):
            p.stop()
        if args.out and os.path.isdir(os.path.join(work, "logs")):
            keep = os.path.splitext(args.out)[0] + ".logs"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(os.path.join(work, "logs"), keep)
            print(f"bench: modelgate logs in {keep}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
