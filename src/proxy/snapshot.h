// The routing state the request path reads: an immutable snapshot of the config compiled into a
// route table, resolved backends and pre-resolved metric handles. Built off the request path (at
// start and on reload), published by pointer swap, and kept alive by every call that uses it
// (std::shared_ptr), so a reload never invalidates an in-flight call.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config/config.h"
#include "config/unary_methods.h"
#include "h2/target.h"
#include "proxy/backend_resolution.h"
#include "proxy/shadow_budgets.h"
#include "telemetry/access_log.h"
#include "telemetry/outcome.h"
#include "telemetry/shadow_sink.h"
#include "routing/feedback.h"
#include "routing/merger.h"
#include "routing/route_table.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {

class UpstreamPool;

struct BackendRuntime {
  std::string name;
  std::string address;
  // A watched gRPC channel to the backend (upstream_pool.h): it keeps
  // modelgate_backend_connected and the start/reload warm-up; calls do not use it.
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<telemetry::BackendMetrics> metrics;
  // The data plane's addresses (backend_resolution.h): resolved when the snapshot is built,
  // DNS names again every proxy.dns_refresh_seconds. Read with Resolved().
  std::atomic<std::shared_ptr<const Resolution>> resolution;
  std::shared_ptr<const Resolution> Resolved() const {
    return resolution.load(std::memory_order_acquire);
  }
};

struct ArmRuntime {
  const routing::ArmSpec* spec;
  BackendRuntime* backend;
  std::unique_ptr<telemetry::ArmMetrics> metrics;
  // modelgate_diversions_total{route,from_arm}: resolved only for arms that can be diverted
  // (their backend has health checks); empty otherwise.
  telemetry::CounterLease diversions;
  // Shadow legs to this arm in flight (all workers and every snapshot still running: see
  // shadow_budgets.h) and their budget; over it, copies are dropped. Each leg has its own
  // timeout.
  std::shared_ptr<std::atomic<int>> shadow_inflight;
  int shadow_budget = 100;
  absl::Duration shadow_timeout = absl::Seconds(5);
  // Shadow arms only: modelgate_shadow_requests_total / modelgate_shadow_dropped_total
  // {reason="max_inflight"} series (null / empty otherwise).
  std::shared_ptr<telemetry::CodeCounters> shadow_requests;
  telemetry::CounterLease shadow_dropped;
};

struct RouteRuntime {
  const routing::CompiledRoute* route;
  std::vector<ArmRuntime> arms;
  telemetry::SeriesLease<prometheus::Gauge> inflight;  // modelgate_inflight_requests{route}
  std::shared_ptr<telemetry::CodeCounters> fallbacks;  // modelgate_fallbacks_total{route,code}
  // Where every leg's outcome goes (the route's monitor); null when nobody listens.
  std::shared_ptr<telemetry::OutcomeSink> sink;
  // Where mirrored calls' answers go to be compared (shadow routes); null when nobody compares.
  std::shared_ptr<telemetry::ShadowSink> shadow_sink;
  // Builds the one answer of merge plans (interleaving); null when the route's plans never merge
  // (a merge plan then runs its primary alone).
  std::shared_ptr<const routing::Merger> merger;
  uint64_t weight_epoch = 0;  // changes with the route's weights (sample-ratio epochs)
};

// What a snapshot is built with, supplied by the layers above the data plane (the proxy knows
// neither strategies nor monitors):
struct SnapshotHooks {
  // Compiles the config's routes with their strategies (src/strategies/compile.h).
  std::function<absl::StatusOr<std::unique_ptr<routing::RouteTable>>(const config::Config&)>
      compile;
  // The outcome sink of a route (its monitor), or null for none; errors (e.g. an unreadable
  // drift reference file) fail the snapshot. May be empty: no sinks.
  std::function<absl::StatusOr<std::shared_ptr<telemetry::OutcomeSink>>(
      const config::Route& route, const std::vector<config::Backend>& backends)>
      sinks;
  // The shadow comparer of a route, or null for none. May be empty: no comparers.
  std::function<absl::StatusOr<std::shared_ptr<telemetry::ShadowSink>>(
      const config::Route& route, const std::vector<config::Backend>& backends)>
      shadow_sinks;
  // The merger of a route whose plans merge legs, or null. May be empty: no mergers.
  std::function<absl::StatusOr<std::shared_ptr<const routing::Merger>>(
      const config::Route& route, const std::vector<config::Backend>& backends)>
      mergers;
  // Answers modelgate.feedback.v1.Feedback/RecordClicks on the proxy's port (interleaving's
  // click feedback). May be null: the method is then routed like any other.
  std::shared_ptr<routing::FeedbackHandler> feedback;
  // Where every call's line goes (access_log config); null: no access log. The proxy server
  // sets it: one object for the process's life, reconfigured by reloads (see open_access_log).
  std::shared_ptr<telemetry::AccessLog> access_log;
  // Opens the access log the first time a config enables it (it then lives, reconfigured by
  // reloads, for the process's life). May be empty: access_log is then ignored.
  std::function<std::shared_ptr<telemetry::AccessLog>(const config::AccessLogConfig&)>
      open_access_log;
  // Called after every snapshot swap with the new snapshot's sinks (e.g. so the monitor engine
  // forgets monitors no snapshot uses any more). May be empty.
  std::function<void(const std::vector<const telemetry::OutcomeSink*>&)> installed;
};

class Snapshot {
 public:
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Build(config::Config config,
                                                               uint64_t generation,
                                                               UpstreamPool& pool,
                                                               ShadowBudgets& shadow_budgets,
                                                               telemetry::Metrics& metrics,
                                                               const SnapshotHooks& hooks);
  // The outcome sinks this snapshot's routes use.
  std::vector<const telemetry::OutcomeSink*> Sinks() const;
  // Waits (at most `timeout`) until every backend's channel is connected or has failed, so the
  // snapshot takes traffic on warm channels; returns the names of backends not connected.
  std::vector<std::string> AwaitBackends(absl::Duration timeout) const;

  const config::Config& config() const { return config_; }
  uint64_t generation() const { return generation_; }
  const routing::RouteTable& table() const { return *table_; }
  const RouteRuntime& route(int i) const { return routes_[i]; }
  const std::vector<std::unique_ptr<BackendRuntime>>& backends() const { return backends_; }
  bool IsUnary(std::string_view method_path) const { return unary_.Contains(method_path); }
  routing::FeedbackHandler* feedback() const { return feedback_.get(); }
  telemetry::AccessLog* access_log() const { return access_log_.get(); }

 private:
  explicit Snapshot(config::Config config, uint64_t generation)
      : config_(std::move(config)), generation_(generation), unary_(config_.proxy.unary_methods) {}

  config::Config config_;
  uint64_t generation_;
  config::UnaryMethods unary_;
  std::unique_ptr<routing::RouteTable> table_;
  std::vector<std::unique_ptr<BackendRuntime>> backends_;
  std::vector<RouteRuntime> routes_;
  std::shared_ptr<routing::FeedbackHandler> feedback_;
  std::shared_ptr<telemetry::AccessLog> access_log_;
};

}  // namespace modelgate::proxy
