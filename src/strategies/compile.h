// Compiles a loaded config's routes into the routing table a snapshot serves, each with its
// registered strategy. The routes' arms carry the effective weights (the config's, or those a
// controller set at run time), so a canary step is a recompile, never a mutation.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "routing/route_table.h"

namespace modelgate::strategies {

// The health of a backend (shared by every snapshot), by name.
using HealthLookup =
    std::function<std::shared_ptr<routing::BackendHealth>(const std::string& backend)>;

// `health` may be empty: every backend is then considered healthy.
absl::StatusOr<std::unique_ptr<routing::RouteTable>> CompileRoutes(
    const config::Config& config, const HealthLookup& health = {});

// Identifies a route's traffic shares (routing::CompiledRoute::weight_epoch): a digest of its
// arms' weights, so it changes exactly when they do.
uint64_t WeightEpoch(const config::Route& route);

}  // namespace modelgate::strategies
