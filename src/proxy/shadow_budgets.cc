// Shadow in-flight counters shared across snapshots, forgotten once released.
#include "proxy/shadow_budgets.h"

#include "absl/container/flat_hash_map.h"


namespace modelgate::proxy {

std::shared_ptr<std::atomic<int>> ShadowBudgets::Counter(const std::string& route,
                                                         const std::string& arm) {
  absl::MutexLock lock(&mu_);
  ForgetReleased();  // bounded by the routes of the configs still running
  std::weak_ptr<std::atomic<int>>& slot = counters_[{route, arm}];
  std::shared_ptr<std::atomic<int>> counter = slot.lock();
  if (counter == nullptr) {
    counter = std::make_shared<std::atomic<int>>(0);
    slot = counter;
  }
  return counter;
}

size_t ShadowBudgets::live() {
  absl::MutexLock lock(&mu_);
  ForgetReleased();
  return counters_.size();
}

void ShadowBudgets::ForgetReleased() {
  absl::erase_if(counters_, [](const auto& entry) { return entry.second.expired(); });
}

}  // namespace modelgate::proxy
