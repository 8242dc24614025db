#!/usr/bin/python3
"""Generates tests/interleave/preference_golden.h: expected values for the interleaving
preference statistics (src/interleave/preference.h), computed with SciPy (Debian's
python3-scipy) or, where SciPy has no function, straight from the definitions below.

  - Sign test: scipy.stats.binomtest(k, n, 0.5).pvalue for a table of (k, n), n up to 10^5.
  - Clustered datasets: impressions (unit, outcome) of users with their own preferences; the
    expected wins/ties, delta, sign test, delete-one-bucket jackknife standard error over the
    buckets unit & (K-1), normal interval, z-test p-value and the first mSPRT p-value
    min(1, 1/Lambda) with Lambda = sqrt(V/(V+tau^2)) exp(tau^2 delta^2 / (2 V (V+tau^2))).

Seeded, so re-running reproduces the file byte for byte on the same SciPy/NumPy versions.
Run from anywhere:  /usr/bin/python3 tests/interleave/gen_golden_preference.py
"""

import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats

SEED = 20240917
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "preference_golden.h")

rng = np.random.default_rng(SEED)


# --- Sign test -------------------------------------------------------------------------------

def sign_cases():
    pairs = set()
    for n in range(1, 13):  # every outcome of small n
        for k in range(n + 1):
            pairs.add((k, n))
    for n in [13, 20, 25, 50, 99, 100, 101, 999, 1000, 1001, 9999, 10000, 99999, 100000]:
        half, sd = n / 2, math.sqrt(n) / 2
        for k in [0, 1, 2, n // 2 - 1, n // 2, n // 2 + 1, (n + 1) // 2, n - 2, n - 1, n,
                  int(half - 1.96 * sd), int(half + 1.96 * sd) + 1, int(half - 4 * sd),
                  int(half + 6 * sd), int(half - 12 * sd)]:
            if 0 <= k <= n:
                pairs.add((k, n))
    for _ in range(80):  # random sizes, near and far from balance
        n = int(round(10 ** rng.uniform(0.5, 5.0)))
        q = float(rng.choice([0.5, 0.49, 0.47, 0.45, 0.4, 0.3, 0.55, 0.6]))
        pairs.add((int(rng.binomial(n, q)), n))
    out = []
    for k, n in sorted(pairs, key=lambda t: (t[1], t[0])):
        with warnings.catch_warnings():
            # Far tails of n = 10^5 underflow inside SciPy's pmf (a harmless division by zero);
            # the p-value is then 0 or denormal, which the test compares with an absolute bound.
            warnings.simplefilter("ignore", RuntimeWarning)
            out.append((k, n, float(stats.binomtest(k, n, 0.5).pvalue)))
    return out


# --- Clustered datasets ------------------------------------------------------------------------

def dataset(name, num_users, mean_impressions, pref_spread, mean_pref, num_buckets, alpha, tau,
            burn_in):
    units = [int(u) for u in rng.integers(0, 2 ** 63, num_users, dtype=np.int64)]
    # A few users share a bucket on purpose: force two units onto the same low bits.
    if num_users > 4:
        units[1] = (units[1] & ~(num_buckets - 1)) | (units[0] & (num_buckets - 1))
    obs = []
    for i in range(num_users):
        m = 1 + int(rng.poisson(mean_impressions - 1))
        p = min(1.0, max(0.0, mean_pref + pref_spread * float(rng.choice([-1.0, 1.0]))))
        tie = float(rng.uniform(0.2, 0.8))
        for _ in range(m):
            if rng.uniform() < tie:
                obs.append((i, "t"))
            else:
                obs.append((i, "a" if rng.uniform() < p else "b"))
    order = rng.permutation(len(obs))
    obs = [obs[j] for j in order]

    wins_a = sum(1 for _, o in obs if o == "a")
    wins_b = sum(1 for _, o in obs if o == "b")
    ties = len(obs) - wins_a - wins_b
    n = len(obs)
    delta = (wins_a + ties / 2) / n - 0.5
    sign_p = float(stats.binomtest(wins_a, wins_a + wins_b, 0.5).pvalue) if wins_a + wins_b else 1.0

    # Jackknife over buckets, straight from its definition.
    sums, counts = {}, {}
    for i, o in obs:
        k = units[i] & (num_buckets - 1)
        sums[k] = sums.get(k, 0.0) + {"a": 1.0, "b": 0.0, "t": 0.5}[o]
        counts[k] = counts.get(k, 0) + 1
    g = len(sums)
    s_tot, n_tot = sum(sums.values()), sum(counts.values())
    loo = np.array([(s_tot - sums[k]) / (n_tot - counts[k]) for k in sums]) if g >= 2 else None
    var = float((g - 1) / g * np.sum((loo - loo.mean()) ** 2)) if g >= 2 else 0.0
    expected = {"wins_a": wins_a, "wins_b": wins_b, "ties": ties, "delta": delta,
                "sign_test_p": sign_p, "units": g}
    if var > 0:
        se = math.sqrt(var)
        zq = float(stats.norm.ppf(1 - alpha / 2))
        expected.update(std_error=se, ci_low=max(-0.5, delta - zq * se),
                        ci_high=min(0.5, delta + zq * se),
                        clustered_p=float(2 * stats.norm.sf(abs(delta) / se)))
    else:
        expected.update(std_error=0.0, ci_low=-0.5, ci_high=0.5, clustered_p=1.0)
    if g >= burn_in and g > 0 and var > 0:
        t2 = tau * tau
        log_lambda = 0.5 * math.log(var / (var + t2)) + t2 * delta ** 2 / (2 * var * (var + t2))
        expected["always_valid_p"] = min(1.0, math.exp(-log_lambda))
    else:
        expected["always_valid_p"] = 1.0
    return {"name": name, "units": units, "obs": obs, "num_buckets": num_buckets, "alpha": alpha,
            "tau": tau, "burn_in": burn_in, "expected": expected}


def datasets():
    return [
        # No preference on average, users split between strong fans of a and of b.
        dataset("balanced_heterogeneous", 150, 8, 0.35, 0.5, 1024, 0.05, 0.1, 100),
        # A real preference for a, mild heterogeneity, fewer buckets than users (collisions).
        dataset("favours_a_collisions", 400, 5, 0.1, 0.58, 256, 0.1, 0.05, 50),
        # A preference for b, a few heavy users.
        dataset("favours_b_heavy", 120, 25, 0.2, 0.42, 1024, 0.05, 0.1, 100),
        # Three users: below the burn-in, so the mSPRT has not started.
        dataset("tiny", 3, 4, 0.0, 0.5, 1024, 0.05, 0.1, 100),
    ]


# --- Output --------------------------------------------------------------------------------

def g17(x):
    return repr(float(x)) if math.isfinite(x) else "NAN"


def write(out, signs, sets):
    w = out.write
    w("// Generated by tests/interleave/gen_golden_preference.py with SciPy %s, NumPy %s; do not\n"
      "// edit. Expected sign-test p-values (scipy.stats.binomtest) and clustered preference\n"
      "// statistics for tests/interleave/preference_test.cc.\n" % (scipy.__version__,
                                                                  np.__version__))
    w("#pragma once\n\n#include <cstddef>\n#include <cstdint>\n\n")
    w("namespace modelgate::interleave::golden {\n\n")
    w("struct SignCase {\n  int64_t k;\n  int64_t n;\n  double p;\n};\n\n")
    w("inline constexpr SignCase kSignCases[] = {\n")
    for k, n, p in signs:
        w("    {%d, %d, %s},\n" % (k, n, g17(p)))
    w("};\n\n")
    w("struct Expected {\n  int64_t wins_a, wins_b, ties;\n  double delta, sign_test_p;\n"
      "  int64_t units;\n  double std_error, ci_low, ci_high, clustered_p, always_valid_p;\n};\n\n")
    w("// Impression i belongs to units[unit_index[i]] and has outcome outcomes[i]: 'a' a win for\n"
      "// ranker a (index 0), 'b' for ranker b (index 1), 't' a tie.\n")
    w("struct Dataset {\n  const char* name;\n  int num_buckets;\n  double alpha, tau;\n"
      "  int64_t burn_in;\n  const uint64_t* units;\n  size_t num_units;\n"
      "  const uint16_t* unit_index;\n  const char* outcomes;\n  size_t num_impressions;\n"
      "  Expected expected;\n};\n\n")
    for d in sets:
        nm = d["name"]
        w("inline constexpr uint64_t k_%s_units[] = {" % nm)
        for j, u in enumerate(d["units"]):
            w(("\n    " if j % 4 == 0 else " ") + "%dULL," % u)
        w("\n};\n")
        w("inline constexpr uint16_t k_%s_index[] = {" % nm)
        for j, (i, _) in enumerate(d["obs"]):
            w(("\n    " if j % 16 == 0 else " ") + "%d," % i)
        w("\n};\n")
        w("inline constexpr char k_%s_outcomes[] =" % nm)
        s = "".join(o for _, o in d["obs"])
        for j in range(0, len(s), 80):
            w('\n    "%s"' % s[j:j + 80])
        w(";\n\n")
    w("inline constexpr Dataset kDatasets[] = {\n")
    for d in sets:
        nm, e = d["name"], d["expected"]
        w('    {"%s", %d, %s, %s, %d, k_%s_units, %d, k_%s_index, k_%s_outcomes, %d,\n'
          % (nm, d["num_buckets"], g17(d["alpha"]), g17(d["tau"]), d["burn_in"], nm,
             len(d["units"]), nm, nm, len(d["obs"])))
        w("     {%d, %d, %d, %s, %s, %d, %s, %s, %s, %s, %s}},\n"
          % (e["wins_a"], e["wins_b"], e["ties"], g17(e["delta"]), g17(e["sign_test_p"]),
             e["units"], g17(e["std_error"]), g17(e["ci_low"]), g17(e["ci_high"]),
             g17(e["clustered_p"]), g17(e["always_valid_p"])))
    w("};\n\n}  // namespace modelgate::interleave::golden\n")


def main():
    signs = sign_cases()
    sets = datasets()
    with open(OUT, "w") as out:
        write(out, signs, sets)
    print("wrote %s: %d sign-test cases, %d datasets" % (OUT, len(signs), len(sets)))
    for d in sets:
        print("  %s: %d units, %d impressions, %s" % (d["name"], len(d["units"]), len(d["obs"]),
                                                      d["expected"]))


if __name__ == "__main__":
    main()
