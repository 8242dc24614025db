#!/usr/bin/python3
"""Generates tests/stats/data/golden_drift.json: SciPy reference values for src/stats/drift/.

Run with Debian's interpreter so the values come from python3-scipy (1.10) / python3-numpy:
    /usr/bin/python3 tests/stats/gen_golden_drift.py
The output is deterministic (fixed seed) and committed together with its inputs, so the C++
tests need no Python. Sections:
  ks          two-sample KS: statistic, p (method='asymp' and, where SciPy can, 'exact'), the
              statistics.md Stephens-corrected asymptotic p, and wasserstein_distance.
  kolmogorov  the distributions behind those p-values on a grid that visits every branch:
              kstwo.sf(d, n), kstwobign.sf(sqrt(n) d), scipy.special.smirnov(n, d).
  js          scipy.spatial.distance.jensenshannon(p, q) (natural log) on raw weight vectors.
  psi         PSI from its definition, computed here in numpy, with Evidently's epsilon rule.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

SEED = 20240603
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden_drift.json")


def sample(rng, kind, size):
    """One sample of `size` values from a named shape; some shapes force ties.

    Continuous draws are rounded to 9 decimals: the JSON stays small, ties stay vanishingly rare,
    and the value the C++ test parses is exactly the one SciPy saw.
    """
    return np.round(raw_sample(rng, kind, size), 9)


def raw_sample(rng, kind, size):
    if kind == "normal":
        return rng.normal(0.0, 1.0, size)
    if kind == "shifted":
        return rng.normal(0.5, 1.0, size)
    if kind == "scaled":
        return rng.normal(0.0, 2.5, size)
    if kind == "exponential":
        return rng.exponential(1.3, size)
    if kind == "uniform":
        return rng.uniform(-1.0, 3.0, size)
    if kind == "integers":  # heavy ties
        return rng.integers(0, 6, size).astype(float)
    if kind == "rounded":  # moderate ties
        return np.round(rng.normal(0.0, 1.0, size), 1)
    if kind == "far":  # disjoint support from the others
        return rng.normal(100.0, 1.0, size)
    raise ValueError(kind)


def stephens_p(d, n, m):
    """statistics.md: p = Q(lambda), lambda = (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) * D."""
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    return float(np.clip(special.kolmogorov(lam), 0.0, 1.0))


def ks_cases(rng):
    sizes = [(1, 1), (1, 2), (2, 3), (3, 3), (4, 7), (5, 5), (6, 2), (8, 13), (10, 10),
             (12, 30), (20, 17), (25, 25), (31, 64), (40, 41), (50, 200), (64, 64),
             (75, 30), (100, 100), (120, 97), (150, 150), (200, 333), (256, 255),
             (300, 300), (400, 180), (500, 500), (640, 900), (800, 800), (1000, 1200),
             (1500, 700), (2000, 2000)]
    kinds = ["normal", "shifted", "scaled", "exponential", "uniform", "integers", "rounded"]
    cases = []
    for i in range(64):
        n, m = sizes[i % len(sizes)]
        if i >= len(sizes):  # second pass: swap and perturb the sizes
            n, m = m + (i % 3), n + (i % 5)
        kx = kinds[i % len(kinds)]
        ky = kinds[(i * 3 + 1) % len(kinds)] if i % 4 else kx  # every 4th case: same law
        if kx in ("integers", "rounded") and i % 2:
            ky = kx  # ties on both sides
        x = sample(rng, kx, n)
        y = sample(rng, ky, m)
        if i == 5:
            y = x.copy()  # identical samples: D = 0
        if i == 9:
            y = sample(rng, "far", m)  # disjoint: D = 1
        cases.append(ks_case(f"{i}:{kx}/{ky}", x, y))
    return cases


def ks_case(name, x, y):
    n, m = len(x), len(y)
    with warnings.catch_warnings():
        if n == m == 1:  # kstwo with n = round(0.5) = 0 divides by zero; the p is NaN
            warnings.simplefilter("ignore", RuntimeWarning)
        asymp = stats.ks_2samp(x, y, method="asymp")
    exact_p = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SciPy warns and falls back to asymp when exact fails
        try:
            exact = stats.ks_2samp(x, y, method="exact")
            exact_p = float(exact.pvalue)
        except RuntimeWarning:
            exact_p = None
    p_asymp = float(asymp.pvalue)
    return {
        "name": name,
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
        "statistic": float(asymp.statistic),
        # SciPy rounds n*m/(n+m) to an integer; for n = m = 1 that is 0 and kstwo gives NaN.
        "p_asymp": None if math.isnan(p_asymp) else p_asymp,
        "p_exact": exact_p,
        "p_stephens": stephens_p(float(asymp.statistic), n, m),
        "wasserstein": float(stats.wasserstein_distance(x, y)),
    }


def kolmogorov_grid():
    ns = [1, 2, 3, 5, 10, 37, 100, 139, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 100001,
          400000]
    rows = []
    for n in ns:
        xs = set()
        # Every region of the Simard & L'Ecuyer selection: t = n*d and n*d^2 thresholds.
        for t in [0.3, 0.5, 0.7, 1.0]:
            xs.add(t / n)
        for nx2 in [0.05, 0.3, 0.7, 0.8, 1.5, 2.1, 2.3, 3.9, 4.1, 8.0, 17.0, 19.0, 60.0, 300.0]:
            xs.add(math.sqrt(nx2 / n))
        for d in [0.45, 0.5, 0.55, 0.8, 0.99, (n - 1) / n, (n - 0.5) / n]:
            xs.add(d)
        if n > 140:  # the n * d^1.5 <= 1.4 switch between Durbin and Pelz-Good
            for c in [1.0, 1.39, 1.41, 2.0]:
                xs.add((c / n) ** (2.0 / 3.0))
        for d in sorted(xs):
            if not 0.0 < d < 1.0:
                continue
            rows.append({
                "n": n,
                "d": d,
                "kstwo_sf": float(stats.kstwo.sf(d, n)),
                "kstwobign_sf": float(stats.kstwobign.sf(math.sqrt(n) * d)),
                "smirnov": float(special.smirnov(n, d)),
            })
    return rows


def js_cases(rng):
    cases = []
    for i in range(48):
        k = [2, 3, 5, 10, 11, 20][i % 6]
        p = rng.uniform(0.0, 5.0, k)
        q = rng.uniform(0.0, 5.0, k)
        if i % 3 == 0:
            p[rng.integers(0, k)] = 0.0  # a zero in one vector only
        if i % 5 == 0:
            j = rng.integers(0, k)
            p[j] = q[j] = 0.0  # a zero in both
        if i % 7 == 0:
            q = rng.integers(0, 50, k).astype(float)  # counts, not shares
            q[0] += 1.0
        if i == 4:
            q = p * 3.0  # same distribution, different scale: distance 0
        if i == 8:
            p = np.array([1.0, 2.0, 0.0, 0.0])
            q = np.array([0.0, 0.0, 3.0, 1.0])  # disjoint: sqrt(ln 2)
        cases.append({
            "name": f"js{i}",
            "p": [float(v) for v in p],
            "q": [float(v) for v in q],
            "distance": float(distance.jensenshannon(p, q)),
        })
    return cases


def psi_reference(ref_counts, cur_counts):
    """PSI = sum (a - e) ln(a / e) on shares, zeros replaced per vector (Evidently's rule)."""
    def shares(c):
        s = np.asarray(c, dtype=float) / np.sum(c)
        nonzero = s[s > 0]
        eps = nonzero.min() / 1e6 if nonzero.min() <= 1e-4 else 1e-4
        return np.where(s == 0, eps, s)
    e = shares(ref_counts)
    a = shares(cur_counts)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_cases(rng):
    cases = []
    for i in range(48):
        b = [2, 4, 5, 10, 10, 20][i % 6]
        total_ref = [50, 1000, 100000, 2000000][i % 4]
        total_cur = [30, 700, 5000, 3000000][(i // 2) % 4]
        pr = rng.dirichlet(np.full(b, 3.0))
        pc = pr if i % 3 == 0 else rng.dirichlet(np.full(b, 3.0))
        ref = rng.multinomial(total_ref, pr)
        cur = rng.multinomial(total_cur, pc)
        if i % 4 == 1:
            ref[0] = 0  # an empty reference bin
        if i % 5 == 2:
            cur[-1] = 0  # an empty current bin
        if i % 8 == 3:
            ref[1] = 3  # tiny share (< 1e-4 for large totals): the min/1e6 branch
        if ref.sum() == 0 or cur.sum() == 0:
            ref[0] += 1
            cur[0] += 1
        cases.append({
            "name": f"psi{i}",
            "reference": [int(v) for v in ref],
            "current": [int(v) for v in cur],
            "psi": psi_reference(ref, cur),
        })
    return cases


def main():
    rng = np.random.default_rng(SEED)
    doc = {
        "generator": "tests/stats/gen_golden_drift.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "ks": ks_cases(rng),
        "kolmogorov": kolmogorov_grid(),
        "js": js_cases(rng),
        "psi": psi_cases(rng),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(doc['ks'])} ks, {len(doc['kolmogorov'])} kolmogorov, "
          f"{len(doc['js'])} js, {len(doc['psi'])} psi cases", file=sys.stderr)


if __name__ == "__main__":
    main()
