// A whole unary exchange's messages as the monitors and comparers take them: the message inside
// a length-prefixed body, as a Cord. A body that is not exactly one uncompressed message gives
// an empty Cord (the decoders count it as undecodable; modelgate does not decompress).
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/cord.h"
#include "h2/grpc_wire.h"
#include "telemetry/outcome.h"

namespace modelgate::h2 {

inline absl::Cord MessageOf(std::string_view framed) {
  std::string_view message;
  bool compressed = false;
  if (!Unframe(framed, &message, &compressed) || compressed) return absl::Cord();
  return absl::Cord(absl::string_view(message.data(), message.size()));
}

class LegPayload final : public telemetry::PayloadSource {
 public:
  LegPayload(const std::string& request_body, const std::string& response_body)
      : request_(request_body), response_(response_body) {}
  absl::Cord Request() const override { return MessageOf(request_); }
  absl::Cord Response() const override { return MessageOf(response_); }

 private:
  const std::string& request_;
  const std::string& response_;
};

}  // namespace modelgate::h2
