// Interleaving reports and click feedback over HTTP.
#include "admin/interleave_routes.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace modelgate::admin {

absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ParseFeedbackBody(
    const std::string& body) {
  constexpr char kShape[] = "expected {\"impression\": \"<id>\", \"clicks\": [\"<item id>\", ...]}";
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat("body is not JSON; ", kShape));
  if (!j.is_object() || !j.contains("impression") || !j["impression"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("missing \"impression\" string; ", kShape));
  }
  std::vector<std::string> clicks;
  if (j.contains("clicks")) {
    const nlohmann::json& c = j["clicks"];
    if (!c.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("\"clicks\" must be a list; ", kShape));
    }
    for (const nlohmann::json& item : c) {
      if (item.is_string()) {
        clicks.push_back(item.get<std::string>());
      } else if (item.is_number_integer()) {
        clicks.push_back(item.is_number_unsigned() ? std::to_string(item.get<uint64_t>())
                                                   : std::to_string(item.get<int64_t>()));
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("every click must be an item id (a string, or an integer for INT64 "
                         "ids); got ",
                         item.dump(), "; ", kShape));
      }
    }
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "impression" && key != "clicks") {
      return absl::InvalidArgumentError(absl::StrCat("unknown key \"", key, "\"; ", kShape));
    }
  }
  return std::make_pair(j["impression"].get<std::string>(), std::move(clicks));
}

void AddInterleaveRoutes(Router& router, InterleaveHooks hooks) {
  auto shared = std::make_shared<InterleaveHooks>(std::move(hooks));
  router.Add("GET", "/api/v1/routes/{route}/interleave", {},
             [shared](const HttpRequest&, const PathParams& params) {
               if (!shared->report) return HttpResponse::Error(404, "no interleave routes");
               return HttpResponse::FromStatus(shared->report(params.at("route")));
             });
  router.Add("POST", "/api/v1/routes/{route}/feedback", {},
             [shared](const HttpRequest& request, const PathParams& params) {
               if (!shared->feedback) return HttpResponse::Error(404, "no interleave routes");
               auto parsed = ParseFeedbackBody(request.body);
               if (!parsed.ok()) {
                 if (shared->malformed) shared->malformed();
                 return HttpResponse::Error(400, parsed.status().message());
               }
               return HttpResponse::FromStatus(
                   shared->feedback(params.at("route"), parsed->first, parsed->second));
             });
}

}  // namespace modelgate::admin
