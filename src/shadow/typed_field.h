// The Open Inference Protocol's rule for typed tensor contents: a datatype's values live in
// exactly one repeated field of InferTensorContents, and every other field stays empty. Checked
// before decoding, because a server filling the wrong field is a bug the diff should name.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::shadow {

// OK when `field` (e.g. "int64_contents") holds exactly `count` values and no other field holds
// any. InvalidArgument otherwise, naming `datatype` and the offending field.
absl::Status CheckTypedField(const inference::InferTensorContents& contents,
                             absl::string_view field, uint64_t count, absl::string_view datatype);

}  // namespace modelgate::shadow
