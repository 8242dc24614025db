// Watches a config file for changes the way Kubernetes makes them: the kubelet swaps a `..data`
// symlink in the file's DIRECTORY (an inotify watch on the file itself follows the old inode and
// dies, kubernetes#111947), and editors replace files by rename. So we watch the directory, and
// after any burst of events (coalesced for `settle`) call `on_change`; the callback re-reads the
// file and decides whether anything changed. Thread-safe; the callback runs on the watcher's own
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace modelgate::config {

class FileWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Start(
      const std::string& path, std::function<void()> on_change,
      std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  ~FileWatcher();
  void Stop();

 private:
  FileWatcher() = default;
  void Run();

  std::function<void()> on_change_;
  std::chrono::milliseconds settle_{0};
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread to exit
  std::thread thread_;
};

}  // namespace modelgate::config
