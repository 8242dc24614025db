// The admin port's HTTP/1.1 server: one event-loop thread (epoll) accepts connections, reads
// and parses requests within bounds (http_parser.h), answers inline routes (health probes)
// itself and hands the others to a small worker pool, whose responses it writes back; keep-alive
// and pipelining are supported, `Connection: close` is honoured.
//
// Why not a thread per connection: a few slow clients then hold every thread and /readyz times
// out. Here a slow client costs a buffer and a descriptor, and every limit is explicit:
//  * a request's head and body must arrive within request_timeout of its first byte (408);
//    idle keep-alive connections close after idle_timeout; a response must be taken by the
//    client within write_timeout;
//  * head, header count and body sizes are bounded (414/431/413, checked before any body is
//    read), and so are request bodies buffered at once over all connections (503);
//  * at most max_connections connections: beyond it a new connection replaces the oldest one
//    that is idle or still sending its request (sparing, for 200 ms, new ones whose request
//    has not arrived yet); when all are being served, a few more (probe_connections) are
//    accepted for /healthz and /readyz only, and the rest are answered 503 at once;
//  * out of descriptors (EMFILE/ENFILE): idle connections are closed to make room, and one
//    reserve descriptor is released so that a pending connection (a kubelet probe) is still
//    accepted and served; the reserve is taken back when a descriptor is free again. With
//    nothing left to free, accepting pauses briefly instead of spinning.
// Thread-safe: Start, Stop and stats from any thread; the router's handlers run on the loop
// (inline routes) or on the worker threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "admin/http_parser.h"
#include "admin/router.h"
#include "admin/worker_pool.h"

namespace modelgate::admin {

struct HttpServerOptions {
  HttpLimits limits;
  int max_connections = 256;
  // Beyond max_connections, when none can be replaced: this many more, for health probes only.
  int probe_connections = 16;
  size_t body_budget_bytes = 16 << 20;  // request bodies buffered at once, all connections
  std::chrono::milliseconds request_timeout{10'000};  // first byte to whole request
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};    // to send one response
  std::chrono::milliseconds linger_timeout{2'000};    // draining input after a final response
  int worker_threads = 2;
  size_t worker_queue = 128;  // requests waiting for a worker; beyond: 503 with Retry-After
};

class HttpServer {
 public:
  // Binds host:port (port 0: the kernel picks, see port()) and starts serving `router`, which
  // must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& host, int port,
                                                           const Router* router,
                                                           HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

  // Closes every connection and stops the threads (waiting for running handlers). Idempotent.
  void Stop();

  // Counts since start, for tests and diagnosis.
  struct Stats {
    uint64_t accepted = 0;
    uint64_t rejected = 0;  // over capacity, answered 503
    uint64_t evicted = 0;   // idle or slow connections closed to make room
    uint64_t descriptor_exhausted = 0;  // accept() failed with EMFILE/ENFILE
    uint64_t reserve_released = 0;      // times the reserve descriptor made room for one
    bool reserve_held = false;          // the reserve descriptor is open now
  };
  Stats stats() const;

 private:
  struct Connection;
  struct Completion {
    uint64_t connection_id;
    HttpResponse response;
  };
  using Clock = std::chrono::steady_clock;

  HttpServer(const Router* router, HttpServerOptions options);
  void Run();
  void OnAcceptable();
  void AddConnection(int fd, bool probe_only);
  void Reject(int fd);
  HttpResponse OverCapacity();  // counts it
  bool EvictOne(bool spare_new);
  bool ConnectionPending() const;
  void OnConnectionEvent(Connection& c, uint32_t events);
  void OnReadable(Connection& c);
  void ProcessInput(Connection& c);
  bool OnHead(Connection& c);
  void Dispatch(Connection& c, HttpRequest request);
  void Respond(Connection& c, const HttpResponse& response, bool keep_alive);
  void RespondError(Connection& c, int status, const std::string& message);
  void Flush(Connection& c);
  void AfterResponse(Connection& c);
  void Close(Connection& c);
  void SetDeadline(Connection& c, Clock::duration timeout);
  void UpdateInterest(Connection& c);
  void ExpireDeadlines();
  void PostCompletion(Completion completion);
  void DrainCompletions();
  void PauseAccepting();
  void ResumeAccepting();
  void TakeReserve();
  int WaitTimeoutMs() const;

  const Router* const router_;
  const HttpServerOptions options_;
  int port_ = 0;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: completions and Stop wake the loop

  // Loop thread only. Closed connections stay in the map (state kClosed) until the end of the
  // loop iteration, so no reference taken during one iteration dangles.
  absl::flat_hash_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<uint64_t> closed_;
  std::vector<char> read_buffer_;
  int open_connections_ = 0;
  uint64_t next_id_ = 1;
  size_t body_budget_left_;
  int reserve_fd_ = -1;
  bool accept_paused_ = false;
  Clock::time_point accept_resume_at_;
  Clock::time_point next_deadline_ = Clock::time_point::max();
  Clock::time_point last_exhaustion_log_;

  absl::Mutex mu_;
  std::vector<Completion> completions_ ABSL_GUARDED_BY(mu_);

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> accepted_{0}, rejected_{0}, evicted_{0}, exhausted_{0}, reserve_used_{0};
  std::atomic<bool> reserve_held_{false};
  WorkerPool workers_;
  std::thread loop_;
};

}  // namespace modelgate::admin
