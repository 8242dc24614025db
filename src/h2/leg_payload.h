// A whole unary exchange's messages as the monitors, comparers and mergers take them: the
// message inside a length-prefixed body, as a Cord. A compressed message (gzip or deflate) is
// inflated, to at most `max_bytes`; a body that is not exactly one message, or one that does not
// inflate, gives an empty Cord (the decoders count it as undecodable).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/strings/cord.h"
#include "common/grpc_compression.h"
#include "h2/grpc_wire.h"
#include "telemetry/outcome.h"
#include "telemetry/shadow_sink.h"

namespace modelgate::h2 {

inline absl::Cord MessageOf(std::string_view framed, size_t max_bytes) {
  std::string_view message;
  bool compressed = false;
  if (!Unframe(framed, &message, &compressed)) return absl::Cord();
  const absl::string_view bytes(message.data(), message.size());
  if (!compressed) return absl::Cord(bytes);
  absl::StatusOr<std::string> inflated = DecompressGrpcMessage(bytes, max_bytes);
  return inflated.ok() ? absl::Cord(*std::move(inflated)) : absl::Cord();
}

// A leg's answer for the shadow comparer: the message as the backend sent it (the comparer
// inflates a compressed one on its own thread).
inline telemetry::LegAnswer AnswerOf(int arm, int code, double latency_seconds,
                                     std::string_view framed_body) {
  telemetry::LegAnswer answer{arm, code, latency_seconds, absl::Cord(), false};
  std::string_view message;
  if (code == kOk && Unframe(framed_body, &message, &answer.compressed)) {
    answer.response = absl::Cord(absl::string_view(message.data(), message.size()));
  }
  return answer;
}

class LegPayload final : public telemetry::PayloadSource {
 public:
  LegPayload(const std::string& request_body, const std::string& response_body, size_t max_bytes)
      : request_(request_body), response_(response_body), max_bytes_(max_bytes) {}
  absl::Cord Request() const override { return MessageOf(request_, max_bytes_); }
  absl::Cord Response() const override { return MessageOf(response_, max_bytes_); }

 private:
  const std::string& request_;
  const std::string& response_;
  const size_t max_bytes_;
};

}  // namespace modelgate::h2
