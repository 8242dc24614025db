// See protobuf_log.h.
#include "common/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/log_rate_limit.h"

namespace modelgate {
namespace {

KeyedLogRateLimiter& Budget() {
  // Keyed by protobuf's file:line; few exist, the cap only bounds the worst case.
  static KeyedLogRateLimiter* const budget =
      new KeyedLogRateLimiter(1, std::chrono::seconds(10), /*max_keys=*/256);
  return *budget;
}

void Handle(google::protobuf::LogLevel level, const char* file, int line,
            const std::string& message) {
  const LogLevel ours = level == google::protobuf::LOGLEVEL_INFO      ? LogLevel::kInfo
                        : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                      : LogLevel::kError;
  if (ours < MinLogLevel()) return;
  int64_t suppressed = 0;
  // A FATAL line is followed by protobuf aborting the process: never suppress it.
  if (level != google::protobuf::LOGLEVEL_FATAL &&
      !Budget().Allow(absl::StrCat(file, ":", line), MonotonicNanos(), &suppressed)) {
    return;
  }
  LogLine(ours, file, line, absl::StrCat("libprotobuf: ", message, SuppressedNote(suppressed)));
}

}  // namespace

void RouteProtobufLogs() { google::protobuf::SetLogHandler(&Handle); }

}  // namespace modelgate
