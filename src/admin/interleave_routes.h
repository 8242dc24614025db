// Interleaving over HTTP: GET /api/v1/routes/{route}/interleave (impressions, feedback counts and
// per-pair preference statistics) and POST /api/v1/routes/{route}/feedback with
// {"impression": "<id>", "clicks": ["<item id>", ...]} (INT64 ids as decimal strings; JSON
// integers are accepted too). Feedback is data, not control: like the gRPC Feedback service on
// the proxy's port, it needs no admin token (requiring one here would protect nothing).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/router.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

struct InterleaveHooks {
  // A route's report; NotFound when it does not exist or does not interleave.
  std::function<absl::StatusOr<nlohmann::json>(const std::string& route)> report;
  // Records clicks; NotFound (route, unknown or expired impression), InvalidArgument (item not
  // in the impression).
  std::function<absl::StatusOr<nlohmann::json>(const std::string& route,
                                               const std::string& impression,
                                               const std::vector<std::string>& clicks)>
      feedback;
  // Told of every feedback body that does not parse (for the feedback counters). May be empty.
  std::function<void()> malformed;
};

// Empty hooks answer 404 ("no interleave routes").
void AddInterleaveRoutes(Router& router, InterleaveHooks hooks);

// {"impression": ..., "clicks": [...]} → (impression, clicks); InvalidArgument saying what is
// wrong. Exposed for tests.
absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ParseFeedbackBody(
    const std::string& body);

}  // namespace modelgate::admin
