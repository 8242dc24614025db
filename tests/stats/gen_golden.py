#!/usr/bin/python3
"""Generates tests/stats/data/golden_core.json: random inputs for the core two-sample tests,
SRM, multiple-comparison adjustments and the mSPRT likelihood ratio, with the expected values
computed by SciPy (Debian's python3-scipy) or, where SciPy has no function, directly from the
textbook definitions below. Seeded, so re-running reproduces the file byte for byte on the same
SciPy/NumPy versions.

Run from anywhere:  /usr/bin/python3 tests/stats/gen_golden.py
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import integrate, special, stats

SEED = 20240611
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden_core.json")

rng = np.random.default_rng(SEED)


def r6(values):
    """Rounds to 6 significant digits: keeps the file small; SciPy sees the rounded values too."""
    return [float(f"{v:.6g}") for v in values]


def sample(kind, n, shift=0.0, scale=1.0):
    if kind == "normal":
        v = rng.normal(shift, scale, n)
    elif kind == "exponential":  # skewed, like latency
        v = shift + rng.exponential(scale, n)
    elif kind == "lognormal":  # heavy right tail
        v = shift + rng.lognormal(0.0, scale, n)
    elif kind == "ties":  # few distinct values: heavy ties
        v = shift + rng.integers(0, 4, n) * scale
    elif kind == "constant":
        v = np.full(n, shift)
    else:
        raise ValueError(kind)
    return r6(v)


# --- Welch's t-test -------------------------------------------------------------------------

def hedges_g(x, y):
    nx, ny = len(x), len(y)
    m = nx + ny - 2
    sp = math.sqrt(((nx - 1) * np.var(x, ddof=1) + (ny - 1) * np.var(y, ddof=1)) / m)
    if sp == 0:
        return 0.0
    # Exact correction J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)).
    j = math.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / math.sqrt(m / 2)
    return (np.mean(x) - np.mean(y)) / sp * j


def welch_case(x, y, confidence):
    case = {"x": x, "y": y, "confidence": confidence}
    nx, ny = len(x), len(y)
    vx = np.var(x, ddof=1) if nx > 1 else 0.0
    vy = np.var(y, ddof=1) if ny > 1 else 0.0
    if nx < 2 or ny < 2 or (vx == 0 and vy == 0):
        case["expected"] = {"computable": False}
        return case
    with warnings.catch_warnings():
        # SciPy warns about "catastrophic cancellation" for an arm of identical values; its
        # variance is exactly 0 there, which is the case being tested.
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(x, y, equal_var=False)
    a, b = vx / nx, vy / ny
    df = (a + b) ** 2 / (a * a / (nx - 1) + b * b / (ny - 1))
    diff = float(np.mean(x) - np.mean(y))
    half = stats.t.ppf(0.5 + confidence / 2, df) * math.sqrt(a + b)
    case["expected"] = {
        "computable": True,
        "difference": diff,
        "t": float(res.statistic),
        "df": float(df),
        "p_value": float(res.pvalue),
        "ci_low": diff - half,
        "ci_high": diff + half,
        "hedges_g": float(hedges_g(x, y)),
    }
    return case


def welch_cases():
    cases = []
    sizes = [(2, 2), (2, 3), (3, 2), (4, 5), (5, 5), (2, 40), (3, 100), (8, 12), (20, 20),
             (30, 7), (50, 50), (100, 1000), (400, 60), (1000, 1000), (3000, 2000)]
    kinds = ["normal", "exponential", "lognormal", "ties"]
    for i in range(48):
        nx, ny = sizes[i % len(sizes)]
        kind = kinds[i % len(kinds)]
        # Unequal variances and shifts, from none to large.
        sx, sy = float(rng.choice([0.5, 1, 3, 10])), float(rng.choice([0.2, 1, 2, 30]))
        shift = float(rng.choice([0.0, 0.1, 1.0, 5.0]))
        x = sample(kind, nx, 100.0 + shift, sx)
        y = sample(kind, ny, 100.0, sy)
        cases.append(welch_case(x, y, float(rng.choice([0.9, 0.95, 0.99]))))
    # One arm without variance is still testable; both without variance, or n < 2, is not.
    cases.append(welch_case(sample("constant", 5, 3.0), sample("normal", 7, 3.0, 1.0), 0.95))
    cases.append(welch_case(sample("normal", 9, 1.0, 2.0), sample("constant", 4, 0.5), 0.95))
    cases.append(welch_case(sample("constant", 5, 3.0), sample("constant", 6, 3.0), 0.95))
    cases.append(welch_case(sample("constant", 5, 3.0), sample("constant", 6, 4.0), 0.95))
    cases.append(welch_case(sample("normal", 1, 0.0), sample("normal", 10, 0.0), 0.95))
    return cases


# --- Two-proportion z-test --------------------------------------------------------------------

def proportion_case(sx, nx, sy, ny, confidence):
    case = {"successes_x": sx, "n_x": nx, "successes_y": sy, "n_y": ny, "confidence": confidence}
    if nx == 0 or ny == 0:
        case["expected"] = {"computable": False}
        return case
    px, py = sx / nx, sy / ny
    pooled = (sx + sy) / (nx + ny)
    if pooled in (0.0, 1.0):
        case["expected"] = {"computable": False}
        return case
    se = math.sqrt(pooled * (1 - pooled) * (1 / nx + 1 / ny))
    z = (px - py) / se
    se_u = math.sqrt(px * (1 - px) / nx + py * (1 - py) / ny)
    half = stats.norm.ppf(0.5 + confidence / 2) * se_u
    case["expected"] = {
        "computable": True,
        "difference": px - py,
        "z": z,
        "p_value": float(2 * stats.norm.sf(abs(z))),
        "ci_low": px - py - half,
        "ci_high": px - py + half,
    }
    return case


def proportion_cases():
    cases = []
    sizes = [(2, 3), (5, 5), (10, 40), (100, 100), (1000, 50), (5000, 5000), (20000, 1000000),
             (1000000, 1000000)]
    for i in range(48):
        nx, ny = sizes[i % len(sizes)]
        while True:  # redraw until testable; degenerate cases are added explicitly below
            p = float(rng.choice([0.001, 0.01, 0.05, 0.3, 0.5, 0.9]))
            lift = float(rng.choice([0.0, 0.0, 0.1, 0.5]))
            sx = int(rng.binomial(nx, min(1.0, p * (1 + lift))))
            sy = int(rng.binomial(ny, p))
            if 0 < sx + sy < nx + ny:
                break
        cases.append(proportion_case(sx, nx, sy, ny, float(rng.choice([0.9, 0.95, 0.99]))))
    cases.append(proportion_case(0, 10, 0, 20, 0.95))   # pooled rate 0
    cases.append(proportion_case(10, 10, 20, 20, 0.95))  # pooled rate 1
    cases.append(proportion_case(0, 10, 20, 20, 0.95))   # unpooled SE 0, pooled SE > 0
    cases.append(proportion_case(0, 0, 3, 20, 0.95))     # empty arm
    return cases


# --- Mann-Whitney U ---------------------------------------------------------------------------

def mann_whitney_case(x, y):
    case = {"x": x, "y": y}
    if len(set(x) | set(y)) == 1:
        case["expected"] = {"computable": False}
        return case
    res = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True,
                             method="asymptotic")
    case["expected"] = {"computable": True, "u_x": float(res.statistic),
                        "p_value": float(res.pvalue)}
    return case


def mann_whitney_cases():
    cases = []
    sizes = [(2, 2), (2, 5), (3, 3), (4, 2), (5, 5), (1, 6), (10, 3), (25, 25), (60, 200),
             (500, 40), (2000, 3000)]
    kinds = ["normal", "exponential", "lognormal", "ties"]
    for i in range(48):
        nx, ny = sizes[i % len(sizes)]
        kind = kinds[(i // 2) % len(kinds)]
        shift = float(rng.choice([0.0, 0.0, 0.2, 1.0]))
        cases.append(mann_whitney_case(sample(kind, nx, 10.0 + shift, 1.0),
                                       sample(kind, ny, 10.0, float(rng.choice([1.0, 2.0])))))
    cases.append(mann_whitney_case([1.0, 1.0, 1.0], [1.0, 1.0]))  # all tied
    cases.append(mann_whitney_case([2.0, 2.0], [2.0, 2.0, 3.0]))  # nearly all tied
    return cases


# --- Sample ratio mismatch --------------------------------------------------------------------

def srm_case(observed, weights):
    w = np.asarray(weights, dtype=float)
    total = sum(observed)
    expected = total * w / w.sum()
    res = stats.chisquare(observed, expected)
    return {"observed": observed, "weights": weights,
            "expected": {"chi_square": float(res.statistic), "p_value": float(res.pvalue),
                         "df": len(observed) - 1}}


def srm_cases():
    cases = [srm_case([50500, 49500], [0.5, 0.5]), srm_case([1003000, 997000], [0.5, 0.5])]
    for i in range(46):
        k = int(rng.integers(2, 7))
        weights = r6(rng.dirichlet(np.ones(k)) * float(rng.choice([1.0, 100.0, 10000.0])))
        total = int(rng.choice([20, 500, 10000, 1000000, 20000000]))
        probs = np.asarray(weights) / sum(weights)
        if i % 3 == 0:  # a real mismatch: move some share from one arm to another
            probs = probs.copy()
            moved = probs[0] * 0.05
            probs[0] -= moved
            probs[1] += moved
        observed = [int(v) for v in rng.multinomial(total, probs)]
        cases.append(srm_case(observed, weights))
    return cases


# --- Holm and Benjamini-Hochberg, from their definitions --------------------------------------
# SciPy 1.10 has no false_discovery_control and statsmodels is not packaged alongside it, so the
# adjustments are computed here with the O(m^2) definitions (independent of the C++ one-pass
# code), and the reject flags with the step-down / step-up procedures themselves.

def holm(p, alpha):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    sp = [p[i] for i in order]
    adjusted_sorted = [max(min(1.0, (m - j) * sp[j]) for j in range(i + 1)) for i in range(m)]
    reject_sorted = [False] * m
    for i in range(m):  # step down: stop at the first non-rejection
        if sp[i] <= alpha / (m - i):
            reject_sorted[i] = True
        else:
            break
    adjusted, reject = [0.0] * m, [False] * m
    for rank, i in enumerate(order):
        adjusted[i], reject[i] = adjusted_sorted[rank], reject_sorted[rank]
    return adjusted, reject


def bh(p, q):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    sp = [p[i] for i in order]
    adjusted_sorted = [min(min(1.0, m * sp[j] / (j + 1)) for j in range(i, m)) for i in range(m)]
    largest = -1  # step up: the largest rank whose p is under its line
    for i in range(m):
        if sp[i] <= (i + 1) * q / m:
            largest = i
    reject_sorted = [i <= largest for i in range(m)]
    adjusted, reject = [0.0] * m, [False] * m
    for rank, i in enumerate(order):
        adjusted[i], reject[i] = adjusted_sorted[rank], reject_sorted[rank]
    return adjusted, reject


def multiple_cases():
    cases = []
    for i in range(48):
        m = int(rng.integers(1, 21))
        p = rng.uniform(0, 1, m)
        signal = rng.uniform(0, 1, m) < 0.4
        p[signal] = rng.uniform(0, 0.01, signal.sum())
        p = r6(p)
        if i % 5 == 0 and m > 2:  # exact ties and the ends of [0, 1]
            p[1] = p[0]
            p[2] = 0.0 if i % 2 == 0 else 1.0
        alpha = float(rng.choice([0.01, 0.05, 0.1]))
        h_adj, h_rej = holm(p, alpha)
        b_adj, b_rej = bh(p, alpha)
        cases.append({"p": p, "alpha": alpha, "holm_adjusted": h_adj, "holm_reject": h_rej,
                      "bh_adjusted": b_adj, "bh_reject": b_rej})
    return cases


# --- mSPRT mixture likelihood ratio by numerical integration ----------------------------------
# Lambda = integral N(est; theta, V) N(theta; theta0, tau^2) dtheta / N(est; theta0, V), done by
# quadrature, independently of the closed form derived in src/stats/hypothesis/sequential.h.

def mixture_log_lambda(est, v, tau, theta0):
    sv = math.sqrt(v)
    log_den = stats.norm.logpdf(est, theta0, sv)

    def integrand(theta):
        return math.exp(stats.norm.logpdf(est, theta, sv) + stats.norm.logpdf(theta, theta0, tau)
                        - log_den)

    lo = min(est - 40 * sv, theta0 - 40 * tau)
    hi = max(est + 40 * sv, theta0 + 40 * tau)
    val, _ = integrate.quad(integrand, lo, hi, points=sorted({est, theta0}), limit=1000,
                            epsabs=0.0, epsrel=1e-13)
    return math.log(val)


def msprt_cases():
    cases = []
    for _ in range(48):
        n = float(rng.choice([100, 300, 1000, 5000, 20000]))
        v = float(rng.choice([0.5, 1.0, 2.0, 8.0])) / n
        tau = float(rng.choice([0.01, 0.05, 0.1, 0.3]))
        theta0 = float(rng.choice([0.0, 0.0, 0.2]))
        z = float(rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0])) * float(rng.choice([-1, 1]))
        est = theta0 + (z + float(rng.uniform(-0.2, 0.2))) * math.sqrt(v)
        cases.append({"estimate": est, "variance": v, "tau": tau, "theta0": theta0,
                      "log_lambda": mixture_log_lambda(est, v, tau, theta0)})
    return cases


def main():
    golden = {
        "about": "Generated by tests/stats/gen_golden.py; do not edit by hand.",
        "seed": SEED,
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "welch": welch_cases(),
        "proportions": proportion_cases(),
        "mann_whitney": mann_whitney_cases(),
        "srm": srm_cases(),
        "multiple": multiple_cases(),
        "msprt_lambda": msprt_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    counts = {k: len(v) for k, v in golden.items() if isinstance(v, list)}
    print(f"wrote {OUT}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
