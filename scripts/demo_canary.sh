#!/usr/bin/env bash
# The canary demo: a legacy model and a BAD candidate (20% of its calls fail with UNAVAILABLE)
# behind modelgate with config/canary-demo.yaml, under load. The controller rolls the bad
# candidate back within seconds while fallback_to_legacy keeps every user's call successful.
# Then the config is pointed at a GOOD candidate (a new identity starts a new run) and the
# controller promotes it step by step. Prints the canary's state as it moves, the client-visible
# errors, the canary metrics and the audit log. Ends by itself and leaves no process behind.
# Usage: scripts/demo.sh canary
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo_lib.sh

start "$WORK/legacy" "$BIN/modelgate-fake-model" --name legacy --latency_ms 1 --latency_jitter_ms 1
start "$WORK/bad" "$BIN/modelgate-fake-model" --name bad --version bad --latency_ms 1 \
  --latency_jitter_ms 1 --error_rate 0.2 --error_code UNAVAILABLE
start "$WORK/good" "$BIN/modelgate-fake-model" --name good --version good --latency_ms 1 \
  --latency_jitter_ms 1
LEGACY=$(address_of "$WORK/legacy")
BAD=$(address_of "$WORK/bad")
GOOD=$(address_of "$WORK/good")

mkdir -p "$WORK/run"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/run/token"
render() {  # render CANDIDATE_ADDRESS: the demo config with this run's ports
  sed -e "s/127.0.0.1:9001/$LEGACY/; s/127.0.0.1:9002/$1/" \
      -e "s/127.0.0.1:8500/127.0.0.1:0/; s/127.0.0.1:9901/127.0.0.1:0/" config/canary-demo.yaml
}
render "$BAD" >"$WORK/run/config.yaml"
"$BIN/modelgate" check-config "$WORK/run/config.yaml" >/dev/null
start "$WORK/modelgate" "$BIN/modelgate" serve --config "$WORK/run/config.yaml"
GRPC=$(grep -o 'grpc=[^ ]*' "$WORK/modelgate" | cut -d= -f2)
ADMIN=$(grep -o 'admin=[^ ]*' "$WORK/modelgate" | cut -d= -f2)

# watch SECONDS UNTIL_STATE: print the canary's state whenever it changes, until UNTIL_STATE.
watch() {
  /usr/bin/python3 - "http://$ADMIN" "$1" "$2" <<'PY'
import json, sys, time, urllib.request
admin, limit, until = sys.argv[1], float(sys.argv[2]), sys.argv[3]
start, last = time.time(), None
while time.time() - start < limit:
    s = json.load(urllib.request.urlopen(admin + "/api/v1/routes/predict/canary", timeout=5))
    now = (s["state"], s["step"], s["candidate_percent"])
    if now != last:
        print(f"  {time.time() - start:5.1f}s  {s['state']:<12} step {s['step']}  "
              f"candidate {s['candidate_percent']:g}%  ({s['reason']})", flush=True)
        last = now
    if s["state"] == until:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"demo: the canary did not reach {until} in {limit:g} s")
PY
}
# load SECONDS OUT: closed-loop traffic from 20000 users in the background.
load() {
  "$BIN/modelgate-load" --target "$GRPC" --concurrency 8 --duration "$1" \
    --sticky_header x-user-id --keys 20000 --model demo >"$2" 2>&1 &
  PIDS+=($!)
}
# What the users saw: the load generator's call counts by status and by arm.
outcome() { grep -E '^(completed|ok|error|  )' "$1" | sed 's/^/  users: /' || true; }

echo "modelgate on $GRPC, admin http://$ADMIN (token in $WORK/run/token)"
echo
echo "1) a BAD candidate ($BAD: 20% UNAVAILABLE), fallback_to_legacy on:"
load 20 "$WORK/load1"
watch 20 rolled_back
wait "${PIDS[-1]}" || true
outcome "$WORK/load1"
echo
echo "2) the config now names a GOOD candidate ($GOOD): a new identity starts a new run"
render "$GOOD" >"$WORK/run/config.yaml.new" && mv "$WORK/run/config.yaml.new" "$WORK/run/config.yaml"
load 60 "$WORK/load2"
watch 60 promoted
kill -INT "${PIDS[-1]}" 2>/dev/null || true
wait "${PIDS[-1]}" 2>/dev/null || true
outcome "$WORK/load2"
echo
echo "canary metrics (GET /metrics):"
/usr/bin/python3 - "http://$ADMIN/metrics" <<'PY' | sed 's/^/  /'
import sys, urllib.request
for line in urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().splitlines():
    if line.startswith(("modelgate_canary_", "modelgate_fallbacks_total", "modelgate_gate_checks_total{route=\"predict\",gate=\"health\"")):
        if not line.endswith(" 0"):
            print(line)
PY
echo
echo "audit log ($WORK/run/state/audit.log), one line per transition:"
/usr/bin/python3 - "$WORK/run/state/audit.log" <<'PY' | sed 's/^/  /'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    ev = (e.get("evidence") or {}).get("candidate") or {}
    print(f"{e['time'][11:23]} {e['actor']:<10} {e['from']['state']}/{e['from']['step']} -> "
          f"{e['to']['state']}/{e['to']['step']}  candidate {e['to']['candidate_percent']:g}%  "
          f"calls {ev.get('step_requests', '-')} errors {ev.get('step_error_rate', '-')}  {e['reason']}")
PY
