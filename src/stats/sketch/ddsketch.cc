// DDSketch implementation: a dense, fixed-size array of bin counters over a sliding key window.
#include "stats/sketch/ddsketch.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::stats {

DDSketch::DDSketch() : DDSketch(kDefaultRelativeAccuracy, kDefaultMaxBins) {}

DDSketch::DDSketch(double relative_accuracy, int max_bins)
    : alpha_(relative_accuracy),
      gamma_((1.0 + relative_accuracy) / (1.0 - relative_accuracy)),
      // log1p keeps log(gamma) accurate for small accuracies, where gamma is close to 1.
      log_gamma_(std::log1p(2.0 * relative_accuracy / (1.0 - relative_accuracy))),
      inv_log_gamma_(1.0 / log_gamma_),
      bins_(static_cast<size_t>(max_bins), 0) {}

absl::StatusOr<DDSketch> DDSketch::Create(double relative_accuracy, int max_bins) {
  // Below 1e-6 the bin keys of extreme doubles would overflow an int.
  if (!(relative_accuracy >= 1e-6 && relative_accuracy < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ddsketch: relative accuracy must be in [1e-6, 1), got ", relative_accuracy));
  }
  if (max_bins < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("ddsketch: max_bins must be at least 2, got ", max_bins));
  }
  return DDSketch(relative_accuracy, max_bins);
}

int DDSketch::KeyOf(double x) const {
  return static_cast<int>(std::ceil(std::log(x) * inv_log_gamma_));
}

double DDSketch::ValueOf(int key) const {
  // 2 gamma^key / (gamma + 1) = gamma^key (1 - a), computed in the log domain so gamma^key
  // cannot overflow for bins near DBL_MAX.
  return std::exp(key * log_gamma_ + std::log1p(-alpha_));
}

void DDSketch::Add(double x) {
  if (std::isnan(x)) return;
  double v = x;
  if (x < DBL_MIN) {
    v = std::max(x, 0.0);
    ++zero_count_;
  } else {
    if (std::isinf(x)) v = DBL_MAX;
    AddToKey(KeyOf(v), 1);
  }
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
}

void DDSketch::MoveWindow(int new_offset) {
  if (new_offset == offset_) return;
  const int len = max_key_ - min_key_ + 1;
  const int src = min_key_ - offset_;
  const int dst = min_key_ - new_offset;
  uint64_t* data = bins_.data();
  std::memmove(data + dst, data + src, static_cast<size_t>(len) * sizeof(uint64_t));
  // Clear what the move uncovered so keys outside [min_key_, max_key_] stay zero.
  if (dst > src) {
    std::fill(data + src, data + std::min(dst, src + len), 0);
  } else {
    std::fill(data + std::max(dst + len, src), data + src + len, 0);
  }
  offset_ = new_offset;
}

void DDSketch::AddToKey(int key, uint64_t n) {
  const int m = max_bins();
  if (!has_bins_) {
    // Centre the first key so the window can grow both ways before anything has to move.
    offset_ = key - m / 2;
    min_key_ = max_key_ = key;
    has_bins_ = true;
    bins_[key - offset_] += n;
    return;
  }
  if (key >= offset_ && key - offset_ < m) {
    bins_[key - offset_] += n;
    min_key_ = std::min(min_key_, key);
    max_key_ = std::max(max_key_, key);
    return;
  }
  const int new_min = std::min(min_key_, key);
  const int new_max = std::max(max_key_, key);
  if (static_cast<int64_t>(new_max) - new_min + 1 <= m) {
    // Still fits: recentre, leaving equal slack on both sides.
    const int slack = m - (new_max - new_min + 1);
    MoveWindow(new_min - slack / 2);
    bins_[key - offset_] += n;
    min_key_ = new_min;
    max_key_ = new_max;
    return;
  }

  // Too wide: keep the top max_bins keys and fold everything below into the lowest kept bin,
  // preserving the accuracy of the high quantiles.
  collapsed_ = true;
  const int new_low = new_max - m + 1;
  uint64_t folded = key < new_low ? n : 0;
  if (min_key_ < new_low) {
    const int hi = std::min(max_key_, new_low - 1);
    for (int k = min_key_; k <= hi; ++k) {
      folded += bins_[k - offset_];
      bins_[k - offset_] = 0;
    }
    if (max_key_ < new_low) {
      // Every stored bin was folded; the array is all zeros now.
      offset_ = new_low;
      min_key_ = max_key_ = new_low;
    } else {
      min_key_ = new_low;  // Keys below were zeroed, so the move stays in bounds.
      MoveWindow(new_low);
    }
  } else {
    MoveWindow(new_low);
    min_key_ = new_low;
  }
  bins_[0] += folded;
  if (key >= new_low) {
    bins_[key - offset_] += n;
    max_key_ = std::max(max_key_, key);
  }
}

bool DDSketch::CanMerge(const DDSketch& other) const {
  return alpha_ == other.alpha_ && bins_.size() == other.bins_.size();
}

void DDSketch::Merge(const DDSketch& other) {
  if (other.count_ == 0) return;
  if (other.has_bins_) {
    // Insert the extreme keys first so the window widens (or collapses) at most twice instead
    // of once per bin.
    const int lo = other.min_key_, hi = other.max_key_;
    auto at = [&other](int k) { return other.bins_[k - other.offset_]; };
    if (at(hi) != 0) AddToKey(hi, at(hi));
    if (lo != hi && at(lo) != 0) AddToKey(lo, at(lo));
    for (int k = lo + 1; k < hi; ++k) {
      if (at(k) != 0) AddToKey(k, at(k));
    }
  }
  collapsed_ = collapsed_ || other.collapsed_;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  sum_ += other.sum_;
}

void DDSketch::Clear() {
  if (has_bins_) {
    std::fill(bins_.begin() + (min_key_ - offset_), bins_.begin() + (max_key_ - offset_) + 1, 0);
  }
  offset_ = min_key_ = max_key_ = 0;
  has_bins_ = collapsed_ = false;
  count_ = zero_count_ = 0;
  sum_ = min_ = max_ = 0.0;
}

int DDSketch::bins_in_use() const {
  if (!has_bins_) return 0;
  int used = 0;
  for (int k = min_key_; k <= max_key_; ++k) used += bins_[k - offset_] != 0;
  return used;
}

absl::StatusOr<double> DDSketch::Quantile(double q) const {
  if (!(q >= 0.0 && q <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("ddsketch: quantile must be in [0, 1], got ", q));
  }
  if (count_ == 0) return absl::FailedPreconditionError("ddsketch: no values recorded");
  const uint64_t rank = static_cast<uint64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  uint64_t seen = static_cast<uint64_t>(zero_count_);
  if (rank < seen) return std::clamp(0.0, min_, max_);
  for (int k = min_key_; k <= max_key_; ++k) {
    seen += bins_[k - offset_];
    if (seen > rank) return std::clamp(ValueOf(k), min_, max_);
  }
  return max_;  // Unreachable when counts are consistent; the maximum is the safe answer.
}

}  // namespace modelgate::stats
