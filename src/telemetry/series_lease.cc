// The process-wide lease table behind AcquireSeries / ReleaseSeries.
#include "telemetry/series_lease.h"

#include "absl/container/flat_hash_map.h"

namespace modelgate::telemetry::internal {
namespace {

// Keyed by the series object: the registry returns one object per (family, labels), so the
// address identifies the series for as long as any lease keeps it alive.
absl::flat_hash_map<const void*, int>& Refs()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(SeriesLeaseMutex()) {
  static auto* refs = new absl::flat_hash_map<const void*, int>();
  return *refs;
}

}  // namespace

absl::Mutex& SeriesLeaseMutex() {
  static auto* mu = new absl::Mutex();
  return *mu;
}

void AddSeriesRef(const void* series) { ++Refs()[series]; }

int DropSeriesRef(const void* series) {
  auto it = Refs().find(series);
  if (it == Refs().end()) return 0;
  const int left = --it->second;
  if (left <= 0) Refs().erase(it);
  return left;
}

}  // namespace modelgate::telemetry::internal
