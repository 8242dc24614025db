// One interleaving route at run time: the merger its merge plans use (decode every ranker's
// list, Team-Draft them into one page, answer in the rankers' own format with an impression id)
// and the feedback side (clicks credited by team, per-pair preference statistics, metrics).
// The routing snapshots own it (through InterleaveEngine), so a reload that keeps the route's
// settings and rankers keeps its impressions and statistics.
//
// Thread-safety: Merge and RecordClicks from any thread (the impression store is sharded);
// Evaluate from one thread at a time (the engine's); Report from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/mutex.h"
#include "interleave/impression_store.h"
#include "interleave/interleave_families.h"
#include "interleave/interleave_spec.h"
#include "interleave/list_format.h"
#include "interleave/preference.h"
#include "nlohmann/json.hpp"
#include "routing/merger.h"
#include "telemetry/series_lease.h"

namespace modelgate::interleave {

// What a feedback report did, as the feedback APIs answer it.
struct FeedbackResult {
  std::string route;
  std::vector<std::pair<std::string, int>> credits;  // per ranker, in the route's order
  std::string outcome;  // "win:<ranker>" or "tie"
  int new_clicks = 0;
};

class InterleaveRoute final : public routing::Merger {
 public:
  // Errors: a list setting the format rejects, fewer than two rankers.
  static absl::StatusOr<std::shared_ptr<InterleaveRoute>> Create(const InterleaveSpec& spec,
                                                                 const InterleaveFamilies& f);

  absl::StatusOr<routing::MergeResult> Merge(const std::vector<routing::MergeInput>& inputs,
                                             uint64_t key_hash, SplitMix64& rng) const override;
  void Unmerged(const char* reason) const override;

  // Records clicks for `impression` (see ImpressionStore::RecordClicks for the errors).
  absl::StatusOr<FeedbackResult> RecordClicks(absl::string_view impression,
                                              absl::Span<const std::string> items,
                                              absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  // Recomputes the statistics and publishes the gauges (about once a second).
  void Evaluate() ABSL_LOCKS_EXCLUDED(mu_);
  // The route's impressions, feedback and per-pair statistics as of the last Evaluate.
  nlohmann::json Report() const ABSL_LOCKS_EXCLUDED(mu_);

  const InterleaveSpec& spec() const { return spec_; }

 private:
  struct PairSeries {
    telemetry::SeriesLease<prometheus::Gauge> delta;
    telemetry::SeriesLease<prometheus::Gauge> pvalue;
    // Outcome counters: [0] the pair's first ranker won, [1] the second, [2] tie.
    telemetry::CounterLease outcomes[3];
  };

  InterleaveRoute(const InterleaveSpec& spec, const InterleaveFamilies& f,
                  std::unique_ptr<ListFormat> format, PreferenceTracker tracker);
  std::string PairName(int a, int b) const;

  const InterleaveSpec spec_;
  const std::unique_ptr<ListFormat> format_;
  mutable ImpressionStore store_;
  // Leased series: an old snapshot's route and its replacement may be alive at once.
  const telemetry::CounterLease impressions_;
  const telemetry::CounterLease leg_failed_;
  const telemetry::CounterLease merge_error_;
  const telemetry::SeriesLease<prometheus::Gauge> stored_;
  const telemetry::CounterLease evicted_;
  const telemetry::CounterLease expired_;
  std::vector<PairSeries> pairs_;  // (0,1), (0,2), ..., (1,2), ...

  mutable Mutex mu_;
  PreferenceTracker tracker_ ABSL_GUARDED_BY(mu_);
  std::vector<PairReport> reports_ ABSL_GUARDED_BY(mu_);
  uint64_t published_evicted_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t published_expired_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace modelgate::interleave
