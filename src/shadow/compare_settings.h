// CompareSettings: how two responses' output tensors are judged equal enough. Plain data, shared
// by the per-tensor comparison and the response diff; validated where config is loaded.
#pragma once

#include <string>
#include <vector>

namespace modelgate::shadow {

struct CompareSettings {
  // A floating-point element (FP16, BF16, FP32, FP64) agrees when
  //   |shadow - primary| <= absolute_tolerance + relative_tolerance * |primary|,
  // numpy.isclose's rule with the primary as the reference. Integer, BOOL and BYTES tensors are
  // compared exactly: a tolerance on IDs or labels would hide real changes.
  double absolute_tolerance = 1e-6;
  double relative_tolerance = 1e-4;
  // Output tensors holding class scores, shape [..., C]: per row of C scores the index of the
  // first maximum is compared, because a classifier whose scores drift but whose decisions do not
  // is usually fine.
  std::vector<std::string> argmax_outputs;
  // Output tensors left out of the diff entirely (e.g. timestamps or request-scoped IDs).
  std::vector<std::string> ignore_outputs;
};

}  // namespace modelgate::shadow
