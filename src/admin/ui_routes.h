// The built-in status page: GET /ui (one self-contained HTML page with its CSS and JavaScript,
// embedded in the binary at build time from src/admin/ui/; it fetches nothing but the JSON
// below, and its Content-Security-Policy forbids anything else) and GET /api/v1/ui/state (every
// route of the running config with its strategy, arms and live totals, the traffic history
// (history.h), and the reports of its monitor, canary, shadow comparer and interleaving). Both
// are reads: open like the other GETs of the admin port.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "admin/history.h"
#include "admin/router.h"
#include "nlohmann/json.hpp"
#include "proxy/snapshot.h"

namespace modelgate::admin {

// Where the state's per-route reports come from; each may be empty (that report is then null).
// A NotFound answer (no monitor, not a canary, ...) is null too.
struct UiSources {
  std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot;  // required
  History* history = nullptr;                                        // required
  std::function<absl::StatusOr<std::string>(const std::string&)> route_stats;  // JSON text
  std::function<absl::StatusOr<std::string>(const std::string&, bool)> shadow_report;
  std::function<absl::StatusOr<nlohmann::json>(const std::string&)> canary_status;
  std::function<absl::StatusOr<nlohmann::json>(const std::string&)> interleave_report;
};

void AddUiRoutes(Router& router, UiSources sources);

// The body of GET /api/v1/ui/state (exposed for tests).
nlohmann::json UiState(const UiSources& sources);

// The page served at GET /ui.
const std::string& UiPage();

}  // namespace modelgate::admin
