// What the data plane hands a shadow route's comparer: for one mirrored call, the primary's
// answer and each copy's (status, latency, response message), gathered on the worker thread and
// offered once every leg has ended. The proxy knows no comparer type: it writes to whatever
// ShadowSink the route's snapshot holds.
#pragma once

#include <cstdint>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/cord.h"

namespace modelgate::telemetry {

struct LegAnswer {
  int arm = -1;
  int code = -1;  // gRPC status code; -1: the leg never ran (its copy was dropped)
  double latency_seconds = 0;
  absl::Cord response;  // the response message (OK answers only)
  // The message is as the backend sent it, compressed (gzip or deflate): the comparer inflates
  // it on its own thread, off the request path.
  bool compressed = false;
};

struct ShadowSample {
  std::string request_id;  // the client's x-request-id, or "" (the comparer numbers samples)
  std::string method;      // "/pkg.Svc/Method"
  LegAnswer primary;
  absl::InlinedVector<LegAnswer, 2> copies;  // shadows and the noise reference, by arm
};

// Thread-safe: every worker offers concurrently. Offer must not block and must bound memory:
// over its queue's capacity it drops the sample and counts it.
class ShadowSink {
 public:
  virtual ~ShadowSink() = default;
  virtual void Offer(ShadowSample sample) = 0;
};

}  // namespace modelgate::telemetry
