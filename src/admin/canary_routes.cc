// Canary status and manual gates over HTTP.
#include "admin/canary_routes.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace modelgate::admin {
namespace {

// {"step": i} → i; InvalidArgument saying what is wrong.
absl::StatusOr<int> ParseStep(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("body is not JSON; expected {\"step\": N}");
  if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer()) {
    return absl::InvalidArgumentError("expected {\"step\": N} with N a step index (0-based)");
  }
  return j["step"].get<int>();
}

}  // namespace

void AddCanaryRoutes(Router& router, CanaryHooks hooks) {
  auto shared = std::make_shared<CanaryHooks>(std::move(hooks));
  router.Add("GET", "/api/v1/routes/{route}/canary", {},
             [shared](const HttpRequest&, const PathParams& params) {
               if (!shared->status) {
                 return HttpResponse::Error(404, "no canary controller is running");
               }
               return HttpResponse::FromStatus(shared->status(params.at("route")));
             });
  for (const char* action : {"promote", "rollback", "pause", "resume", "step"}) {
    const std::string name = action;
    router.Add("POST", absl::StrCat("/api/v1/routes/{route}/canary/", name), {.mutating = true},
               [shared, name](const HttpRequest& request, const PathParams& params) {
                 if (!shared->act) {
                   return HttpResponse::Error(404, "no canary controller is running");
                 }
                 std::optional<int> step;
                 if (name == "step") {
                   absl::StatusOr<int> parsed = ParseStep(request.body);
                   if (!parsed.ok()) return HttpResponse::Error(400, parsed.status().message());
                   step = *parsed;
                 }
                 return HttpResponse::FromStatus(shared->act(params.at("route"), name, step));
               });
  }
}

}  // namespace modelgate::admin
