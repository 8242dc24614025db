#!/usr/bin/env bash
# The interleave demo: two fake recommenders rank the items of one simulated world, the legacy
# with more noise than the candidate. modelgate merges their lists into one page per call
# (Team-Draft); simulated users click by a position-biased cascade model and report their
# clicks over the Feedback API on the proxy's port. Prints what the users did and the route's
# preference report. Ends by itself and leaves no process behind.
# Usage: scripts/demo.sh interleave [users]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-1000}
TARGETS_EXTRA=modelgate-interleave-users
source scripts/demo_lib.sh

WORLD=(--recommend_items 1000 --recommend_world_seed 1)
start "$WORK/legacy" "$BIN/modelgate-fake-model" --name legacy "${WORLD[@]}" \
  --recommend_noise 0.3 --recommend_seed 1
start "$WORK/candidate" "$BIN/modelgate-fake-model" --name candidate "${WORLD[@]}" \
  --recommend_noise 0.15 --recommend_seed 2
LEGACY=$(address_of "$WORK/legacy")
CANDIDATE=$(address_of "$WORK/candidate")
sed -e "s/127.0.0.1:9001/$LEGACY/; s/127.0.0.1:9002/$CANDIDATE/" \
    -e "s/127.0.0.1:8500/127.0.0.1:0/; s/127.0.0.1:9901/127.0.0.1:0/" config/interleave-demo.yaml \
    >"$WORK/interleave.yaml"
"$BIN/modelgate" check-config "$WORK/interleave.yaml" >/dev/null
start "$WORK/modelgate" "$BIN/modelgate" serve --config "$WORK/interleave.yaml"
GRPC=$(grep -o 'grpc=[^ ]*' "$WORK/modelgate" | cut -d= -f2)
ADMIN=$(grep -o 'admin=[^ ]*' "$WORK/modelgate" | cut -d= -f2)

echo "modelgate on $GRPC: route 'rank' interleaves legacy $LEGACY (ranking noise 0.3) and"
echo "  candidate $CANDIDATE (noise 0.15: the better ranker)"
echo "report: http://$ADMIN/api/v1/routes/rank/interleave"
echo "simulating $USERS users (cascade click model; clicks reported over gRPC Feedback)..."
echo
"$BIN/modelgate-interleave-users" --target "$GRPC" --users "$USERS" --world_seed 1
echo
/usr/bin/python3 - "http://$ADMIN" <<'PY'
import json, sys, time, urllib.request
admin = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(admin + p, timeout=5))
time.sleep(1.5)  # the statistics are evaluated once a second
r = get("/api/v1/routes/rank/interleave")
i, f = r["impressions"], r["feedback"]
print(f"impressions made {i['made']}, stored {i['stored']}, evicted {i['evicted']}; "
      f"feedback reports {f['reports']}")
for p in r["pairs"]:
    print(f"{p['a']} vs {p['b']}: wins {p['wins_a']} / {p['wins_b']}, ties {p['ties']}, "
          f"delta {p['delta']:+.3f} (95% CI {p['ci_low']:+.3f}..{p['ci_high']:+.3f}, "
          f"{p['units']} user buckets)")
    print(f"  always-valid p {p['always_valid_p']:.2g}, sign test p {p['sign_test_p']:.2g} "
          f"-> preferred: {p['preferred'] or 'none yet'}")
PY
echo
echo "interleave metrics:"
curl -s "http://$ADMIN/metrics" | grep -E '^modelgate_interleave_(impressions_total|outcomes_total|delta|pvalue|feedback_total\{result="recorded")' | sed 's/^/  /'
