// See distinct_sampler.h.
#include "stats/distinct_sampler.h"

namespace modelgate::stats {

DistinctSampler::DistinctSampler(int num_labels, size_t capacity)
    : num_labels_(num_labels), capacity_(capacity < 1 ? 1 : capacity), counts_(num_labels, 0) {
  keys_.reserve(capacity_ + 1);
}

void DistinctSampler::Add(uint64_t key_hash, int label) {
  if (label < 0 || label >= num_labels_) return;
  if ((key_hash & mask_.load(std::memory_order_relaxed)) != 0) return;
  MutexLock lock(&mu_);
  const uint64_t mask = (level_ >= 64) ? ~uint64_t{0} : ((uint64_t{1} << level_) - 1);
  if ((key_hash & mask) != 0) return;  // the level rose while we waited
  if (!keys_.emplace(key_hash, label).second) return;
  ++counts_[label];
  while (keys_.size() > capacity_ && level_ < 63) RaiseLevelLocked();
}

void DistinctSampler::RaiseLevelLocked() {
  ++level_;
  const uint64_t mask = (uint64_t{1} << level_) - 1;
  for (auto it = keys_.begin(); it != keys_.end();) {
    if ((it->first & mask) != 0) {
      --counts_[it->second];
      keys_.erase(it++);
    } else {
      ++it;
    }
  }
  mask_.store(mask, std::memory_order_relaxed);
}

DistinctSampler::Counts DistinctSampler::Snapshot() const {
  MutexLock lock(&mu_);
  return Counts{counts_, level_};
}

}  // namespace modelgate::stats
