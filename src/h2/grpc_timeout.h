// The grpc-timeout header (gRPC over HTTP/2: 1–8 ASCII digits and a unit, H M S m u n), parsed
// to a duration and formatted back for the upstream with the time that remains.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace modelgate::h2 {

// nullopt when `value` is not a valid grpc-timeout.
std::optional<absl::Duration> ParseGrpcTimeout(std::string_view value);
// The shortest exact-or-longer encoding of `d` (at least 1n; at most 8 digits): rounding up, so
// the upstream never sees a tighter deadline than the one we enforce. `d` <= 0 gives "1n".
std::string FormatGrpcTimeout(absl::Duration d);

}  // namespace modelgate::h2
