// See log_rate_limit.h. A fixed window per budget: the first Allow after `interval` has passed
// opens a new window (one compare-and-swap), and the window's count decides.
#include "common/log_rate_limit.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace modelgate {

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool LogRateLimiter::Allow(int64_t now_ns, int64_t* suppressed) {
  int64_t start = window_start_ns_.load(std::memory_order_relaxed);
  if (now_ns - start >= interval_ns_ &&
      window_start_ns_.compare_exchange_strong(start, now_ns, std::memory_order_relaxed)) {
    in_window_.store(0, std::memory_order_relaxed);
  }
  if (in_window_.fetch_add(1, std::memory_order_relaxed) >= lines_) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
  return true;
}

bool KeyedLogRateLimiter::Allow(absl::string_view key, int64_t now_ns, int64_t* suppressed) {
  absl::MutexLock lock(&mu_);
  auto it = limiters_.find(key);
  if (it == limiters_.end()) {
    if (limiters_.size() >= max_keys_) limiters_.clear();
    it = limiters_.emplace(key, std::make_unique<LogRateLimiter>(lines_, interval_)).first;
  }
  return it->second->Allow(now_ns, suppressed);
}

std::string SuppressedNote(int64_t suppressed) {
  if (suppressed <= 0) return std::string();
  return absl::StrCat(" (", suppressed, " similar suppressed)");
}

}  // namespace modelgate
