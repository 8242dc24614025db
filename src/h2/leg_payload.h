// A whole unary exchange's messages as the monitors, comparers and mergers take them: the
// message inside a length-prefixed body, as a Cord. Mergers get a compressed message (gzip or
// deflate) inflated, to at most `max_bytes` (MessageOf; they build the answer on the loop);
// monitors and the comparer get it as sent, flagged, and inflate it on their own threads. A body
// that is not exactly one message, or one that does not inflate, gives an empty Cord (the
// decoders count it as undecodable).
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

// The message as it was sent, still compressed when *compressed is set (for consumers that
// inflate it on their own thread: the comparer, the monitors); empty when the body is not one
// message.
inline absl::Cord RawMessageOf(std::string_view framed, bool* compressed) {
  std::string_view message;
  *compressed = false;
  if (!Unframe(framed, &message, compressed)) return absl::Cord();
  return absl::Cord(absl::string_view(message.data(), message.size()));
}

// A leg's answer for the shadow comparer: the message as the backend sent it.
inline telemetry::LegAnswer AnswerOf(int arm, int code, double latency_seconds,
                                     std::string_view framed_body) {
  telemetry::LegAnswer answer{arm, code, latency_seconds, absl::Cord(), false};
  if (code == kOk) answer.response = RawMessageOf(framed_body, &answer.compressed);
  return answer;
}

class LegPayload final : public telemetry::PayloadSource {
 public:
  LegPayload(const std::string& request_body, const std::string& response_body)
      : request_(request_body), response_(response_body) {}
  absl::Cord Request(bool* compressed) const override { return RawMessageOf(request_, compressed); }
  absl::Cord Response(bool* compressed) const override {
    return RawMessageOf(response_, compressed);
  }

 private:
  const std::string& request_;
  const std::string& response_;
};

}  // namespace modelgate::h2
