#!/usr/bin/python3
"""modelgate benchmark: direct-to-backend vs modelgate vs nginx grpc_pass, in ONE run.

For each number of calls in flight (default 1, 16, 64) and each target, modelgate-load drives
closed-loop unary ModelInfer calls; targets are interleaved and the whole sweep repeated, and
medians are reported: QPS, p50/p99 latency, QPS as a fraction of direct-to-backend measured in the
same run, and the proxy's CPU microseconds per call (utime+stime of the proxy's processes from
/proc, divided by calls completed). Everything runs on 127.0.0.1.

  targets  direct     modelgate-load -> legacy fake model
           modelgate  -> modelgate (A/B route 90/10 legacy/candidate, sticky key) -> fake models
           nginx      -> nginx grpc_pass (upstream weights 9/1, keepalive) -> fake models
           modelgate+monitors   (with --monitors) the same route with live statistics and output
                      drift on (monitor block, every payload decoded): the monitoring cost
           modelgate-streaming  (with --streaming) a second modelgate that does not know the
                      method is unary, so it forwards it on its general streaming path
Both proxies get one worker thread/process, the fair comparison for a sidecar.

Usage: bench/run.py [--duration 5] [--repeats 3] [--concurrency 1,16,64] [--streaming] [--out FILE]
  --streaming  measure /modelgate.testing.Echo/Unary instead of ModelInfer, through both of
               modelgate's forwarding paths (the fast path is enabled with proxy.unary_methods)
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except FileNotFoundError:
            pass
    return total / CLK_TCK


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]
    except Exception:
        return []


class Proc:
    def __init__(self, argv, name, wait_line=None, cwd=None):
        self.name = name
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, cwd=cwd)
        self.first_line = None
        if wait_line:
            line = self.p.stdout.readline()
            if not re.search(wait_line, line or ""):
                self.stop()
                sys.exit(f"bench: {name} did not start (got {line!r})")
            self.first_line = line.strip()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def wait_port(port, timeout=10):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(work, legacy, candidate):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = f"""
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
  upstream models {{
    server {legacy} weight=9;
    server {candidate} weight=1;
    keepalive 128;
  }}
  server {{
    listen 127.0.0.1:{port} http2;
    http2_max_concurrent_streams 1024;
    location / {{
      grpc_pass grpc://models;
    }}
  }}
}}
"""
    path = os.path.join(work, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    proc = Proc([nginx, "-c", path, "-p", work, "-g", "daemon off;"], "nginx")
    if not wait_port(port):
        proc.stop()
        sys.exit("bench: nginx did not start; see " + work + "/nginx-error.log")
    return proc, f"127.0.0.1:{port}"


def run_load(load_bin, target, concurrency, duration, sticky, method):
    argv = [load_bin, "--target", target, "--concurrency", str(concurrency), "--duration",
            str(duration), "--json", "--arm_header", "", "--method", method]
    if sticky:
        argv += ["--sticky_header", "x-user-id", "--keys", "10000"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        sys.exit(f"bench: load against {target} failed: {out.stderr}")
    return json.loads(out.stdout)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} vCPU {model}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default="")
    ap.add_argument("--no-nginx", action="store_true")
    ap.add_argument("--streaming", action="store_true")
    ap.add_argument("--monitors", action="store_true")
    args = ap.parse_args()
    method = "/modelgate.testing.Echo/Unary" if args.streaming else "/inference.GRPCInferenceService/ModelInfer"
    levels = [int(c) for c in args.concurrency.split(",")]
    binary = lambda n: os.path.join(args.build_dir, "bin", n)

    work = tempfile.mkdtemp(prefix="modelgate-bench-")
    procs = []
    try:
        legacy = Proc([binary("modelgate-fake-model"), "--name", "legacy"], "legacy", r"listening on")
        procs.append(legacy)
        candidate = Proc([binary("modelgate-fake-model"), "--name", "candidate"], "candidate", r"listening on")
        procs.append(candidate)
        legacy_addr = legacy.first_line.split()[-1]
        candidate_addr = candidate.first_line.split()[-1]

        def start_modelgate(name, unary_methods, monitor=""):
            cfg = os.path.join(work, name + ".yaml")
            with open(cfg, "w") as f:
                f.write(f"""listen: 127.0.0.1:0
admin: {{listen: 127.0.0.1:0}}
proxy:
  threads: 1
  unary_methods: {unary_methods}
backends:
  - {{name: legacy, address: {legacy_addr}}}
  - {{name: candidate, address: {candidate_addr}}}
routes:
  - name: infer
    strategy: ab
    ab:
      arms: [{{backend: legacy, weight: 90}}, {{backend: candidate, weight: 10}}]
      sticky_header: x-user-id
{monitor}""")
            proc = Proc([binary("modelgate"), "serve", "--config", cfg], name, r"modelgate listening")
            procs.append(proc)
            return proc, re.search(r"grpc=(\S+)", proc.first_line).group(1)

        mg, mg_addr = start_modelgate("modelgate", "[/modelgate.testing.Echo/Unary]" if args.streaming else "[]")
        targets = {"direct": (legacy_addr, []), "modelgate": (mg_addr, [mg.p.pid])}
        if args.monitors:
            monitor = """    monitor:
      payload: inference_v2
      sample_rate: 1
      queue_size: 4096
      drift: {reference_samples: 1000, window_seconds: 60}
"""
            mgm, mgm_addr = start_modelgate("modelgate-monitors", "[]", monitor)
            targets["modelgate+monitors"] = (mgm_addr, [mgm.p.pid])
        if args.streaming:
            mgs, mgs_addr = start_modelgate("modelgate-streaming", "[]")
            targets["modelgate-streaming"] = (mgs_addr, [mgs.p.pid])
        if not args.no_nginx:
            ngx, ngx_addr = start_nginx(work, legacy_addr, candidate_addr)
            procs.append(ngx)
            time.sleep(0.2)
            targets["nginx"] = (ngx_addr, [ngx.p.pid] + children(ngx.p.pid))

        load = binary("modelgate-load")
        # Warm every path (connections, caches) once, unmeasured.
        for name, (addr, _) in targets.items():
            run_load(load, addr, 16, 1, True, method)

        results = {}  # (target, c) -> list of dicts
        names = list(targets)
        for r in range(args.repeats):
            for c in levels:
                order = names[r % len(names):] + names[:r % len(names)]  # rotate: no fixed order
                for name in order:
                    addr, pids = targets[name]
                    before = cpu_seconds(pids)
                    res = run_load(load, addr, c, args.duration, True, method)
                    cpu = cpu_seconds(pids) - before
                    done = max(res["completed"], 1)
                    results.setdefault((name, c), []).append({
                        "qps": res["qps"], "p50": res["latency_ms"]["p50"], "p99": res["latency_ms"]["p99"],
                        "cpu_us": cpu / done * 1e6 if pids else None, "errors": done - res.get("ok", done)})
                    print(f"round {r+1} c={c:<3} {name:<20} qps={res['qps']:9.0f} p50={res['latency_ms']['p50']:.3f}ms"
                          f" p99={res['latency_ms']['p99']:.3f}ms" +
                          (f" cpu={cpu/done*1e6:.0f}us/call" if pids else ""), file=sys.stderr)

        med = lambda xs: statistics.median(xs) if xs else float("nan")
        lines = [f"Machine: {machine()}; method {method}; {args.repeats} interleaved rounds of "
                 f"{args.duration:g} s per cell, medians.",
                 "",
                 "| in flight | target | QPS | p50 ms | p99 ms | QPS / direct | proxy CPU µs/call |",
                 "|---|---|---|---|---|---|---|"]
        summary = {}
        for c in levels:
            direct_qps = med([x["qps"] for x in results[("direct", c)]])
            for name in names:
                rows = results[(name, c)]
                qps = med([x["qps"] for x in rows])
                cpu = med([x["cpu_us"] for x in rows]) if rows[0]["cpu_us"] is not None else None
                ratio = qps / direct_qps
                summary[f"{name}@{c}"] = {"qps": qps, "ratio": ratio, "cpu_us": cpu}
                lines.append(f"| {c} | {name} | {qps:.0f} | {med([x['p50'] for x in rows]):.3f} | "
                             f"{med([x['p99'] for x in rows]):.3f} | {ratio:.2f} | "
                             f"{'-' if cpu is None else f'{cpu:.0f}'} |")
        table = "\n".join(lines)
        print(table)
        if args.out:
            with open(args.out, "w") as f:
                f.write(table + "\n")
            with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
                json.dump(summary, f, indent=2)
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
