// inotify directory watch with an eventfd for shutdown.
#include "config/file_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace modelgate::config {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void Drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof(buf)) > 0) {
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Start(const std::string& path,
                                                               std::function<void()> on_change,
                                                               std::chrono::milliseconds settle) {
  std::unique_ptr<FileWatcher> w(new FileWatcher());
  w->on_change_ = std::move(on_change);
  w->settle_ = settle;
  w->inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0)
    return absl::InternalError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  const std::string dir = DirectoryOf(path);
  if (inotify_add_watch(w->inotify_fd_, dir.c_str(),
                        IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB) < 0) {
    return absl::NotFoundError(absl::StrCat("cannot watch ", dir, ": ", std::strerror(errno)));
  }
  w->stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->stop_fd_ < 0) return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

void FileWatcher::Run() {
  pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    Drain(inotify_fd_);
    // Coalesce the burst (a ConfigMap swap is 3+ events, an editor save several): wait until
    // the directory has been quiet for `settle`.
    while (true) {
      const int n = ::poll(fds, 2, static_cast<int>(settle_.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (fds[1].revents != 0) return;
      Drain(inotify_fd_);
    }
    on_change_();
  }
}

void FileWatcher::Stop() {
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t unused = ::write(stop_fd_, &one, sizeof(one));
    (void)unused;
  }
  if (thread_.joinable()) thread_.join();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

FileWatcher::~FileWatcher() { Stop(); }

}  // namespace modelgate::config
