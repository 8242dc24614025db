// Metrics and statistics handlers.
#include "admin/stats_routes.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

void AddStatsRoutes(Router& router, telemetry::Metrics* metrics,
                    std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot,
                    std::function<absl::StatusOr<std::string>(const std::string&)> route_stats) {
  router.Add("GET", "/metrics", {}, [metrics](const HttpRequest&, const PathParams&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics->Serialize();
    return r;
  });
  router.Add(
      "GET", "/api/v1/routes/{route}/stats", {},
      [snapshot = std::move(snapshot), route_stats = std::move(route_stats)](
          const HttpRequest&, const PathParams& params) {
        const std::string& name = params.at("route");
        const std::shared_ptr<const proxy::Snapshot> snap = snapshot();
        std::vector<std::string> names;
        for (int i = 0; i < snap->table().size(); ++i) names.push_back(snap->table().route(i).name);
        if (std::find(names.begin(), names.end(), name) == names.end()) {
          return HttpResponse::Json(
              404, {{"error", absl::StrCat("route \"", name, "\" does not exist")},
                    {"routes", names}});
        }
        const absl::StatusOr<std::string> stats =
            route_stats ? route_stats(name)
                        : absl::StatusOr<std::string>(absl::NotFoundError("no monitoring"));
        if (absl::IsNotFound(stats.status())) {
          return HttpResponse::Error(
              404, absl::StrCat("route \"", name,
                                "\" has no monitor; add a monitor block to it to get statistics"));
        }
        if (!stats.ok()) return HttpResponse::Error(500, stats.status().message());
        HttpResponse r;
        r.content_type = "application/json";
        r.body = *stats;
        return r;
      });
}

}  // namespace modelgate::admin
