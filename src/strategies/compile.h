// Compiles a loaded config's routes into the routing table a snapshot serves, each with its
// registered strategy. The routes' arms carry the effective weights (the config's, or those a
// controller set at run time), so a canary step is a recompile, never a mutation.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "routing/route_table.h"

namespace modelgate::strategies {

absl::StatusOr<std::unique_ptr<routing::RouteTable>> CompileRoutes(const config::Config& config);

// Identifies a route's traffic shares (routing::CompiledRoute::weight_epoch): a digest of its
// arms' weights, so it changes exactly when they do.
uint64_t WeightEpoch(const config::Route& route);

}  // namespace modelgate::strategies
