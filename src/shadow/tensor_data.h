// TensorData: one output tensor of a ModelInferResponse decoded into values that compare without
// loss, whether the server sent typed `contents` or `raw_output_contents`: floating types as
// doubles (every FP16/BF16/FP32/FP64 value converts exactly), signed integers as int64_t,
// unsigned integers and BOOL as uint64_t, BYTES as views of the message's strings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::shadow {

struct TensorData {
  enum class Domain { kFloat, kSigned, kUnsigned, kBytes };

  Domain domain = Domain::kFloat;
  uint64_t count = 0;  // elements, the product of the shape
  // Exactly one of these holds `count` values, the one `domain` names; flattened row-major.
  std::vector<double> floats;
  std::vector<int64_t> signeds;
  std::vector<uint64_t> unsigneds;
  std::vector<absl::string_view> bytes;  // views into the response: valid while it lives
};

// Decodes output `index` (0 <= index < outputs_size()). InvalidArgument for an unknown datatype,
// a bad shape, contents that do not match the datatype and shape, a raw_output_contents count
// other than the number of outputs (raw entries pair with outputs by position), or typed values
// on a tensor of a response that uses raw contents.
absl::StatusOr<TensorData> DecodeOutput(const inference::ModelInferResponse& response, int index);

}  // namespace modelgate::shadow
