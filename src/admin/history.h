// A bounded, in-memory history of every route's traffic for the status page (GET /ui): per
// route and arm, one point per sample (request rate, error ratio, p99 latency, configured
// weight), computed from the deltas of the cumulative counters and latency histogram that the
// proxy already keeps (telemetry/metrics.h). Readings are taken off the request path (a
// sampler thread, history_sampler.h), so the history adds no per-call cost.
//
// Memory is fixed whatever the traffic: at most `max_series` route/arm series, each a ring of
// `capacity` points, plus the previous reading. Routes and arms that the latest reading does not
// contain (removed by a reload) are dropped. A counter that went backwards, or whose series
// object changed (a route removed and added again starts its counters at zero), is a reset: the
// interval's delta is then the new value itself, as Prometheus's rate() treats resets.
//
// Thread-safe: Record and Json may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/mutex.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

// One arm's cumulative counters at a moment.
struct ArmReading {
  std::string arm;
  std::string role;     // reference | candidate | shadow | ranker
  double weight = 0;    // configured share (ab/canary weights as served now), 0 when none
  // Identifies the counters' series: a different object means they restarted at zero.
  std::shared_ptr<const void> series;
  double calls = 0;     // completed calls (for a shadow arm: copies sent)
  double errors = 0;    // of which not OK
  // Cumulative counts of the latency histogram per upper bound (the last one +Inf); empty when
  // the arm has no latency histogram (shadow copies).
  std::vector<double> buckets;
};

struct RouteReading {
  std::string route;
  std::string strategy;
  std::vector<ArmReading> arms;
};

// p-quantile (0..1) of a cumulative histogram, interpolated linearly within its bucket as
// Prometheus's histogram_quantile does; NaN without observations. `bounds` are the finite upper
// bounds, `cumulative` has one more entry (+Inf). A quantile in the +Inf bucket is the last
// finite bound.
double HistogramQuantile(const std::vector<double>& bounds, const std::vector<double>& cumulative,
                         double q);

class History {
 public:
  struct Options {
    absl::Duration interval = absl::Seconds(5);  // how often the sampler records (for the JSON)
    size_t capacity = 180;                       // points per series: 15 minutes at 5 s
    size_t max_series = 256;                     // route/arm series tracked; more are ignored
  };
  // `bounds`: the finite upper bounds of the latency histograms' buckets.
  History(Options options, std::vector<double> bounds);

  // Adds one point per arm present both now and at the previous reading; drops what `routes`
  // no longer contains.
  void Record(absl::Time now, const std::vector<RouteReading>& routes);

  // {"interval_seconds", "capacity", "max_series", "untracked_series",
  //  "routes": {route: {"strategy", "arms": {arm: {"t": [unix s], "rate": [calls/s],
  //  "error_ratio": [0..1 | null], "p99_seconds": [s | null], "weight": [..]}}}}}
  // Oldest point first; null where an interval had no calls (no ratio, no latency).
  nlohmann::json Json() const;

  // Bytes the history may hold at most (points and previous readings), for the docs and tests.
  size_t MaxBytes() const;

 private:
  struct Point {
    double t;           // unix seconds
    float rate;         // calls per second
    float error_ratio;  // NaN: no calls
    float p99;          // seconds; NaN: no calls or no histogram
    float weight;
  };
  struct ArmHistory {
    bool primed = false;  // a previous reading exists
    std::weak_ptr<const void> series;
    absl::Time last;
    double calls = 0;
    double errors = 0;
    std::vector<double> buckets;
    std::vector<Point> ring;  // capacity() reserved once; `next` is the oldest when full
    size_t next = 0;
  };
  struct RouteHistory {
    std::string strategy;
    std::map<std::string, ArmHistory> arms;
  };

  void Append(ArmHistory& h, const Point& p) const;

  const Options options_;
  const std::vector<double> bounds_;
  mutable Mutex mu_;
  std::map<std::string, RouteHistory> routes_ ABSL_GUARDED_BY(mu_);
  size_t untracked_ ABSL_GUARDED_BY(mu_) = 0;  // series left out at the last reading (cap)
};

}  // namespace modelgate::admin
