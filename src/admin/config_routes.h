// GET /api/v1/config (the effective config, see config_json.h) and POST /api/v1/reload
// (re-read the config file now; mutating, so it needs the bearer token). The reload takes no
// body: `curl -X POST -H "Authorization: Bearer $TOKEN" http://ADMIN/api/v1/reload`.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "admin/router.h"
#include "proxy/snapshot.h"

namespace modelgate::admin {

// `snapshot` returns what the proxy serves now. `reload` (may be empty: 501) returns a
// human-readable result or every config error.
void AddConfigRoutes(Router& router,
                     std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot,
                     std::function<absl::StatusOr<std::string>()> reload);

}  // namespace modelgate::admin
