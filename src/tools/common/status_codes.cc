// Implementation of the status-code name table; see status_codes.h.
#include "tools/common/status_codes.h"

#include <array>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace modelgate::tools {
namespace {

// Indexed by code number; the numbering is fixed by the gRPC specification (doc/statuscodes.md).
constexpr std::array<absl::string_view, 17> kNames = {
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

std::string StatusCodeName(int code) {
  if (code >= 0 && code < static_cast<int>(kNames.size())) return std::string(kNames[code]);
  return absl::StrCat("CODE_", code);
}

absl::StatusOr<grpc::StatusCode> ParseStatusCode(absl::string_view text) {
  int number = -1;
  if (absl::SimpleAtoi(text, &number)) {
    if (number >= 0 && number < static_cast<int>(kNames.size())) {
      return static_cast<grpc::StatusCode>(number);
    }
  } else {
    std::string upper = absl::AsciiStrToUpper(text);
    for (size_t i = 0; i < kNames.size(); ++i) {
      if (kNames[i] == upper) return static_cast<grpc::StatusCode>(i);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown gRPC status code \"", text, "\" (use 0..16 or a name such as UNAVAILABLE)"));
}

}  // namespace modelgate::tools
