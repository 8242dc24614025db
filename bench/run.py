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
  modelgate-streaming  (--streaming) a modelgate that does not know the method is unary, so it
                       forwards it on its general streaming path

Peer settings (see nginx_conf / haproxy_h2_conf / haproxy_tcp_conf): keepalive_requests raised
on nginx's client and upstream sides (1.22 defaults to 1000: a GOAWAY, or a new upstream
connection, every 1000 calls), access logs off, upstream connection reuse, stream limits above
the highest concurrency, message/body limits 16 MiB like modelgate's default.

Every call must succeed: a target with any failed call stops the run (exit 1), and each routing
target must be seen to reach the candidate backend (its CPU time grows) during the warm-up.

Usage (after building modelgate, modelgate-fake-model and modelgate-load into build/):
  bench/run.py [--duration 5] [--repeats 3] [--concurrency 1,16,64]
               [--targets direct,modelgate,nginx,haproxy,haproxy-tcp] [--streaming] [--monitors]
               [--out FILE]
  --streaming  measure /modelgate.testing.Echo/Unary instead of ModelInfer, through both of
               modelgate's forwarding paths (the fast path enabled with proxy.unary_methods)
  --monitors   add modelgate+monitors (meant for ModelInfer: its monitor decodes inference_v2)
  --targets    measure only these (direct is always measured: the ratios need it)
  --out FILE   also write the table to FILE and the raw rounds to FILE's stem + .json
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MODEL_INFER = "/inference.GRPCInferenceService/ModelInfer"
ECHO_UNARY = "/modelgate.testing.Echo/Unary"
BASE_TARGETS = ["direct", "modelgate", "nginx", "haproxy", "haproxy-tcp"]
VARIANTS = {"monitors": "modelgate+monitors", "streaming": "modelgate-streaming"}
BASELINE_SUFFIX = "@baseline"
MAX_BODY = "16m"  # the same limit as modelgate's default proxy.max_message_bytes (16 MiB)
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

    def __init__(self, argv, name, wait_line=None):
        self.name = name
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True)
        self.first_line = None
        if wait_line:
            line = self.p.stdout.readline()
            if not re.search(wait_line, line or ""):
                self.stop()
                raise BenchError(f"{name} did not start (got {line!r})")
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


def nginx_conf(work, port, legacy, candidate, streams):
    """nginx 1.22 as production would run it in front of gRPC backends, with one worker."""
    return f"""
worker_processes 1;
error_log {work}/nginx-error.log warn;
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
  upstream models {{
    server {legacy} weight=9;
    server {candidate} weight=1;
    # nginx sends one call at a time per upstream connection: cache as many idle ones as calls
    # can be in flight, and do not retire them every 1000 calls.
    keepalive {streams};
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }}
  server {{
    listen 127.0.0.1:{port} http2;
    location / {{
      grpc_pass grpc://models;
      grpc_buffer_size 16k;
    }}
  }}
}}
"""


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


# ---------------------------------------------------------------- starting the targets


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def start_nginx(work, legacy, candidate, streams):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = write(work, "nginx.conf", nginx_conf(work, port, legacy, candidate, streams))
    base = [nginx, "-c", conf, "-p", work, "-e", os.path.join(work, "nginx-error.log")]
    check_config(base + ["-t", "-q"], "nginx")
    proc = Proc(base + ["-g", "daemon off;"], "nginx")
    if not wait_port(port):
        proc.stop()
        raise BenchError(f"nginx did not start; see {work}/nginx-error.log")
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


def start_modelgate(work, binary, name, legacy, candidate, unary_methods, monitor=""):
    cfg = write(work, name + ".yaml", modelgate_conf(legacy, candidate, unary_methods, monitor))
    proc = Proc([binary("modelgate"), "serve", "--config", cfg], name, r"modelgate listening")
    return proc, re.search(r"grpc=(\S+)", proc.first_line).group(1)


def start_target(name, ctx):
    """Starts target `name`; returns (Proc or None, address, routes_per_call)."""
    legacy, candidate, work, binary = ctx["legacy"], ctx["candidate"], ctx["work"], ctx["binary"]
    if name.endswith(BASELINE_SUFFIX):  # the same modelgate target, another build (--baseline)
        base, sub = ctx["baseline"], os.path.join(work, "baseline")
        os.makedirs(sub, exist_ok=True)  # its own config directory (modelgate watches it)
        proc, addr, routes = start_target(name[:-len(BASELINE_SUFFIX)],
                                          dict(ctx, binary=lambda n: base, work=sub))
        proc.name = name
        return proc, addr, routes
    if name == "direct":
        return None, legacy, False
    if name == "modelgate":  # ModelInfer is known-unary; Echo/Unary is declared so
        fast = f"[{ECHO_UNARY}]" if ctx["streaming"] else "[]"
        return (*start_modelgate(work, binary, name, legacy, candidate, fast), True)
    if name == "modelgate+monitors":  # modelgate's route plus the monitor block, nothing else
        fast = f"[{ECHO_UNARY}]" if ctx["streaming"] else "[]"
        return (*start_modelgate(work, binary, "modelgate-monitors", legacy, candidate, fast,
                                 MONITOR_BLOCK), True)
    if name == "modelgate-streaming":
        return (*start_modelgate(work, binary, name, legacy, candidate, "[]"), True)
    if name == "nginx":
        return (*start_nginx(work, legacy, candidate, ctx["streams"]), True)
    if name == "haproxy":
        conf = lambda port: haproxy_h2_conf(port, legacy, candidate, ctx["streams"])
        return (*start_haproxy(work, "haproxy", conf), True)
    if name == "haproxy-tcp":
        return (*start_haproxy(work, "haproxy-tcp", lambda port: haproxy_tcp_conf(port, legacy)),
                False)
    raise BenchError(f"unknown target {name}")


# ---------------------------------------------------------------- measuring


def run_load(load_bin, target, concurrency, duration, method):
    argv = [load_bin, "--target", target, "--concurrency", str(concurrency), "--duration",
            str(duration), "--json", "--arm_header", "", "--method", method,
            "--sticky_header", "x-user-id", "--keys", "10000"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        raise BenchError(f"modelgate-load against {target} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def measure(ctx, target, concurrency, duration):
    """One cell: load through `target`; proxy and backend CPU seconds over the same interval."""
    name, proc = target["name"], target["proc"]
    proxy_pids = proc.pids() if proc else []
    backends = {b: ctx["backend_procs"][b].pids() for b in ("legacy", "candidate")}
    before = (cpu_seconds(proxy_pids), {b: cpu_seconds(p) for b, p in backends.items()})
    res = run_load(ctx["load"], target["addr"], concurrency, duration, ctx["method"])
    cpu = cpu_seconds(proxy_pids) - before[0]
    backend_cpu = {b: cpu_seconds(p) - before[1][b] for b, p in backends.items()}
    failed = res["completed"] - res["ok"]
    if res["completed"] == 0 or failed:
        raise BenchError(f"{name} at {concurrency} in flight: {failed} of {res['completed']} "
                         f"calls failed {res['errors']}")
    return {"qps": res["qps"], "p50": res["latency_ms"]["p50"], "p99": res["latency_ms"]["p99"],
            "completed": res["completed"],
            "cpu_us": cpu / res["completed"] * 1e6 if proc else None,
            "backend_cpu_s": backend_cpu}


def check_reach(ctx, target):
    """Warm-up that proves the path works: every call succeeds, routers reach the candidate."""
    cell = measure(ctx, target, 16, 2)
    reached = cell["backend_cpu_s"]["candidate"] > 0
    if target["routes"] and not reached:
        raise BenchError(f"{target['name']}: no call reached the candidate backend in warm-up")
    print(f"warm-up {target['name']:<20} ok: {cell['completed']} calls, candidate backend "
          f"{'reached' if reached else 'not reached'}", file=sys.stderr)


def rotated(names, r):
    k = r % len(names)
    return names[k:] + names[:k]


def sweep(ctx, targets, levels, repeats, duration):
    """All cells, `repeats` times, targets interleaved and rotated per round."""
    results = {}
    for r in range(repeats):
        for c in levels:
            for name in rotated(list(targets), r):
                cell = measure(ctx, targets[name], c, duration)
                results.setdefault((name, c), []).append(cell)
                print(f"round {r + 1} c={c:<3} {name:<20} qps={cell['qps']:9.0f} "
                      f"p50={cell['p50']:.3f}ms p99={cell['p99']:.3f}ms" +
                      (f" cpu={cell['cpu_us']:.0f}us/call" if cell["cpu_us"] is not None else ""),
                      file=sys.stderr)
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
            backend = {b: sum(x["backend_cpu_s"][b] for x in rows) for b in ("legacy", "candidate")}
            summary[f"{name}@{c}"] = {
                "in_flight": c, "target": name, "qps": med([x["qps"] for x in rows]),
                "p50_ms": med([x["p50"] for x in rows]), "p99_ms": med([x["p99"] for x in rows]),
                "ratio": med([x["qps"] for x in rows]) / direct_qps,
                "cpu_us": med(cpus) if cpus else None,
                "candidate_cpu_share": backend["candidate"] / max(sum(backend.values()), 1e-9),
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


# ---------------------------------------------------------------- main


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=5, help="seconds per cell")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of the whole sweep")
    ap.add_argument("--concurrency", default="1,16,64", help="calls in flight, comma-separated")
    ap.add_argument("--targets", default="", help="comma-separated subset of: " +
                    ", ".join(BASE_TARGETS + list(VARIANTS.values())))
    ap.add_argument("--streaming", action="store_true")
    ap.add_argument("--monitors", action="store_true")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--baseline", default="",
                    help="another modelgate binary: each modelgate target is also measured "
                         "with it (NAME@baseline), in the same run, for before/after figures")
    ap.add_argument("--out", default="")
    return ap.parse_args()


def target_names(args):
    """The targets to measure, in a fixed base order; direct always first."""
    variants = [v for flag, v in VARIANTS.items() if getattr(args, flag)]
    known = BASE_TARGETS[:2] + list(VARIANTS.values()) + BASE_TARGETS[2:]  # table order
    wanted = [t for t in args.targets.split(",") if t] or BASE_TARGETS + variants
    for t in wanted:
        if t not in known:
            sys.exit(f"bench: unknown target {t!r} (known: {', '.join(known)})")
    if "modelgate-streaming" in wanted and not args.streaming:
        sys.exit("bench: modelgate-streaming needs --streaming (ModelInfer is always unary)")
    names = ["direct"] + [t for t in known if t in wanted and t != "direct"]
    if args.baseline:
        mg = [t for t in names if t.startswith("modelgate")]
        names += [t + BASELINE_SUFFIX for t in mg]
    return names


def start_all(args, names, work, procs):
    binary = lambda n: os.path.join(args.build_dir, "bin", n)
    levels = [int(c) for c in args.concurrency.split(",")]
    ctx = {"work": work, "binary": binary, "streaming": args.streaming,
           "streams": max(128, max(levels)), "load": binary("modelgate-load"),
           "method": ECHO_UNARY if args.streaming else MODEL_INFER, "backend_procs": {},
           "baseline": os.path.abspath(args.baseline) if args.baseline else ""}
    for b in ("legacy", "candidate"):
        p = Proc([binary("modelgate-fake-model"), "--name", b], b, r"listening on")
        procs.append(p)
        ctx["backend_procs"][b] = p
        ctx[b] = p.first_line.split()[-1]
    targets = {}
    for name in names:
        proc, addr, routes = start_target(name, ctx)
        if proc:
            procs.append(proc)
        targets[name] = {"name": name, "proc": proc, "addr": addr, "routes": routes}
    return ctx, targets, levels


def report(args, ctx, results, names, levels):
    header = (f"Machine: {machine()}; method {ctx['method']}; {args.repeats} interleaved rounds "
              f"of {args.duration:g} s per cell, closed loop over 1 connection, medians; every "
              f"proxy with 1 worker/thread.")
    summary = summarize(results, names, levels)
    text = table(summary, header)
    print(text)
    print("\n" + backend_split(summary))
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
        ctx, targets, levels = start_all(args, names, work, procs)
        for t in targets.values():
            check_reach(ctx, t)
        results = sweep(ctx, targets, levels, args.repeats, args.duration)
        report(args, ctx, results, names, levels)
    except BenchError as e:
        sys.exit(f"bench: FAILED: {e}")
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
