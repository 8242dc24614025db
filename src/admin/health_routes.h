// GET /healthz (the process can answer) and GET /readyz (it should receive traffic), answered
// on the admin event loop itself so that no load on the admin port can make a probe time out.
// Both answer 503 with the reason while `listener_problem` reports one (the gRPC listener
// cannot accept): a proxy whose data port is dead is neither healthy nor ready.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "admin/router.h"

namespace modelgate::admin {

// `ready` and `listener_problem` (may be empty) run on the event loop: they must not block.
void AddHealthRoutes(Router& router, std::function<bool()> ready,
                     std::function<std::optional<std::string>()> listener_problem);

}  // namespace modelgate::admin
