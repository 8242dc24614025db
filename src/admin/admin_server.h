// The admin HTTP endpoint (admin.listen): /metrics (Prometheus text format), /healthz (process
// alive), /readyz (config loaded and not draining), and the JSON API under /api/v1. Runs on its
// own small thread pool, never on the proxy's worker threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace modelgate::telemetry {
class Metrics;
}
namespace modelgate::proxy {
class ProxyServer;
}

namespace modelgate::admin {

struct AdminHooks {
  // Re-reads the config file; returns a human-readable result or an error (all config errors).
  std::function<absl::StatusOr<std::string>()> reload;
  // The statistics report of a monitored route as JSON text; NotFound for other routes.
  std::function<absl::StatusOr<std::string>(const std::string& route)> route_stats;
};

class AdminServer {
 public:
  // Binds `listen` ("host:port", port 0 = pick) and starts serving.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const std::string& listen,
                                                            telemetry::Metrics* metrics,
                                                            proxy::ProxyServer* proxy,
                                                            AdminHooks hooks);
  ~AdminServer();
  int port() const { return port_; }
  void Stop();

 private:
  AdminServer() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

// Splits "host:port" (also "[v6]:port"); false if malformed.
bool SplitHostPort(const std::string& listen, std::string* host, int* port);

}  // namespace modelgate::admin
