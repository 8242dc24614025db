// GET /metrics (Prometheus text format), GET /api/v1/routes/{route}/stats (a monitored
// route's statistics report) and a shadow route's /shadow and /diffs reports. A route name that is not in the running config is "does not
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

// A shadow route's comparison report (diffs = false) or its diff samples (diffs = true) as
// JSON text; NotFound for routes that compare nothing.
using ShadowReport =
    std::function<absl::StatusOr<std::string>(const std::string& route, bool diffs)>;

// `metrics` must outlive the router. `route_stats` (may be empty: no monitoring) returns a
// route's report as JSON text, NotFound when the route has no monitor. `shadow_report` (may be
// empty) serves GET /api/v1/routes/{route}/shadow and /diffs.
void AddStatsRoutes(Router& router, telemetry::Metrics* metrics,
                    std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot,
                    std::function<absl::StatusOr<std::string>(const std::string&)> route_stats,
                    ShadowReport shadow_report = {});

}  // namespace modelgate::admin
