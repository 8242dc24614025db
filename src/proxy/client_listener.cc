// The accept loop: poll(2) on the listening socket and an eventfd, accept4 until EAGAIN.
#include "proxy/client_listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "config/value_syntax.h"

namespace modelgate::proxy {
namespace {

constexpr int kBacklog = 4096;
constexpr int kMaxAcceptsPerWakeup = 256;  // then poll again, so Stop() is never starved
constexpr int kIdlePollMs = 1000;          // prune closed connections at least this often
constexpr int kBackoffMs = 100;            // when no spare descriptor could be re-taken

int OpenSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// Closes with a reset rather than a FIN: the client learns at once that it was refused.
void CloseWithReset(int fd) {
  struct linger l = {1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

int64_t DescriptorLimit() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return -1;
  return static_cast<int64_t>(rl.rlim_cur);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientListener>> ClientListener::Bind(const std::string& listen,
                                                                     Options options) {
  const std::optional<config::HostPort> parts = config::SplitHostPort(listen);
  if (!parts.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed listen address ", listen));
  }
  const std::string host(parts->host);
  const int port = parts->port;
  struct addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": ", ::gai_strerror(rc)));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (struct addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only (restart while old connections are in TIME_WAIT); never SO_REUSEPORT,
    // which would let a second modelgate bind the same port and take half the connections.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, kBacklog) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", last_error));
  struct sockaddr_storage bound = {};
  socklen_t len = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<struct sockaddr*>(&bound), &len);
  const int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<struct sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<struct sockaddr_in*>(&bound)->sin_port);
  return std::unique_ptr<ClientListener>(new ClientListener(fd, bound_port, options));
}

ClientListener::ClientListener(int fd, int port, Options options)
    : listen_fd_(fd), port_(port), options_(options) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  spare_fd_ = OpenSpare();
}

ClientListener::~ClientListener() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void ClientListener::Start(Accepted accepted, Refused refused, OpenChanged open_changed) {
  accepted_ = std::move(accepted);
  refused_ = std::move(refused);
  open_changed_ = std::move(open_changed);
  thread_ = std::thread([this] { Run(); });
}

void ClientListener::Stop() {
  if (stopped_) return;
  stopped_ = true;
  const uint64_t one = 1;
  if (thread_.joinable()) {
    ssize_t unused = ::write(wake_fd_, &one, sizeof(one));
    (void)unused;
    thread_.join();
  }
  ::close(listen_fd_);
}

void ClientListener::Run() {
  for (;;) {
    if (spare_fd_ < 0) spare_fd_ = OpenSpare();
    // Without a spare, a pending connection could not be taken off the backlog: the listening
    // socket would stay readable and this loop would spin. Wait a little instead.
    struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    const int nfds = spare_fd_ >= 0 ? 2 : 1;
    const int rc = ::poll(fds, nfds, spare_fd_ >= 0 ? kIdlePollMs : kBackoffMs);
    if (rc < 0 && errno != EINTR) {
      MG_LOG(kError, "client listener: poll: ", std::strerror(errno));
      return;
    }
    if (fds[0].revents != 0) return;  // Stop()
    if (nfds == 2 && fds[1].revents != 0) {
      for (int i = 0; i < kMaxAcceptsPerWakeup && AcceptOne(); ++i) {
      }
    }
    int64_t open;
    {
      absl::MutexLock lock(&mu_);
      Prune();
      open = static_cast<int64_t>(open_.size());
    }
    if (open_changed_) open_changed_(open);
  }
}

bool ClientListener::AcceptOne() {
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EMFILE || err == ENFILE) {
      // Out of descriptors: release the spare to take the pending connection off the backlog
      // and refuse it, rather than leave it (and every later one) hanging.
      ::close(spare_fd_);
      fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) Refuse(fd, Refusal::kDescriptors);
      spare_fd_ = OpenSpare();
      return spare_fd_ >= 0;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) return false;
    if (err != EINTR && err != ECONNABORTED && err != EPROTO) {
      MG_LOG(kWarning, "client listener: accept: ", std::strerror(err));
    }
    return true;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return true;
  }
  bool over_cap = false;
  {
    absl::MutexLock lock(&mu_);
    if (options_.max_connections > 0 &&
        static_cast<int64_t>(open_.size()) >= options_.max_connections) {
      Prune();
      over_cap = static_cast<int64_t>(open_.size()) >= options_.max_connections;
    }
    if (!over_cap) open_[fd] = st.st_ino;  // replaces a stale entry of a reused number
  }
  if (over_cap) {
    Refuse(fd, Refusal::kLimit);
    return true;
  }
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  accepted_(fd);
  return true;
}

void ClientListener::Refuse(int fd, Refusal why) {
  CloseWithReset(fd);
  last_refusal_reason_.store(static_cast<int>(why), std::memory_order_relaxed);
  last_refusal_ns_.store(absl::GetCurrentTimeNanos(), std::memory_order_release);
  if (refused_) refused_(why);
}

void ClientListener::Prune() {
  for (auto it = open_.begin(); it != open_.end();) {
    struct stat st;
    if (::fstat(it->first, &st) != 0 || st.st_ino != it->second) {
      open_.erase(it++);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> ClientListener::Problem() const {
  const int64_t last = last_refusal_ns_.load(std::memory_order_acquire);
  if (last == 0 ||
      absl::Nanoseconds(absl::GetCurrentTimeNanos() - last) > options_.problem_window) {
    return std::nullopt;
  }
  if (last_refusal_reason_.load(std::memory_order_relaxed) ==
      static_cast<int>(Refusal::kDescriptors)) {
    return absl::StrCat("the gRPC listener is refusing new client connections: out of file "
                        "descriptors (RLIMIT_NOFILE ",
                        DescriptorLimit(), ")");
  }
  return absl::StrCat("the gRPC listener is refusing new client connections: ",
                      options_.max_connections,
                      " are open (proxy.max_client_connections)");
}

int64_t ClientListener::open_connections() {
  absl::MutexLock lock(&mu_);
  Prune();
  return static_cast<int64_t>(open_.size());
}

}  // namespace modelgate::proxy
