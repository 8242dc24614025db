// The access log's JSON line; see access_log_entry.h.
#include "telemetry/access_log_entry.h"

#include <cinttypes>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/json_string.h"
#include "common/status_codes.h"

namespace modelgate::telemetry {

void AccessLogClock::Append(absl::Time t, std::string* out) {
  // Floor to milliseconds (never round up into the next second).
  const int64_t ms = absl::ToUnixMillis(t);
  int64_t second = ms / 1000;
  int64_t milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    --second;
  }
  if (second != cached_second_) {
    cached_second_ = second;
    cached_prefix_ =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second), absl::UTCTimeZone());
  }
  out->append(cached_prefix_);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03dZ", static_cast<int>(milli));
  out->append(frac);
}

void AppendAccessLogLine(const AccessLogEntry& e, AccessLogClock& clock, std::string* out) {
  out->append("{\"time\":\"");
  clock.Append(e.time, out);
  out->append("\",\"route\":");
  AppendJsonString(e.route, out);
  out->append(",\"arm\":");
  AppendJsonString(e.arm, out);
  out->append(",\"method\":");
  AppendJsonString(e.method, out);
  out->append(",\"code\":\"");
  const absl::string_view name = GrpcStatusCodeName(e.code);
  if (name.empty()) {
    absl::StrAppend(out, "CODE_", e.code);  // not a gRPC code; never expected
  } else {
    out->append(name.data(), name.size());
  }
  char number[64];
  // Microsecond resolution; a latency is never negative or non-finite, but a line must parse.
  const double latency = e.latency_ms >= 0 && e.latency_ms < 1e12 ? e.latency_ms : 0;
  std::snprintf(number, sizeof(number), "\",\"latency_ms\":%.3f", latency);
  out->append(number);
  std::snprintf(number, sizeof(number), ",\"request_bytes\":%" PRId64 ",\"response_bytes\":%" PRId64,
                e.request_bytes, e.response_bytes);
  out->append(number);
  out->append(",\"request_id\":");
  AppendJsonString(e.request_id, out);
  if (e.shadow != nullptr) {
    out->append(",\"shadow\":");
    AppendJsonString(e.shadow, out);
  }
  if (e.interleave != nullptr) {
    out->append(",\"interleave\":");
    AppendJsonString(e.interleave, out);
  }
  if (!e.message.empty()) {
    out->append(",\"message\":");
    AppendJsonString(e.message, out);
  }
  out->append("}\n");
}

void AppendAccessLogLine(const AccessLogEntry& entry, std::string* out) {
  AccessLogClock clock;
  AppendAccessLogLine(entry, clock, out);
}

}  // namespace modelgate::telemetry
