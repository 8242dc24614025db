// OutcomeRecorder: sharded recording and merge-on-read.
#include "monitor/outcome_recorder.h"

#include <cmath>

#include "config/config.h"

namespace modelgate::monitor {

void ArmTotals::Clear() {
  requests = 0;
  ClearEpoch();
  error_sample = 0;
  errors = 0;
  latency.Clear();
  sketch.Clear();
  reservoir.Clear();
  latency_by_user.Clear();
  errors_by_user.Clear();
}

void ArmTotals::ClearEpoch() {
  epoch_requests = 0;
  epoch_error_sample = 0;
  epoch_errors = 0;
  epoch_sketch.Clear();
}

void ArmTotals::Merge(const ArmTotals& other) {
  requests += other.requests;
  epoch_requests += other.epoch_requests;
  epoch_error_sample += other.epoch_error_sample;
  epoch_errors += other.epoch_errors;
  epoch_sketch.Merge(other.epoch_sketch);
  error_sample += other.error_sample;
  errors += other.errors;
  latency.Merge(other.latency);
  sketch.Merge(other.sketch);
  reservoir.Merge(other.reservoir);
  latency_by_user.Merge(other.latency_by_user);
  errors_by_user.Merge(other.errors_by_user);
}

uint32_t ErrorCodeMask(const std::vector<int>& codes) {
  uint32_t mask = 0;
  for (int c : codes) {
    if (c > 0 && c < 32) mask |= uint32_t{1} << c;
  }
  return mask;
}

uint32_t OutcomeRecorder::DefaultErrorCodeMask() {
  return ErrorCodeMask(config::DefaultErrorCodes());
}

OutcomeRecorder::OutcomeRecorder(int num_arms, int num_shards, size_t reservoir_capacity,
                                 uint64_t seed, int num_clusters, uint32_t error_code_mask)
    : num_arms_(num_arms < 0 ? 0 : num_arms),
      reservoir_capacity_(reservoir_capacity < 1 ? 1 : reservoir_capacity),
      seed_(seed),
      num_clusters_(num_clusters < 0 ? 0 : num_clusters),
      error_code_mask_(error_code_mask),
      scratch_(std::make_unique<ArmTotals>(reservoir_capacity_, seed, num_clusters_)) {
  const int n = num_shards < 1 ? 1 : num_shards;
  for (int s = 0; s < n; ++s) {
    auto shard = std::make_unique<Shard>();
    MutexLock lock(&shard->mu);
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
                             std::optional<uint64_t> user, bool in_epoch) {
  if (arm < 0 || arm >= num_arms_) return;
  const size_t n = shards_.size();
  Shard& s = *shards_[shard >= 0 ? static_cast<size_t>(shard) % n : 0];
  MutexLock lock(&s.mu);
  ArmTotals& t = s.arms[static_cast<size_t>(arm)];
  ++t.requests;
  if (in_epoch) ++t.epoch_requests;
  constexpr int kCancelled = 1;
  const bool error = grpc_code > 0 && grpc_code < 32 && (error_code_mask_ >> grpc_code) & 1;
  if (grpc_code == kCancelled && !error) return;  // the client gave up: no verdict on the arm
  const uint64_t unit = user.has_value() ? *user : s.next_anonymous++;
  ++t.error_sample;
  t.errors_by_user.Add(unit, error ? 1.0 : 0.0);
  if (error) ++t.errors;
  if (in_epoch) {
    ++t.epoch_error_sample;
    if (error) ++t.epoch_errors;
  }
  if (grpc_code != 0) return;
  if (!std::isfinite(latency_seconds) || latency_seconds < 0) return;
  t.latency_by_user.Add(unit, latency_seconds);
  t.latency.Add(latency_seconds);
  t.sketch.Add(latency_seconds);
  if (in_epoch) t.epoch_sketch.Add(latency_seconds);
  t.reservoir.Add(latency_seconds);
}

void OutcomeRecorder::ResetEpoch() {
  for (auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    for (ArmTotals& t : shard->arms) t.ClearEpoch();
  }
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
        MutexLock lock(&shard->mu);
        *scratch_ = shard->arms[static_cast<size_t>(a)];
      }
      merged.Merge(*scratch_);
    }
  }
}

}  // namespace modelgate::monitor
