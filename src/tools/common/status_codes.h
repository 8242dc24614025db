// Names of gRPC status codes ("UNAVAILABLE" <-> 14), for flags that take a code and for
// summaries that count errors by code.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"

namespace modelgate::tools {

// The canonical upper-case name, e.g. "DEADLINE_EXCEEDED"; "CODE_<n>" outside 0..16.
std::string StatusCodeName(int code);

// Accepts a number ("14") or a name in any case ("unavailable"). OK (0) is accepted too;
// callers decide whether it makes sense.
absl::StatusOr<grpc::StatusCode> ParseStatusCode(absl::string_view text);

}  // namespace modelgate::tools
