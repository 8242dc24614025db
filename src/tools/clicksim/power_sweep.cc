// The interleaving-vs-A/B power sweep; see power_sweep.h.
#include "tools/clicksim/power_sweep.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace modelgate::clicksim {
namespace {

// Seed streams, so that the pool, the replicates and the A/A runs never share draws.
constexpr uint64_t kPoolStream = 0x1F83D9ABFB41BD6BULL;
constexpr uint64_t kInterleavingStream = 0x5BE0CD19137E2179ULL;
constexpr uint64_t kAbStream = 0x9B05688C2B3E6C1FULL;
constexpr uint64_t kAaStream = 0xCBBB9D5DC1059ED8ULL;

void Report(const std::function<void(const std::string&)>& progress, const std::string& line) {
  if (progress) progress(line);
}

PoolStats DescribePool(double shape, const std::vector<UserRecord>& pool) {
  PoolStats s;
  s.activity_shape = shape;
  s.users = static_cast<int64_t>(pool.size());
  if (pool.empty()) return s;
  std::vector<int> imps;
  imps.reserve(pool.size());
  int64_t total = 0, clicked = 0, clicks = 0;
  double propensity = 0;
  for (const UserRecord& u : pool) {
    imps.push_back(u.impressions);
    total += u.impressions;
    clicked += u.clicked_impressions[0];
    clicks += u.clicks[0];
    propensity += u.propensity;
  }
  std::sort(imps.begin(), imps.end(), std::greater<int>());
  const size_t top = std::max<size_t>(1, imps.size() / 10);
  const int64_t top_total = std::accumulate(imps.begin(), imps.begin() + top, int64_t{0});
  s.mean_impressions = double(total) / pool.size();
  s.top10_share = double(top_total) / total;
  s.max_impressions = imps.front();
  s.mean_propensity = propensity / pool.size();
  s.ctr_control = double(clicked) / total;
  s.clicks_per_impression_control = double(clicks) / total;
  return s;
}

// The CTR difference between challenger c and the control over the whole pool, where every
// user has both outcomes (common random numbers), and its standard error: the linearised
// ratio variance of the per-user paired differences d_u, sum_u (d_u - D n_u)^2 / N^2.
void PairedAbEffect(const std::vector<UserRecord>& pool, int c, CellResult& cell) {
  double n = 0, ca = 0, cb = 0;
  for (const UserRecord& u : pool) {
    n += u.impressions;
    ca += u.clicked_impressions[0];
    cb += u.clicked_impressions[c];
  }
  if (n <= 0) return;
  cell.ctr_control = ca / n;
  cell.ctr_challenger = cb / n;
  const double d = (cb - ca) / n;
  double ss = 0;
  for (const UserRecord& u : pool) {
    const double r = (u.clicked_impressions[c] - u.clicked_impressions[0]) - d * u.impressions;
    ss += r * r;
  }
  cell.ab_difference = d;
  cell.ab_difference_se = std::sqrt(ss) / n;
}

std::string Users(const SampleSizeEstimate& e, int64_t max_users) {
  if (!e.found) return absl::StrCat("> ", max_users);
  return absl::StrFormat("%.0f ±%.0f%%", e.users, 100.0 * e.log_se);
}

std::string Rate(int rejections, int replicates) {
  if (replicates <= 0) return "-";
  // With a 95% Wilson interval, so that "at most alpha" can be read off directly.
  const double n = replicates, p = rejections / n, z = 1.959964;
  const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
  return absl::StrFormat("%.3f [%.3f, %.3f]", p, std::max(0.0, centre - half),
                         std::min(1.0, centre + half));
}

}  // namespace

SweepResult RunSweep(const SweepOptions& options,
                     const std::function<void(const std::string&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  SweepResult result;
  for (double shape : options.activity_shapes) {
    SimulationOptions sim = options.simulation;
    sim.activity.activity_shape = shape;
    std::vector<RankerOptions> rankers = {{options.noise_control, options.seed_control}};
    for (double ratio : options.noise_ratios) {
      rankers.push_back({options.noise_control * ratio, options.seed_challenger});
    }
    const Simulator simulator(sim, rankers);
    Report(progress, absl::StrFormat("k=%g: simulating a pool of %d users", shape,
                                     options.pool_users));
    // The same seed for every shape: the same users (relevances, propensities, rankings), only
    // their activity differs.
    const std::vector<UserRecord> pool =
        simulator.SimulateUsers(0, options.pool_users, options.seed ^ kPoolStream);
    result.pools.push_back(DescribePool(shape, pool));

    for (size_t e = 0; e < options.noise_ratios.size(); ++e) {
      const int c = static_cast<int>(e) + 1;
      CellResult cell;
      cell.activity_shape = shape;
      cell.noise_ratio = options.noise_ratios[e];
      cell.noise_challenger = rankers[c].noise;
      PairedAbEffect(pool, c, cell);
      absl::StatusOr<InterleavingResult> whole =
          EvaluateInterleaving(AsSample(pool), c, options.preference);
      if (whole.ok()) {
        cell.preference = -whole->pair.delta;
        cell.preference_se = whole->pair.std_error;
      }

      const uint64_t cell_seed = options.seed ^ (uint64_t(result.cells.size() + 1) << 32);
      RejectionCounter interleaving = [&](int64_t users, int replicates, uint64_t seed) {
        int rejections = 0;
        for (int rep = 0; rep < replicates; ++rep) {
          SplitMix64 rng(Mix64(seed ^ kInterleavingStream) + uint64_t(rep));
          absl::StatusOr<InterleavingResult> r =
              EvaluateInterleaving(Resample(pool, users, rng), c, options.preference);
          if (r.ok() && InterleavingFavoursChallenger(*r, options.alpha)) ++rejections;
        }
        return rejections;
      };
      RejectionCounter ab = [&](int64_t users, int replicates, uint64_t seed) {
        int rejections = 0;
        for (int rep = 0; rep < replicates; ++rep) {
          SplitMix64 rng(Mix64(seed ^ kAbStream) + uint64_t(rep));
          if (AbFavoursChallenger(EvaluateAb(Resample(pool, users, rng), c), options.alpha)) {
            ++rejections;
          }
        }
        return rejections;
      };
      Report(progress, absl::StrFormat("k=%g noise ratio %g: interleaving power search", shape,
                                       cell.noise_ratio));
      cell.interleaving = FindUsersForPower(interleaving, options.search, cell_seed);
      Report(progress, absl::StrFormat("k=%g noise ratio %g: A/B power search", shape,
                                       cell.noise_ratio));
      cell.ab = FindUsersForPower(ab, options.search, cell_seed);
      result.cells.push_back(std::move(cell));
    }

    for (bool identical : {true, false}) {
      Report(progress, absl::StrFormat("k=%g: A/A with %s rankers", shape,
                                       identical ? "identical" : "equally good"));
      const RankerOptions control{options.noise_control, options.seed_control};
      const RankerOptions twin =
          identical ? control : RankerOptions{options.noise_control, options.seed_challenger};
      const Simulator aa_sim(sim, {control, twin});
      AaResult aa;
      aa.activity_shape = shape;
      aa.identical = identical;
      aa.users = options.aa_users;
      aa.replicates = options.aa_replicates;
      for (int rep = 0; rep < options.aa_replicates; ++rep) {
        // Fresh users every replicate (distinct ids), never the pool: see power_sweep.h.
        const std::vector<UserRecord> users = aa_sim.SimulateUsers(
            int64_t(rep) * options.aa_users, options.aa_users, options.seed ^ kAaStream);
        const std::vector<SampledUser> sample = AsSample(users);
        absl::StatusOr<InterleavingResult> il = EvaluateInterleaving(sample, 1, options.preference);
        if (il.ok()) {
          aa.interleaving_clustered += il->pair.clustered_p < options.alpha;
          aa.interleaving_sign += il->pair.sign_test_p < options.alpha;
        }
        const AbResult ab = EvaluateAb(sample, 1);
        aa.ab_naive += ab.naive_p < options.alpha;
        aa.ab_clustered += ab.clustered_p < options.alpha;
      }
      result.aa.push_back(aa);
    }
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string FormatSweep(const SweepOptions& o, const SweepResult& r) {
  const SimulationOptions& s = o.simulation;
  std::string out;
  absl::StrAppendFormat(&out,
                        "## Interleaving vs A/B: users needed for %.0f%% power at alpha %g\n\n",
                        100 * o.search.target, o.alpha);
  out += "Model (src/tools/clicksim; every number below is an input, none was fitted):\n\n";
  absl::StrAppendFormat(
      &out,
      "- World: %d items, world seed %d; rel(u,i) = pop(i) * aff(u,i), pop = U^%g, aff = U^%g "
      "with U uniform from stable hashes of (seed, item) and (seed, user, item).\n",
      s.world.num_items, s.world.seed, s.world.popularity_exponent, s.world.affinity_exponent);
  absl::StrAppendFormat(
      &out,
      "- Rankers: score = rel + noise * N(0,1) (hashed per ranker, user, item), top %d shown. "
      "Control: noise %g (seed %d). Challengers: noise %g x {%s} (seed %d).\n",
      s.page_size, o.noise_control, o.seed_control, o.noise_control,
      absl::StrJoin(o.noise_ratios, ", "), o.seed_challenger);
  absl::StrAppendFormat(
      &out,
      "- Clicks: cascade; an examined item is clicked with probability min(1, propensity * %g * "
      "rel); the user continues after a click with probability lambda = %g, after a skip with "
      "gamma = %g (no clicks: position k examined with probability gamma^(k-1)). Each user sees "
      "the same list on every impression of a ranker; interleaving draws a new Team-Draft page "
      "per impression.\n",
      s.cascade.click_scale, s.cascade.continue_after_click, s.cascade.continue_after_skip);
  absl::StrAppendFormat(
      &out,
      "- Users: impressions = 1 + Poisson(L), L ~ Gamma(shape k, scale (m-1)/k), m = %g; click "
      "propensity ~ Gamma(shape %g, scale 1/%g) (mean 1).\n",
      s.activity.mean_impressions, s.activity.propensity_shape, s.activity.propensity_shape);
  absl::StrAppendFormat(
      &out,
      "- Interleaving test: Team-Draft (modelgate_interleave_merge), every impression reported "
      "(no click = tie), PreferenceTracker's fixed-horizon cluster-robust z-test (%d buckets of "
      "users). A/B test: CTR = impressions with >= 1 click / impressions, users split 50/50, "
      "z-test with the user-clustered (jackknife over %d buckets) variance. Power counts "
      "rejections at alpha %g in the challenger's favour.\n",
      o.preference.num_buckets, kAbBuckets, o.alpha);
  absl::StrAppendFormat(
      &out,
      "- Power: bootstrap replicates drawn from a pool of %d simulated users per k (common "
      "random numbers across rankers and designs); doubling search with %d replicates, then a "
      "half-octave grid with %d replicates per point and a probit-on-log(users) fit. Seed %d.\n\n",
      o.pool_users, o.search.coarse_replicates, o.search.replicates, o.seed);

  out += "### Simulated users (pool, control ranker)\n\n";
  out += "| activity shape k | users | impressions/user | top 10% users' share of impressions "
         "| max impressions | CTR | clicks/impression |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const PoolStats& p : r.pools) {
    absl::StrAppendFormat(&out, "| %g | %d | %.2f | %.1f%% | %d | %.4f | %.4f |\n",
                          p.activity_shape, p.users, p.mean_impressions, 100 * p.top10_share,
                          p.max_impressions, p.ctr_control, p.clicks_per_impression_control);
  }

  out += "\n### Users needed (± Monte-Carlo standard error)\n\n";
  out += "| k | noise B/A | CTR A | CTR B | CTR lift | preference for B | interleaving users "
         "| A/B users (clustered) | A/B ÷ interleaving | interleaving / A/B | pool effect "
         "precision (IL, A/B) |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const CellResult& c : r.cells) {
    std::string ratio = "-", share = "-";
    if (c.interleaving.found && c.ab.found) {
      const double q = c.ab.users / c.interleaving.users;
      const double pool_il = c.preference != 0 ? 2 * c.preference_se / std::abs(c.preference) : 0;
      const double pool_ab =
          c.ab_difference != 0 ? 2 * c.ab_difference_se / std::abs(c.ab_difference) : 0;
      const double se = std::sqrt(c.interleaving.log_se * c.interleaving.log_se +
                                  c.ab.log_se * c.ab.log_se + pool_il * pool_il +
                                  pool_ab * pool_ab);
      ratio = absl::StrFormat("%.1fx ±%.0f%%", q, 100 * se);
      share = absl::StrFormat("%.2f%%", 100 / q);
    }
    absl::StrAppendFormat(
        &out, "| %g | %g | %.4f | %.4f | %+.1f%% | %+.4f ± %.4f | %s | %s | %s | %s | ±%.0f%%, ±%.0f%% |\n",
        c.activity_shape, c.noise_ratio, c.ctr_control, c.ctr_challenger,
        c.ctr_control > 0 ? 100 * (c.ctr_challenger / c.ctr_control - 1) : 0.0, c.preference,
        c.preference_se, Users(c.interleaving, o.search.max_users), Users(c.ab, o.search.max_users),
        ratio, share, c.preference != 0 ? 200 * c.preference_se / std::abs(c.preference) : 0.0,
        c.ab_difference != 0 ? 200 * c.ab_difference_se / std::abs(c.ab_difference) : 0.0);
  }
  out += "\n\"preference for B\" is -delta of the pair (control, challenger) over the whole "
         "pool, with its cluster-robust standard error. \"pool effect precision\" is how much the "
         "pool's own sampling error moves each sample size (about twice the effect's relative "
         "standard error); the ratio's ± combines it with the Monte-Carlo error.\n";

  out += "\n### A/A false-positive rates at alpha ";
  absl::StrAppendFormat(&out, "%g (fresh users every replicate; 95%% Wilson intervals)\n\n",
                        o.alpha);
  out += "| k | rankers | users | replicates | interleaving clustered | interleaving sign test "
         "| A/B naive two-proportion | A/B user-clustered |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const AaResult& a : r.aa) {
    absl::StrAppendFormat(&out, "| %g | %s | %d | %d | %s | %s | %s | %s |\n", a.activity_shape,
                          a.identical ? "identical" : "equally good", a.users, a.replicates,
                          Rate(a.interleaving_clustered, a.replicates),
                          Rate(a.interleaving_sign, a.replicates), Rate(a.ab_naive, a.replicates),
                          Rate(a.ab_clustered, a.replicates));
  }
  absl::StrAppendFormat(&out, "\nRun time: %.0f s on one thread.\n", r.seconds);
  return out;
}

}  // namespace modelgate::clicksim
