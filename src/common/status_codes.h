// The gRPC status code names ("UNAVAILABLE" <-> 14), in one table for metrics labels, tool flags
// and summaries. The numbering is fixed by the gRPC specification (doc/statuscodes.md).
#pragma once

#include <optional>

#include "absl/strings/string_view.h"

namespace modelgate {

inline constexpr int kNumGrpcStatusCodes = 17;  // codes 0..16

// The canonical upper-case name, e.g. "DEADLINE_EXCEEDED"; empty outside 0..16.
absl::string_view GrpcStatusCodeName(int code);

// The code of a canonical name, case-insensitive ("unavailable" -> 14); nullopt if none.
std::optional<int> GrpcStatusCodeFromName(absl::string_view name);

}  // namespace modelgate
