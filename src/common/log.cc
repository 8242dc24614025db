// stderr logger: formats the whole line first so concurrent lines never interleave.
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json_string.h"

namespace modelgate {
namespace {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogFormat> g_format{LogFormat::kText};
constexpr char kLevelChar[] = {'D', 'I', 'W', 'E'};
constexpr const char* kLevelName[] = {"debug", "info", "warning", "error"};
}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load(std::memory_order_relaxed)); }
void SetLogFormat(LogFormat format) { g_format.store(format); }

std::string FormatLogLine(LogFormat format, LogLevel level, const char* file, int line,
                          std::string_view message) {
  const char* base = std::strrchr(file, '/');
  base = base ? base + 1 : file;
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  const int l = static_cast<int>(level);
  if (format == LogFormat::kText) {
    return absl::StrCat(time, " ", absl::string_view(&kLevelChar[l], 1), " ", base, ":", line,
                        "] ", absl::string_view(message.data(), message.size()));
  }
  std::string out = absl::StrCat(R"({"time":")", time, R"(","level":")", kLevelName[l],
                                 R"(","file":)");
  AppendJsonString(base, &out);
  absl::StrAppend(&out, R"(,"line":)", line, R"(,"msg":)");
  AppendJsonString(message, &out);
  out.push_back('}');
  return out;
}

void LogLine(LogLevel level, const char* file, int line, std::string_view message) {
  std::string out =
      FormatLogLine(g_format.load(std::memory_order_relaxed), level, file, line, message);
  out.push_back('\n');
  ssize_t unused = ::write(STDERR_FILENO, out.data(), out.size());
  (void)unused;
}

}  // namespace modelgate
