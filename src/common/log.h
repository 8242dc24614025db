// Minimal leveled logging to stderr, one line per message, as text
// ("2026-11-27T15:52:17.123Z W file.cc:42] message") or, for log pipelines, as one JSON object
// per line ({"time":...,"level":"warning","file":"file.cc","line":42,"msg":"message"}).
// Abseil 20220623 has no absl/log; this is all modelgate needs. Thread-safe (one write(2) per
// line). Lines that could repeat at the rate of traffic go through log_rate_limit.h.
#pragma once

#include <string_view>

#include "absl/strings/str_cat.h"

namespace modelgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Set once at start, before other threads log.
void SetLogFormat(LogFormat format);
void LogLine(LogLevel level, const char* file, int line, std::string_view message);
// The line LogLine writes, without its newline.
std::string FormatLogLine(LogFormat format, LogLevel level, const char* file, int line,
                          std::string_view message);

}  // namespace modelgate

#define MG_LOG(level, ...)                                                          \
  do {                                                                              \
    if (::modelgate::LogLevel::level >= ::modelgate::MinLogLevel())                 \
      ::modelgate::LogLine(::modelgate::LogLevel::level, __FILE__, __LINE__,        \
                           ::absl::StrCat(__VA_ARGS__));                            \
  } while (0)
