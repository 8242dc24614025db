// The routing strategy interface: given a request, the plan of which arms serve it (plan.h).
// Strategies are pure and deterministic given the request key and the random source they are
// handed, so they are unit-tested without sockets. A strategy never calls monitors and never
// changes itself: run-time changes (a canary's step) come as a new snapshot, compiled from the
// config and the route's run-time state.
#pragma once

#include <string_view>

#include "common/random.h"
#include "routing/plan.h"
#include "routing/request.h"

namespace modelgate::routing {

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual RoutePlan Plan(const RequestInfo& request, SplitMix64& rng) const = 0;
  virtual std::string_view kind() const = 0;
};

}  // namespace modelgate::routing
