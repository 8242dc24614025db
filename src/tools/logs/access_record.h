// One access log line read back (the format of telemetry/access_log_entry.h), for the report.
// Lines that are not JSON objects with the required keys (time, route, arm, code, latency_ms)
// are errors with a reason, so the report can count and show them.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace modelgate::logs {

struct AccessRecord {
  absl::Time time;
  std::string route;  // "" = refused before routing
  std::string arm;
  std::string method;
  std::string code;  // status code name, e.g. "OK", "UNAVAILABLE"
  double latency_ms = 0;
  std::string message;     // "" when none
  std::string shadow;      // "" when the route has no shadows
  std::string interleave;  // "" when the route does not interleave
};

absl::StatusOr<AccessRecord> ParseAccessRecord(std::string_view line);

}  // namespace modelgate::logs
