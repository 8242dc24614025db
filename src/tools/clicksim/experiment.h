// Offline experiments on simulated users: the same users (relevance.h, click_model.h) either see
// an interleaved page of the control ranker and a challenger (Team-Draft, credited by team and
// fed to the proxy's own PreferenceTracker) or are split 50/50 between the two rankers (an A/B
// test on click-through rate), and the power of each design is measured by replicating whole
// experiments.
//
// Common random numbers. A simulated user is recorded once with everything every design needs:
// for each impression one set of scan draws (click_model.h) is drawn and applied to the control's
// page, to every challenger's page (the A/B potential outcomes) and to every interleaved page. So
// the designs and the rankers are compared on the same users in the same moods, which removes
// simulation noise from their differences without changing any single design's distribution:
// each A/B replicate uses one arm's outcome per user, each interleaving replicate only the
// interleaved pages.
//
// A/B metric: click-through rate = impressions with at least one click / impressions (a
// proportion, so the two-proportion test applies to it as stated). Two tests of it:
//  - naive: the two-proportion z-test with every impression an independent trial;
//  - clustered: each arm's rate as a ratio over users hashed into buckets, with the jackknife
//    variance of stats::ClusteredRatio (floored at the iid variance, as the A/B monitor does),
//    and a z-test of the difference. A user's impressions show the same list and share the
//    user's propensity, so they are correlated and only this test keeps its level.
// Arms are assigned by the top bit of the user's unit (its stable hash), as a sticky split would.
//
// Interleaving decision: PreferenceTracker's fixed-horizon cluster-robust z-test (clustered_p)
// at one planned look; the sign test (which treats impressions as independent) is reported too.
// Every impression is reported to the tracker, an impression without clicks as an empty report
// (a tie), the convention of statistics.md ("no-click impressions are ties").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "interleave/preference.h"
#include "stats/hypothesis/two_sample.h"
#include "tools/clicksim/click_model.h"
#include "tools/clicksim/relevance.h"

namespace modelgate::clicksim {

struct SimulationOptions {
  WorldOptions world;
  CascadeOptions cascade;
  ActivityOptions activity;
  int page_size = 10;  // each ranker's list length and the shown page's length
};

// Team credits of one interleaved impression: clicks on the control's and the challenger's
// items. `both_present`: both teams own an item of the page (always, unless a list is empty).
struct ImpressionCredits {
  uint8_t control = 0;
  uint8_t challenger = 0;
  bool both_present = true;
};

// Everything the designs need about one simulated user.
struct UserRecord {
  uint64_t unit = 0;  // stable hash of the user id: the user's cluster and A/B arm
  int impressions = 0;
  double propensity = 1.0;
  // Per ranker r: outcomes if every impression showed ranker r's list (common draws for all r).
  std::vector<int32_t> clicked_impressions;  // impressions with >= 1 click
  std::vector<int32_t> clicks;               // total clicks
  // Per challenger c (ranker c + 1) interleaved with the control (ranker 0): per impression.
  std::vector<std::vector<ImpressionCredits>> interleaved;
};

// Ranker 0 is the control; rankers 1.. are challengers, each compared with the control.
class Simulator {
 public:
  Simulator(const SimulationOptions& options, std::vector<RankerOptions> rankers);
  // The rankers refer to the world member: never copied or moved.
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const SimulationOptions& options() const { return options_; }
  const World& world() const { return world_; }
  int num_rankers() const { return static_cast<int>(rankers_.size()); }
  int num_challengers() const { return num_rankers() - 1; }
  const Ranker& ranker(int r) const { return rankers_[r]; }

  // Simulates user `user_id`. Its traits, scan draws and interleaving coins come from a
  // generator seeded by (seed, user id); relevance and rankings only from the world and rankers.
  UserRecord SimulateUser(std::string_view user_id, uint64_t seed) const;

  // Users "user-<first>" .. "user-<first + count - 1>".
  std::vector<UserRecord> SimulateUsers(int64_t first, int64_t count, uint64_t seed) const;

 private:
  SimulationOptions options_;
  World world_;
  std::vector<Ranker> rankers_;
};

// A user in an experiment: the record and the unit it is clustered and assigned by. A fresh
// experiment uses record->unit; a bootstrap replicate gives every draw its own random unit, so
// a user drawn twice counts as two independent users.
struct SampledUser {
  const UserRecord* record = nullptr;
  uint64_t unit = 0;
};

struct InterleavingResult {
  int64_t users = 0;
  int64_t impressions = 0;
  int64_t clicks = 0;
  interleave::PairReport pair;  // a = control (ranker 0), b = the challenger; delta > 0 favours a
};

// Feeds every impression of `users` for `challenger` (1-based ranker index) to a fresh
// PreferenceTracker and evaluates once.
absl::StatusOr<InterleavingResult> EvaluateInterleaving(
    absl::Span<const SampledUser> users, int challenger,
    const interleave::PreferenceOptions& options = {});

struct AbResult {
  int64_t users_control = 0, users_challenger = 0;
  int64_t impressions_control = 0, impressions_challenger = 0;
  int64_t clicked_control = 0, clicked_challenger = 0;  // impressions with >= 1 click
  double ctr_control = 0.0, ctr_challenger = 0.0;
  double difference = 0.0;  // ctr_challenger - ctr_control
  // Naive: impressions as independent trials.
  double naive_z = 0.0;
  double naive_p = 1.0;
  // Clustered by user (bucketed jackknife, floored at the iid variance).
  double clustered_se = 0.0;
  double clustered_z = 0.0;
  double clustered_p = 1.0;
};

inline constexpr int kAbBuckets = 256;  // as the A/B monitor (src/monitor/comparison.h)

// Splits `users` by the top bit of their unit (1: challenger) and tests the CTR difference.
AbResult EvaluateAb(absl::Span<const SampledUser> users, int challenger,
                    int num_buckets = kAbBuckets);

// Decisions for power: significant at `alpha` AND in the challenger's favour.
bool InterleavingFavoursChallenger(const InterleavingResult& r, double alpha);
bool AbFavoursChallenger(const AbResult& r, double alpha);

// The units of fresh users: their own stable hashes.
std::vector<SampledUser> AsSample(const std::vector<UserRecord>& users);

// U draws with replacement from `pool`, each with a fresh random unit from `rng`.
std::vector<SampledUser> Resample(const std::vector<UserRecord>& pool, int64_t users,
                                  SplitMix64& rng);

// --- Power --------------------------------------------------------------------------------

struct PowerPoint {
  int64_t users = 0;
  int replicates = 0;
  int rejections = 0;
  double power() const { return replicates > 0 ? double(rejections) / replicates : 0.0; }
};

// Runs `replicates` experiments of `users` users and returns how many rejected (in the right
// direction). The seed identifies the batch; equal arguments give equal answers.
using RejectionCounter = std::function<int(int64_t users, int replicates, uint64_t seed)>;

struct PowerSearchOptions {
  double target = 0.8;
  int64_t start_users = 16;
  int64_t max_users = int64_t{1} << 23;
  int coarse_replicates = 50;  // while doubling to find the right octave
  int replicates = 200;        // at every point of the fine grid
};

struct SampleSizeEstimate {
  bool found = false;      // the target was reached below max_users
  double users = 0.0;      // users for the target power (interpolated)
  double log_se = 0.0;     // Monte-Carlo standard error of ln(users), from the fit
  std::vector<PowerPoint> coarse;
  std::vector<PowerPoint> fine;
};

// Finds the users needed for `target` power. Doubling from start_users with coarse replicates
// finds the first count at or above the target; then a fine grid at half-octave steps around it
// (extended until it brackets the target) is run with full replicates, and probit(power) is
// fitted as a straight line in ln(users) by weighted least squares (weights: the binomial
// variance through the delta method), which is solved for the target. A z-test's power is
// close to Phi(c sqrt(U) - z) there, so over two octaves the line is a good local model.
SampleSizeEstimate FindUsersForPower(const RejectionCounter& counter,
                                     const PowerSearchOptions& options, uint64_t seed);

}  // namespace modelgate::clicksim
