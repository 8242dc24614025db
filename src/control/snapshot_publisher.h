// The only writer of the routing snapshot. It holds the user's config and the routes' run-time
// states (control/route_state.h) and publishes their combination: the config with each route's
// run-time weights applied. The config reloader and the controllers both go through it, so a
// file reload never undoes a canary's step (a state survives every reload that leaves its
// route's definition unchanged), and a controller never forges a config.
//
// Thread-safe: calls are serialised.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/mutex.h"
#include "config/config.h"
#include "control/route_state.h"
#include "control/state_store.h"

namespace modelgate::control {

class SnapshotPublisher {
 public:
  // Installs an effective config (ProxyServer::Apply); returns the settings it ignored.
  using Install =
      std::function<absl::StatusOr<std::vector<std::string>>(const config::Config& effective)>;

  // `store` (may be null: states live in memory only) must outlive the publisher.
  explicit SnapshotPublisher(StateStore* store) : store_(store) {}

  // The first config: restores the persisted states that still belong to their routes and
  // returns the effective config to start serving with.
  config::Config Start(config::Config config);
  // Where published configs go, once the data plane exists.
  void Attach(Install install);

  // A new config from the file. States of routes whose definition changed (or that are gone)
  // are discarded; the others apply to the new config.
  absl::StatusOr<std::vector<std::string>> ApplyConfig(config::Config config);

  // Changes the run-time state of `route` and publishes it; `change` may refuse (its error is
  // returned, nothing changes). NotFound for an unknown route. A state that cannot be persisted
  // is an error and is not applied.
  absl::Status UpdateRoute(
      const std::string& route,
      const std::function<absl::Status(const config::Route&, RouteState&)>& change);

  std::optional<RouteState> State(const std::string& route) const;
  // Routes whose persisted state file could not be read at Start (their file names).
  std::vector<std::string> unrestorable() const;
  config::Config config() const;

 private:
  absl::StatusOr<std::vector<std::string>> PublishLocked(const config::Config& config,
                                                         const RouteStates& states)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StateStore* const store_;
  mutable Mutex mu_;
  config::Config config_ ABSL_GUARDED_BY(mu_);
  RouteStates states_ ABSL_GUARDED_BY(mu_);
  Install install_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unrestorable_ ABSL_GUARDED_BY(mu_);
};

}  // namespace modelgate::control
