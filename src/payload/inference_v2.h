// Open Inference Protocol (KServe V2) tensor extraction for monitoring: the values of a named
// input or output tensor as doubles, whether the server sent them as typed `contents` or as
// `raw_*_contents` (little-endian, row-major, paired with tensors by position). Used off the
// request path (monitor thread) to feed drift statistics. Thread-compatible, no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::payload {

struct TensorValues {
  std::string name;
  std::string datatype;        // BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32, FP64
  std::vector<int64_t> shape;
  std::vector<double> values;  // flattened, row-major; BOOL as 0/1
  // Every value of every datatype converts exactly, except INT64/UINT64 beyond 2^53, which round
  // to the nearest double (fine for drift statistics, not for comparing IDs).
};

// The output tensor called `name` (empty: the first output). Errors: no such tensor, BYTES or
// unknown datatype, element count not matching the shape, raw contents of the wrong size or
// missing for the tensor's position, both raw and typed contents present.
absl::StatusOr<TensorValues> ExtractOutput(const inference::ModelInferResponse& response,
                                           absl::string_view name);

// The same for an input tensor of a request (inputs / raw_input_contents).
absl::StatusOr<TensorValues> ExtractInput(const inference::ModelInferRequest& request,
                                          absl::string_view name);

// Parses a serialized message straight from a gRPC ByteBuffer (no flattening copy). The buffer
// is not consumed. InvalidArgument when the bytes are not a valid message.
absl::Status ParseByteBuffer(const grpc::ByteBuffer& buffer, google::protobuf::MessageLite* out);

}  // namespace modelgate::payload
