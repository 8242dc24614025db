#!/usr/bin/env bash
# The demo: builds modelgate, starts three fake model servers (legacy; a candidate that is 2 ms
# slower with shifted outputs; a twin identical to legacy), puts modelgate in front of them with
# config/demo.yaml (a sticky A/B/C test with live statistics), drives traffic with
# modelgate-load and prints a summary: per-arm counts and latency, and the statistics report.
# Ends by itself (or on Ctrl-C) and leaves no process behind.
# Usage: scripts/demo.sh [seconds]   (default 20)
#        scripts/demo.sh canary          (the canary demo: scripts/demo_canary.sh)
#        scripts/demo.sh shadow [seconds] (the shadow demo: scripts/demo_shadow.sh)
#        scripts/demo.sh interleave [users] (the interleave demo: scripts/demo_interleave.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = canary ]; then exec bash scripts/demo_canary.sh; fi
if [ "${1:-}" = shadow ]; then shift; exec bash scripts/demo_shadow.sh "$@"; fi
if [ "${1:-}" = interleave ]; then shift; exec bash scripts/demo_interleave.sh "$@"; fi
SECONDS_TO_RUN=${1:-20}
source scripts/demo_lib.sh

COMMON=(--latency_ms 1 --latency_jitter_ms 1 --output_noise 0.1)
start "$WORK/legacy" "$BIN/modelgate-fake-model" --name legacy "${COMMON[@]}"
start "$WORK/candidate" "$BIN/modelgate-fake-model" --name candidate --latency_ms 3 \
  --latency_jitter_ms 1 --output_noise 0.1 --output_shift 0.3 --raw_output
start "$WORK/twin" "$BIN/modelgate-fake-model" --name twin "${COMMON[@]}"
LEGACY=$(grep -o '127.0.0.1:[0-9]*' "$WORK/legacy")
CANDIDATE=$(grep -o '127.0.0.1:[0-9]*' "$WORK/candidate")
TWIN=$(grep -o '127.0.0.1:[0-9]*' "$WORK/twin")

sed -e "s/127.0.0.1:9001/$LEGACY/; s/127.0.0.1:9002/$CANDIDATE/; s/127.0.0.1:9003/$TWIN/" \
    -e "s/127.0.0.1:8500/127.0.0.1:0/; s/127.0.0.1:9901/127.0.0.1:0/" config/demo.yaml >"$WORK/demo.yaml"
"$BIN/modelgate" check-config "$WORK/demo.yaml" >/dev/null
start "$WORK/modelgate" "$BIN/modelgate" serve --config "$WORK/demo.yaml"
GRPC=$(grep -o 'grpc=[^ ]*' "$WORK/modelgate" | cut -d= -f2)
ADMIN=$(grep -o 'admin=[^ ]*' "$WORK/modelgate" | cut -d= -f2)

echo "modelgate on $GRPC: route 'infer' splits users (x-user-id) 34/33/33 between"
echo "  legacy $LEGACY, candidate $CANDIDATE (+2 ms, outputs +0.3), twin $TWIN (same as legacy)"
echo "metrics:    http://$ADMIN/metrics      readiness: http://$ADMIN/readyz"
echo "statistics: http://$ADMIN/api/v1/routes/infer/stats"
echo "sending ModelInfer for ${SECONDS_TO_RUN}s, 8 in flight, 20000 users..."
echo
"$BIN/modelgate-load" --target "$GRPC" --concurrency 8 --duration "$SECONDS_TO_RUN" \
  --sticky_header x-user-id --keys 20000 --model demo
echo
echo "modelgate's view (GET /api/v1/routes/infer/stats):"
/usr/bin/python3 scripts/show_stats.py "http://$ADMIN" infer | sed 's/^/  /'
