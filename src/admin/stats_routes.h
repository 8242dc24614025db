// GET /metrics (Prometheus text format) and GET /api/v1/routes/{route}/stats (a monitored
// route's statistics report). A route name that is not in the running config is "does not
// exist"; a route without a monitor block says that instead, so a typo and a missing monitor
// are told apart.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "admin/router.h"
#include "proxy/snapshot.h"
#include "telemetry/metrics.h"

namespace modelgate::admin {

// `metrics` must outlive the router. `route_stats` (may be empty: no monitoring) returns a
// route's report as JSON text, NotFound when the route has no monitor.
void AddStatsRoutes(Router& router, telemetry::Metrics* metrics,
                    std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot,
                    std::function<absl::StatusOr<std::string>(const std::string&)> route_stats);

}  // namespace modelgate::admin
