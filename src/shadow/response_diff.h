// Comparison of one primary response with one shadow response to the same request: either just
// their bytes (any gRPC method), or, for Open Inference Protocol ModelInfer, output tensor by
// output tensor with numeric tolerances, exact integers and strings, and argmax agreement for
// class scores. Pure functions, no state: run on the monitor thread, off the request path.
//
// Normalisation: a tensor sent as typed `contents` and the same tensor sent in
// `raw_output_contents` compare equal (only `bytes_equal` tells them apart). Outputs are matched
// by name; the k-th output called "x" in the primary pairs with the k-th "x" in the shadow.
// Response-level fields (model_name, model_version, id, parameters) are not compared: a shadow
// is expected to report another version.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "inference/grpc_predict_v2.pb.h"
#include "shadow/compare_settings.h"
#include "shadow/tensor_diff.h"

namespace modelgate::shadow {

struct ResponseDiff {
  // The serialized responses are byte-for-byte equal.
  bool bytes_equal = false;
  // True when the tensors were compared (DiffInferResponses); false for DiffBytes.
  bool decoded = false;
  // One entry per output: the primary's outputs in its order, then the shadow's unmatched
  // outputs in its order; CompareSettings::ignore_outputs left out.
  std::vector<TensorDiff> tensors;

  // Whether the pair counts as different: for a decoded pair, some tensor is neither equal nor
  // within tolerance; for a bytes-only pair, the bytes differ.
  bool Differs() const;
};

// Byte equality only, for methods whose messages the proxy does not understand.
ResponseDiff DiffBytes(const absl::Cord& primary, const absl::Cord& shadow);

// Decodes both as inference::ModelInferResponse and compares their outputs. InvalidArgument when
// either does not parse; the message names the side(s), and UnparsableSidesOf() reads them back.
//
// Byte-equal responses are parsed once, and each output is compared with itself, so their
// TensorDiffs carry the same element counts (and argmax rows) as a decoded equal pair would,
// which keeps per-field statistics independent of how often responses happen to be identical.
// An output that cannot be decoded is still kEqual there (its `detail` says why it has no
// elements): identical bytes cannot be a difference.
absl::StatusOr<ResponseDiff> DiffInferResponses(const absl::Cord& primary, const absl::Cord& shadow,
                                                const CompareSettings& settings);

// The same for responses already parsed (e.g. a primary compared with several shadows and a
// noise reference is parsed once). `bytes_equal` is false: the bytes are not known here.
ResponseDiff DiffParsedResponses(const inference::ModelInferResponse& primary,
                                 const inference::ModelInferResponse& shadow,
                                 const CompareSettings& settings);

// Which side(s) DiffInferResponses could not parse, read from the status it returned (both false
// for any other status).
struct UnparsableSides {
  bool primary = false;
  bool shadow = false;
};
UnparsableSides UnparsableSidesOf(const absl::Status& status);

}  // namespace modelgate::shadow
