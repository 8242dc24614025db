// One call as the access log records it, and its JSON line. The data plane fills an entry when
// the call's status has been sent; the access log's writer thread formats it, so the request
// path only moves a few strings.
//
// Line format (one JSON object per line, keys in this order, optional ones only when they apply):
//   {"time":"2026-12-04T10:11:12.345Z","route":"infer","arm":"legacy",
//    "method":"/inference.GRPCInferenceService/ModelInfer","code":"OK","latency_ms":1.234,
//    "request_bytes":120,"response_bytes":267,"request_id":"req-1",
//    "shadow":"mirrored","interleave":"merged","message":"..."}
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace modelgate::telemetry {

// grpc-message of non-OK calls is cut to this many bytes (backends can send long messages).
inline constexpr size_t kAccessLogMaxMessageBytes = 256;

struct AccessLogEntry {
  absl::Time time;         // when the call ended (its status was sent or the client left)
  std::string route;       // "" for calls modelgate refused before routing (no route, overload)
  std::string arm;         // the arm whose answer the client got; "" when unrouted
  std::string method;      // "/pkg.Service/Method"
  std::string request_id;  // the client's x-request-id, or "" (none is made up)
  std::string message;     // the grpc-message sent with a non-OK status (truncated), or ""
  int code = 0;            // gRPC status code the client was given
  double latency_ms = 0;   // from the call's arrival to its end
  int64_t request_bytes = 0;   // request message bytes (all messages of a stream)
  int64_t response_bytes = 0;  // response message bytes
  // Shadow routes: "mirrored" (every copy sent), "dropped" (no copy sent: over max_inflight or
  // shadow unhealthy), "partly_dropped", "sampled_out" (not sampled, or method not mirrored),
  // "streaming" (never mirrored). nullptr on other routes. Static strings only.
  const char* shadow = nullptr;
  // Interleave routes: "merged", "leg_failed" (one ranker's list, unmixed), "merge_error",
  // "failed" (every ranker failed), "cancelled", "streaming". nullptr on other routes.
  const char* interleave = nullptr;
};

// Appends `entry` as one JSON line (with its '\n') to `out`. Strings are escaped and invalid
// UTF-8 replaced, so every line parses whatever a client or backend sent.
void AppendAccessLogLine(const AccessLogEntry& entry, std::string* out);

// Formats times as RFC 3339 UTC with milliseconds; caches the second, which most consecutive
// lines share. Thread-compatible.
class AccessLogClock {
 public:
  void Append(absl::Time t, std::string* out);

 private:
  int64_t cached_second_ = INT64_MIN;
  std::string cached_prefix_;  // "YYYY-MM-DDTHH:MM:SS"
};

void AppendAccessLogLine(const AccessLogEntry& entry, AccessLogClock& clock, std::string* out);

}  // namespace modelgate::telemetry
