// FieldRecord: everything FieldStats knows about one field (one output tensor name) of one
// (route, shadow) pair: how often it was compared and differed against the primary, how often
// the noise reference differed, the kinds of difference, element agreement, error statistics,
// argmax agreement and the latest difference as a sample. Fixed size apart from the name and
// the sample's text. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "shadow/error_summary.h"
#include "shadow/noise_verdict.h"
#include "shadow/tensor_diff.h"

namespace modelgate::shadow {

// The latest difference seen on a field, for a person to look at.
struct FieldSample {
  TensorDiffKind kind = TensorDiffKind::kEqual;
  std::string detail;                 // TensorDiff::detail, cut to kMaxDetailBytes
  std::optional<DiffSample> element;  // TensorDiff::first_difference

  static constexpr size_t kMaxDetailBytes = 256;
};

class FieldRecord {
 public:
  explicit FieldRecord(std::string name) : name_(std::move(name)) {}

  // One shadow-vs-primary tensor diff of this field.
  void AddShadow(const TensorDiff& diff);
  // One reference-vs-primary tensor diff of this field (noise).
  void AddReference(const TensorDiff& diff);

  const std::string& name() const { return name_; }
  // compared/differing count shadow tensor diffs, reference_* the reference's; a difference is
  // any kind other than equal and within_tolerance. A name repeated within one response counts
  // once per occurrence.
  const DifferenceCounts& counts() const { return counts_; }
  int64_t kind_count(TensorDiffKind kind) const { return kinds_[static_cast<size_t>(kind)]; }

  // Elements compared in pairs whose values were compared, and those within tolerance.
  int64_t elements() const { return elements_; }
  int64_t elements_within_tolerance() const { return elements_within_tolerance_; }
  std::optional<double> within_tolerance_rate() const;  // nullopt without elements

  // Absolute |s - p| and relative |s - p| / |p| errors (see TensorDiff for which elements
  // contribute).
  const ErrorSummary& abs_error() const { return abs_error_; }
  const ErrorSummary& rel_error() const { return rel_error_; }

  // Rows compared for argmax, and the share whose argmax agreed (nullopt without rows, e.g. a
  // field not listed in CompareSettings::argmax_outputs).
  int64_t argmax_rows() const { return argmax_rows_; }
  std::optional<double> argmax_agreement_rate() const;

  // The most recent shadow tensor diff that was not equal (a within_tolerance one included, so
  // near misses can be inspected too).
  const std::optional<FieldSample>& last_difference() const { return last_difference_; }

 private:
  std::string name_;
  DifferenceCounts counts_;
  std::array<int64_t, kTensorDiffKindCount> kinds_{};
  int64_t elements_ = 0;
  int64_t elements_within_tolerance_ = 0;
  ErrorSummary abs_error_;
  ErrorSummary rel_error_;
  int64_t argmax_rows_ = 0;
  int64_t argmax_agreeing_ = 0;
  std::optional<FieldSample> last_difference_;
};

}  // namespace modelgate::shadow
