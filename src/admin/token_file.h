// The admin bearer token, read from a file (admin.token_file) and re-read whenever the file
// changes. Kubernetes rotates a mounted Secret by swapping a `..data` symlink in the mount
// directory, so a change is detected by stat'ing the path, which follows the symlinks to the
// file they resolve to, on every call: another inode, device, size, mtime or ctime means
// another token. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace modelgate::admin {

class TokenFile {
 public:
  // The token in `path`: its contents without leading or trailing whitespace (a trailing
  // newline is how `echo` and editors leave it). Errors, each logged once when it starts:
  // FailedPrecondition if the file is empty (or only whitespace), Unavailable if it cannot be
  // read or is larger than 4 KiB. `path` may change between calls (a config reload).
  absl::StatusOr<std::string> Read(const std::string& path);

 private:
  // What identifies one version of the file.
  struct Version {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const Version& o) const {
      return device == o.device && inode == o.inode && size == o.size &&
             mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
    }
  };
  // Reads `path` and the version of what was read (fstat of the opened file, so the two agree
  // even if the file is swapped in between).
  static absl::StatusOr<std::string> Load(const std::string& path, Version* version);
  void Remember(const std::string& path, std::optional<Version> version,
                absl::StatusOr<std::string> token) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::string path_ ABSL_GUARDED_BY(mu_);
  std::optional<Version> version_ ABSL_GUARDED_BY(mu_);  // of token_; none after an error
  absl::StatusOr<std::string> token_ ABSL_GUARDED_BY(mu_) = absl::UnavailableError("not read");
};

}  // namespace modelgate::admin
