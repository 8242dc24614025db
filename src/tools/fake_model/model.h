// FakeModel: what modelgate-fake-model computes for ModelInfer, free of any server machinery so
// that it is testable in-process: f(x) = x + output_shift + noise for every input element,
// optionally a random "nonce" output, plus the injected failures and latency the flags ask for.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "common/random.h"
#include "grpcpp/support/status.h"
#include "inference/grpc_predict_v2.pb.h"
#include "tools/fake_model/options.h"

namespace modelgate::tools {

// Per-thread random state (each polling thread owns one; never shared).
class ModelRandom {
 public:
  explicit ModelRandom(uint64_t seed) : gen_(seed) {}
  double Uniform() { return gen_.Uniform(); }
  uint64_t Below(uint64_t n) { return gen_.Below(n); }
  double Gaussian() {
    Bits bits{&gen_};
    return normal_(bits);
  }

 private:
  // Adapts SplitMix64 to the standard UniformRandomBitGenerator interface for <random>.
  struct Bits {
    using result_type = uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }
    result_type operator()() { return gen->Next(); }
    SplitMix64* gen;
  };
  SplitMix64 gen_;
  std::normal_distribution<double> normal_;
};

// Immutable after construction; Infer() may run on several threads at once, each with its own
// ModelRandom.
class FakeModel {
 public:
  explicit FakeModel(const FakeModelOptions& options) : options_(options) {}

  // Fills `response` (which the caller may reuse: it is overwritten, keeping its allocations)
  // or returns INVALID_ARGUMENT for a malformed request. Does not inject failures.
  grpc::Status Infer(const inference::ModelInferRequest& request, ModelRandom& random,
                     inference::ModelInferResponse& response) const;

  // Whether this call should fail with options().error_code (drawn with --error_rate).
  bool ShouldInjectError(ModelRandom& random) const;

  // Latency to hold this call for: --latency_ms plus uniform 0..--latency_jitter_ms.
  std::chrono::microseconds SampleLatency(ModelRandom& random) const;

  const FakeModelOptions& options() const { return options_; }

 private:
  FakeModelOptions options_;
};

}  // namespace modelgate::tools
