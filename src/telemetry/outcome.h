// What the data plane tells the rest of modelgate about each upstream leg it ran: the Outcome
// record, and the OutcomeSink interface that monitors (and later the access log) implement. The
// proxy knows no monitor: it writes outcomes to whatever sink the route's snapshot holds.
#pragma once

#include <cstdint>

#include "absl/strings/cord.h"
#include "common/random.h"
#include "routing/plan.h"

namespace modelgate::telemetry {

struct Outcome {
  int shard = 0;  // the recording thread (worker index): sinks shard by it, lock-free
  int arm = 0;    // index into the route's arms
  routing::ArmRole role = routing::ArmRole::kReference;
  int code = 0;  // gRPC status code of the leg
  double latency_seconds = 0;
  bool keyed = false;     // the call was assigned by a sticky key...
  uint64_t key_hash = 0;  // ...this one (identifies the user)
  uint64_t weight_epoch = 0;  // the route's weights when the call was routed (see RouteState)
};

// The messages of a completed unary leg, produced only when a sink asks for them.
class PayloadSource {
 public:
  virtual ~PayloadSource() = default;
  // The messages as they were sent; *compressed is set when one is gzip/deflate-compressed
  // (the monitor inflates it on its own thread, never on the request path).
  virtual absl::Cord Request(bool* compressed) const = 0;
  virtual absl::Cord Response(bool* compressed) const = 0;
};

// Thread-safe: every worker records concurrently. Record must be O(1), lock-free or sharded by
// Outcome::shard, and must not allocate in the common case.
class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;
  virtual void Record(const Outcome& outcome) = 0;
  // Whether the sink wants this successful unary leg's messages (payload sampling); if so the
  // caller hands them over with OfferPayload. Default: never.
  virtual bool WantsPayload(const Outcome& outcome, SplitMix64& rng) { return false; }
  virtual void OfferPayload(const Outcome& outcome, const PayloadSource& payload) {}
};

}  // namespace modelgate::telemetry
