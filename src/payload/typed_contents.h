// Decoding of typed `InferTensorContents` of the Open Inference Protocol: each datatype has one
// repeated field (INT8/16/32 share int_contents, UINT8/16/32 share uint_contents), and the
// half-precision types have none, because the protocol requires them to be sent raw.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "inference/grpc_predict_v2.pb.h"
#include "payload/datatype.h"

namespace modelgate::payload {

// Appends the `count` values of `contents` to `out` as doubles. InvalidArgument when the
// datatype's field does not hold exactly `count` values, when another field holds values (a
// server writing int64_contents for an INT32 tensor is a bug we want to see), or for FP16/BF16;
// `out` is then left as it was. Values are taken as sent: an INT8 tensor's int_contents are not
// range-checked. 64-bit integers beyond 2^53 are rounded to the nearest double.
absl::Status DecodeTypedContents(DataType type, const inference::InferTensorContents& contents,
                                 uint64_t count, std::vector<double>* out);

// Whether any field of `contents` holds a value (an empty but present message does not count:
// the protocol's "contents must not be set" is about data).
bool HasTypedValues(const inference::InferTensorContents& contents);

}  // namespace modelgate::payload
