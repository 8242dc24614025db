// Reload: load, compare hash, apply.
#include "control/config_reloader.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "config/loader.h"
#include "proxy/server.h"
#include "telemetry/metrics.h"

namespace modelgate::control {

absl::StatusOr<std::string> ConfigReloader::Reload(const std::string& trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  config::LoadResult next = config::LoadConfigFile(path_);
  if (!next.ok()) {
    metrics_->CountReload(false);
    for (const std::string& e : next.errors) MG_LOG(kError, "reload (", trigger, ") rejected: ", e);
    return absl::InvalidArgumentError(absl::StrJoin(next.errors, "\n"));
  }
  if (next.config.hash == proxy_->snapshot()->config().hash) {
    // Not counted as a reload, but the file is valid again: a user who reverts a bad edit must
    // see modelgate_config_last_reload_successful return to 1.
    metrics_->MarkConfigValid();
    return std::string("unchanged");
  }
  auto ignored = proxy_->Apply(next.config);
  if (!ignored.ok()) {
    metrics_->CountReload(false);
    MG_LOG(kError, "reload (", trigger, ") rejected: ", ignored.status().message());
    return ignored.status();
  }
  metrics_->CountReload(true);
  for (const std::string& i : *ignored) MG_LOG(kWarning, "reload: ignored change: ", i);
  std::string msg = absl::StrCat("generation ", proxy_->generation(), ", hash ", next.config.hash);
  MG_LOG(kInfo, "config reloaded (", trigger, "): ", msg);
  return msg;
}

}  // namespace modelgate::control
