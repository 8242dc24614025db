// OutcomeRecorder: per-arm call outcomes of one route (requests, errors, latency moments,
// latency sketch and a latency reservoir), recorded by many threads and merged on read.
//
// On sticky routes (num_clusters > 0) each arm also keeps its latencies and error indicators
// summed per bucket of users (stats/hypothesis/clustered_ratio.h), so comparisons can use a
// variance that accounts for one user's requests being correlated. Calls without a user key are
// independent units and are spread over the buckets in turn.
//
// Latency statistics cover successful calls only: failed calls are often either very fast
// (UNAVAILABLE) or capped by a deadline, so mixing them in would let a failing arm look fast;
// failures are judged by the error-rate comparison instead.
//
// Thread-safety: Record() may be called concurrently as long as each thread uses its own shard
// index (the proxy's worker index); each shard has its own mutex, which is uncontended except
// while Snapshot() copies that shard. Snapshot() may be called from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "common/mutex.h"
#include "stats/hypothesis/clustered_ratio.h"
#include "stats/sketch/ddsketch.h"
#include "stats/sketch/reservoir.h"
#include "stats/welford.h"

namespace modelgate::monitor {

// One arm's outcomes. Mergeable; memory is fixed (sketch bins, reservoir capacity).
struct ArmTotals {
  ArmTotals(size_t reservoir_capacity, uint64_t seed, int num_clusters = 0)
      : reservoir(reservoir_capacity, seed),
        latency_by_user(num_clusters),
        errors_by_user(num_clusters) {}

  int64_t requests = 0;
  // The current weight epoch only (calls routed with the current weights; a canary's step):
  // for the sample-ratio check and a canary's absolute gates.
  int64_t epoch_requests = 0;
  int64_t epoch_error_sample = 0;
  int64_t epoch_errors = 0;
  stats::DDSketch epoch_sketch;        // seconds, successful calls
  int64_t error_sample = 0;            // calls the error rate counts (not client cancellations)
  int64_t errors = 0;                  // calls whose code is one of the route's error codes
  stats::Welford latency;              // seconds, successful calls
  stats::DDSketch sketch;              // seconds, successful calls (relative error 1%)
  stats::Reservoir<double> reservoir;  // uniform sample of successful-call latencies
  stats::ClusteredRatio latency_by_user;  // successful-call latencies (disabled: 0 buckets)
  stats::ClusteredRatio errors_by_user;   // 1 per failed call, 0 per other call in the sample

  void Clear();
  void ClearEpoch();
  void Merge(const ArmTotals& other);
};

// Bit c set = gRPC status code c counts as an error (config::MonitorConfig::error_codes).
uint32_t ErrorCodeMask(const std::vector<int>& codes);

class OutcomeRecorder {
 public:
  static constexpr size_t kDefaultReservoirCapacity = 2048;

  // Seeds derive from `seed`, so a run is reproducible given the same sequence of records.
  // `num_clusters` > 0 turns on the per-user-bucket sums (sticky routes). `error_code_mask`
  // (ErrorCodeMask) says which codes are the model server's failures.
  OutcomeRecorder(int num_arms, int num_shards, size_t reservoir_capacity, uint64_t seed,
                  int num_clusters = 0, uint32_t error_code_mask = DefaultErrorCodeMask());

  static uint32_t DefaultErrorCodeMask();

  // O(1), no allocation. Out-of-range shards wrap around; out-of-range arms are ignored. A
  // non-finite or negative latency counts the call but not its latency. `user`: the call's
  // sticky key hash, if it had one. Every call counts in `requests`; the error rate counts
  // OK calls, calls whose code is in the mask (errors) and other application answers
  // (NOT_FOUND, ...: served, not failed); CANCELLED, unless in the mask, is the client giving
  // up and stays out of the error rate. Latency is recorded for OK calls only.
  // `in_epoch`: the call was routed with the current weights (counted in epoch_requests).
  void Record(int shard, int arm, int grpc_code, double latency_seconds,
              std::optional<uint64_t> user = std::nullopt, bool in_epoch = true);
  // A new weight epoch: every arm's epoch_requests restarts from 0.
  void ResetEpoch();

  // Fills *out (resized to num_arms on first use, then reused) with the merged totals.
  void Snapshot(std::vector<ArmTotals>* out);

  int num_arms() const { return num_arms_; }
  int num_shards() const { return static_cast<int>(shards_.size()); }

 private:
  struct alignas(64) Shard {
    Mutex mu;
    std::vector<ArmTotals> arms ABSL_GUARDED_BY(mu);
    uint64_t next_anonymous ABSL_GUARDED_BY(mu) = 0;  // bucket of the next call without a key
  };

  const int num_arms_;
  const size_t reservoir_capacity_;
  const uint64_t seed_;
  const int num_clusters_;
  const uint32_t error_code_mask_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // Copy target for one shard's arm, so the shard's lock is held only for a copy into
  // already-allocated storage. Used by Snapshot() only.
  std::unique_ptr<ArmTotals> scratch_;
};

}  // namespace modelgate::monitor
