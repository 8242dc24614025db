// An immutable, compiled view of a config's routes: match a request (first match wins) and reach
// the route's strategy and arms. Compiled once per snapshot (src/strategies/compile.h); shared
// read-only by every worker thread, so it needs no locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "routing/backend_health.h"
#include "routing/plan.h"
#include "routing/strategy.h"

namespace modelgate::routing {

struct ArmSpec {
  std::string name;     // metrics label
  std::string backend;  // backend name
  int backend_index;    // index into the config's backends
  ArmRole role = ArmRole::kReference;
  std::shared_ptr<BackendHealth> health;  // never null
};

struct CompiledRoute {
  std::string name;
  std::string service;  // empty = any
  std::string method;   // empty = any
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<Strategy> strategy;
  // Each shadow arm's copies in flight (over it, a copy is dropped) and their own deadline.
  int shadow_max_inflight = 100;
  double shadow_timeout_seconds = 5;
  std::vector<ArmSpec> arms;
  bool arm_header = false;
  double timeout_seconds = 0;
  // Identifies the arms' traffic shares: it changes when they do (the sample-ratio check
  // restarts with each epoch; see telemetry::Outcome::weight_epoch).
  uint64_t weight_epoch = 0;
};

class RouteTable {
 public:
  explicit RouteTable(std::vector<CompiledRoute> routes) : routes_(std::move(routes)) {}

  // Index of the first matching route, or -1.
  int Match(const RequestInfo& request) const;
  const CompiledRoute& route(int i) const { return routes_[i]; }
  int size() const { return static_cast<int>(routes_.size()); }

 private:
  std::vector<CompiledRoute> routes_;
};

}  // namespace modelgate::routing
