// `forward`: no experiment, every request goes to the route's single backend (arm 0).
#pragma once

#include "routing/strategy.h"

namespace modelgate::routing {

class ForwardStrategy final : public Strategy {
 public:
  RoutePlan Plan(const RequestInfo&, SplitMix64&) const override { return RoutePlan{}; }
  std::string_view kind() const override { return "forward"; }
};

}  // namespace modelgate::routing
