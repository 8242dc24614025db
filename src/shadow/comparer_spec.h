// What a shadow route's comparer is told: which arms are compared with which, how answers are
// compared, and the bounds of its queue and diff samples. Plain data, filled from the route's
// config (strategies/shadow.h) so the comparer needs no config types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace modelgate::shadow {

enum class PayloadKind {
  kBytes,        // status, latency and exact byte equality of the response messages
  kInferenceV2,  // and per output tensor (Open Inference Protocol ModelInferResponse)
};

struct ComparerSpec {
  std::string route;
  std::vector<std::string> arm_names;  // the route's arms (metrics labels), by index
  int primary = 0;                     // the arm that answers clients
  std::vector<int> shadows;            // arms compared with the primary
  int noise_reference = -1;            // arm of the noise reference (-1: none)
  PayloadKind payload = PayloadKind::kBytes;
  double absolute_tolerance = 1e-6;
  double relative_tolerance = 1e-4;
  std::vector<std::string> argmax_outputs;
  std::vector<std::string> ignore_outputs;
  int64_t queue_size = 1024;  // samples waiting for the comparer thread
  double noise_absolute_threshold = 0.03;
  double noise_relative_threshold = 0.2;
  int64_t noise_min_samples = 20;
  int64_t max_diff_samples = 100;  // differing pairs kept for GET .../diffs
  std::string diff_file;           // "" = none; JSON lines, size-capped
  int64_t diff_file_max_bytes = 10 * 1024 * 1024;
  // A compressed response inflates to at most this (proxy.max_message_bytes, restart-only).
  int64_t max_message_bytes = 16 * 1024 * 1024;

  // Canonical text of everything above: a comparer is reused across reloads while it is equal.
  std::string Key() const;
};

}  // namespace modelgate::shadow
