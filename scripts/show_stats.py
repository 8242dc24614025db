#!/usr/bin/python3
"""Prints modelgate's statistics report for a route (GET /api/v1/routes/NAME/stats) as tables.

Usage: scripts/show_stats.py http://127.0.0.1:9901 infer      (or pipe the JSON on stdin: -)
"""
import json
import sys
import urllib.request


def fmt(x, unit=""):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if unit == "ms":
        return f"{x * 1000:.2f}"
    if unit == "p":
        return f"{x:.2g}"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths))
    print(line(header))
    for r in rows:
        print(line(r))


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "-":
        report = json.load(sys.stdin)
    elif len(sys.argv) == 3:
        with urllib.request.urlopen(f"{sys.argv[1]}/api/v1/routes/{sys.argv[2]}/stats", timeout=10) as r:
            report = json.load(r)
    else:
        sys.exit(__doc__)
    print(f"route {report['route']}: verdict {report['verdict'].upper()} "
          f"(reference arm {report['reference_arm']})")
    print("arms:")
    table([[a["name"], a.get("weight", "-"), a["requests"], fmt(a["error_rate"]),
            fmt(a["latency"].get("p50"), "ms"), fmt(a["latency"].get("p99"), "ms")]
           for a in report["arms"]],
          ["arm", "weight", "requests", "error rate", "p50 ms", "p99 ms"])
    srm = report.get("srm", {})
    if srm.get("evaluated"):
        print(f"sample ratio ({srm.get('unit', '')}): p = {fmt(srm['p_value'], 'p')} "
              f"-> {'MISMATCH' if srm['detected'] else 'ok'} (threshold {srm['threshold']})")
    print("comparisons vs reference (decisions use the always-valid p-value):")
    table([[c["arm"], c["metric"], fmt(c.get("effect")), fmt(c.get("relative_effect")),
            fmt(c.get("always_valid_p_value"), "p"), fmt(c.get("fixed_horizon_p_value"), "p"),
            c.get("verdict") or "-"] for c in report.get("comparisons", [])],
          ["arm", "metric", "effect", "relative", "always-valid p", "fixed-horizon p", "verdict"])
    if report.get("distance"):
        print("output distribution vs reference arm:")
        table([[d["arm"], d["tensor"], d["status"], fmt(d.get("psi")), fmt(d.get("ks_p_value"), "p"),
                fmt(d.get("wasserstein")), fmt(d.get("js_distance"))] for d in report["distance"]],
              ["arm", "tensor", "status", "PSI", "KS p", "W1", "JS"])
    if report.get("drift"):
        print("drift of each arm vs its own reference window:")
        table([[d["arm"], d["tensor"], d["status"], fmt(d.get("psi")), fmt(d.get("ks_p_value"), "p")]
               for d in report["drift"]], ["arm", "tensor", "status", "PSI", "KS p"])


if __name__ == "__main__":
    main()
