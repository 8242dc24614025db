// Ring of sub-windows with running totals.
#include "stats/drift/window.h"

#include <algorithm>
#include <cmath>

namespace modelgate::stats {

DriftWindow::DriftWindow(const DriftBins& bins, const DriftWindowOptions& options)
    : bins_(bins),
      sub_window_ns_(std::max<int64_t>(1, absl::ToInt64Nanoseconds(options.sub_window))),
      num_sub_windows_(std::max(1, options.num_sub_windows)),
      totals_(bins.num_bins(), 0),
      sums_buffer_(bins.num_bins(), 0.0),
      rng_(options.seed) {
  slots_.reserve(num_sub_windows_);
  for (int i = 0; i < num_sub_windows_; ++i) {
    slots_.emplace_back(bins_.num_bins(), std::max(1, options.sample_capacity));
  }
}

int64_t DriftWindow::IndexOf(absl::Time t) const {
  const int64_t ns = absl::ToInt64Nanoseconds(t - absl::UnixEpoch());
  const int64_t q = ns / sub_window_ns_;
  return (ns % sub_window_ns_ != 0 && ns < 0) ? q - 1 : q;  // floor, also before 1970
}

DriftWindow::SubWindow& DriftWindow::SlotFor(int64_t index) {
  int64_t slot = index % num_sub_windows_;
  if (slot < 0) slot += num_sub_windows_;
  return slots_[slot];
}

void DriftWindow::Reset(SubWindow& slot, int64_t index) {
  for (size_t b = 0; b < slot.counts.size(); ++b) {
    totals_[b] -= slot.counts[b];
    slot.counts[b] = 0;
    slot.offset_sums[b] = 0.0;
  }
  total_count_ -= slot.count;
  total_missing_ -= slot.missing;
  slot.count = 0;
  slot.missing = 0;
  slot.min = std::numeric_limits<double>::infinity();
  slot.max = -std::numeric_limits<double>::infinity();
  slot.reservoir.Clear();
  slot.index = index;
}

void DriftWindow::Advance(absl::Time now) {
  const int64_t index = IndexOf(now);
  if (head_ == std::numeric_limits<int64_t>::min()) {
    Reset(SlotFor(index), index);
    head_ = index;
    return;
  }
  if (index <= head_) return;
  // The slots of the newest min(K, index - head_) sub-windows held sub-windows that have just
  // left the window; clearing them is all the expiry there is.
  const int64_t first = std::max(head_ + 1, index - num_sub_windows_ + 1);
  for (int64_t i = first; i <= index; ++i) Reset(SlotFor(i), i);
  head_ = index;
}

void DriftWindow::Record(double value, absl::Time now) {
  const int64_t index = IndexOf(now);
  if (head_ == std::numeric_limits<int64_t>::min() || index > head_) {
    Advance(now);
  } else if (index <= head_ - num_sub_windows_) {
    ++late_dropped_;  // the caller's clock went back further than the window
    return;
  }
  SubWindow& slot = SlotFor(index);
  if (!std::isfinite(value)) {
    ++slot.missing;
    ++total_missing_;
    return;
  }
  const int bin = bins_.Locate(value);
  ++slot.counts[bin];
  slot.offset_sums[bin] += value - bins_.Anchor(bin);
  ++totals_[bin];
  ++slot.count;
  ++total_count_;
  slot.min = std::min(slot.min, value);
  slot.max = std::max(slot.max, value);
  slot.reservoir.Add(value, rng_);
}

BinnedCounts DriftWindow::Histogram() {
  std::fill(sums_buffer_.begin(), sums_buffer_.end(), 0.0);
  BinnedCounts h;
  for (const SubWindow& s : slots_) {
    if (s.count == 0) continue;
    for (size_t b = 0; b < sums_buffer_.size(); ++b) sums_buffer_[b] += s.offset_sums[b];
    h.min = std::min(h.min, s.min);
    h.max = std::max(h.max, s.max);
  }
  h.counts = totals_;
  h.offset_sums = sums_buffer_;
  return h;
}

std::vector<double> DriftWindow::SortedSample(uint64_t seed) const {
  std::vector<double> out;
  if (total_count_ == 0) return out;
  const double total = static_cast<double>(total_count_);
  // Largest T such that every sub-window can supply its proportional share T * count/total.
  double target = total;
  for (const SubWindow& s : slots_) {
    if (s.count == 0) continue;
    const double kept = static_cast<double>(s.reservoir.sample().size());
    target = std::min(target, kept * total / static_cast<double>(s.count));
  }
  SplitMix64 rng(seed);
  std::vector<double> pool;
  for (const SubWindow& s : slots_) {
    if (s.count == 0) continue;
    pool.assign(s.reservoir.sample().begin(), s.reservoir.sample().end());
    const size_t take =
        std::min(pool.size(),
                 static_cast<size_t>(std::llround(target * static_cast<double>(s.count) / total)));
    // Partial Fisher–Yates: the first `take` slots become a uniform subset of the reservoir.
    for (size_t i = 0; i < take; ++i) {
      const size_t j = i + static_cast<size_t>(rng.Below(pool.size() - i));
      std::swap(pool[i], pool[j]);
      out.push_back(pool[i]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace modelgate::stats
