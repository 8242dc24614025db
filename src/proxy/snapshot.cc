// Snapshot construction: compile routes, bind arms to backends and resolve metric handles.
#include "proxy/snapshot.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proxy/shadow_budgets.h"
#include "proxy/upstream_pool.h"

namespace modelgate::proxy {
absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Build(
    config::Config config, uint64_t generation, UpstreamPool& pool, ShadowBudgets& shadow_budgets,
    telemetry::Metrics& metrics, const SnapshotHooks& hooks) {
  std::shared_ptr<Snapshot> snap(new Snapshot(std::move(config), generation));
  auto table = hooks.compile(snap->config_);
  if (!table.ok()) return table.status();
  snap->table_ = std::move(*table);
  snap->feedback_ = hooks.feedback;
  snap->access_log_ = hooks.access_log;

  for (const config::Backend& b : snap->config_.backends) {
    auto rt = std::make_unique<BackendRuntime>();
    rt->name = b.name;
    rt->address = b.address;
    rt->channel = pool.Get(b);
    rt->metrics = metrics.ForBackend(b.name);
    rt->resolution.store(ResolveBackend(b));
    snap->backends_.push_back(std::move(rt));
  }
  for (int i = 0; i < snap->table_->size(); ++i) {
    const routing::CompiledRoute& route = snap->table_->route(i);
    RouteRuntime rr;
    rr.route = &route;
    rr.inflight = metrics.Inflight(route.name);
    rr.fallbacks = metrics.Fallbacks(route.name);
    for (const routing::ArmSpec& arm : route.arms) {
      ArmRuntime a;
      a.spec = &arm;
      a.backend = snap->backends_[arm.backend_index].get();
      a.metrics = metrics.ForArm(route.name, arm.name);
      a.shadow_inflight = ShadowInflightCounter(shadow_budgets, route.name, arm.name);
      a.shadow_budget = route.shadow_max_inflight;
      a.shadow_timeout = absl::Seconds(route.shadow_timeout_seconds);
      if (arm.role == routing::ArmRole::kShadow) {
        a.shadow_requests = metrics.ShadowRequests(route.name, arm.name);
        a.shadow_dropped = metrics.ShadowDropped(route.name, arm.name, "max_inflight");
      }
      // Only a backend with health checks is ever unhealthy (backend_health.h).
      if (snap->config_.backends[arm.backend_index].health.enabled) {
        a.diversions = metrics.Diversions(route.name, arm.name);
      }
      rr.arms.push_back(std::move(a));
    }
    rr.weight_epoch = route.weight_epoch;
    if (hooks.sinks) {
      auto sink = hooks.sinks(snap->config_.routes[i], snap->config_.backends);
      if (!sink.ok()) return sink.status();
      rr.sink = std::move(*sink);
    }
    if (hooks.shadow_sinks) {
      auto sink = hooks.shadow_sinks(snap->config_.routes[i], snap->config_.backends);
      if (!sink.ok()) return sink.status();
      rr.shadow_sink = std::move(*sink);
    }
    if (hooks.mergers) {
      auto merger = hooks.mergers(snap->config_.routes[i], snap->config_.backends);
      if (!merger.ok()) return merger.status();
      rr.merger = std::move(*merger);
    }
    snap->routes_.push_back(std::move(rr));
  }
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

std::vector<std::string> Snapshot::AwaitBackends(absl::Duration timeout) const {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (const auto& b : backends_) channels.push_back(b->channel);
  std::vector<std::string> names;
  for (size_t i : AwaitConnected(channels, timeout)) names.push_back(backends_[i]->name);
  return names;
}

std::vector<const telemetry::OutcomeSink*> Snapshot::Sinks() const {
  std::vector<const telemetry::OutcomeSink*> out;
  for (const RouteRuntime& r : routes_)
    if (r.sink) out.push_back(r.sink.get());
  return out;
}

}  // namespace modelgate::proxy
