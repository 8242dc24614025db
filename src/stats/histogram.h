// Histogram: counts over fixed, explicit bin edges with underflow and overflow bins, for
// Prometheus-style latency buckets and frozen reference bins. Mergeable when edges match.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace modelgate::stats {

// With edges e_0 < e_1 < ... < e_B the histogram has B+2 bins, using Prometheus' upper-inclusive
// convention so bins map one-to-one onto `le` buckets:
//   bin 0       (-inf, e_0]        underflow
//   bin j       (e_{j-1}, e_j]     for j = 1..B
//   bin B+1     (e_B, +inf)        overflow
// NaN is counted apart (nan_count) because it belongs to no bin.
//
// Add() is a binary search over the edges, O(log B), with no allocation; the counts array is
// sized once at construction. Not thread-safe: one writer.
class Histogram {
 public:
  // Edges must be finite and strictly increasing; at least one edge.
  static absl::StatusOr<Histogram> Create(std::vector<double> edges) {
    if (edges.empty()) return absl::InvalidArgumentError("histogram: needs at least one edge");
    for (size_t i = 0; i < edges.size(); ++i) {
      if (!std::isfinite(edges[i])) {
        return absl::InvalidArgumentError(absl::StrCat("histogram: edge ", i, " is not finite"));
      }
      if (i > 0 && !(edges[i] > edges[i - 1])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "histogram: edges must be strictly increasing (edge ", i, " = ", edges[i],
            " after ", edges[i - 1], ")"));
      }
    }
    return Histogram(std::move(edges));
  }

  void Add(double x) { AddCount(x, 1); }

  void AddCount(double x, uint64_t n) {
    if (std::isnan(x)) {
      nan_count_ += n;
      return;
    }
    // The first edge >= x is exactly the index of the upper-inclusive bin holding x.
    const size_t bin = static_cast<size_t>(
        std::lower_bound(edges_.begin(), edges_.end(), x) - edges_.begin());
    counts_[bin] += n;
    total_ += n;
    sum_ += static_cast<double>(n) * x;
  }

  // Precondition: CanMerge(other), i.e. identical edges (e.g. the slots of one window).
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    nan_count_ += other.nan_count_;
    sum_ += other.sum_;
  }
  bool CanMerge(const Histogram& other) const { return edges_ == other.edges_; }

  void Clear() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = nan_count_ = 0;
    sum_ = 0.0;
  }

  absl::Span<const double> edges() const { return edges_; }
  // edges().size() + 1 counts: underflow, the interior bins, overflow.
  absl::Span<const uint64_t> counts() const { return counts_; }
  size_t num_bins() const { return counts_.size(); }
  // Values in bins (NaN excluded).
  uint64_t count() const { return total_; }
  uint64_t nan_count() const { return nan_count_; }
  double sum() const { return sum_; }
  uint64_t underflow() const { return counts_.front(); }
  uint64_t overflow() const { return counts_.back(); }

 private:
  explicit Histogram(std::vector<double> edges)
      : edges_(std::move(edges)), counts_(edges_.size() + 1, 0) {}

  std::vector<double> edges_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t nan_count_ = 0;
  double sum_ = 0.0;
};

}  // namespace modelgate::stats
