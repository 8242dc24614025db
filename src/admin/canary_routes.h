// The canary's admin API: GET /api/v1/routes/{route}/canary (status and evidence) and the
// manual gates POST /api/v1/routes/{route}/canary/{promote,rollback,pause,resume,step} (the
// last with body {"step": i}, a 0-based step index). The POSTs are mutating: bearer token.
// Status codes: 404 unknown route or not a canary, 409 not allowed from the current state,
// 400 bad body or step, 200 with the new status otherwise.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "admin/router.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

struct CanaryHooks {
  std::function<absl::StatusOr<nlohmann::json>(const std::string& route)> status;
  // action: promote | rollback | pause | resume | step (then `step` is set).
  std::function<absl::StatusOr<nlohmann::json>(const std::string& route,
                                               const std::string& action,
                                               std::optional<int> step)>
      act;
};

// Without hooks (no controller) the paths answer 404 for every route.
void AddCanaryRoutes(Router& router, CanaryHooks hooks);

}  // namespace modelgate::admin
