// Decoding of BYTES tensors of the Open Inference Protocol into views of their elements: typed
// `bytes_contents`, or a raw entry where each element is a 4-byte little-endian length followed
// by that many bytes. payload/ has no BYTES reading (it has no number to give), but a diff can
// still compare the strings.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "inference/grpc_predict_v2.pb.h"

namespace modelgate::shadow {

// Appends views into `bytes` (which must outlive them). InvalidArgument when the entry does not
// hold exactly `count` length-prefixed elements; `out` is unchanged on error.
absl::Status DecodeRawBytes(absl::string_view bytes, uint64_t count,
                            std::vector<absl::string_view>* out);

// Appends views into `contents` (which must outlive them). InvalidArgument unless bytes_contents
// holds exactly `count` values and no other field holds any.
absl::Status DecodeTypedBytes(const inference::InferTensorContents& contents, uint64_t count,
                              std::vector<absl::string_view>* out);

}  // namespace modelgate::shadow
