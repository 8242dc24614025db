// The gRPC listener's socket, accepted by modelgate itself rather than by the gRPC library, so
// that it survives what gRPC 1.51's own listener does not: after accept() fails with EMFILE the
// library's listener stops accepting for good. Here:
//   - client connections are capped (proxy.max_client_connections, by default below the
//     descriptor limit); a connection over the cap is accepted and closed at once (the client
//     sees a reset and can retry elsewhere, instead of hanging in the backlog), and counted;
//   - EMFILE/ENFILE never stop the listener: a spare descriptor is released to accept and close
//     the pending connection, then re-taken (the reserve-descriptor technique), and counted;
//   - every refusal is remembered, so readiness and liveness can report a listener that cannot
//     take new clients (Problem()).
// Accepted connections are handed to a callback (the gRPC server takes them over with
// grpc::AddInsecureChannelFromFd); their descriptors are tracked by (fd, inode) to count the
// connections still open, because the library closes them without telling us.
//
// Thread-safety: Start/Stop from one thread; Problem, open_connections and the counters from any.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace modelgate::proxy {

class ClientListener {
 public:
  struct Options {
    int64_t max_connections = 0;  // 0: no cap
    // How long a refusal keeps Problem() set: long enough for a probe to see it.
    absl::Duration problem_window = absl::Seconds(10);
  };
  // Why a connection was refused.
  enum class Refusal { kLimit = 0, kDescriptors = 1 };
  using Accepted = std::function<void(int fd)>;
  using Refused = std::function<void(Refusal)>;
  using OpenChanged = std::function<void(int64_t open)>;

  // Binds and listens on "host:port" (port 0: the kernel picks; read it back with port()).
  static absl::StatusOr<std::unique_ptr<ClientListener>> Bind(const std::string& listen,
                                                              Options options);
  ~ClientListener();

  int port() const { return port_; }

  // Starts the accept thread. `accepted` owns each descriptor it is given; `refused` is told
  // of each refusal and `open_changed` of the open connection count (for metrics; at least
  // once a second). All run on the accept thread; the last two may be empty.
  void Start(Accepted accepted, Refused refused, OpenChanged open_changed);
  // Stops accepting and closes the listening socket. Idempotent.
  void Stop();

  // Why the listener cannot take new clients right now (it refused a connection within the
  // problem window), or nullopt.
  std::optional<std::string> Problem() const;
  // Client connections still open (descriptors handed out and not yet closed).
  int64_t open_connections();

 private:
  ClientListener(int fd, int port, Options options);
  void Run();
  // Accepts (or refuses) one pending connection. False when the backlog is empty, or when no
  // spare descriptor is left to refuse with (the caller waits before trying again).
  bool AcceptOne();
  void Refuse(int fd, Refusal why);
  // Forgets descriptors that were closed (or reused for something else) since they were handed
  // out. O(tracked).
  void Prune() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int listen_fd_;
  const int port_;
  const Options options_;
  int wake_fd_ = -1;   // eventfd: Stop() wakes the accept thread
  int spare_fd_ = -1;  // the reserve descriptor (accept thread only)
  std::thread thread_;
  Accepted accepted_;
  Refused refused_;
  OpenChanged open_changed_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<int, ino_t> open_ ABSL_GUARDED_BY(mu_);  // fd -> inode when handed out
  // Read by Problem() on the admin event loop, which must never wait for the accept thread.
  std::atomic<int64_t> last_refusal_ns_{0};
  std::atomic<int> last_refusal_reason_{0};
  bool stopped_ = false;
};

}  // namespace modelgate::proxy
