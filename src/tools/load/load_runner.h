// LoadRunner: modelgate-load's closed loop. One thread, one CompletionQueue, `concurrency`
// call slots reused for the whole run; every call sends the same pre-serialized ByteBuffer
// through grpc::GenericStub, so the generator's own cost per call is gRPC's plus a few counters
// (it shares the cores with what it measures).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/load/latency_recorder.h"
#include "tools/load/options.h"

namespace modelgate::tools {

struct LoadResult {
  // Measured calls only (started after --warmup).
  int64_t completed = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;  // By status code name.
  double duration_s = 0;                   // First measured start to last measured completion.
  LatencyRecorder::Summary latency;
  std::vector<std::pair<std::string, int64_t>> arms;  // Per --arm_header value, by name.

  // Stickiness, when --sticky_header was given. A key is "seen" once a call with it completed;
  // it "has an arm" once a response carried --arm_header; it is "multi-arm" when responses for
  // it named more than one arm (a sticky router should make this 0).
  bool sticky = false;
  int64_t keys_seen = 0;
  int64_t keys_with_arm = 0;
  int64_t keys_multi_arm = 0;

  double qps() const { return duration_s > 0 ? completed / duration_s : 0; }
};

class LoadRunner {
 public:
  explicit LoadRunner(LoadOptions options) : options_(std::move(options)) {}

  // Connects every channel (UNAVAILABLE if one does not connect within --connect_timeout_ms:
  // the target never answered), then runs the loop until the duration or request count is
  // reached and every call in flight has completed.
  absl::StatusOr<LoadResult> Run();

 private:
  LoadOptions options_;
};

}  // namespace modelgate::tools
