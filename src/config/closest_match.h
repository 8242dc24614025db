// "Did you mean ...?" for config typos: the candidate nearest to a misspelt word.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace modelgate::config {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1, because a swap ("haeder") is the most common typo.
int EditDistance(absl::string_view a, absl::string_view b);

// The first candidate at the smallest distance, if that distance is <= max_distance and
// smaller than the candidate itself (so "x" does not "mean" "ab").
std::optional<absl::string_view> ClosestMatch(absl::string_view word,
                                              absl::Span<const absl::string_view> candidates,
                                              int max_distance = 2);

}  // namespace modelgate::config
