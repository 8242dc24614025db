// Test helpers for building Open Inference Protocol messages: typed and raw output tensors, and
// raw little-endian bytes written out explicitly rather than copied from host memory.
#pragma once

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::payload::testing {

using Output = inference::ModelInferResponse::InferOutputTensor;

// The bytes listed, e.g. Bytes({0xfe, 0xff}) for INT16 -2.
inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(static_cast<unsigned char>(b)));
  return out;
}

// `values` as little-endian bytes, least significant byte first, whatever the host order.
template <typename T>
std::string LittleEndian(const std::vector<T>& values) {
  using Bits = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t,
                         std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  std::string out;
  for (const T& v : values) {
    const auto bits = static_cast<uint64_t>(std::bit_cast<Bits>(v));
    for (size_t i = 0; i < sizeof(T); ++i)
      out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return out;
}

// Adds an output tensor with no contents; the caller fills contents or raw_output_contents.
inline Output* AddOutput(inference::ModelInferResponse* response, const std::string& name,
                         const std::string& datatype, std::initializer_list<int64_t> shape) {
  Output* out = response->add_outputs();
  out->set_name(name);
  out->set_datatype(datatype);
  for (int64_t d : shape) out->add_shape(d);
  return out;
}

// Adds an output tensor and its raw contents entry (at the same position).
inline Output* AddRawOutput(inference::ModelInferResponse* response, const std::string& name,
                            const std::string& datatype, std::initializer_list<int64_t> shape,
                            const std::string& raw) {
  Output* out = AddOutput(response, name, datatype, shape);
  response->add_raw_output_contents(raw);
  return out;
}

}  // namespace modelgate::payload::testing
