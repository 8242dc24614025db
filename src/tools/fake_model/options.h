// FakeModelOptions: everything modelgate-fake-model can be told on its command line, and the
// parsing/validation that turns argv into it.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"
#include "tools/common/flags.h"

namespace modelgate::tools {

struct FakeModelOptions {
  std::string host = "127.0.0.1";
  int64_t port = 0;  // 0: the kernel picks a free port, printed on stdout.
  std::string name = "model";
  std::string version = "1";
  int64_t threads = 1;  // Completion queues, one polling thread each.
  int64_t shutdown_grace_ms = 1000;
  bool minimal_stack = false;
  int64_t max_concurrent_streams = 0;  // per connection (HTTP/2 SETTINGS); 0: gRPC's default

  // ModelInfer behaviour.
  int64_t latency_ms = 0;
  int64_t latency_jitter_ms = 0;
  double error_rate = 0;
  grpc::StatusCode error_code = grpc::StatusCode::UNAVAILABLE;
  double output_shift = 0;
  double output_noise = 0;
  bool raw_output = false;
  // Compress ModelInfer answers with gzip (sent compressed only to clients that accept gzip).
  bool compress_responses = false;
  // Appends an output "nonce", shape [1] FP32, uniform in [0, 1) per call: a field that differs
  // between calls of the same model, for shadow noise-cancellation tests. It comes from the
  // seeded per-thread stream, so two instances only disagree on it when their seeds differ.
  bool nonce_output = false;
  int64_t seed = 1;

  // modelgate.recommend.v1.Recommender: the ranker of the simulated world that the offline
  // click-model simulation uses too (tools/clicksim/relevance.h), so a proxy test and the
  // simulation see the same lists for the same flags.
  int64_t recommend_items = 1000;     // items "item-0" .. "item-<N-1>"
  int64_t recommend_world_seed = 1;   // the true relevances (shared by every ranker of a test)
  double recommend_noise = 0.3;       // ranker quality: 0 = oracle, larger = worse
  int64_t recommend_seed = 1;         // the ranker's own noise; rankers differ in it

  bool has_latency() const { return latency_ms > 0 || latency_jitter_ms > 0; }
};

// Registers the flags on `flags`, writing into `options`; call ValidateFakeModelOptions after a
// successful parse. `error_code_text` receives --error_code before it is resolved.
void RegisterFakeModelFlags(FlagSet& flags, FakeModelOptions& options,
                            std::string& error_code_text);

// Checks ranges and resolves --error_code. The message names the offending flag.
absl::Status ValidateFakeModelOptions(FakeModelOptions& options,
                                      const std::string& error_code_text);

}  // namespace modelgate::tools
