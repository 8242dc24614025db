// SlidingWindow: a time-based sliding window over any mergeable summary (Welford, DDSketch,
// Histogram, Reservoir...), kept as a ring of K sub-windows so memory is K summaries whatever
// the traffic. Time is passed in by the caller; there is no clock inside, so tests drive it.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace modelgate::stats {

// Summary must be copyable and provide `void Clear()` (keeping its configuration) and
// `void Merge(const Summary&)`. Every slot is a copy of one prototype, so slots always merge.
//
// Time is cut into slots of width w aligned on the Unix epoch; slot e holds the values recorded
// while floor(now / w) == e. A read covers the current, partial slot and the K-1 before it, i.e.
// between (K-1)w and Kw of history: more slots give a smoother slide for the same memory per
// slot. Slots are cleared lazily when time reaches them again, at most K clears per call.
//
// A `now` older than the newest one seen is treated as the newest: events reported slightly
// out of order (several threads, a coarse clock) land in the current slot instead of being
// lost. Not thread-safe: wrap it, or keep one per thread and merge (see recorder.h).
template <typename Summary>
class SlidingWindow {
 public:
  static absl::StatusOr<SlidingWindow> Create(int num_slots, absl::Duration slot_width,
                                              const Summary& prototype = Summary()) {
    if (num_slots < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("window: needs at least one slot, got ", num_slots));
    }
    if (slot_width < absl::Nanoseconds(1)) {
      return absl::InvalidArgumentError("window: slot width must be at least 1ns");
    }
    return SlidingWindow(num_slots, slot_width, prototype);
  }

  // The slot that records at time `now`, after rotating out expired slots.
  Summary& Current(absl::Time now) {
    Rotate(now);
    return slots_[SlotIndex(current_epoch_)];
  }

  // Forwards to the current slot's Add(), e.g. window.Add(now, latency_seconds).
  template <typename... Args>
  void Add(absl::Time now, Args&&... args) {
    Current(now).Add(std::forward<Args>(args)...);
  }

  // Clears *out and merges every live slot into it. Reusing `out` across reads avoids
  // allocating a fresh summary each time.
  void MergeInto(absl::Time now, Summary* out) {
    out->Clear();
    AccumulateInto(now, out);
  }

  // Merges every live slot into *out without clearing it first, e.g. to combine the windows of
  // several shards (see recorder.h).
  void AccumulateInto(absl::Time now, Summary* out) {
    Rotate(now);
    for (const Summary& s : slots_) out->Merge(s);
  }

  Summary Merged(absl::Time now) {
    Summary out = slots_.front();
    MergeInto(now, &out);
    return out;
  }

  int num_slots() const { return static_cast<int>(slots_.size()); }
  absl::Duration slot_width() const { return absl::Nanoseconds(slot_nanos_); }
  // Upper bound of the history a read covers.
  absl::Duration span() const { return slot_width() * num_slots(); }

 private:
  SlidingWindow(int num_slots, absl::Duration slot_width, const Summary& prototype)
      : slot_nanos_(absl::ToInt64Nanoseconds(slot_width)),
        slots_(static_cast<size_t>(num_slots), prototype) {
    for (Summary& s : slots_) s.Clear();
  }

  int64_t EpochOf(absl::Time now) const {
    const int64_t t = absl::ToUnixNanos(now);
    // Floor division, so simulated times before 1970 still map to consecutive slots.
    int64_t e = t / slot_nanos_;
    if (t % slot_nanos_ != 0 && t < 0) --e;
    return e;
  }

  size_t SlotIndex(int64_t epoch) const {
    const int64_t k = static_cast<int64_t>(slots_.size());
    return static_cast<size_t>(((epoch % k) + k) % k);
  }

  void Rotate(absl::Time now) {
    const int64_t e = EpochOf(now);
    if (!started_) {
      started_ = true;
      current_epoch_ = e;
      return;
    }
    if (e <= current_epoch_) return;
    const int64_t k = static_cast<int64_t>(slots_.size());
    const int64_t steps = e - current_epoch_ < k ? e - current_epoch_ : k;
    for (int64_t i = 1; i <= steps; ++i) slots_[SlotIndex(current_epoch_ + i)].Clear();
    current_epoch_ = e;
  }

  int64_t slot_nanos_;
  std::vector<Summary> slots_;
  int64_t current_epoch_ = 0;
  bool started_ = false;
};

}  // namespace modelgate::stats
