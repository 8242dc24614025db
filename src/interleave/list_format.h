// The interface between a ranker's response bytes and the team-draft merge: a ListFormat decodes
// one ranker's response into the item keys TeamDraft compares, and rebuilds one response from the
// picks. Each supported API (Open Inference Protocol tensors, the sample recommender) provides
// one; a format is immutable after construction and safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/types/span.h"
#include "interleave/team_draft.h"

namespace modelgate::interleave {

// One ranker's response, decoded: the item keys best first, plus whatever the format needs to
// rebuild a merged response.
class DecodedList {
 public:
  virtual ~DecodedList() = default;
  // Keys compare as exact bytes: an INT64 id is its decimal string ("-42"), a BYTES id its bytes,
  // a recommender item its Item.id.
  virtual const std::vector<std::string>& keys() const = 0;
};

class ListFormat {
 public:
  virtual ~ListFormat() = default;

  // Decodes a ranker's serialized response message. INVALID_ARGUMENT with a clear message if it
  // is not parseable or lacks the configured list. Never crashes, whatever the bytes.
  virtual absl::StatusOr<std::unique_ptr<DecodedList>> Decode(
      const absl::Cord& response) const = 0;

  // The merged response: `lists[i]` decoded by THIS format from ranker i; `picks` from TeamDraft
  // over their keys. What is not a picked item (model name, other fields) comes from lists[0].
  // INVALID_ARGUMENT when `lists` is empty, holds a null or a list decoded by another format, a
  // pick points outside its list, or the rankers' responses cannot be combined (the formats say
  // when).
  virtual absl::StatusOr<absl::Cord> Merge(absl::Span<const DecodedList* const> lists,
                                           absl::Span<const Pick> picks) const = 0;
};

// The checks every Merge starts with: `lists` non-empty and without nulls, and every pick's team
// and rank inside `lists`. For the formats' use.
absl::Status CheckMergeInputs(absl::Span<const DecodedList* const> lists,
                              absl::Span<const Pick> picks);

}  // namespace modelgate::interleave
