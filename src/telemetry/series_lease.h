// Shared ownership of Prometheus series. Several holders of one series can be alive at once:
// across a config reload the old snapshot (its arms' counters, a route's in-flight gauge, its
// monitor) lives until its last in-flight call ends, and the registry hands every holder the SAME
// series object for the same labels. Removing that series when one holder goes away would leave
// the others writing through a dangling pointer; never removing it would leave the series of
// removed routes and arms behind forever (memory that grows with every reload). So every holder
// takes a lease, and a series is removed from its family when its last lease is returned.
//
// Thread-safety: all functions are thread-safe (one process-wide mutex, taken only when a series
// is acquired or released, never when a value is written).
#pragma once

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/labels.h"

namespace modelgate::telemetry {

namespace internal {
absl::Mutex& SeriesLeaseMutex();
void AddSeriesRef(const void* series) ABSL_EXCLUSIVE_LOCKS_REQUIRED(SeriesLeaseMutex());
// Returns the number of leases left.
int DropSeriesRef(const void* series) ABSL_EXCLUSIVE_LOCKS_REQUIRED(SeriesLeaseMutex());
}  // namespace internal

// The series of `family` with `labels` (created with `args`, e.g. histogram buckets, if new),
// with one more lease on it.
template <typename T, typename... Args>
T* AcquireSeries(prometheus::Family<T>* family, const prometheus::Labels& labels,
                 Args&&... args) {
  absl::MutexLock lock(&internal::SeriesLeaseMutex());
  T* series = &family->Add(labels, std::forward<Args>(args)...);
  internal::AddSeriesRef(series);
  return series;
}

// Returns one lease; the last one removes the series from its family (and frees it).
template <typename T>
void ReleaseSeries(prometheus::Family<T>* family, T* series) {
  absl::MutexLock lock(&internal::SeriesLeaseMutex());
  if (internal::DropSeriesRef(series) == 0) family->Remove(series);
}

// One lease as an object: acquired on construction, returned on destruction. A null family
// makes it empty (get() == nullptr). Movable, not copyable.
template <typename T>
class SeriesLease {
 public:
  SeriesLease() = default;
  template <typename... Args>
  SeriesLease(prometheus::Family<T>* family, const prometheus::Labels& labels, Args&&... args)
      : family_(family),
        series_(family ? AcquireSeries(family, labels, std::forward<Args>(args)...) : nullptr) {}
  ~SeriesLease() { Reset(); }
  SeriesLease(SeriesLease&& other) noexcept
      : family_(other.family_), series_(std::exchange(other.series_, nullptr)) {}
  SeriesLease& operator=(SeriesLease&& other) noexcept {
    if (this != &other) {
      Reset();
      family_ = other.family_;
      series_ = std::exchange(other.series_, nullptr);
    }
    return *this;
  }
  SeriesLease(const SeriesLease&) = delete;
  SeriesLease& operator=(const SeriesLease&) = delete;

  T* get() const { return series_; }
  T* operator->() const { return series_; }

 private:
  void Reset() {
    if (series_ != nullptr) ReleaseSeries(family_, std::exchange(series_, nullptr));
  }
  prometheus::Family<T>* family_ = nullptr;
  T* series_ = nullptr;
};

// A leased counter (e.g. modelgate_monitor_dropped_total{route}): every holder of a route
// increments the same series, so the count continues across reloads. A null family makes it a
// no-op. Thread-safe; Increment is one atomic add.
class CounterLease {
 public:
  CounterLease() = default;
  CounterLease(prometheus::Family<prometheus::Counter>* family, const prometheus::Labels& labels)
      : lease_(family, labels) {}

  // const: the lease is unchanged (the series is shared), so a const snapshot can count.
  void Increment(double n = 1) const {
    if (lease_.get() != nullptr) lease_->Increment(n);
  }

 private:
  SeriesLease<prometheus::Counter> lease_;
};

}  // namespace modelgate::telemetry
