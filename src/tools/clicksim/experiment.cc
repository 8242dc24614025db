// Simulated users, the two designs' tests, bootstrap replicates and the power search; see
// experiment.h.
#include "tools/clicksim/experiment.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/stable_hash.h"
#include "interleave/impression_store.h"
#include "interleave/team_draft.h"
#include "stats/hypothesis/clustered_ratio.h"
#include "stats/hypothesis/distributions.h"

namespace modelgate::clicksim {
namespace {

// Separates the per-user generator from every other use of the same seed.
constexpr uint64_t kUserStream = 0x6A09E667F3BCC909ULL;

}  // namespace

Simulator::Simulator(const SimulationOptions& options, std::vector<RankerOptions> rankers)
    : options_(options), world_(options.world) {
  rankers_.reserve(rankers.size());
  for (const RankerOptions& r : rankers) rankers_.emplace_back(world_, r);
}

UserRecord Simulator::SimulateUser(std::string_view user_id, uint64_t seed) const {
  const int num_rankers = static_cast<int>(rankers_.size());
  const int page = options_.page_size;
  UserRecord rec;
  rec.unit = StableHash64(user_id);
  SplitMix64 rng(Mix64(seed ^ kUserStream) ^ rec.unit);
  const UserTraits traits = DrawUserTraits(options_.activity, rng);
  rec.impressions = traits.impressions;
  rec.propensity = traits.propensity;

  std::vector<double> relevances;
  world_.Relevances(user_id, relevances);
  // Each ranker's page: items, their true relevance in page order, and their wire keys (what
  // the proxy's TeamDraft compares).
  std::vector<std::vector<int>> items(num_rankers);
  std::vector<std::vector<double>> shown(num_rankers);
  std::vector<std::vector<std::string>> keys(num_rankers);
  for (int r = 0; r < num_rankers; ++r) {
    // A ranker identical to an earlier one (A/A runs) ranks identically: reuse its page.
    bool reused = false;
    for (int q = 0; q < r && !reused; ++q) {
      const RankerOptions& a = rankers_[q].options();
      const RankerOptions& b = rankers_[r].options();
      if (a.noise == b.noise && a.seed == b.seed) {
        items[r] = items[q];
        shown[r] = shown[q];
        keys[r] = keys[q];
        reused = true;
      }
    }
    if (reused) continue;
    for (const ScoredItem& s : rankers_[r].Rank(user_id, relevances, page)) {
      items[r].push_back(s.item);
      shown[r].push_back(relevances[s.item]);
      keys[r].push_back(ItemId(s.item));
    }
  }
  // TeamDraft takes a span of lists: the control's and one challenger's, side by side.
  std::vector<std::vector<std::vector<std::string>>> pairs(num_rankers);
  for (int c = 1; c < num_rankers; ++c) pairs[c] = {keys[0], keys[c]};

  rec.clicked_impressions.assign(num_rankers, 0);
  rec.clicks.assign(num_rankers, 0);
  rec.interleaved.assign(std::max(0, num_rankers - 1), {});
  for (auto& v : rec.interleaved) v.reserve(rec.impressions);

  std::vector<double> draws;
  std::vector<uint8_t> clicked;
  std::vector<double> merged;
  for (int imp = 0; imp < rec.impressions; ++imp) {
    DrawScan(page, rng, draws);
    for (int r = 0; r < num_rankers; ++r) {
      const int c = Scan(options_.cascade, shown[r], rec.propensity, draws, clicked);
      rec.clicks[r] += c;
      if (c > 0) ++rec.clicked_impressions[r];
    }
    for (int c = 1; c < num_rankers; ++c) {
      // A fresh generator per page, as the proxy seeds one per request.
      SplitMix64 coins(rng.Next());
      const std::vector<interleave::Pick> picks = interleave::TeamDraft(pairs[c], page, coins);
      merged.clear();
      bool owns[2] = {false, false};
      for (const interleave::Pick& p : picks) {
        merged.push_back(relevances[items[p.team == 0 ? 0 : c][p.rank]]);
        owns[p.team] = true;
      }
      Scan(options_.cascade, merged, rec.propensity, draws, clicked);
      ImpressionCredits credits;
      for (size_t k = 0; k < picks.size(); ++k) {
        if (!clicked[k]) continue;
        if (picks[k].team == 0) {
          ++credits.control;
        } else {
          ++credits.challenger;
        }
      }
      credits.both_present = owns[0] && owns[1];
      rec.interleaved[c - 1].push_back(credits);
    }
  }
  return rec;
}

std::vector<UserRecord> Simulator::SimulateUsers(int64_t first, int64_t count,
                                                 uint64_t seed) const {
  std::vector<UserRecord> users;
  users.reserve(std::max<int64_t>(0, count));
  for (int64_t j = 0; j < count; ++j) {
    users.push_back(SimulateUser(absl::StrCat("user-", first + j), seed));
  }
  return users;
}

absl::StatusOr<InterleavingResult> EvaluateInterleaving(
    absl::Span<const SampledUser> users, int challenger,
    const interleave::PreferenceOptions& options) {
  absl::StatusOr<interleave::PreferenceTracker> tracker =
      interleave::PreferenceTracker::Create(2, options);
  if (!tracker.ok()) return tracker.status();
  InterleavingResult result;
  // One report per impression, as a client that reports every page (possibly with no clicks).
  // The update is reused: Apply only reads it.
  interleave::ClickUpdate update;
  update.before = {0, 0};
  update.after = {0, 0};
  update.first_report = true;
  update.present = {true, true};
  for (const SampledUser& user : users) {
    const std::vector<ImpressionCredits>& pages = user.record->interleaved.at(challenger - 1);
    update.unit = user.unit;
    for (const ImpressionCredits& credits : pages) {
      update.after[0] = credits.control;
      update.after[1] = credits.challenger;
      update.new_clicks = credits.control + credits.challenger;
      update.present[0] = update.present[1] = credits.both_present;
      tracker->Apply(update);
      result.clicks += update.new_clicks;
    }
    result.impressions += static_cast<int64_t>(pages.size());
    ++result.users;
  }
  result.pair = tracker->Evaluate().at(0);
  return result;
}

AbResult EvaluateAb(absl::Span<const SampledUser> users, int challenger, int num_buckets) {
  AbResult r;
  stats::ClusteredRatio arms[2] = {stats::ClusteredRatio(num_buckets),
                                   stats::ClusteredRatio(num_buckets)};
  int64_t n[2] = {0, 0}, clicked[2] = {0, 0}, people[2] = {0, 0};
  for (const SampledUser& user : users) {
    const int arm = static_cast<int>(user.unit >> 63);
    const int ranker = arm == 1 ? challenger : 0;
    const int32_t c = user.record->clicked_impressions.at(ranker);
    const int imps = user.record->impressions;
    // Only the bucket sums matter to the ratio, so the user's clicked impressions can go in as
    // one value and its other impressions as zeros.
    arms[arm].Add(user.unit, c);
    for (int i = 1; i < imps; ++i) arms[arm].Add(user.unit, 0.0);
    n[arm] += imps;
    clicked[arm] += c;
    ++people[arm];
  }
  r.users_control = people[0];
  r.users_challenger = people[1];
  r.impressions_control = n[0];
  r.impressions_challenger = n[1];
  r.clicked_control = clicked[0];
  r.clicked_challenger = clicked[1];
  if (n[0] == 0 || n[1] == 0) return r;
  r.ctr_control = double(clicked[0]) / n[0];
  r.ctr_challenger = double(clicked[1]) / n[1];
  r.difference = r.ctr_challenger - r.ctr_control;

  absl::StatusOr<stats::ProportionResult> naive =
      stats::TwoProportionZTest(clicked[1], n[1], clicked[0], n[0]);
  if (naive.ok() && naive->computable) {
    r.naive_z = naive->z;
    r.naive_p = naive->p_value;
  }
  const stats::RatioEstimate e0 = arms[0].Estimate();
  const stats::RatioEstimate e1 = arms[1].Estimate();
  if (!e0.computable || !e1.computable) return r;
  // The cluster-robust variance, never below what independent impressions would give (the A/B
  // monitor's rule: less than the iid variance is estimation noise, not real precision).
  auto floored = [](const stats::RatioEstimate& e, double p, double count) {
    return std::max(e.variance_of_mean, p * (1.0 - p) / count);
  };
  const double v = floored(e0, r.ctr_control, double(n[0])) +
                   floored(e1, r.ctr_challenger, double(n[1]));
  if (!(v > 0)) return r;
  r.clustered_se = std::sqrt(v);
  r.clustered_z = r.difference / r.clustered_se;
  r.clustered_p = stats::dist::NormalTwoSidedP(r.clustered_z);
  return r;
}

bool InterleavingFavoursChallenger(const InterleavingResult& r, double alpha) {
  return r.pair.clustered_p < alpha && r.pair.delta < 0;
}

bool AbFavoursChallenger(const AbResult& r, double alpha) {
  return r.clustered_p < alpha && r.difference > 0;
}

std::vector<SampledUser> AsSample(const std::vector<UserRecord>& users) {
  std::vector<SampledUser> sample;
  sample.reserve(users.size());
  for (const UserRecord& u : users) sample.push_back(SampledUser{&u, u.unit});
  return sample;
}

std::vector<SampledUser> Resample(const std::vector<UserRecord>& pool, int64_t users,
                                  SplitMix64& rng) {
  std::vector<SampledUser> sample;
  if (pool.empty()) return sample;
  sample.reserve(std::max<int64_t>(0, users));
  for (int64_t j = 0; j < users; ++j) {
    const UserRecord* record = &pool[rng.Below(pool.size())];
    sample.push_back(SampledUser{record, rng.Next()});
  }
  return sample;
}

namespace {

uint64_t PointSeed(uint64_t seed, int64_t users, uint64_t phase) {
  return Mix64(seed ^ Mix64(static_cast<uint64_t>(users) * 0x9E3779B97F4A7C15ULL + phase));
}

PowerPoint RunPoint(const RejectionCounter& counter, int64_t users, int replicates,
                    uint64_t seed) {
  PowerPoint p;
  p.users = users;
  p.replicates = replicates;
  p.rejections = counter(users, replicates, seed);
  return p;
}

struct Fit {
  bool ok = false;
  double x = 0.0;   // ln(users) at the target
  double se = 0.0;  // its standard error
};

// Weighted least squares of probit(power) on ln(users); see FindUsersForPower.
Fit FitProbit(const std::vector<PowerPoint>& points, double target) {
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const PowerPoint& p : points) {
    if (p.replicates <= 0 || p.users <= 0) continue;
    const double r = p.replicates;
    // Clipped away from 0 and 1, where the probit is infinite (the weight makes such points
    // count little anyway).
    const double q = std::clamp(p.power(), 0.5 / r, 1.0 - 0.5 / r);
    const double y = stats::dist::NormalQuantile(q);
    const double density = std::exp(-0.5 * y * y) / std::sqrt(2.0 * M_PI);
    const double w = r * density * density / (q * (1.0 - q));
    const double x = std::log(static_cast<double>(p.users));
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
  }
  Fit fit;
  const double det = sw * sxx - sx * sx;
  if (!(det > 0)) return fit;
  const double b = (sw * sxy - sx * sy) / det;
  const double a = (sy - b * sx) / sw;
  if (!(b > 0)) return fit;
  const double y_target = stats::dist::NormalQuantile(target);
  fit.x = (y_target - a) / b;
  // (X'WX)^-1 = [[sxx, -sx], [-sx, sw]] / det, for (a, b).
  const double var_a = sxx / det, var_b = sw / det, cov_ab = -sx / det;
  const double var_x = (var_a + 2.0 * fit.x * cov_ab + fit.x * fit.x * var_b) / (b * b);
  fit.se = std::sqrt(std::max(0.0, var_x));
  fit.ok = std::isfinite(fit.x);
  return fit;
}

}  // namespace

SampleSizeEstimate FindUsersForPower(const RejectionCounter& counter,
                                     const PowerSearchOptions& options, uint64_t seed) {
  SampleSizeEstimate estimate;
  // 1. Doubling, with few replicates: only the octave matters here.
  int64_t users = std::max<int64_t>(2, options.start_users);
  int64_t center = 0;
  while (users <= options.max_users) {
    PowerPoint p = RunPoint(counter, users, options.coarse_replicates, PointSeed(seed, users, 1));
    estimate.coarse.push_back(p);
    if (p.power() >= options.target) {
      center = users;
      break;
    }
    users *= 2;
  }
  if (center == 0) return estimate;

  // 2. Half-octave grid from 1.5 octaves below to half an octave above, extended until it
  // holds points on both sides of the target (the coarse step can be off by an octave).
  auto at = [&](int j) {
    return std::max<int64_t>(2, std::llround(center * std::pow(2.0, 0.5 * j)));
  };
  int lo = -3, hi = 1;
  for (int j = lo; j <= hi; ++j) {
    estimate.fine.push_back(RunPoint(counter, at(j), options.replicates, PointSeed(seed, at(j), 2)));
  }
  for (int extensions = 0; extensions < 8; ++extensions) {
    bool below = false, above = false;
    for (const PowerPoint& p : estimate.fine) {
      below |= p.power() < options.target;
      above |= p.power() >= options.target;
    }
    if (below && above) break;
    const int j = above ? --lo : ++hi;
    if (at(j) > options.max_users) break;
    PowerPoint p = RunPoint(counter, at(j), options.replicates, PointSeed(seed, at(j), 2));
    if (above) {
      estimate.fine.insert(estimate.fine.begin(), p);
    } else {
      estimate.fine.push_back(p);
    }
  }
  const Fit fit = FitProbit(estimate.fine, options.target);
  if (!fit.ok) return estimate;
  estimate.found = true;
  estimate.users = std::exp(fit.x);
  estimate.log_se = fit.se;
  return estimate;
}

}  // namespace modelgate::clicksim
