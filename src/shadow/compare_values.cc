// CompareValues: one pass per domain. Each element is classified (equal, agreeing, differing)
// and, where both values are finite, contributes its absolute and relative error.
#include "shadow/compare_values.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "shadow/value_text.h"

namespace modelgate::shadow {
namespace {

struct ElementVerdict {
  bool equal = false;
  bool agrees = false;
};

// Running counts for one tensor; turned into TensorDiff fields at the end.
class Tally {
 public:
  explicit Tally(TensorDiff* diff) : diff_(diff) {}

  void Add(uint64_t index, ElementVerdict verdict) {
    ++diff_->elements;
    if (verdict.equal) ++diff_->elements_equal;
    if (verdict.agrees) ++diff_->elements_within_tolerance;
    if (!verdict.agrees && first_disagreeing_ == kNone) first_disagreeing_ = index;
    if (!verdict.equal && first_inexact_ == kNone) first_inexact_ = index;
  }

  // `abs_error` finite; `primary_magnitude` is |p|.
  void AddError(double abs_error, double primary_magnitude) {
    ++diff_->error_elements;
    diff_->max_abs_error = std::max(diff_->max_abs_error, abs_error);
    diff_->sum_abs_error += abs_error;
    if (primary_magnitude > 0) {
      const double rel = abs_error / primary_magnitude;
      ++diff_->rel_error_elements;
      diff_->max_rel_error = std::max(diff_->max_rel_error, rel);
      diff_->sum_rel_error += rel;
    }
  }

  // The element a diff sample should show, if any.
  std::optional<uint64_t> SampleIndex() const {
    if (first_disagreeing_ != kNone) return first_disagreeing_;
    if (first_inexact_ != kNone) return first_inexact_;
    return std::nullopt;
  }

  void Finish() {
    if (diff_->elements_equal == diff_->elements) {
      diff_->kind = TensorDiffKind::kEqual;
    } else if (diff_->elements_within_tolerance == diff_->elements) {
      diff_->kind = TensorDiffKind::kWithinTolerance;
    } else {
      diff_->kind = TensorDiffKind::kValueMismatch;
    }
  }

 private:
  static constexpr uint64_t kNone = ~uint64_t{0};  // no element can have this index

  TensorDiff* diff_;
  uint64_t first_disagreeing_ = kNone;
  uint64_t first_inexact_ = kNone;
};

void CompareFloats(const std::vector<double>& primary, const std::vector<double>& shadow,
                   const CompareSettings& settings, Tally* tally) {
  for (uint64_t i = 0; i < primary.size(); ++i) {
    const double p = primary[i];
    const double s = shadow[i];
    if (std::isnan(p) || std::isnan(s)) {
      // NaN agrees with NaN only: the same model producing NaN in the same place is the same
      // behaviour (numpy.isclose with equal_nan=True).
      const bool both = std::isnan(p) && std::isnan(s);
      tally->Add(i, {both, both});
      continue;
    }
    if (p == s) {  // also +0 == -0 and inf == inf
      tally->Add(i, {true, true});
      if (std::isfinite(p)) tally->AddError(0, std::fabs(p));
      continue;
    }
    const double error = std::fabs(s - p);
    if (!std::isfinite(error)) {  // an infinity on one side, or a difference beyond DBL_MAX
      tally->Add(i, {false, false});
      continue;
    }
    const bool agrees =
        error <= settings.absolute_tolerance + settings.relative_tolerance * std::fabs(p);
    tally->Add(i, {false, agrees});
    tally->AddError(error, std::fabs(p));
  }
}

void CompareSigned(const std::vector<int64_t>& primary, const std::vector<int64_t>& shadow,
                   Tally* tally) {
  for (uint64_t i = 0; i < primary.size(); ++i) {
    const int64_t p = primary[i];
    const int64_t s = shadow[i];
    tally->Add(i, {p == s, p == s});
    // In 128 bits the difference of any two int64 values is exact; only the final conversion
    // to double rounds, and only the error statistic sees it.
    const __int128 difference = static_cast<__int128>(s) - static_cast<__int128>(p);
    const __int128 magnitude = static_cast<__int128>(p) < 0 ? -static_cast<__int128>(p) : p;
    tally->AddError(static_cast<double>(difference < 0 ? -difference : difference),
                    static_cast<double>(magnitude));
  }
}

void CompareUnsigned(const std::vector<uint64_t>& primary, const std::vector<uint64_t>& shadow,
                     Tally* tally) {
  for (uint64_t i = 0; i < primary.size(); ++i) {
    const uint64_t p = primary[i];
    const uint64_t s = shadow[i];
    tally->Add(i, {p == s, p == s});
    tally->AddError(static_cast<double>(s > p ? s - p : p - s), static_cast<double>(p));
  }
}

void CompareBytes(const std::vector<absl::string_view>& primary,
                  const std::vector<absl::string_view>& shadow, Tally* tally) {
  for (uint64_t i = 0; i < primary.size(); ++i) {
    const bool equal = primary[i] == shadow[i];
    tally->Add(i, {equal, equal});
  }
}

DiffSample Sample(const TensorData& primary, const TensorData& shadow, uint64_t i,
                  absl::string_view datatype) {
  DiffSample sample;
  sample.index = static_cast<int64_t>(i);
  switch (primary.domain) {
    case TensorData::Domain::kFloat: {
      const bool single = datatype == "FP32" || datatype == "FP16" || datatype == "BF16";
      sample.primary = FloatText(primary.floats[i], single);
      sample.shadow = FloatText(shadow.floats[i], single);
      break;
    }
    case TensorData::Domain::kSigned:
      sample.primary = absl::StrCat(primary.signeds[i]);
      sample.shadow = absl::StrCat(shadow.signeds[i]);
      break;
    case TensorData::Domain::kUnsigned:
      if (datatype == "BOOL") {
        sample.primary = primary.unsigneds[i] != 0 ? "true" : "false";
        sample.shadow = shadow.unsigneds[i] != 0 ? "true" : "false";
      } else {
        sample.primary = absl::StrCat(primary.unsigneds[i]);
        sample.shadow = absl::StrCat(shadow.unsigneds[i]);
      }
      break;
    case TensorData::Domain::kBytes:
      sample.primary = BytesText(primary.bytes[i]);
      sample.shadow = BytesText(shadow.bytes[i]);
      break;
  }
  return sample;
}

}  // namespace

void CompareValues(const TensorData& primary, const TensorData& shadow, absl::string_view datatype,
                   const CompareSettings& settings, TensorDiff* diff) {
  if (primary.domain != shadow.domain || primary.count != shadow.count) {
    // Unreachable when the precondition holds; never index past the shorter side.
    diff->kind = TensorDiffKind::kUndecodable;
    diff->detail = "values decoded to different domains or counts";
    return;
  }
  diff->numeric = primary.domain != TensorData::Domain::kBytes;
  Tally tally(diff);
  switch (primary.domain) {
    case TensorData::Domain::kFloat:
      CompareFloats(primary.floats, shadow.floats, settings, &tally);
      break;
    case TensorData::Domain::kSigned:
      CompareSigned(primary.signeds, shadow.signeds, &tally);
      break;
    case TensorData::Domain::kUnsigned:
      CompareUnsigned(primary.unsigneds, shadow.unsigneds, &tally);
      break;
    case TensorData::Domain::kBytes:
      CompareBytes(primary.bytes, shadow.bytes, &tally);
      break;
  }
  tally.Finish();
  if (std::optional<uint64_t> i = tally.SampleIndex()) {
    diff->first_difference = Sample(primary, shadow, *i, datatype);
  }
}

}  // namespace modelgate::shadow
