// Applies config file changes to a running proxy: validate first; a bad config is rejected,
// logged and counted (modelgate_config_reload_total{result="error"}) and the running config
// stays; an unchanged file (same hash) is a no-op; a good one is swapped in without dropping a
// call. Triggered by SIGHUP, the config directory watcher and POST /api/v1/reload; serialized
// internally, so it is safe to call from any thread.
#pragma once

#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace modelgate::proxy {
class ProxyServer;
}
namespace modelgate::telemetry {
class Metrics;
}

namespace modelgate::control {

class ConfigReloader {
 public:
  ConfigReloader(std::string path, proxy::ProxyServer* proxy, telemetry::Metrics* metrics)
      : path_(std::move(path)), proxy_(proxy), metrics_(metrics) {}

  // Returns what happened ("unchanged", "generation N, hash H") or every config error.
  absl::StatusOr<std::string> Reload(const std::string& trigger);

 private:
  const std::string path_;
  proxy::ProxyServer* const proxy_;
  telemetry::Metrics* const metrics_;
  std::mutex mu_;
};

}  // namespace modelgate::control
