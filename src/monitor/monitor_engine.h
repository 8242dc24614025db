// The monitoring engine: owns every route's RouteMonitor, a bounded queue of sampled payloads
// with the thread that decodes them, and the evaluation loop. Monitors are keyed by their
// experiment definition (fingerprint.h), so a config reload that leaves a route's arms,
// weights, salt and monitor settings unchanged keeps its statistics, and a changed experiment
// starts fresh.
//
// Ownership: the engine holds monitors weakly; the proxy's routing snapshot owns them. So a
// monitor lives exactly as long as a snapshot (or an in-flight call, or a queued payload) uses
// it, and a monitor created for a snapshot that then failed to build disappears with it.
// Retain() makes the engine stop evaluating and serving monitors the new config does not use,
// even while an old snapshot still holds them.
//
// Queue policy: one bounded lock-free queue PER ROUTE, of that route's monitor.queue_size
// (payload_queue.h), so a busy route cannot crowd out another route's samples. OfferPayload
// never blocks: a full queue drops the payload and counts it
// (modelgate_monitor_dropped_total{route}). The monitor thread wakes every poll interval
// (10 ms), drains every queue (at most one queue's capacity per route per round), decodes
// (ModelInferResponse, and the request only when input tensors are monitored), records, and
// evaluates each route every monitor.interval_seconds of wall-clock time.
//
// Thread-safety: OfferPayload is called from proxy worker threads (non-blocking: a full queue
// drops and counts); ForRoute/Retain from the config-apply path; RouteStats from the admin
// thread. All are safe to call concurrently.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mutex.h"
#include "config/config.h"
#include "inference/grpc_predict_v2.pb.h"
#include "monitor/route_monitor.h"
#include "nlohmann/json.hpp"

namespace prometheus {
class Registry;
}

namespace modelgate::monitor {

class MonitorEngine {
 public:
  struct Options {
    // false: no thread; the owner calls RunOnce() (tests drive the engine deterministically).
    bool start_thread = true;
    absl::Duration poll_interval = absl::Milliseconds(10);
    // A compressed sampled message inflates to at most this (proxy.max_message_bytes).
    int64_t max_message_bytes = 16 * 1024 * 1024;
  };

  // `num_shards`: recording threads (proxy.threads). Starts the monitor thread.
  MonitorEngine(std::shared_ptr<prometheus::Registry> registry, int num_shards);
  MonitorEngine(std::shared_ptr<prometheus::Registry> registry, int num_shards, Options options);
  ~MonitorEngine();  // stops and joins the thread

  MonitorEngine(const MonitorEngine&) = delete;
  MonitorEngine& operator=(const MonitorEngine&) = delete;

  // Makes a route's monitor (its strategy's, strategies::StrategyDef::MakeMonitor).
  using Factory = std::function<absl::StatusOr<std::shared_ptr<RouteMonitor>>(
      const config::Route& route, int num_shards, std::shared_ptr<prometheus::Registry>)>;

  // The monitor for `route` (nullptr if the route has no monitor block). Reuses the existing
  // monitor when the experiment is unchanged (fingerprint.h), telling it the arms' current
  // weights (a new weight epoch restarts its sample-ratio check); else `make` creates one.
  // Errors: e.g. an unreadable drift reference file (message names the file and line).
  // `backends`: the config's backends (an arm moved to another address is a new experiment).
  absl::StatusOr<std::shared_ptr<RouteMonitor>> ForRoute(
      const config::Route& route, const std::vector<config::Backend>& backends,
      const Factory& make);

  // After a config swap: forget monitors that the new config does not use (`live`: the outcome
  // sinks of the snapshot now taking traffic).
  void Retain(const std::vector<const telemetry::OutcomeSink*>& live);

  // The route's current monitor, or null (no monitor block). Controllers read Latest() of it.
  std::shared_ptr<RouteMonitor> Find(const std::string& route) const ABSL_LOCKS_EXCLUDED(mu_);

  // GET /api/v1/routes/{name}/stats. NotFound when the route has no monitor.
  absl::StatusOr<nlohmann::json> RouteStats(const std::string& route) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Stops and joins the monitor thread. Idempotent; safe from any thread but the monitor
  // thread itself.
  void Stop() ABSL_LOCKS_EXCLUDED(stop_mu_, join_mu_);

  // One round of the monitor thread's work at time `now`: decode every queued payload, then
  // evaluate each monitor whose interval has elapsed (a new monitor is evaluated at its first
  // round). Returns the number of payloads taken from the queues. Serialised with the thread.
  int RunOnce(absl::Time now) ABSL_LOCKS_EXCLUDED(run_mu_, mu_);

  // Monitors the engine currently evaluates.
  int num_monitors() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::string fingerprint;
    std::string route;
    std::weak_ptr<RouteMonitor> monitor;
    absl::Time next_evaluation = absl::InfinitePast();
  };

  void Loop() ABSL_LOCKS_EXCLUDED(stop_mu_);
  void Decode(RouteMonitor& monitor, PendingPayload& payload, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);

  const std::shared_ptr<prometheus::Registry> registry_;
  const int num_shards_;
  const Options options_;

  mutable Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);  // creation order (newest last)

  Mutex run_mu_;  // one RunOnce at a time; guards the reusable decode messages
  inference::ModelInferRequest request_ ABSL_GUARDED_BY(run_mu_);
  inference::ModelInferResponse response_ ABSL_GUARDED_BY(run_mu_);

  // modelgate::Mutex (a std::mutex), not absl::Mutex, so ThreadSanitizer runs see the
  // synchronisation.
  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace modelgate::monitor
