// The routing state the request path reads: an immutable snapshot of the config compiled into a
// route table, upstream stubs and pre-resolved metric handles. Built off the request path (at
// start and on reload), published by pointer swap, and kept alive by every call that uses it
// (std::shared_ptr), so a reload never invalidates an in-flight call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config/config.h"
#include "monitor/route_monitor.h"
#include "routing/route_table.h"
#include "telemetry/metrics.h"

namespace modelgate::proxy {

class UpstreamPool;
}  // namespace modelgate::proxy
namespace modelgate::monitor {
class MonitorEngine;
}  // namespace modelgate::monitor
namespace modelgate::proxy {

struct BackendRuntime {
  std::string name;
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  std::unique_ptr<telemetry::BackendMetrics> metrics;
};

struct ArmRuntime {
  const routing::ArmSpec* spec;
  BackendRuntime* backend;
  std::unique_ptr<telemetry::ArmMetrics> metrics;
};

struct RouteRuntime {
  const routing::CompiledRoute* route;
  std::vector<ArmRuntime> arms;
  telemetry::SeriesLease<prometheus::Gauge> inflight;  // modelgate_inflight_requests{route}
  std::shared_ptr<monitor::RouteMonitor> monitor;  // null when the route has no monitor block
};

// Which methods are known to be unary, so they may take the cheaper forwarding path.
class UnaryMethods {
 public:
  // Built-in knowledge (Open Inference Protocol, TF Serving, health Check) plus `extra`
  // entries of the form "/pkg.Svc/Method" or "/pkg.Svc/*".
  explicit UnaryMethods(const std::vector<std::string>& extra);
  bool Contains(std::string_view method_path) const;

 private:
  absl::flat_hash_set<std::string> exact_;
  absl::flat_hash_set<std::string> services_;
};

class Snapshot {
 public:
  // `monitors` may be null (no route is monitored then).
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Build(config::Config config,
                                                               uint64_t generation,
                                                               UpstreamPool& pool,
                                                               telemetry::Metrics& metrics,
                                                               monitor::MonitorEngine* monitors);
  // The route monitors this snapshot uses.
  std::vector<std::shared_ptr<monitor::RouteMonitor>> Monitors() const;
  // Waits (at most `timeout`) until every backend's channel is connected or has failed, so the
  // snapshot takes traffic on warm channels; returns the names of backends not connected.
  std::vector<std::string> AwaitBackends(absl::Duration timeout) const;

  const config::Config& config() const { return config_; }
  uint64_t generation() const { return generation_; }
  const routing::RouteTable& table() const { return *table_; }
  const RouteRuntime& route(int i) const { return routes_[i]; }
  bool IsUnary(std::string_view method_path) const { return unary_.Contains(method_path); }

 private:
  explicit Snapshot(config::Config config, uint64_t generation)
      : config_(std::move(config)), generation_(generation), unary_(config_.proxy.unary_methods) {}

  config::Config config_;
  uint64_t generation_;
  UnaryMethods unary_;
  std::unique_ptr<routing::RouteTable> table_;
  std::vector<std::unique_ptr<BackendRuntime>> backends_;
  std::vector<RouteRuntime> routes_;
};

}  // namespace modelgate::proxy
