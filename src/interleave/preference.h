// Interleaving preference statistics: the outcome of one impression for a pair of rankers from
// its team credits, and PreferenceTracker, which keeps, for every pair of a route's rankers, the
// wins, losses and ties, the preference delta with a cluster-robust (by user) variance, the exact
// sign test, and an always-valid (mSPRT) p-value that dashboards may watch continuously.
//
// Credit (Team-Draft, Radlinski et al. 2008; multileaving, Schuth et al. 2014): ranker r's credit
// is the number of clicked items on its team. For a pair (a, b), a < b, the impression is a win
// for a if credit_a > credit_b, a win for b if credit_a < credit_b, and a tie otherwise,
// including no click at all. An impression on which a or b owns no item (a multileaved page
// shorter than the number of rankers) is missing data for that pair, not a loss.
//
// Statistics per pair, over the impressions counted for it (n = wins_a + wins_b + ties):
//  - delta = (wins_a + ties/2) / n - 0.5 (Chapelle et al., TOIS 2012), positive favours a: the
//    mean of the impression score s (1 win for a, 0.5 tie, 0 win for b) minus 0.5.
//  - Units. One user's impressions are correlated (a user may simply prefer a's style), so the
//    impressions are not independent trials; treating them as such understates the variance and
//    over-rejects (preference_test.cc measures it). The score is therefore a ratio over units
//    (the impression's `unit`, the user's stable key hash on keyed routes) hashed into
//    `num_buckets` buckets, and its variance is the delete-one-bucket jackknife of
//    stats::ClusteredRatio (the CR3 cluster-robust variance; exactly s^2/n with one impression
//    per bucket). On unkeyed routes each impression has a random unit and this is the iid
//    variance. std_error is its square root; `units` counts the buckets holding data.
//  - ci_low/ci_high: the normal interval delta +- z_{1-alpha/2} * std_error, clipped to delta's
//    range [-0.5, 0.5]. Normal rather than Student-t because the always-valid test below relies
//    on the same normal approximation and routes have hundreds of buckets; with few units (under
//    ~30) it is somewhat narrow. clustered_p is the matching fixed-horizon z-test of delta = 0:
//    valid at ONE pre-planned look (power studies), not when watched continuously. When the
//    variance is not available (fewer than 2 units, or no spread at all, e.g. only ties)
//    std_error is 0, the interval is the whole range and clustered_p is 1.
//  - sign_test_p: exact two-sided binomial test of wins_a against wins_b with ties excluded
//    (no-click impressions are ties, not trials), as scipy.stats.binomtest(wins_a, wins_a +
//    wins_b, 0.5): the sum of the probabilities of all outcomes no more likely than the observed
//    one (with SciPy's relative tolerance 1e-7), 1 when there are no decisive impressions. It
//    treats impressions as independent and is fixed-horizon: a reference, not a decision rule.
//  - always_valid_p: the mSPRT (stats/hypothesis/sequential.h) on delta with theta0 = 0, the
//    mixture scale `tau`, and the cluster-robust variance, updated at each Evaluate and kept
//    (non-increasing). Its burn-in counts UNITS (buckets with data), not impressions, because the
//    reliability of a between-cluster variance depends on the number of clusters: a few heavy
//    users can supply 100 impressions long before the variance means anything. `significant` is
//    always_valid_p <= alpha; this is what dashboards and automatic decisions should use.
//
// An impression is counted once per pair whatever the number of click reports: each report's
// change of credits (ClickUpdate from ImpressionStore::RecordClicks) moves the impression from
// its old outcome to its new one (a later click can turn a win for a into a tie), which adjusts
// the bucket's score sum without adding an observation.
//
// Thread-compatible: one tracker per route, with Apply and Evaluate serialised by the caller.
// Memory: pairs * num_buckets * 16 bytes (28 pairs of 8 rankers at 1024 buckets: ~460 KB).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "interleave/impression_store.h"
#include "stats/hypothesis/clustered_ratio.h"
#include "stats/hypothesis/sequential.h"

namespace modelgate::interleave {

// Largest number of rankers a tracker accepts: the pairs grow quadratically (496 pairs here).
inline constexpr int kMaxRankers = 32;

enum class PairOutcome { kWinA, kWinB, kTie };  // for a pair (a, b) with a < b

// Outcome of an impression for pair (a, b) from credited clicks per ranker; a ranker index
// outside `credits` has 0 credits.
PairOutcome OutcomeFor(const std::vector<int>& credits, int a, int b);

// Exact two-sided binomial test p-value of k successes in n trials at p = 1/2, as
// scipy.stats.binomtest(k, n, 0.5).pvalue; 1 for n <= 0 or k outside [0, n].
double SignTestTwoSidedP(int64_t k, int64_t n);

struct PreferenceOptions {
  double alpha = 0.05;     // significance level of the interval and of `significant`
  double tau = 0.1;        // mSPRT mixture standard deviation, in units of delta
  int64_t burn_in = 100;   // units (buckets with data) before the mSPRT takes evidence
  int num_buckets = 1024;  // rounded up to a power of two
};

struct PairReport {
  int a = 0, b = 0;
  int64_t wins_a = 0, wins_b = 0, ties = 0;
  double delta = 0.0;        // (wins_a + ties/2)/(wins_a+wins_b+ties) - 0.5; 0 when no data
  double sign_test_p = 1.0;  // exact binomial test, ties excluded, fixed horizon
  double ci_low = -0.5;      // cluster-robust normal 1-alpha interval for delta
  double ci_high = 0.5;
  double std_error = 0.0;       // cluster-robust SE of delta; 0 when not available
  double clustered_p = 1.0;     // fixed-horizon cluster-robust z-test of delta = 0
  int64_t units = 0;            // clusters (buckets) with data
  double always_valid_p = 1.0;  // mSPRT p-value: what dashboards show
  bool significant = false;     // always_valid_p <= alpha
};

class PreferenceTracker {
 public:
  // Errors (INVALID_ARGUMENT): num_rankers outside [2, kMaxRankers], alpha outside (0, 1),
  // tau not > 0, burn_in < 0, num_buckets < 2, or burn_in larger than the (rounded) number of
  // buckets, which the unit count could then never reach.
  static absl::StatusOr<PreferenceTracker> Create(int num_rankers, PreferenceOptions options);

  // Applies one feedback report: the impression's credits went from update.before to
  // update.after; on its first report (update.first_report) it was not counted yet. Each pair
  // whose two rankers are both `present` (own an item on the page; a shorter vector means
  // absent) has its outcome recomputed, and the impression moves from its old outcome to the
  // new one, so it counts exactly once per pair. Reports must be applied for every report of an
  // impression, starting with its first.
  void Apply(const ClickUpdate& update, const std::vector<bool>& present);
  // The same with the presence the store recorded (update.present).
  void Apply(const ClickUpdate& update) { Apply(update, update.present); }

  // Reports for all pairs (0,1), (0,2), ..., (R-2,R-1), in that order. O(pairs * buckets);
  // advances each pair's mSPRT by one look, so call it at a steady pace (about once a second),
  // not per click: more looks are allowed, they just cost time.
  std::vector<PairReport> Evaluate();

  int num_rankers() const { return num_rankers_; }
  const PreferenceOptions& options() const { return options_; }

 private:
  struct Pair {
    int a = 0, b = 0;
    int64_t wins_a = 0, wins_b = 0, ties = 0;
    stats::ClusteredRatio scores;  // s per impression, by unit
    stats::Msprt msprt;
  };

  PreferenceTracker(int num_rankers, const PreferenceOptions& options, std::vector<Pair> pairs)
      : num_rankers_(num_rankers), options_(options), pairs_(std::move(pairs)) {}

  int num_rankers_;
  PreferenceOptions options_;
  std::vector<Pair> pairs_;
};

}  // namespace modelgate::interleave
