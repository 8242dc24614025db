// The in-flight counters behind shadow.max_inflight, one per (route, shadow arm) for the
// process's life rather than per snapshot: copies started under the snapshot a reload replaced
// still count against the budget of the one that replaced it, so a reload never lets twice
// max_inflight copies run at once. A counter lives while any snapshot (or copy) holds it.
//
// Thread-safe. Only snapshot builds call in; the request path holds the counters it was given.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace modelgate::proxy {

class ShadowBudgets {
 public:
  // The counter of copies to arm `arm` of route `route` in flight: the one earlier snapshots
  // were given if any of them still holds it, else a new one at zero.
  std::shared_ptr<std::atomic<int>> Counter(const std::string& route, const std::string& arm)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Counters some snapshot still holds (tests: released ones are forgotten).
  size_t live() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void ForgetReleased() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<std::string, std::string>, std::weak_ptr<std::atomic<int>>>
      counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modelgate::proxy
