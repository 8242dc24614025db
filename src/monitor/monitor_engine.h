// The monitoring engine: owns every route's RouteMonitor, a bounded queue of sampled payloads
// with the thread that decodes them, and the evaluation loop. Monitors are keyed by their
// experiment definition, so a config reload that leaves a route's arms, weights, salt and
// monitor settings unchanged keeps its statistics, and a changed experiment starts fresh.
//
// Thread-safety: OfferPayload is called from proxy worker threads (non-blocking: a full queue
// drops and counts); ForRoute/Retain from the config-apply path; RouteStats from the admin
// thread. All are safe to call concurrently.
//
// STATUS: interface agreed with the proxy; implementation in progress (monitor_engine.cc).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "monitor/route_monitor.h"
#include "nlohmann/json.hpp"

namespace prometheus {
class Registry;
}

namespace modelgate::monitor {

class MonitorEngine {
 public:
  // `num_shards`: recording threads (proxy.threads). Starts the monitor thread.
  MonitorEngine(std::shared_ptr<prometheus::Registry> registry, int num_shards);
  ~MonitorEngine();  // stops and joins the thread

  // The monitor for `route` (nullptr if the route has no monitor block). Reuses the existing
  // monitor when the experiment definition is unchanged. Errors: e.g. an unreadable drift
  // reference file (message names the file and line).
  absl::StatusOr<std::shared_ptr<RouteMonitor>> ForRoute(const config::Route& route);

  // After a config swap: forget monitors that the new config does not use.
  void Retain(const std::vector<std::shared_ptr<RouteMonitor>>& live);

  // Queues a sampled call's payload for decoding. ByteBuffer copies share slices (no byte
  // copy). Never blocks; when the queue is full the payload is dropped and counted.
  void OfferPayload(std::shared_ptr<RouteMonitor> monitor, int arm, const grpc::ByteBuffer& request,
                    const grpc::ByteBuffer& response);

  // GET /api/v1/routes/{name}/stats. NotFound when the route has no monitor.
  absl::StatusOr<nlohmann::json> RouteStats(const std::string& route) const;

  void Stop();
};

}  // namespace modelgate::monitor
