// The request body modelgate-load sends on every call, serialized once before the run: an FP32
// ModelInferRequest for ModelInfer, an EchoRequest for modelgate.testing.Echo methods, and an
// empty message (valid for any request type) otherwise.
#pragma once

#include "grpcpp/support/byte_buffer.h"
#include "tools/load/options.h"

namespace modelgate::tools {

grpc::ByteBuffer BuildRequestPayload(const LoadOptions& options);

}  // namespace modelgate::tools
