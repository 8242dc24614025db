// GaugeBoard: the set of gauge series one RouteMonitor currently publishes. Each evaluation
// writes every value it computed between Begin() and End(); a series that was not written in a
// round (not computed yet, no longer computed, or the monitor stopped publishing) is removed,
// so /metrics never shows a placeholder such as NaN or a 0 p-value for "no data".
//
// Series are resolved once, the first time their value exists, on the monitor thread (never on
// the request path) and kept until they go away. Leases (series_lease.h) make series shared
// with another monitor of the same route safe to drop.
//
// Not thread-safe: one owner (the RouteMonitor's evaluation, under its lock).
#pragma once

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/labels.h"

namespace modelgate::monitor {

class GaugeBoard {
 public:
  GaugeBoard() = default;
  ~GaugeBoard();
  GaugeBoard(const GaugeBoard&) = delete;
  GaugeBoard& operator=(const GaugeBoard&) = delete;

  void Begin();
  // Publishes `value` in the series; a non-finite value means "not computed": the series is
  // left out of this round (and so removed at End()). A null family is ignored.
  void Set(prometheus::Family<prometheus::Gauge>* family, const prometheus::Labels& labels,
           double value);
  // Removes every series not Set since Begin().
  void End();
  // Removes every series (End() with nothing set).
  void Clear();

  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    prometheus::Family<prometheus::Gauge>* family = nullptr;
    prometheus::Gauge* gauge = nullptr;
    uint64_t round = 0;
  };
  static std::string KeyOf(const prometheus::Family<prometheus::Gauge>* family,
                           const prometheus::Labels& labels);

  absl::flat_hash_map<std::string, Slot> slots_;
  uint64_t round_ = 0;
};

}  // namespace modelgate::monitor
