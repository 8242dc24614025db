// The reference distribution a drift monitor compares live traffic with: frozen bins (quantiles
// of the reference), the reference's histogram over them, its mean and spread, and a bounded
// uniform sample of its raw values for exact KS tests. Built from values — for example the first
// N values a route sees, via DriftReferenceLearner — or loaded from a file with one number per
// line. A DriftReference is immutable once built, so one instance can be shared across threads
// and monitors (std::shared_ptr<const DriftReference>).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "stats/drift/binned.h"
#include "stats/drift/bins.h"

namespace modelgate::stats {

struct DriftReferenceOptions {
  int num_bins = 10;           // B; 10 = deciles of the reference
  int sample_capacity = 4096;  // raw reference values kept for exact KS tests
  uint64_t seed = 0x5eed;      // for the sample: fixed so restarts reproduce results
};

class DriftReference {
 public:
  // Non-finite values (NaN, +-inf) are counted as missing and take no further part, as in
  // Evidently. InvalidArgument when there is no finite value or the options are invalid.
  static absl::StatusOr<std::shared_ptr<const DriftReference>> FromValues(
      absl::Span<const double> values, const DriftReferenceOptions& options);

  // One number per line (surrounding whitespace ignored); blank lines and lines starting with
  // '#' are skipped; "nan" counts as a missing value. Anything else that does not parse, and
  // infinities, fail with InvalidArgument naming "path:line". NotFound if it cannot be opened.
  static absl::StatusOr<std::shared_ptr<const DriftReference>> FromFile(
      const std::string& path, const DriftReferenceOptions& options);

  const DriftBins& bins() const { return bins_; }
  // Histogram of the (finite) reference values over bins().
  BinnedCounts histogram() const { return {counts_, offset_sums_, min_, max_}; }
  int64_t count() const { return count_; }  // finite values
  int64_t missing_count() const { return missing_count_; }
  double mean() const { return mean_; }
  double stddev() const { return stddev_; }  // population standard deviation
  // Uniform random sample (without replacement) of the values, sorted ascending.
  absl::Span<const double> sorted_sample() const { return sample_; }

 private:
  explicit DriftReference(DriftBins bins) : bins_(std::move(bins)) {}

  DriftBins bins_;
  std::vector<int64_t> counts_;
  std::vector<double> offset_sums_;
  int64_t count_ = 0;
  int64_t missing_count_ = 0;
  double min_ = 0.0, max_ = 0.0, mean_ = 0.0, stddev_ = 0.0;
  std::vector<double> sample_;
};

// Collects the first `size` finite values of a stream and freezes them into a DriftReference.
// The buffer is reserved up front and released once the reference is built. Not thread-safe.
class DriftReferenceLearner {
 public:
  DriftReferenceLearner(int64_t size, DriftReferenceOptions options);

  // Returns true when this value completes the reference (call Build() then).
  bool Add(double value);
  absl::StatusOr<std::shared_ptr<const DriftReference>> Build();

  int64_t count() const { return finite_; }  // finite values collected so far
  int64_t size() const { return size_; }

 private:
  int64_t size_;
  DriftReferenceOptions options_;
  int64_t finite_ = 0;
  std::vector<double> values_;
};

}  // namespace modelgate::stats
