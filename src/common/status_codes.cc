// The status code name table; see status_codes.h.
#include "common/status_codes.h"

#include <array>

#include "absl/strings/match.h"

namespace modelgate {
namespace {

constexpr std::array<absl::string_view, kNumGrpcStatusCodes> kNames = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

}  // namespace

absl::string_view GrpcStatusCodeName(int code) {
  return (code >= 0 && code < kNumGrpcStatusCodes) ? kNames[code] : absl::string_view();
}

std::optional<int> GrpcStatusCodeFromName(absl::string_view name) {
  for (int i = 0; i < kNumGrpcStatusCodes; ++i) {
    if (absl::EqualsIgnoreCase(kNames[i], name)) return i;
  }
  return std::nullopt;
}

}  // namespace modelgate
