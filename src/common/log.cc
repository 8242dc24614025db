// stderr logger: formats the whole line first so concurrent lines never interleave.
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace modelgate {
namespace {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
constexpr char kLevelChar[] = {'D', 'I', 'W', 'E'};
}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load(std::memory_order_relaxed)); }

void LogLine(LogLevel level, const char* file, int line, std::string_view message) {
  const char* base = std::strrchr(file, '/');
  base = base ? base + 1 : file;
  std::string out = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
      absl::string_view(&kLevelChar[static_cast<int>(level)], 1), " ", base, ":", line, "] ",
      absl::string_view(message.data(), message.size()), "\n");
  ssize_t unused = ::write(STDERR_FILENO, out.data(), out.size());
  (void)unused;
}

}  // namespace modelgate
