// The audit trail of run-time decisions (canary transitions, manual gates): one JSON object per
// line appended to state_dir/audit.log, each line written whole with O_APPEND and synced before
// the call returns, so a crash never leaves half an event and a reader (or `tail -f`) sees
// complete lines only. Thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/mutex.h"
#include "nlohmann/json.hpp"

namespace modelgate::control {

class AuditLog {
 public:
  // `path` "" keeps no file (events still go to the log through the caller).
  explicit AuditLog(std::string path) : path_(std::move(path)) {}

  // Appends `event` as one line. An error names the file and what failed.
  absl::Status Append(const nlohmann::json& event);
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  Mutex mu_;
};

}  // namespace modelgate::control
