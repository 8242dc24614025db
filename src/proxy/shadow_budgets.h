// The in-flight counters behind shadow.max_inflight, one per (route, shadow arm) for as long as
// a snapshot uses it rather than one per snapshot: copies started under the snapshot a reload
// replaced still count against the budget of the one that replaced it, so a reload never lets
// twice max_inflight copies run at once.
//
// Thread-safe. Only snapshot builds call in; the request path holds the counters it was given.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/weak_registry.h"

namespace modelgate::proxy {

using ShadowBudgets = WeakRegistry<std::atomic<int>>;

// The counter of copies to arm `arm` of route `route` in flight: the one earlier snapshots were
// given if any of them still holds it, else a new one at zero.
inline std::shared_ptr<std::atomic<int>> ShadowInflightCounter(ShadowBudgets& budgets,
                                                               const std::string& route,
                                                               const std::string& arm) {
  return *budgets.GetOrCreate(absl::StrCat(route, "\x1e", arm), arm, [] {
    return absl::StatusOr<std::shared_ptr<std::atomic<int>>>(
        std::make_shared<std::atomic<int>>(0));
  });
}

}  // namespace modelgate::proxy
