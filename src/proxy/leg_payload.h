// A completed unary leg's messages as telemetry::PayloadSource, converted to Cords only when a
// sink asks for them (no byte copy: the Cords reference the gRPC slices).
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include "proxy/grpc_cord.h"
#include "telemetry/outcome.h"

namespace modelgate::proxy {

class LegPayload final : public telemetry::PayloadSource {
 public:
  LegPayload(const grpc::ByteBuffer& request, const grpc::ByteBuffer& response)
      : request_(request), response_(response) {}
  absl::Cord Request() const override { return CordFromByteBuffer(request_); }
  absl::Cord Response() const override { return CordFromByteBuffer(response_); }

 private:
  const grpc::ByteBuffer& request_;
  const grpc::ByteBuffer& response_;
};

}  // namespace modelgate::proxy
