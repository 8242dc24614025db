// The comparer of one shadow route: mirrored calls' answers (telemetry::ShadowSample) are queued
// on the request path without blocking and compared on the compare engine's thread:
//   - per shadow: the status agreement matrix (primary code x shadow code), the latency delta
//     (shadow - primary, both answered OK), and exact byte equality of the response messages;
//   - with payload: inference_v2, per output tensor: shape/datatype mismatches, numeric error,
//     the share of elements within tolerance, argmax agreement (field_stats.h), and, with a
//     noise reference, Diffy-style noise-adjusted difference rates;
//   - a bounded sample of differing pairs (request id, field, both values), also appended to a
//     size-capped JSON-lines file when one is configured.
// Memory is bounded: the queue (spec.queue_size samples), the diff sample ring, the latency
// reservoirs and the per-tensor statistics all have caps; what is dropped is counted.
//
// Report() JSON (GET /api/v1/routes/{name}/shadow):
// {"route", "payload": "bytes" | "inference_v2", "queued", "compared", "dropped",
//  "noise_reference": arm | null,
//  "shadows": [{"shadow", "samples", "status": {"agreement_rate", "matrix": [{"primary",
//     "shadow", "count"}]}, "latency_delta_seconds": {"count", "mean", "p50", "p90", "p99"},
//     "bytes": {"compared", "equal", "equal_rate"}, "outputs": <FieldStats JSON> | null}],
//  "noise": {"samples", "status_agreement_rate", "bytes_equal_rate"} | null}
// Rates are null until something was compared; never NaN.
// Diffs() JSON (GET /api/v1/routes/{name}/diffs): {"route", "kept", "capacity", "seen",
//  "file": {"path", "bytes", "dropped"} | null, "diffs": [{"time", "request_id", "method",
//  "shadow", "field", "element", "kind", "primary", "shadow_value"}]} newest first
//  (element: the flat index of the first differing element of a tensor, or null).
//
// Thread-safety: Offer from any thread (lock-free); Drain from one thread at a time (the
// engine's); Report/Diffs from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "common/random.h"
#include "monitor/gauge_board.h"
#include "monitor/payload_queue.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "shadow/comparer_spec.h"
#include "shadow/diff_file.h"
#include "shadow/field_stats.h"
#include "shadow/response_diff.h"
#include "stats/sketch/reservoir.h"
#include "stats/welford.h"
#include "telemetry/series_lease.h"
#include "telemetry/shadow_sink.h"

namespace modelgate::shadow {

struct ShadowFamilies;

class Comparer final : public telemetry::ShadowSink {
 public:
  Comparer(ComparerSpec spec, std::shared_ptr<prometheus::Registry> registry);
  ~Comparer() override;

  // Request path: queues the sample, or drops and counts it when the queue is full.
  void Offer(telemetry::ShadowSample sample) override;

  // Compares every queued sample (at most the queue's capacity); returns how many.
  int Drain(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  nlohmann::json Report() const ABSL_LOCKS_EXCLUDED(mu_);
  nlohmann::json Diffs() const ABSL_LOCKS_EXCLUDED(mu_);

  const ComparerSpec& spec() const { return spec_; }

 private:
  // What is known about one shadow arm.
  struct PerShadow {
    int arm = 0;
    std::string name;
    int64_t samples = 0;
    int64_t status_agree = 0;
    std::vector<std::pair<std::pair<int, int>, int64_t>> matrix;  // (primary, shadow) -> count
    stats::Welford latency_delta;
    stats::Reservoir<double> latency_reservoir{2048, 0x5eed};
    int64_t bytes_compared = 0;
    int64_t bytes_equal = 0;
    std::unique_ptr<FieldStats> fields;  // inference_v2 only
    telemetry::CounterLease dropped_queue_full;
    telemetry::SeriesLease<prometheus::Histogram> latency_delta_histogram;
  };
  struct DiffRecord {
    absl::Time time;
    std::string request_id;
    std::string method;
    std::string shadow;
    std::string field;
    std::string kind;
    std::string primary;
    std::string shadow_value;
    int64_t element = -1;  // flat index of the first differing element (-1: not an element)
  };

  void Compare(telemetry::ShadowSample& sample, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountMismatch(PerShadow& s, const std::string& kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KeepDiff(DiffRecord record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  PerShadow* Find(int arm) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string RequestId(const telemetry::ShadowSample& sample) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ComparerSpec spec_;
  const CompareSettings settings_;
  const std::shared_ptr<prometheus::Registry> registry_;  // outlives the leases below
  std::unique_ptr<ShadowFamilies> families_;
  monitor::BoundedMpscQueue<telemetry::ShadowSample> queue_;
  std::atomic<int64_t> queued_{0};
  std::atomic<int64_t> dropped_{0};
  // Per shadow arm, for the request path's drop counter (read-only after construction).
  std::vector<telemetry::CounterLease> drop_counters_;  // by arm index

  mutable Mutex mu_;
  std::vector<PerShadow> shadows_ ABSL_GUARDED_BY(mu_);
  // The noise reference vs the primary (status and bytes; tensors go into each shadow's
  // FieldStats as the noise side).
  int64_t noise_samples_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t noise_status_agree_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t noise_bytes_equal_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t compared_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<DiffRecord> diffs_ ABSL_GUARDED_BY(mu_);  // newest first, capped
  int64_t diffs_seen_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<DiffFile> diff_file_ ABSL_GUARDED_BY(mu_);
  monitor::GaugeBoard gauges_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, telemetry::CounterLease>> mismatch_counters_
      ABSL_GUARDED_BY(mu_);  // "shadow\x1fkind" -> counter
};

}  // namespace modelgate::shadow
