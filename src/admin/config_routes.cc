// Config handlers.
#include "admin/config_routes.h"

#include <utility>

#include "admin/config_json.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

void AddConfigRoutes(Router& router,
                     std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot,
                     std::function<absl::StatusOr<std::string>()> reload) {
  router.Add("GET", "/api/v1/config", {},
             [snapshot = std::move(snapshot)](const HttpRequest&, const PathParams&) {
               const std::shared_ptr<const proxy::Snapshot> snap = snapshot();
               return HttpResponse::Json(200,
                                         EffectiveConfigJson(snap->config(), snap->generation()));
             });
  router.Add("POST", "/api/v1/reload", {.mutating = true},
             [reload = std::move(reload)](const HttpRequest&, const PathParams&) {
               if (!reload) return HttpResponse::Error(501, "reload is not available");
               const absl::StatusOr<std::string> result = reload();
               if (!result.ok()) {
                 // The running config stays; the message lists every error with its position.
                 return HttpResponse::Json(
                     400, {{"result", "error"},
                           {"message", std::string(result.status().message())}});
               }
               return HttpResponse::Json(200, {{"result", "success"}, {"message", *result}});
             });
}

}  // namespace modelgate::admin
