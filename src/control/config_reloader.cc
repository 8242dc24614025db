// Reload: load, compare hash, apply; log rejections once per distinct set of errors.
#include "control/config_reloader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "config/loader.h"
#include "control/snapshot_publisher.h"
#include "telemetry/metrics.h"

namespace modelgate::control {
namespace {
// A config can have hundreds of errors; the log shows the first ones, check-config all.
constexpr size_t kMaxErrorLines = 20;
}  // namespace

absl::StatusOr<std::string> ConfigReloader::Reload(const std::string& trigger) {
  absl::MutexLock lock(&mu_);
  config::LoadResult next = config::LoadConfigFile(path_);
  if (!next.ok()) {
    metrics_->CountReload(false);
    LogRejection(trigger, next.errors);
    return absl::InvalidArgumentError(absl::StrJoin(next.errors, "\n"));
  }
  if (next.config.hash == publisher_->config().hash) {
    // Not counted as a reload, but the file is valid again: a user who reverts a bad edit must
    // see modelgate_config_last_reload_successful return to 1.
    metrics_->MarkConfigValid();
    return std::string("unchanged");
  }
  const std::string hash = next.config.hash;
  auto ignored = publisher_->ApplyConfig(std::move(next.config));
  if (!ignored.ok()) {
    metrics_->CountReload(false);
    LogRejection(trigger, {std::string(ignored.status().message())});
    return ignored.status();
  }
  last_rejected_.clear();
  metrics_->CountReload(true);
  for (const std::string& i : *ignored) MG_LOG(kWarning, "reload: ignored change: ", i);
  std::string msg = absl::StrCat("hash ", hash);
  MG_LOG(kInfo, "config reloaded (", trigger, "): ", msg);
  return msg;
}

void ConfigReloader::LogRejection(const std::string& trigger,
                                  const std::vector<std::string>& errors) {
  std::string joined = absl::StrJoin(errors, "\n");
  if (joined == last_rejected_) {
    MG_LOG_RATE_LIMITED(repeat_log_, kWarning, "reload (", trigger,
                        ") rejected again: the config still has the same ", errors.size(),
                        " error(s); the running config stays");
    return;
  }
  last_rejected_ = std::move(joined);
  MG_LOG(kError, "reload (", trigger, ") rejected: ", errors.size(),
         " error(s); the running config stays");
  const size_t shown = std::min(errors.size(), kMaxErrorLines);
  for (size_t i = 0; i < shown; ++i) MG_LOG(kError, "  ", errors[i]);
  if (shown < errors.size()) {
    MG_LOG(kError, "  ... and ", errors.size() - shown,
           " more (modelgate check-config lists them all)");
  }
}

}  // namespace modelgate::control
