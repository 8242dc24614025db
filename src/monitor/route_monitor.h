// Live statistics of one A/B route: per-arm outcomes recorded on the request path, and (on the
// monitor thread) sample-ratio check, candidate-vs-reference comparisons with always-valid
// p-values, multiple-comparison adjustment, verdicts, and payload drift. Memory is bounded
// whatever the traffic.
//
// Thread-safety: RecordOutcome may be called concurrently from any number of threads as long
// as each passes its own shard index (the proxy's worker index); it is O(1) and does not
// allocate in steady state. Everything else runs on the monitor thread (or a test's thread).
//
// STATUS: interface agreed with the proxy; implementation in progress (route_monitor.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/config.h"
#include "nlohmann/json.hpp"
#include "payload/inference_v2.h"

namespace prometheus {
class Registry;
}

namespace modelgate::monitor {

struct ArmInfo {
  std::string name;  // metrics label
  int64_t weight;    // configured weight (for the sample-ratio check)
};

class RouteMonitor {
 public:
  // `num_shards` = number of threads that record (one shard each).
  RouteMonitor(std::string route, std::vector<ArmInfo> arms, config::MonitorConfig config,
               int num_shards, std::shared_ptr<prometheus::Registry> registry);
  ~RouteMonitor();

  // --- request path -----------------------------------------------------------------------
  void RecordOutcome(int shard, int arm, int grpc_code, double latency_seconds);
  bool payload_enabled() const;
  double sample_rate() const;

  // --- monitor thread -----------------------------------------------------------------------
  // Decoded payload of one sampled call served by `arm` (request may be null when only outputs
  // are monitored). Feeds drift monitors.
  void RecordPayload(int arm, const inference::ModelInferRequest* request,
                     const inference::ModelInferResponse& response, absl::Time now);
  void CountDropped();       // a payload could not be queued
  void CountDecodeError();   // a payload could not be parsed/extracted

  // Recomputes every statistic from the recorded data, updates the Prometheus gauges and the
  // JSON report. `now` drives sliding windows (injected for tests).
  void Evaluate(absl::Time now);
  absl::Duration interval() const;

  // The report of the last Evaluate (see README "Statistics" for the schema).
  nlohmann::json Report() const;

  const std::string& route() const;
};

}  // namespace modelgate::monitor
