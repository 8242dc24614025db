#!/usr/bin/env bash
# The shadow demo: a legacy model answers every user; a candidate whose output0 is shifted by
# +0.05 and which is 1 ms slower gets a copy of every call, and so does a second legacy
# instance (the noise reference). Both models also return a `nonce` output that is random per
# call: noise cancellation recognises it as noise, and still reports the real change in output0.
# Prints what users saw, the comparison report, a few diff samples and the shadow metrics. Ends
# by itself and leaves no process behind.
# Usage: scripts/demo.sh shadow [seconds]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-15}
source scripts/demo_lib.sh

start "$WORK/legacy" "$BIN/modelgate-fake-model" --name legacy --version v1 --latency_ms 1 \
  --nonce_output --seed 1
start "$WORK/candidate" "$BIN/modelgate-fake-model" --name candidate --version v1 --latency_ms 2 \
  --output_shift 0.05 --nonce_output --seed 2
start "$WORK/legacy-b" "$BIN/modelgate-fake-model" --name legacy-b --version v1 --latency_ms 1 \
  --nonce_output --seed 3
LEGACY=$(address_of "$WORK/legacy")
CANDIDATE=$(address_of "$WORK/candidate")
LEGACY_B=$(address_of "$WORK/legacy-b")
sed -e "s/127.0.0.1:9001/$LEGACY/; s/127.0.0.1:9002/$CANDIDATE/; s/127.0.0.1:9003/$LEGACY_B/" \
    -e "s/127.0.0.1:8500/127.0.0.1:0/; s/127.0.0.1:9901/127.0.0.1:0/" config/shadow-demo.yaml \
    >"$WORK/shadow.yaml"
"$BIN/modelgate" check-config "$WORK/shadow.yaml" >/dev/null
start "$WORK/modelgate" "$BIN/modelgate" serve --config "$WORK/shadow.yaml"
GRPC=$(grep -o 'grpc=[^ ]*' "$WORK/modelgate" | cut -d= -f2)
ADMIN=$(grep -o 'admin=[^ ]*' "$WORK/modelgate" | cut -d= -f2)

echo "modelgate on $GRPC: route 'infer' answers from legacy $LEGACY and mirrors every call to"
echo "  candidate $CANDIDATE (output0 +0.05, +1 ms) and legacy-b $LEGACY_B (noise reference)"
echo "comparison: http://$ADMIN/api/v1/routes/infer/shadow   diffs: http://$ADMIN/api/v1/routes/infer/diffs"
echo "sending ModelInfer for ${SECONDS_TO_RUN}s, 8 in flight..."
echo
"$BIN/modelgate-load" --target "$GRPC" --concurrency 8 --duration "$SECONDS_TO_RUN" --model demo
echo
/usr/bin/python3 - "http://$ADMIN" <<'PY'
import json, sys, time, urllib.request
admin = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(admin + p, timeout=5))
time.sleep(0.5)  # let the comparer drain its queue (it polls every 10 ms)
r = get("/api/v1/routes/infer/shadow")
print(f"compared {r['compared']} calls (dropped {r['dropped']})")
for s in r["shadows"]:
    lat = s["latency_delta_seconds"]
    print(f"shadow {s['shadow']}: status agreement {s['status']['agreement_rate']}, "
          f"byte-identical {s['bytes']['equal_rate']}, latency delta p50 "
          f"{lat['p50'] * 1000:.2f} ms p99 {lat['p99'] * 1000:.2f} ms")
    for f in s["outputs"]["fields"]:
        print(f"  {f['field']:<8} raw difference rate {f['raw_difference_rate']:.3f}  noise "
              f"{f['noise_difference_rate']}  adjusted {f['adjusted_difference_rate']}  -> "
              f"{f['noise_status']}  (max |error| {f['abs_error']['max']})")
d = get("/api/v1/routes/infer/diffs")
print(f"diff samples kept {d['kept']} of {d['seen']}; newest:")
for x in d["diffs"][:3]:
    print(f"  {x['request_id']} {x['field']}[{x['element']}] {x['kind']}: "
          f"primary {x['primary']} shadow {x['shadow_value']}")
PY
echo
echo "shadow metrics:"
curl -s "http://$ADMIN/metrics" | grep -E '^modelgate_shadow_(requests_total|dropped_total|tensor_difference_rate|status_agreement)' | sed 's/^/  /'
