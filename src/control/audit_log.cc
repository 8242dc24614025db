// Appending whole, synced JSON lines.
#include "control/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace modelgate::control {

absl::Status AuditLog::Append(const nlohmann::json& event) {
  if (path_.empty()) return absl::OkStatus();
  const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  MutexLock lock(&mu_);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("audit log ", path_, ": open: ", std::strerror(errno)));
  }
  // One write with O_APPEND: the line lands whole at the end even with other appenders.
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return absl::UnavailableError(absl::StrCat("audit log ", path_, ": write: ",
                                               n < 0 ? std::strerror(write_errno) : "short write"));
  }
  if (!synced) return absl::UnavailableError(absl::StrCat("audit log ", path_, ": fsync failed"));
  return absl::OkStatus();
}

}  // namespace modelgate::control
