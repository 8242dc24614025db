// Combining config and route states; keeping states across reloads.
#include "control/snapshot_publisher.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace modelgate::control {
namespace {

const config::Route* FindRoute(const config::Config& config, const std::string& name) {
  for (const config::Route& r : config.routes) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

// The states of `states` that still belong to a route of `config` (same definition).
RouteStates Surviving(const config::Config& config, const RouteStates& states,
                      std::vector<std::string>* dropped) {
  RouteStates kept;
  for (const auto& [name, state] : states) {
    const config::Route* route = FindRoute(config, name);
    if (route != nullptr && state.definition == RouteDefinition(*route, config.backends)) {
      kept.emplace(name, state);
    } else if (dropped != nullptr) {
      dropped->push_back(name);
    }
  }
  return kept;
}

}  // namespace

config::Config SnapshotPublisher::Start(config::Config config) {
  MutexLock lock(&mu_);
  if (store_ != nullptr) {
    StateStore::Loaded loaded = store_->LoadAll();
    for (const auto& [path, error] : loaded.errors) {
      MG_LOG(kError, "route state ", path, " ignored: ", error.message());
      std::string route = path.substr(path.find_last_of('/') + 1);
      if (absl::EndsWith(route, ".json")) route.resize(route.size() - 5);
      unrestorable_.push_back(route);
    }
    std::vector<std::string> dropped;
    states_ = Surviving(config, loaded.states, &dropped);
    for (const std::string& route : dropped) {
      MG_LOG(kInfo, "route state of ", route, " discarded: the route's definition changed");
      (void)store_->Remove(route);
    }
  }
  config_ = std::move(config);
  return ApplyRouteStates(config_, states_);
}

void SnapshotPublisher::Attach(Install install) {
  MutexLock lock(&mu_);
  install_ = std::move(install);
}

absl::StatusOr<std::vector<std::string>> SnapshotPublisher::PublishLocked(
    const config::Config& config, const RouteStates& states) {
  if (!install_) return absl::FailedPreconditionError("no data plane attached yet");
  return install_(ApplyRouteStates(config, states));
}

absl::StatusOr<std::vector<std::string>> SnapshotPublisher::ApplyConfig(config::Config config) {
  MutexLock lock(&mu_);
  std::vector<std::string> dropped;
  RouteStates kept = Surviving(config, states_, &dropped);
  absl::StatusOr<std::vector<std::string>> ignored = PublishLocked(config, kept);
  if (!ignored.ok()) return ignored.status();
  for (const std::string& route : dropped) {
    MG_LOG(kInfo, "route state of ", route, " discarded: the route's definition changed");
    if (store_ != nullptr) (void)store_->Remove(route);
  }
  config_ = std::move(config);
  states_ = std::move(kept);
  return ignored;
}

absl::Status SnapshotPublisher::UpdateRoute(
    const std::string& route_name,
    const std::function<absl::Status(const config::Route&, RouteState&)>& change) {
  MutexLock lock(&mu_);
  const config::Route* route = FindRoute(config_, route_name);
  if (route == nullptr) {
    return absl::NotFoundError(absl::StrCat("no route named \"", route_name, "\""));
  }
  RouteStates next = states_;
  RouteState& state = next[route_name];
  state.definition = RouteDefinition(*route, config_.backends);
  if (absl::Status s = change(*route, state); !s.ok()) return s;
  if (!state.weights.empty() && state.weights.size() != route->arms.size()) {
    return absl::InvalidArgumentError(absl::StrCat("route ", route_name, " has ",
                                                   route->arms.size(), " arms, not ",
                                                   state.weights.size()));
  }
  if (store_ != nullptr) {
    if (absl::Status s = store_->Save(route_name, state); !s.ok()) return s;
  }
  // Only the weights reach the data plane: bookkeeping alone needs no new snapshot.
  if (auto old = states_.find(route_name);
      old != states_.end() && old->second.definition == state.definition &&
      old->second.weights == state.weights) {
    states_ = std::move(next);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> published = PublishLocked(config_, next);
  if (!published.ok()) {
    if (store_ != nullptr) {  // put back what was persisted before
      auto old = states_.find(route_name);
      (void)(old != states_.end() ? store_->Save(route_name, old->second)
                                  : store_->Remove(route_name));
    }
    return published.status();
  }
  states_ = std::move(next);
  return absl::OkStatus();
}

std::vector<std::string> SnapshotPublisher::unrestorable() const {
  MutexLock lock(&mu_);
  return unrestorable_;
}

std::optional<RouteState> SnapshotPublisher::State(const std::string& route) const {
  MutexLock lock(&mu_);
  auto it = states_.find(route);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

config::Config SnapshotPublisher::config() const {
  MutexLock lock(&mu_);
  return config_;
}

}  // namespace modelgate::control
