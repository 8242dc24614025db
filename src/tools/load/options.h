// LoadOptions: what modelgate-load can be told on its command line, with parsing and
// validation.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "tools/common/flags.h"

namespace modelgate::tools {

struct LoadOptions {
  std::string target;
  int64_t concurrency = 1;
  double duration_s = 0;  // One of duration_s / requests; 10 s when neither is given.
  int64_t requests = 0;
  double warmup_s = 0;
  std::string method = "/inference.GRPCInferenceService/ModelInfer";
  std::string model = "model";
  int64_t payload_floats = 16;
  std::string sticky_header;
  int64_t keys = 1000;
  // "key:value" sent on every call (e.g. to select a route matched on a header); empty = none.
  std::string header;
  int64_t seed = 1;
  int64_t deadline_ms = 5000;
  int64_t connect_timeout_ms = 5000;
  bool json = false;
  std::string arm_header = "x-modelgate-arm";
  int64_t connections = 1;
  int64_t max_samples = 1000000;
  bool minimal_stack = false;
  // Streams instead of unary calls: --concurrency bidi streams kept open, one message each in
  // flight at a time; results count messages.
  bool bidi = false;
};

void RegisterLoadFlags(FlagSet& flags, LoadOptions& options);

// Checks ranges and combinations; fills in the default duration. The message names the flag.
absl::Status ValidateLoadOptions(LoadOptions& options);

}  // namespace modelgate::tools
