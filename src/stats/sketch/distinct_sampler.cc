// See distinct_sampler.h.
#include "stats/sketch/distinct_sampler.h"

#include <algorithm>

namespace modelgate::stats {
namespace {

uint64_t MaskOf(int level) {
  return level >= 64 ? ~uint64_t{0} : ((uint64_t{1} << level) - 1);
}

}  // namespace

DistinctSampler::DistinctSampler(int num_labels, size_t capacity, int num_shards)
    : num_labels_(num_labels), capacity_(capacity < 1 ? 1 : capacity) {
  for (int i = 0; i < std::max(1, num_shards); ++i) {
    auto shard = std::make_unique<Shard>();
    MutexLock lock(&shard->mu);
    // Room for every key the shard may hold: adding never rehashes on the request path.
    shard->keys.reserve(capacity_ + 1);
    shards_.push_back(std::move(shard));
  }
}

void DistinctSampler::Add(int shard, uint64_t key_hash, int label) {
  if (label < 0 || label >= num_labels_) return;
  Shard& s = *shards_[static_cast<size_t>(shard >= 0 ? shard : 0) % shards_.size()];
  if ((key_hash & s.mask.load(std::memory_order_relaxed)) != 0) return;
  MutexLock lock(&s.mu);
  if ((key_hash & MaskOf(s.level)) != 0) return;  // the level rose since the filter
  s.keys.emplace(key_hash, label);
  while (s.keys.size() > capacity_ && s.level < 63) RaiseLevel(s);
}

void DistinctSampler::RaiseLevel(Shard& s) {
  ++s.level;
  const uint64_t mask = MaskOf(s.level);
  absl::erase_if(s.keys, [mask](const auto& kv) { return (kv.first & mask) != 0; });
  s.mask.store(mask, std::memory_order_relaxed);
}

DistinctSampler::Counts DistinctSampler::Snapshot() const {
  Counts out;
  out.per_label.assign(static_cast<size_t>(num_labels_), 0);
  absl::flat_hash_map<uint64_t, int> keys;
  for (const auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    out.level = std::max(out.level, shard->level);
    keys.insert(shard->keys.begin(), shard->keys.end());
  }
  const uint64_t mask = MaskOf(out.level);
  for (const auto& [key, label] : keys) {
    if ((key & mask) == 0) ++out.per_label[static_cast<size_t>(label)];
  }
  return out;
}

void DistinctSampler::Reset() {
  for (const auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    shard->keys.clear();
    shard->level = 0;
    shard->mask.store(0, std::memory_order_relaxed);
  }
}

}  // namespace modelgate::stats
