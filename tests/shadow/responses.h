// Test helpers for shadow diff tests: typed output tensors of the Open Inference Protocol in one
// call, and serialization to the absl::Cord the data plane hands over. Raw tensors come from
// payload/tensor_builders.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "inference/grpc_predict_v2.pb.h"
#include "payload/tensor_builders.h"

namespace modelgate::shadow::testing {

using ::modelgate::payload::testing::AddOutput;
using ::modelgate::payload::testing::AddRawOutput;
using ::modelgate::payload::testing::Bytes;
using ::modelgate::payload::testing::LittleEndian;
using Response = inference::ModelInferResponse;

inline void AddFp32(Response* r, const std::string& name, std::initializer_list<int64_t> shape,
                    const std::vector<float>& values) {
  auto* out = AddOutput(r, name, "FP32", shape);
  for (float v : values) out->mutable_contents()->add_fp32_contents(v);
}

inline void AddFp64(Response* r, const std::string& name, std::initializer_list<int64_t> shape,
                    const std::vector<double>& values) {
  auto* out = AddOutput(r, name, "FP64", shape);
  for (double v : values) out->mutable_contents()->add_fp64_contents(v);
}

inline void AddInt64(Response* r, const std::string& name, std::initializer_list<int64_t> shape,
                     const std::vector<int64_t>& values) {
  auto* out = AddOutput(r, name, "INT64", shape);
  for (int64_t v : values) out->mutable_contents()->add_int64_contents(v);
}

inline void AddBytes(Response* r, const std::string& name, std::initializer_list<int64_t> shape,
                     const std::vector<std::string>& values) {
  auto* out = AddOutput(r, name, "BYTES", shape);
  for (const std::string& v : values) out->mutable_contents()->add_bytes_contents(v);
}

// BYTES raw contents: each element as a 4-byte little-endian length, then its bytes.
inline std::string RawBytesElements(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    out += LittleEndian<uint32_t>({static_cast<uint32_t>(v.size())});
    out += v;
  }
  return out;
}

inline absl::Cord Serialize(const Response& r) { return absl::Cord(r.SerializeAsString()); }

}  // namespace modelgate::shadow::testing
