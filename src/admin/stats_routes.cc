// Metrics and statistics handlers.
#include "admin/stats_routes.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {
namespace {

using SnapshotFn = std::function<std::shared_ptr<const proxy::Snapshot>()>;
using ReportFn = std::function<absl::StatusOr<std::string>(const std::string&)>;

// GET of a per-route JSON report: 404 naming the routes when the route does not exist, 404
// with `missing` when `fetch` has nothing for it (NotFound), else the report.
Router::Handler RouteReport(SnapshotFn snapshot, ReportFn fetch, std::string missing) {
  return [snapshot = std::move(snapshot), fetch = std::move(fetch),
          missing = std::move(missing)](const HttpRequest&, const PathParams& params) {
    const std::string& name = params.at("route");
    const std::shared_ptr<const proxy::Snapshot> snap = snapshot();
    std::vector<std::string> names;
    for (int i = 0; i < snap->table().size(); ++i) names.push_back(snap->table().route(i).name);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return HttpResponse::Json(404,
                                {{"error", absl::StrCat("route \"", name, "\" does not exist")},
                                 {"routes", names}});
    }
    const absl::StatusOr<std::string> report =
        fetch ? fetch(name) : absl::StatusOr<std::string>(absl::NotFoundError("none"));
    if (absl::IsNotFound(report.status())) {
      return HttpResponse::Error(404, absl::StrCat("route \"", name, "\" ", missing));
    }
    if (!report.ok()) return HttpResponse::Error(500, report.status().message());
    HttpResponse r;
    r.content_type = "application/json";
    r.body = *report;
    return r;
  };
}

}  // namespace

void AddStatsRoutes(Router& router, telemetry::Metrics* metrics, SnapshotFn snapshot,
                    ReportFn route_stats, ShadowReport shadow_report) {
  router.Add("GET", "/metrics", {}, [metrics](const HttpRequest&, const PathParams&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics->Serialize();
    return r;
  });
  router.Add("GET", "/api/v1/routes/{route}/stats", {},
             RouteReport(snapshot, std::move(route_stats),
                         "has no monitor; add a monitor block to it to get statistics"));
  auto shadow = std::make_shared<ShadowReport>(std::move(shadow_report));
  router.Add("GET", "/api/v1/routes/{route}/shadow", {},
             RouteReport(snapshot,
                         [shadow](const std::string& route) -> absl::StatusOr<std::string> {
                           if (!*shadow) return absl::NotFoundError("no shadow routes");
                           return (*shadow)(route, false);
                         },
                         "is not a shadow route (strategy: shadow) or compares nothing yet"));
  router.Add("GET", "/api/v1/routes/{route}/diffs", {},
             RouteReport(snapshot,
                         [shadow](const std::string& route) -> absl::StatusOr<std::string> {
                           if (!*shadow) return absl::NotFoundError("no shadow routes");
                           return (*shadow)(route, true);
                         },
                         "is not a shadow route (strategy: shadow) or compares nothing yet"));
}

}  // namespace modelgate::admin
