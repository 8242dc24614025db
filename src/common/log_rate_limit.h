// Budgets for log lines that could otherwise repeat at the rate of traffic or of events (calls
// shed under overload, a backend flapping, a config watcher firing): at most `lines` per
// `interval`, per limiter or per key. Refused lines are counted, and the next line written says
// "(N similar suppressed)", so nothing disappears silently.
//
//   constinit LogRateLimiter shed_log(1, std::chrono::seconds(1));  // constant-initialized
//   MG_LOG_RATE_LIMITED(kShedLog, kWarning, "shedding calls: ", why);
//   MG_LOG_KEYED(backend_log, target, kWarning, "backend ", name, " unreachable");
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"

namespace modelgate {

// Monotonic clock reading in nanoseconds, the time base of the limiters.
int64_t MonotonicNanos();

// One budget. Lock-free and allocation-free, so it may sit on the request path: a refused line
// costs an atomic load and two relaxed increments. Across threads the budget is approximate
// (a window boundary raced by two threads may let a line more through), never unbounded.
class LogRateLimiter {
 public:
  constexpr LogRateLimiter(int lines, std::chrono::nanoseconds interval)
      : lines_(lines), interval_ns_(interval.count()) {}
  LogRateLimiter(const LogRateLimiter&) = delete;
  LogRateLimiter& operator=(const LogRateLimiter&) = delete;

  // Whether a line may be written at `now_ns` (MonotonicNanos()). When it may, `*suppressed`
  // is the number of lines refused since the previous one written.
  bool Allow(int64_t now_ns, int64_t* suppressed);

 private:
  const int64_t lines_;
  const int64_t interval_ns_;
  std::atomic<int64_t> window_start_ns_{std::numeric_limits<int64_t>::min() / 2};
  std::atomic<int64_t> in_window_{0};
  std::atomic<int64_t> suppressed_{0};
};

// One budget per key (a backend, a config file), for lines off the request path. Thread-safe.
// At most `max_keys` keys are tracked; past that the table starts afresh (memory stays bounded).
class KeyedLogRateLimiter {
 public:
  KeyedLogRateLimiter(int lines, std::chrono::nanoseconds interval, size_t max_keys = 1024)
      : lines_(lines), interval_(interval), max_keys_(max_keys) {}

  bool Allow(absl::string_view key, int64_t now_ns, int64_t* suppressed)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int lines_;
  const std::chrono::nanoseconds interval_;
  const size_t max_keys_;
  absl::Mutex mu_;
  absl::node_hash_map<std::string, std::unique_ptr<LogRateLimiter>> limiters_
      ABSL_GUARDED_BY(mu_);
};

// " (N similar suppressed)", or "" when none were.
std::string SuppressedNote(int64_t suppressed);

}  // namespace modelgate

#define MG_LOG_RATE_LIMITED(limiter, level, ...)                                           \
  do {                                                                                     \
    int64_t mg_suppressed = 0;                                                             \
    if (::modelgate::LogLevel::level >= ::modelgate::MinLogLevel() &&                      \
        (limiter).Allow(::modelgate::MonotonicNanos(), &mg_suppressed))                    \
      ::modelgate::LogLine(::modelgate::LogLevel::level, __FILE__, __LINE__,               \
                           ::absl::StrCat(__VA_ARGS__,                                     \
                                          ::modelgate::SuppressedNote(mg_suppressed)));     \
  } while (0)

#define MG_LOG_KEYED(limiter, key, level, ...)                                             \
  do {                                                                                     \
    int64_t mg_suppressed = 0;                                                             \
    if (::modelgate::LogLevel::level >= ::modelgate::MinLogLevel() &&                      \
        (limiter).Allow((key), ::modelgate::MonotonicNanos(), &mg_suppressed))             \
      ::modelgate::LogLine(::modelgate::LogLevel::level, __FILE__, __LINE__,               \
                           ::absl::StrCat(__VA_ARGS__,                                     \
                                          ::modelgate::SuppressedNote(mg_suppressed)));     \
  } while (0)
