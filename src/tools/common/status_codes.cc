// Implementation of the status-code name table; see status_codes.h.
#include "tools/common/status_codes.h"

#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_codes.h"

namespace modelgate::tools {

std::string StatusCodeName(int code) {
  const absl::string_view name = GrpcStatusCodeName(code);
  return name.empty() ? absl::StrCat("CODE_", code) : std::string(name);
}

absl::StatusOr<grpc::StatusCode> ParseStatusCode(absl::string_view text) {
  int number = -1;
  if (absl::SimpleAtoi(text, &number)) {
    if (number >= 0 && number < kNumGrpcStatusCodes) return static_cast<grpc::StatusCode>(number);
  } else if (std::optional<int> code = GrpcStatusCodeFromName(text)) {
    return static_cast<grpc::StatusCode>(*code);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown gRPC status code \"", text, "\" (use 0..16 or a name such as UNAVAILABLE)"));
}

}  // namespace modelgate::tools
