// The admin HTTP endpoint (admin.listen): /metrics (Prometheus text format), /healthz and
// /readyz (answered on the event loop, so no load can starve them), and the JSON API under
// /api/v1, whose mutating endpoints need `Authorization: Bearer <token>` (admin.token_file).
// Served by http_server.h, its own event loop and two worker threads, never the proxy's
// threads. Also the status page (GET /ui, ui_routes.h) and the traffic history behind it, sampled
// every 5 s on its own thread. Thread-safe: Stop from any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "admin/canary_routes.h"
#include "admin/interleave_routes.h"
#include "admin/stats_routes.h"

namespace modelgate::telemetry {
class Metrics;
}
namespace modelgate::proxy {
class ProxyServer;
}

namespace modelgate::admin {

class BearerTokenAuth;
class History;
class HistorySampler;
class HttpServer;
class Router;

struct AdminHooks {
  // Re-reads the config file; returns a human-readable result or an error (all config errors).
  std::function<absl::StatusOr<std::string>()> reload;
  // The statistics report of a monitored route as JSON text; NotFound for other routes.
  std::function<absl::StatusOr<std::string>(const std::string& route)> route_stats;
  // A shadow route's comparison report or diff samples (admin/stats_routes.h).
  ShadowReport shadow_report;
  // Why the gRPC listener cannot serve (e.g. it stopped accepting), or nullopt when it can.
  // While it returns a reason, /healthz and /readyz answer 503 with it. Called on the admin
  // event loop for every probe: it must be cheap and must not block.
  std::function<std::optional<std::string>()> listener_problem;
  // The canary controller's status and manual gates (admin/canary_routes.h).
  CanaryHooks canary;
  // Interleaving reports and click feedback (admin/interleave_routes.h).
  InterleaveHooks interleave;
};

class AdminServer {
 public:
  // Binds `listen` ("host:port", port 0 = pick) and starts serving. `metrics` and `proxy`
  // must outlive the server. The bearer token is read from the running config's
  // admin.token_file, so a reload can add, move or remove it.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const std::string& listen,
                                                            telemetry::Metrics* metrics,
                                                            proxy::ProxyServer* proxy,
                                                            AdminHooks hooks);
  ~AdminServer();
  int port() const;
  void Stop();

 private:
  AdminServer();
  std::unique_ptr<BearerTokenAuth> auth_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<History> history_;
  std::unique_ptr<HistorySampler> sampler_;
  std::unique_ptr<HttpServer> http_;
};


}  // namespace modelgate::admin
