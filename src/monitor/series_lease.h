// Shared ownership of Prometheus series. Several RouteMonitors of one route can be alive at once
// (across a config reload the old snapshot's monitor lives until its last in-flight call ends),
// and the registry's Merge behaviour hands all of them the SAME series object for the same
// labels. Removing that series when one monitor goes away would leave the others writing through
// a dangling pointer; never removing it would leave stale series behind. So every holder takes a
// lease, and a series is removed from its family when its last lease is returned.
//
// Thread-safety: all functions are thread-safe (one process-wide mutex, taken only when a series
// is acquired or released, never when a value is written).
#pragma once

#include <cstdint>
#include <mutex>
#include <utility>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/labels.h"

namespace modelgate::monitor {

namespace internal {
std::mutex& SeriesLeaseMutex();
void AddSeriesRef(const void* series);
// Returns the number of leases left.
int DropSeriesRef(const void* series);
}  // namespace internal

// The series of `family` with `labels`, created if needed, with one more lease on it.
template <typename T>
T* AcquireSeries(prometheus::Family<T>* family, const prometheus::Labels& labels) {
  std::lock_guard<std::mutex> lock(internal::SeriesLeaseMutex());
  T* series = &family->Add(labels);
  internal::AddSeriesRef(series);
  return series;
}

// Returns one lease; the last one removes the series from its family (and frees it).
template <typename T>
void ReleaseSeries(prometheus::Family<T>* family, T* series) {
  std::lock_guard<std::mutex> lock(internal::SeriesLeaseMutex());
  if (internal::DropSeriesRef(series) == 0) family->Remove(series);
}

// A leased counter (e.g. modelgate_monitor_dropped_total{route}): every monitor of a route
// increments the same series, so the count continues across reloads. A null family makes it a
// no-op. Thread-safe; Increment is one atomic add.
class CounterLease {
 public:
  CounterLease() = default;
  CounterLease(prometheus::Family<prometheus::Counter>* family, const prometheus::Labels& labels)
      : family_(family), series_(family ? AcquireSeries(family, labels) : nullptr) {}
  ~CounterLease() {
    if (series_ != nullptr) ReleaseSeries(family_, series_);
  }
  CounterLease(const CounterLease&) = delete;
  CounterLease& operator=(const CounterLease&) = delete;

  void Increment(double n = 1) {
    if (series_ != nullptr) series_->Increment(n);
  }

 private:
  prometheus::Family<prometheus::Counter>* family_ = nullptr;
  prometheus::Counter* series_ = nullptr;
};

}  // namespace modelgate::monitor
