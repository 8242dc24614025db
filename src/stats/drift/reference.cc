// Building, loading and learning drift references.
#include "stats/drift/reference.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "stats/sketch/reservoir.h"

namespace modelgate::stats {

absl::StatusOr<std::shared_ptr<const DriftReference>> DriftReference::FromValues(
    absl::Span<const double> values, const DriftReferenceOptions& options) {
  if (options.sample_capacity < 1) {
    return absl::InvalidArgumentError("drift reference: sample_capacity must be >= 1");
  }
  absl::StatusOr<DriftBins> bins = DriftBins::FromQuantiles(values, options.num_bins);
  if (!bins.ok()) return bins.status();

  // Not make_shared: the constructor is private.
  std::shared_ptr<DriftReference> ref(new DriftReference(*std::move(bins)));
  const DriftBins& b = ref->bins_;
  ref->counts_.assign(b.num_bins(), 0);
  ref->offset_sums_.assign(b.num_bins(), 0.0);
  ref->min_ = INFINITY;
  ref->max_ = -INFINITY;
  Reservoir<double> reservoir(static_cast<size_t>(options.sample_capacity), options.seed);
  double sum = 0.0;
  for (double v : values) {
    if (!std::isfinite(v)) {
      ++ref->missing_count_;
      continue;
    }
    const int bin = b.Locate(v);
    ++ref->count_;
    ++ref->counts_[bin];
    ref->offset_sums_[bin] += v - b.Anchor(bin);
    reservoir.Add(v);
    ref->min_ = std::min(ref->min_, v);
    ref->max_ = std::max(ref->max_, v);
    sum += v;
  }
  // Two passes for the variance: the values are at hand, and it avoids cancellation.
  const double n = static_cast<double>(ref->count_);
  ref->mean_ = sum / n;
  double squares = 0.0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - ref->mean_) * (v - ref->mean_);
  }
  ref->stddev_ = std::sqrt(squares / n);
  ref->sample_.assign(reservoir.sample().begin(), reservoir.sample().end());
  std::sort(ref->sample_.begin(), ref->sample_.end());
  return std::shared_ptr<const DriftReference>(std::move(ref));
}

absl::StatusOr<std::shared_ptr<const DriftReference>> DriftReference::FromFile(
    const std::string& path, const DriftReferenceOptions& options) {
  std::ifstream in(path);
  if (!in.is_open()) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::vector<double> values;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    double v = 0.0;
    if (!absl::SimpleAtod(text, &v)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": not a number: '", text, "'"));
    }
    if (std::isinf(v)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": infinite value"));
    }
    values.push_back(v);
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  absl::StatusOr<std::shared_ptr<const DriftReference>> ref = FromValues(values, options);
  if (!ref.ok()) {
    return absl::Status(ref.status().code(), absl::StrCat(path, ": ", ref.status().message()));
  }
  return ref;
}

DriftReferenceLearner::DriftReferenceLearner(int64_t size, DriftReferenceOptions options)
    : size_(std::max<int64_t>(1, size)), options_(options) {
  values_.reserve(size_);
}

bool DriftReferenceLearner::Add(double value) {
  if (finite_ >= size_) return false;  // already complete
  values_.push_back(value);            // non-finite included: the reference counts them as missing
  if (!std::isfinite(value)) return false;
  return ++finite_ == size_;
}

absl::StatusOr<std::shared_ptr<const DriftReference>> DriftReferenceLearner::Build() {
  absl::StatusOr<std::shared_ptr<const DriftReference>> ref =
      DriftReference::FromValues(values_, options_);
  std::vector<double>().swap(values_);  // the reference has what it needs: release the buffer
  return ref;
}

}  // namespace modelgate::stats
