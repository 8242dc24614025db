// A log line that may be written at most once per interval however often it is triggered (a
// connection storm, a shedding proxy); the lines suppressed meanwhile are counted and reported
// with the next one. Thread-safe and lock-free: one atomic compare-and-swap per call.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log.h"

namespace modelgate {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(absl::Duration interval) : interval_ns_(absl::ToInt64Nanoseconds(interval)) {}

  void Log(LogLevel level, std::string_view message, const char* file = __builtin_FILE(),
           int line = __builtin_LINE()) {
    const int64_t now = absl::GetCurrentTimeNanos();
    int64_t next = next_ns_.load(std::memory_order_relaxed);
    if (now < next || !next_ns_.compare_exchange_strong(next, now + interval_ns_)) {
      suppressed_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (level < MinLogLevel()) return;
    const int64_t dropped = suppressed_.exchange(0, std::memory_order_relaxed);
    if (dropped == 0) {
      LogLine(level, file, line, message);
    } else {
      LogLine(level, file, line,
              absl::StrCat(absl::string_view(message.data(), message.size()), " (", dropped,
                           " similar suppressed)"));
    }
  }

 private:
  const int64_t interval_ns_;
  std::atomic<int64_t> next_ns_{0};
  std::atomic<int64_t> suppressed_{0};
};

}  // namespace modelgate
