// Applies config file changes to a running proxy: validate first; a bad config is rejected,
// logged and counted (modelgate_config_reload_total{result="error"}) and the running config
// stays; an unchanged file (same hash) is a no-op; a good one is swapped in without dropping a
// call. Triggered by SIGHUP, the config directory watcher and POST /api/v1/reload; serialized
// internally, so it is safe to call from any thread.
//
// Logs stay quiet when triggers repeat: the watcher fires several times per edit and a broken
// file stays broken until someone fixes it, so the errors of a rejected file are logged in full
// once, and further rejections of the same errors only as a rate-limited reminder.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/log_rate_limit.h"

namespace modelgate::control {
class SnapshotPublisher;
}
namespace modelgate::telemetry {
class Metrics;
}

namespace modelgate::control {

class ConfigReloader {
 public:
  ConfigReloader(std::string path, SnapshotPublisher* publisher, telemetry::Metrics* metrics)
      : path_(std::move(path)), publisher_(publisher), metrics_(metrics) {}

  // Returns what happened ("unchanged", "generation N, hash H") or every config error.
  absl::StatusOr<std::string> Reload(const std::string& trigger) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void LogRejection(const std::string& trigger, const std::vector<std::string>& errors)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  SnapshotPublisher* const publisher_;
  telemetry::Metrics* const metrics_;
  absl::Mutex mu_;
  std::string last_rejected_ ABSL_GUARDED_BY(mu_);  // errors of the last rejection, joined
  LogRateLimiter repeat_log_{1, std::chrono::seconds(60)};
};

}  // namespace modelgate::control
