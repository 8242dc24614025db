// Feeds history.h: reads the counters and latency histograms that the proxy's current snapshot
// already keeps per route and arm (no new per-call work), once per interval on its own thread,
// and on demand for the status page's live totals. Thread-safe; Stop (or the destructor) joins.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "admin/history.h"
#include "common/mutex.h"
#include "proxy/snapshot.h"

namespace modelgate::admin {

// Every route and arm of `snapshot` with its cumulative counters now. Weights are the served
// shares (0..1) of the arms that split traffic; shadow arms count copies and have no histogram.
std::vector<RouteReading> ReadSnapshot(const proxy::Snapshot& snapshot);

class HistorySampler {
 public:
  using SnapshotFn = std::function<std::shared_ptr<const proxy::Snapshot>()>;
  // Records one reading at once, then one every `interval`, into `history` (must outlive this).
  HistorySampler(History* history, SnapshotFn snapshot, absl::Duration interval);
  ~HistorySampler();
  void Stop();

 private:
  void Loop();

  History* const history_;
  const SnapshotFn snapshot_;
  const absl::Duration interval_;
  Mutex mu_;
  CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace modelgate::admin
