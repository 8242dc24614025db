// The sweep behind modelgate-interleave-power: for each level of user heterogeneity and each
// (small) quality gap between two rankers, the number of users that interleaving and an A/B test
// on click-through rate each need for the target power, and the A/A false-positive rates of both
// designs' tests. Printed as markdown with every model parameter.
//
// Method. Per activity shape k, a pool of simulated users (experiment.h) is recorded once with
// the control and every challenger, under common random numbers. Power at U users is the share
// of R replicate experiments, each U users drawn with replacement from the pool (each draw a new
// independent unit and a new A/B arm), whose test rejects in the challenger's favour at alpha:
// the bootstrap subsampling Netflix used for the same comparison. Replicates are cheap (no
// re-simulation), which is what makes A/B sample sizes in the hundreds of thousands measurable
// on one core. The pool is finite, so its realised effect differs from the population's; the
// report gives each effect with its standard error in the pool and the resulting uncertainty of
// the sample sizes (roughly twice the effect's relative error), next to the Monte-Carlo one.
//
// A/A rates are NOT taken from the pool (its realised null effect is not exactly zero): every
// A/A replicate simulates fresh users, with two identical rankers and with two equally good
// rankers (same noise, different noise seeds).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "interleave/preference.h"
#include "tools/clicksim/experiment.h"

namespace modelgate::clicksim {

struct SweepOptions {
  SimulationOptions simulation;  // activity.activity_shape is set per row from activity_shapes
  double noise_control = 0.3;
  uint64_t seed_control = 1;     // ranker seeds: the challengers all use seed_challenger
  uint64_t seed_challenger = 2;
  std::vector<double> activity_shapes = {0.5, 1.0, 4.0};
  std::vector<double> noise_ratios = {0.9, 0.8, 0.6};  // challenger noise / control noise
  int64_t pool_users = 100000;
  PowerSearchOptions search;
  double alpha = 0.05;
  interleave::PreferenceOptions preference;
  int64_t aa_users = 500;
  int aa_replicates = 200;
  uint64_t seed = 1;
};

// What the pool of one activity shape looks like.
struct PoolStats {
  double activity_shape = 0.0;
  int64_t users = 0;
  double mean_impressions = 0.0;
  double top10_share = 0.0;  // share of impressions from the most active 10% of users
  int max_impressions = 0;
  double mean_propensity = 0.0;
  double ctr_control = 0.0;  // impressions with >= 1 click / impressions, control's list
  double clicks_per_impression_control = 0.0;
};

struct CellResult {
  double activity_shape = 0.0;
  double noise_ratio = 0.0;
  double noise_challenger = 0.0;
  // Effects in the pool, with their standard errors there.
  double ctr_control = 0.0, ctr_challenger = 0.0;
  double ab_difference = 0.0, ab_difference_se = 0.0;  // paired over the pool's users
  double preference = 0.0, preference_se = 0.0;  // -delta: > 0 favours the challenger
  SampleSizeEstimate interleaving;
  SampleSizeEstimate ab;
};

struct AaResult {
  double activity_shape = 0.0;
  bool identical = true;  // identical rankers, else equally good ones (different seeds)
  int64_t users = 0;
  int replicates = 0;
  int interleaving_clustered = 0;  // rejections at alpha, either direction
  int interleaving_sign = 0;
  int ab_naive = 0;
  int ab_clustered = 0;
};

struct SweepResult {
  std::vector<PoolStats> pools;
  std::vector<CellResult> cells;
  std::vector<AaResult> aa;
  double seconds = 0.0;
};

// Runs the sweep on the calling thread; `progress` (may be empty) receives one line per step.
SweepResult RunSweep(const SweepOptions& options,
                     const std::function<void(const std::string&)>& progress = {});

// Markdown: the model's parameters, the pools, the sample-size table and the A/A table.
std::string FormatSweep(const SweepOptions& options, const SweepResult& result);

}  // namespace modelgate::clicksim
