// Compiles config routes into strategies. Unknown strategies cannot reach here (the loader
// rejects them), but the switch has no default so the compiler flags a forgotten one.
#include "routing/route_table.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "routing/strategies/ab.h"
#include "routing/strategies/forward.h"

namespace modelgate::routing {
namespace {

absl::StatusOr<ArmSpec> MakeArm(const config::Config& config, const std::string& name,
                                const std::string& backend) {
  for (size_t i = 0; i < config.backends.size(); ++i) {
    if (config.backends[i].name == backend)
      return ArmSpec{name.empty() ? backend : name, backend, static_cast<int>(i)};
  }
  return absl::InvalidArgumentError(absl::StrCat("undefined backend \"", backend, "\""));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(const config::Config& config) {
  auto table = std::make_unique<RouteTable>();
  table->routes_.reserve(config.routes.size());
  for (const config::Route& r : config.routes) {
    CompiledRoute route;
    route.name = r.name;
    route.service = r.match.service;
    route.method = r.match.method;
    route.headers = r.match.headers;
    route.arm_header = r.arm_header;
    route.timeout_seconds = r.timeout_seconds;
    switch (r.strategy) {
      case config::StrategyKind::kForward: {
        auto arm = MakeArm(config, r.forward.backend, r.forward.backend);
        if (!arm.ok()) return arm.status();
        route.arms.push_back(*arm);
        route.strategy = std::make_unique<ForwardStrategy>();
        break;
      }
      case config::StrategyKind::kAb: {
        std::vector<int64_t> weights;
        for (const config::AbArm& a : r.ab.arms) {
          auto arm = MakeArm(config, a.name, a.backend);
          if (!arm.ok()) return arm.status();
          route.arms.push_back(*arm);
          weights.push_back(a.weight);
        }
        // The monitor's reference arm (by default the first) is the reference; the others are
        // candidates.
        for (ArmSpec& arm : route.arms) {
          const bool reference = r.monitor.reference_arm.empty()
                                     ? &arm == &route.arms.front()
                                     : arm.name == r.monitor.reference_arm;
          arm.role = reference ? ArmRole::kReference : ArmRole::kCandidate;
        }
        route.strategy = std::make_unique<AbStrategy>(
            r.name, std::move(weights), r.ab.sticky_header,
            r.ab.salt.empty() ? std::string("modelgate") : r.ab.salt);
        break;
      }
    }
    table->routes_.push_back(std::move(route));
  }
  return table;
}

int RouteTable::Match(const RequestInfo& request) const {
  std::string_view service, method;
  if (!SplitMethodPath(request.method_path, &service, &method)) return -1;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const CompiledRoute& r = routes_[i];
    if (!r.service.empty() && r.service != service) continue;
    if (!r.method.empty() && r.method != method) continue;
    bool headers_ok = true;
    for (const auto& [key, value] : r.headers) {
      auto got = request.headers ? request.headers->Get(key) : std::nullopt;
      if (!got.has_value() || *got != value) {
        headers_ok = false;
        break;
      }
    }
    if (headers_ok) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace modelgate::routing
