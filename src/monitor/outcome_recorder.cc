// OutcomeRecorder: sharded recording and merge-on-read.
#include "monitor/outcome_recorder.h"

#include <cmath>

namespace modelgate::monitor {

void ArmTotals::Clear() {
  requests = 0;
  errors = 0;
  latency.Clear();
  sketch.Clear();
  reservoir.Clear();
  latency_by_user.Clear();
  errors_by_user.Clear();
}

void ArmTotals::Merge(const ArmTotals& other) {
  requests += other.requests;
  errors += other.errors;
  latency.Merge(other.latency);
  sketch.Merge(other.sketch);
  reservoir.Merge(other.reservoir);
  latency_by_user.Merge(other.latency_by_user);
  errors_by_user.Merge(other.errors_by_user);
}

OutcomeRecorder::OutcomeRecorder(int num_arms, int num_shards, size_t reservoir_capacity,
                                 uint64_t seed, int num_clusters)
    : num_arms_(num_arms < 0 ? 0 : num_arms),
      reservoir_capacity_(reservoir_capacity < 1 ? 1 : reservoir_capacity),
      seed_(seed),
      num_clusters_(num_clusters < 0 ? 0 : num_clusters),
      scratch_(std::make_unique<ArmTotals>(reservoir_capacity_, seed, num_clusters_)) {
  const int n = num_shards < 1 ? 1 : num_shards;
  for (int s = 0; s < n; ++s) {
    auto shard = std::make_unique<Shard>();
    std::lock_guard<std::mutex> lock(shard->mu);
    shard->arms.reserve(static_cast<size_t>(num_arms_));
    for (int a = 0; a < num_arms_; ++a) {
      // Distinct reservoir streams per (shard, arm): SplitMix64 seeds only need to differ.
      const uint64_t arm_seed =
          seed_ + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(1 + s * num_arms_ + a);
      shard->arms.emplace_back(reservoir_capacity_, arm_seed, num_clusters_);
    }
    shards_.push_back(std::move(shard));
  }
}

void OutcomeRecorder::Record(int shard, int arm, int grpc_code, double latency_seconds,
                             std::optional<uint64_t> user) {
  if (arm < 0 || arm >= num_arms_) return;
  const size_t n = shards_.size();
  Shard& s = *shards_[shard >= 0 ? static_cast<size_t>(shard) % n : 0];
  std::lock_guard<std::mutex> lock(s.mu);
  ArmTotals& t = s.arms[static_cast<size_t>(arm)];
  ++t.requests;
  const uint64_t unit = user.has_value() ? *user : s.next_anonymous++;
  t.errors_by_user.Add(unit, grpc_code != 0 ? 1.0 : 0.0);
  if (grpc_code != 0) {
    ++t.errors;
    return;
  }
  if (!std::isfinite(latency_seconds) || latency_seconds < 0) return;
  t.latency_by_user.Add(unit, latency_seconds);
  t.latency.Add(latency_seconds);
  t.sketch.Add(latency_seconds);
  t.reservoir.Add(latency_seconds);
}

void OutcomeRecorder::Snapshot(std::vector<ArmTotals>* out) {
  if (out->size() != static_cast<size_t>(num_arms_)) {
    out->clear();
    for (int a = 0; a < num_arms_; ++a) {
      out->emplace_back(reservoir_capacity_, seed_ ^ (0xA5A5A5A5ULL + static_cast<uint64_t>(a)),
                        num_clusters_);
    }
  }
  for (int a = 0; a < num_arms_; ++a) {
    ArmTotals& merged = (*out)[static_cast<size_t>(a)];
    merged.Clear();
    for (auto& shard : shards_) {
      {
        std::lock_guard<std::mutex> lock(shard->mu);
        *scratch_ = shard->arms[static_cast<size_t>(a)];
      }
      merged.Merge(*scratch_);
    }
  }
}

}  // namespace modelgate::monitor
