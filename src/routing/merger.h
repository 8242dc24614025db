// Builds one response from the responses of a merge plan's parallel legs (interleaving: a
// team-draft merge of two rankers' lists). Pure with respect to the proxy: bytes in, bytes out.
// A merger may keep its own bounded state (the impressions it made) and must be thread-safe:
// every worker thread calls Merge.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "common/random.h"

namespace modelgate::routing {

struct MergeInput {
  int arm;                   // index into the route's arms
  const absl::Cord* response;  // the leg's serialized response message
};

struct MergeResult {
  absl::Cord response;  // the merged serialized response message
  // Response initial metadata to add (e.g. x-modelgate-impression).
  std::vector<std::pair<std::string, std::string>> metadata;
};

class Merger {
 public:
  virtual ~Merger() = default;
  // `inputs` in plan order (at least two). An error (a response that cannot be decoded) makes
  // the proxy answer with the first successful leg's own response instead, and count it.
  virtual absl::StatusOr<MergeResult> Merge(const std::vector<MergeInput>& inputs,
                                            uint64_t key_hash, SplitMix64& rng) const = 0;
  // A merge plan answered with one leg's own response instead: `reason` is "leg_failed" (fewer
  // than two legs answered OK) or "merge_error" (Merge failed). For the merger's accounting.
  virtual void Unmerged(const char* reason) const {}
};

}  // namespace modelgate::routing
